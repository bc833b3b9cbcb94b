"""The statistics: Mann-Whitney p-values against known values, and the bootstrap interval."""

from __future__ import annotations

import math

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
