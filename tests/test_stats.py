"""The statistics: Mann-Whitney p-values and t quantiles against known values, and the
paired ratio's interval."""

from __future__ import annotations

import itertools
import math
import random
import statistics

import pytest

from parbench.analysis import stats


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # Exact: the most extreme of C(10, 5) = 252 arrangements, both tails.
        ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 2 / 252),
        ([1, 2, 3], [1.5, 2.5, 3.5], 0.7),
        ([1, 2, 3, 4], [5, 6, 7, 8], 2 / 70),
        # Normal approximation with ties (reference value from scipy.stats.mannwhitneyu).
        ([1, 1, 2, 2, 3, 3], [2, 3, 3, 4, 4, 5], 0.039393),
        (list(range(60)), [x + 30.5 for x in range(60)], 7.9643e-13),
    ],
)
def test_mann_whitney_matches_reference_values(first, second, expected) -> None:
    assert stats.mann_whitney_p(first, second) == pytest.approx(expected, rel=1e-3)


def test_mann_whitney_is_symmetric_and_one_for_identical_samples() -> None:
    a, b = [0.10, 0.12, 0.11, 0.13], [0.2, 0.21, 0.19, 0.22]
    assert stats.mann_whitney_p(a, b) == stats.mann_whitney_p(b, a)
    assert stats.mann_whitney_p(a, a) == 1.0
    with pytest.raises(ValueError, match="at least one value"):
        stats.mann_whitney_p([], a)


def test_smallest_p() -> None:
    assert stats.smallest_p(3, 3) == pytest.approx(0.1)
    assert stats.smallest_p(4, 4) < stats.ALPHA <= stats.smallest_p(3, 4)
    assert stats.smallest_p(1, 1) == 1.0


def test_u_counts_sum_to_all_arrangements() -> None:
    for n1, n2 in [(1, 1), (3, 5), (8, 8), (2, 30)]:
        counts = stats._u_counts(n1, n2)
        assert sum(counts) == math.comb(n1 + n2, n1)
        assert counts == counts[::-1]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        # scipy.stats.mannwhitneyu(first, second, method="asymptotic").pvalue
        (
            [round(1 + (i * 7919 % 1000) / 1000, 2) for i in range(3000)],
            [round(1.01 + (i * 104729 % 1000) / 1000, 2) for i in range(2500)],
            0.22094773444919347,
        ),
        (
            [i / 100 for i in range(20000)],
            [i / 100 + 3 for i in range(20000)],
            2.50781933298658e-07,
        ),
    ],
)
def test_mann_whitney_on_large_tied_samples_matches_scipy(first, second, expected) -> None:
    assert stats.mann_whitney_p(first, second) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    # scipy.stats.t.ppf(p, df)
    [
        (0.975, 1, 12.706204736174707),
        (0.975, 2, 4.302652729749464),
        (0.975, 30, 2.0422724563012373),
        (0.996875, 7, 3.855225756064796),
        (0.5, 5, 0.0),
    ],
)
def test_t_quantiles_match_scipy(p: float, df: int, expected: float) -> None:
    assert stats.t_quantile(p, df) == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_a_paired_ratio_is_the_geometric_mean_of_the_pairs_within_a_t_interval() -> None:
    serial = [1.0, 2.0, 1.0, 4.0]
    case = [0.5, 0.5, 0.5, 1.0]
    found = stats.paired_ratio(serial, case)
    # The ratios are 2, 4, 2 and 4: their geometric mean is sqrt(8).
    assert found.ratio == pytest.approx(math.sqrt(8))
    logs = [math.log(2), math.log(4)] * 2
    half = stats.t_quantile(0.975, 3) * statistics.stdev(logs) / 2
    assert (found.low, found.high) == pytest.approx(
        (math.sqrt(8) * math.exp(-half), math.sqrt(8) * math.exp(half))
    )
    assert found.pairs == 4 and found.confidence == 0.95


def test_one_pair_has_no_interval_and_equal_ratios_are_kept_exact() -> None:
    assert stats.paired_ratio([0.8], [0.1]) == stats.Paired(1, 8.0, 0.0, math.inf, 0.95)
    same = stats.paired_ratio([0.8, 0.8], [0.1, 0.1])
    assert (same.ratio, same.low, same.high) == (8.0, 8.0, 8.0)
    with pytest.raises(ValueError, match="as many values on each side"):
        stats.paired_ratio([1.0], [1.0, 2.0])


def test_paired_intervals_cover_the_true_ratio_at_their_level_however_the_machine_drifts() -> None:
    # Each pair shares a machine speed that drifts by a factor of 3 from pair to pair; the
    # pair's own rounds vary by 5% apiece. The ratio is 2 throughout.
    chance = random.Random(11)
    trials, covered = 2000, 0
    for _ in range(trials):
        speeds = [chance.uniform(1, 3) for _ in range(6)]
        serial = [2 * s * chance.lognormvariate(0, 0.05) for s in speeds]
        case = [s * chance.lognormvariate(0, 0.05) for s in speeds]
        found = stats.paired_ratio(serial, case)
        covered += found.low <= 2 <= found.high
    assert 0.93 <= covered / trials <= 0.97


def test_a_ratio_of_speedups_covers_the_true_ratio_and_is_narrower_than_two_intervals() -> None:
    # Threads at 1x and processes at 1.2x, each paired with serial beside a neighbour
    # that makes a pair's ratio vary by 20%, with unequal pair counts.
    chance = random.Random(5)

    def side(speedup: float, pairs: int) -> tuple[list[float], list[float]]:
        serial = [chance.uniform(0.05, 0.15) for _ in range(pairs)]
        return serial, [s / speedup * chance.lognormvariate(0, 0.2) for s in serial]

    trials, covered, decided_apart, decided_by_overlap = 1000, 0, 0, 0
    for _ in range(trials):
        threads, processes = side(1.0, 20), side(1.2, 12)
        found = stats.ratio_of_speedups(threads, processes)
        covered += found.low <= 1.2 <= found.high
        decided_apart += found.low > 1
        decided_by_overlap += stats.paired_ratio(*threads).high < stats.paired_ratio(*processes).low
    assert 0.93 <= covered / trials <= 0.97
    assert decided_apart > decided_by_overlap * 1.2


def test_a_ratio_of_speedups_is_the_ratio_of_their_geometric_means() -> None:
    first = ([1.0, 1.0, 1.0], [1.0, 0.5, 1.0])
    second = ([2.0, 2.0, 2.0], [0.5, 0.5, 1.0])
    found = stats.ratio_of_speedups(first, second)
    assert found.ratio == pytest.approx((4 * 4 * 2) ** (1 / 3) / 2 ** (1 / 3))
    assert found.low < found.ratio < found.high and found.pairs == 3
    none = stats.ratio_of_speedups(([1.0], [1.0]), second)
    assert (none.low, none.high) == (0.0, math.inf)
    with pytest.raises(ValueError, match="as many serial rounds as case rounds"):
        stats.ratio_of_speedups(([1.0, 2.0], [1.0]), second)


def test_median_interval_takes_the_binomial_order_statistics() -> None:
    # P(Binomial(100, 1/2) <= 39) = 0.0176 <= 2.5% < P(... <= 40) = 0.0284.
    assert stats.median_interval(range(100, 0, -1)) == (40, 50.5, 61)
    # P(Binomial(10, 1/2) <= 1) = 11 / 1024; <= 2 is 56 / 1024, above 2.5%.
    assert stats.median_interval(range(1, 11)) == (2, 5.5, 9)
    # Below 6 values no order statistic reaches 95%: the range is the interval.
    assert stats.median_interval([3.0, 1.0, 2.0]) == (1.0, 2.0, 3.0)


@pytest.mark.parametrize(("first", "second", "hits"), [(3, 4, 2), (5, 5, 3), (2, 6, 0), (4, 3, 3)])
def test_none_among_counts_every_way_the_hits_could_fall(first, second, hits) -> None:
    # Every placing of the hits among all the rounds is equally likely; the p-value is the
    # share of placings that leave the first sample without one.
    placings = list(itertools.combinations(range(first + second), hits))
    missing = sum(all(i >= first for i in placing) for placing in placings)
    assert stats.none_among(first, second, hits) == pytest.approx(missing / len(placings))


def test_none_among_a_sample_missing_what_the_other_often_had() -> None:
    # Fifteen rounds each; seven of the second's had it: chance alone would leave the
    # first without any about 0.3% of the time.
    assert stats.none_among(15, 15, 7) == pytest.approx(6435 / 2035800)
    assert stats.none_among(15, 15, 1) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="hits must be from 0 to second"):
        stats.none_among(15, 3, 4)
