"""The statistics behind every verdict: medians, a bootstrap interval for a ratio of
medians, and the Mann-Whitney U test on raw round times.

Pure Python, no dependency: the sample sizes are pytest-benchmark's round counts.
"""

from __future__ import annotations

import functools
import math
import random
import statistics
from collections.abc import Sequence

ALPHA = 0.05
# A difference smaller than this share of the median is not called, however significant:
# with hundreds of rounds the test finds sub-1% drifts that no user should act on.
MIN_EFFECT = 0.05
BOOTSTRAP_RESAMPLES = 2000
# Exact U distributions are counted up to this many pairs; above it, the normal
# approximation (with the tie correction) is within a hair of exact.
EXACT_PAIRS_MAX = 2500


def ratio_interval(
    numerator: Sequence[float], denominator: Sequence[float], seed: int = 0
) -> tuple[float, float]:
    """A 95% percentile-bootstrap interval for median(numerator) / median(denominator).

    Seeded, so that the same rounds always give the same interval.
    """
    draw = random.Random(seed).choices
    ratios = sorted(
        statistics.median(draw(numerator, k=len(numerator)))
        / statistics.median(draw(denominator, k=len(denominator)))
        for _ in range(BOOTSTRAP_RESAMPLES)
    )
    low = ratios[int(BOOTSTRAP_RESAMPLES * ALPHA / 2)]
    high = ratios[int(BOOTSTRAP_RESAMPLES * (1 - ALPHA / 2)) - 1]
    return low, high


def mann_whitney_p(first: Sequence[float], second: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test that the two samples differ in location.

    Exact for small samples without ties; otherwise the normal approximation with the
    tie correction and a continuity correction.
    """
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        raise ValueError("the Mann-Whitney test needs at least one value in each sample")
    ranks = _ranks([*first, *second])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = min(u1, n1 * n2 - u1)
    tied = len(set(first) | set(second)) < n1 + n2
    if not tied and n1 * n2 <= EXACT_PAIRS_MAX:
        counts = _u_counts(min(n1, n2), max(n1, n2))
        at_most = sum(counts[: int(u) + 1])
        return min(1.0, 2 * at_most / math.comb(n1 + n2, n1))
    n = n1 + n2
    tie_term = sum(t**3 - t for t in _tie_sizes([*first, *second]))
    variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u1 - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def real_change(p_value: float | None, ratio: float) -> bool:
    """Whether a change to ``ratio`` times the old median, tested at ``p_value``, is called:
    significant at ``ALPHA`` and at least ``MIN_EFFECT`` either way."""
    if p_value is None or p_value >= ALPHA:
        return False
    return abs(math.log(ratio)) >= math.log1p(MIN_EFFECT)


def smallest_p(n1: int, n2: int) -> float:
    """The smallest two-sided p-value the test can give for samples of these sizes."""
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _tie_sizes(values: Sequence[float]) -> list[int]:
    counts: dict[float, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return [count for count in counts.values() if count > 1]


@functools.cache
def _u_counts(n1: int, n2: int) -> tuple[int, ...]:
    """How many arrangements of n1 + n2 distinct values give each U from 0 to n1 * n2.

    These are the coefficients of the Gaussian binomial [n1 + n2 choose n1] in q, built
    as the product over i of (1 - q^(n2 + i)) / (1 - q^i); each division is exact.
    """
    coefficients = [1] + [0] * (n1 * n2 + n1 + n2)
    for i in range(1, n1 + 1):
        for degree in range(len(coefficients) - 1, n2 + i - 1, -1):
            coefficients[degree] -= coefficients[degree - n2 - i]
        for degree in range(i, len(coefficients)):
            coefficients[degree] += coefficients[degree - i]
    return tuple(coefficients[: n1 * n2 + 1])
