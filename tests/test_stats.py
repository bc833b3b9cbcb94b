"""The statistics: Mann-Whitney p-values against known values, and the bootstrap interval."""

from __future__ import annotations

import math
import random

import pytest

from parbench import stats


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


def test_ratio_interval_brackets_the_ratio_and_is_reproducible() -> None:
    slow = [1.0, 1.02, 0.98, 1.01, 0.99, 1.03]
    fast = [0.1, 0.101, 0.099, 0.102, 0.098, 0.1]
    low, high = stats.ratio_interval(slow, fast)
    assert low <= 10 <= high and high / low < 1.2
    assert stats.ratio_interval(slow, fast) == (low, high)
    low, high = stats.ratio_interval(slow, [x * 1.001 for x in slow])
    assert low < 1 < high


def test_small_samples_keep_the_seeded_bootstrap_interval() -> None:
    slow = [1.0, 1.02, 0.98, 1.01, 0.99, 1.03]
    fast = [0.1, 0.101, 0.099, 0.102, 0.098, 0.1]
    assert stats.ratio_interval(slow, fast) == (9.801980198019802, 10.299999999999999)


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


class CountedReads(list):
    """A sample that counts how many of its values are read, by index or by iteration."""

    reads = 0

    def __getitem__(self, index):
        CountedReads.reads += 1
        return super().__getitem__(index)

    def __iter__(self):
        for value in super().__iter__():
            CountedReads.reads += 1
            yield value


def test_large_samples_cost_a_pass_over_the_rounds_not_a_bootstrap() -> None:
    n = 5000
    slow = CountedReads(1 + (i * 7919 % n) / n for i in range(n))
    fast = CountedReads(0.5 + (i * 104729 % n) / n for i in range(n))
    CountedReads.reads = 0
    stats.ratio_interval(slow, fast)
    stats.mann_whitney_p(slow, fast)
    # A bootstrap reads every value once per resample: 2000 x 10,000 reads.
    assert CountedReads.reads <= 10 * 2 * n


def test_median_interval_takes_the_binomial_order_statistics() -> None:
    # P(Binomial(100, 1/2) <= 39) = 0.0176 <= 2.5% < P(... <= 40) = 0.0284.
    assert stats.median_interval(range(100, 0, -1)) == (40, 50.5, 61)
    # P(Binomial(10, 1/2) <= 1) = 11 / 1024; <= 2 is 56 / 1024, above 2.5%.
    assert stats.median_interval(range(1, 11)) == (2, 5.5, 9)
    # Below 6 values no order statistic reaches 95%: the range is the interval.
    assert stats.median_interval([3.0, 1.0, 2.0]) == (1.0, 2.0, 3.0)


@pytest.mark.parametrize(
    ("sizes", "draw"),
    [
        ((100, 100), lambda r: r.lognormvariate(0, 0.2)),
        ((40, 400), lambda r: r.lognormvariate(0, 0.05)),
        # Timing noise is skewed: a floor plus an exponential tail, median 1 + 0.1 ln 2.
        ((300, 60), lambda r: 1 + 0.1 * r.expovariate(1)),
    ],
)
def test_large_sample_intervals_cover_the_true_ratio_95_percent_of_the_time(sizes, draw) -> None:
    chance = random.Random(7)
    trials, covered = 400, 0
    for _ in range(trials):
        slow = [3 * draw(chance) for _ in range(sizes[0])]
        fast = [draw(chance) for _ in range(sizes[1])]
        low, high = stats.ratio_interval(slow, fast)
        covered += low <= 3 <= high
    # 95% nominal: each median's interval is conservative, so a little more, never far less.
    assert 0.9 <= covered / trials <= 0.995
