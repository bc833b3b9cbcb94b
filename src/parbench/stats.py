"""The statistics behind every verdict: medians, a 95% interval for a ratio of medians,
and the Mann-Whitney U test on raw round times.

Pure Python, no dependency. A benchmark holds from a few rounds to tens of thousands (a
fast workload under a long ``--benchmark-max-time``), so every method here costs at most
a sort of its samples once the samples are large:

- ``ratio_interval``: up to ``BOOTSTRAP_MAX_ROUNDS`` rounds in the two samples together,
  a seeded percentile bootstrap, whose cost grows with rounds times resamples. Beyond,
  each median gets its order-statistic interval, and the two are combined on the log
  scale: O(n log n).
- ``mann_whitney_p``: the exact U distribution for samples without ties and at most
  ``EXACT_PAIRS_MAX`` pairs (a bounded count); otherwise the normal approximation with
  the tie and continuity corrections, from one tally of the values: O(n log n).
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import random
import statistics
from collections import Counter
from collections.abc import Sequence

ALPHA = 0.05
# What a difference that is not called is called, in verdicts and comparisons alike.
NO_CLEAR_DIFFERENCE = "no clear difference"
# A difference smaller than this share of the median is not called, however significant:
# with hundreds of rounds the test finds sub-1% drifts that no user should act on.
MIN_EFFECT = 0.05
BOOTSTRAP_RESAMPLES = 2000
# The bootstrap's cost is resamples x rounds: about 50 ms for 40 rounds, seconds for
# thousands. Past this many rounds in both samples together the order-statistic interval,
# whose normal approximation is good by then, takes over.
BOOTSTRAP_MAX_ROUNDS = 40
# Exact U distributions are counted up to this many pairs; above it, the normal
# approximation (with the tie correction) is within a hair of exact.
EXACT_PAIRS_MAX = 2500


def ratio_interval(
    numerator: Sequence[float], denominator: Sequence[float], seed: int = 0
) -> tuple[float, float]:
    """A 95% interval for median(numerator) / median(denominator); values must be positive.

    Small samples (``BOOTSTRAP_MAX_ROUNDS`` rounds or fewer in both together): a
    percentile bootstrap of ``BOOTSTRAP_RESAMPLES`` resamples, seeded so that the same
    rounds always give the same interval.

    Larger samples: each median's distribution-free interval (``median_interval``), combined
    by MOVER, the method of variance estimates recovery (Zou and Donner, 2008) on the log
    scale: ``d = log m1 - log m2``, lower ``d - hypot(log m1 - log l1, log u2 - log m2)``,
    upper ``d + hypot(log u1 - log m1, log m2 - log l2)``. It is valid because the two
    samples are independent and each log median is asymptotically normal, and each
    interval it recovers the spread from holds whatever the distribution of round times.
    It costs one sort of each sample, whatever their size.
    """
    if len(numerator) + len(denominator) <= BOOTSTRAP_MAX_ROUNDS:
        return _bootstrap_interval(numerator, denominator, seed)
    low1, median1, high1 = (math.log(v) for v in median_interval(numerator))
    low2, median2, high2 = (math.log(v) for v in median_interval(denominator))
    difference = median1 - median2
    return (
        math.exp(difference - math.hypot(median1 - low1, high2 - median2)),
        math.exp(difference + math.hypot(high1 - median1, median2 - low2)),
    )


def median_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """``(low, median, high)``: the sample median within its 95% order-statistic interval.

    ``low`` and ``high`` are the (j+1)-th smallest and largest values, for the largest j with
    P(Binomial(n, 1/2) <= j) <= 2.5%: the population median lies between them with
    probability at least 95% for any continuous distribution, since the count of values
    below it is Binomial(n, 1/2). Below 6 values no j reaches that: the interval is then the
    sample's range, which covers the median with probability 1 - 2^(1-n).
    """
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("a median interval needs at least one value")
    depth = _median_depth(n)
    median = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
    return ordered[depth], median, ordered[n - 1 - depth]


def mann_whitney_p(first: Sequence[float], second: Sequence[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test that the two samples differ in location.

    Exact (from the counted U distribution) for samples without ties and at most
    ``EXACT_PAIRS_MAX`` pairs. Otherwise the normal approximation of U, with the tie
    correction of its variance and a continuity correction, as ``scipy.stats.mannwhitneyu``
    computes it with ``method="asymptotic"``: by then each sample has dozens of values and
    U, a sum of many bounded terms, is close to normal.
    """
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        raise ValueError("the Mann-Whitney test needs at least one value in each sample")
    in_first = Counter(first)
    counts = in_first.copy()
    counts.update(second)
    values = sorted(counts)
    ties = list(map(counts.__getitem__, values))
    # A value's rank is the mean of the positions its ties take, counting from 1: with
    # ``last`` its last position, twice the rank is 2 * last - ties + 1. Maps over whole
    # lists keep the work in C, since samples hold up to tens of thousands of rounds.
    last = list(itertools.accumulate(ties))
    twice_ranks_less_one = map(operator.sub, map(operator.add, last, last), ties)
    occurrences = map(in_first.get, values, itertools.repeat(0))
    rank_sum = (sum(map(operator.mul, occurrences, twice_ranks_less_one)) + n1) / 2
    u1 = rank_sum - n1 * (n1 + 1) / 2
    n = n1 + n2
    if len(counts) == n and n1 * n2 <= EXACT_PAIRS_MAX:
        u = min(u1, n1 * n2 - u1)
        at_most = sum(_u_counts(min(n1, n2), max(n1, n2))[: int(u) + 1])
        return min(1.0, 2 * at_most / math.comb(n, n1))
    # The sum over tied groups of t^3 - t; untied values add 1 - 1 = 0.
    tie_term = sum(map(pow, ties, itertools.repeat(3))) - n
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


def _bootstrap_interval(
    numerator: Sequence[float], denominator: Sequence[float], seed: int
) -> tuple[float, float]:
    draw = random.Random(seed).choices
    ratios = sorted(
        statistics.median(draw(numerator, k=len(numerator)))
        / statistics.median(draw(denominator, k=len(denominator)))
        for _ in range(BOOTSTRAP_RESAMPLES)
    )
    low = ratios[int(BOOTSTRAP_RESAMPLES * ALPHA / 2)]
    high = ratios[int(BOOTSTRAP_RESAMPLES * (1 - ALPHA / 2)) - 1]
    return low, high


@functools.cache
def _median_depth(n: int) -> int:
    """The largest j with P(Binomial(n, 1/2) <= j) <= ALPHA / 2, or 0 if there is none."""
    log_all = math.lgamma(n + 1) - n * math.log(2)
    j, below = 0, 0.0
    while True:
        below += math.exp(log_all - math.lgamma(j + 1) - math.lgamma(n - j + 1))
        if below > ALPHA / 2:
            return max(j - 1, 0)
        j += 1


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
