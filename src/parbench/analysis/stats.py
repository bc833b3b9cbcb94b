"""The statistics behind every verdict and comparison: the paired speedup of rounds
taken side by side, with its t interval, and the Mann-Whitney U test on raw round times.

Pure Python, no dependency.

- ``paired_ratio``: serial and a case measured in pairs of rounds taken side by side
  (``runner``). Each pair's log ratio is one observation; their mean is the log of the
  speedup (a geometric mean of the pairs' ratios), and Student's t gives its interval.
  A neighbour that comes and goes hits both rounds of a pair alike, so it moves the
  pairs' spread, not their centre.
- ``none_among``: Fisher's exact test, one-sided, for a kind of round that never came
  to one sample and came to the other (threads that never kept two CPUs busy in a round
  where a process pool beside the same neighbour did).
- ``median_interval``: one sample's median (a serial time across runs) within its
  distribution-free 95% interval.
- ``mann_whitney_p``: two independent samples (one benchmark in two saved runs): the
  exact U distribution for samples without ties and at most ``EXACT_PAIRS_MAX`` pairs;
  otherwise the normal approximation with the tie and continuity corrections, from one
  tally of the values: O(n log n).
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

ALPHA = 0.05
# What a difference that is not called is called, in verdicts and comparisons alike.
NO_CLEAR_DIFFERENCE = "no clear difference"
# A difference smaller than this share of the median is not called, however significant:
# with hundreds of rounds the test finds sub-1% drifts that no user should act on.
MIN_EFFECT = 0.05
# Exact U distributions are counted up to this many pairs; above it, the normal
# approximation (with the tie correction) is within a hair of exact.
EXACT_PAIRS_MAX = 2500


@dataclass(frozen=True)
class Paired:
    """The ratio of two quantities measured in ``pairs`` pairs: ``ratio`` (the geometric
    mean of the pairs' ratios) within its interval ``low``..``high`` at ``confidence``.
    Fewer than two pairs give no interval: ``0``..``inf``."""

    pairs: int
    ratio: float
    low: float
    high: float
    confidence: float

    @property
    def spread(self) -> float:
        """How far apart the interval's ends are, as a factor (``high / low``)."""
        return self.high / self.low if self.low > 0 else math.inf


def paired_ratio(
    numerator: Sequence[float], denominator: Sequence[float], alpha: float = ALPHA
) -> Paired:
    """The ratio ``numerator[i] / denominator[i]`` over pairs of positive values, with its
    two-sided ``1 - alpha`` interval: Student's t on the pairs' log ratios (their mean
    plus or minus ``t(1 - alpha/2, n - 1)`` standard errors), taken back by ``exp``."""
    if len(numerator) != len(denominator) or not numerator:
        raise ValueError("a paired ratio needs as many values on each side, at least one")
    ratios = [a / b for a, b in zip(numerator, denominator, strict=True)]
    if len(set(ratios)) == 1:
        # One value, as divided (its log and back could move it by a bit).
        low, high = (0.0, math.inf) if len(ratios) < 2 else (ratios[0], ratios[0])
        return Paired(len(ratios), ratios[0], low, high, 1 - alpha)
    logs = [math.log(r) for r in ratios]
    n, mean = len(logs), statistics.fmean(logs)
    half = t_quantile(1 - alpha / 2, n - 1) * statistics.stdev(logs) / math.sqrt(n)
    return Paired(n, math.exp(mean), math.exp(mean - half), math.exp(mean + half), 1 - alpha)


def ratio_of_speedups(
    first: tuple[Sequence[float], Sequence[float]],
    second: tuple[Sequence[float], Sequence[float]],
    alpha: float = ALPHA,
) -> Paired:
    """How many times ``second``'s speedup is ``first``'s, each a ``(serial, case)`` pair
    of round lists taken side by side (as for ``paired_ratio``), the two measured apart:
    the difference of their mean log ratios, with Welch's interval (each side's own
    variance; Satterthwaite's degrees of freedom, at least the smaller side's). Narrower
    than asking whether two separate intervals overlap, and as honest. Either side with
    fewer than two pairs gives no interval: ``0``..``inf``."""
    sides = []
    for serial, case in (first, second):
        if len(serial) != len(case) or not serial:
            raise ValueError("each side needs as many serial rounds as case rounds, at least one")
        sides.append([math.log(a / b) for a, b in zip(serial, case, strict=True)])
    (one, two), pairs = sides, min(len(side) for side in sides)
    centre = math.exp(statistics.fmean(two) - statistics.fmean(one))
    if pairs < 2:
        return Paired(pairs, centre, 0.0, math.inf, 1 - alpha)
    shares = [statistics.variance(side) / len(side) for side in (one, two)]
    error = math.sqrt(sum(shares))
    if error == 0:
        return Paired(pairs, centre, centre, centre, 1 - alpha)
    spread = sum(v * v / (len(side) - 1) for v, side in zip(shares, sides, strict=True))
    df = max(pairs - 1, math.floor(sum(shares) ** 2 / spread))
    half = t_quantile(1 - alpha / 2, df) * error
    return Paired(pairs, centre, centre * math.exp(-half), centre * math.exp(half), 1 - alpha)


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile (``0.5 <= p < 1``) of Student's t with ``df`` degrees of
    freedom, found by bisection on its distribution function to 1e-10."""
    if not 0.5 <= p < 1 or df < 1:
        raise ValueError(f"t quantile of p={p} with {df} degrees of freedom")
    low, high = 0.0, 1.0
    while _t_above(high, df) > 1 - p:
        high *= 2
    while high - low > 1e-10 * max(1.0, high):
        middle = (low + high) / 2
        low, high = (middle, high) if _t_above(middle, df) > 1 - p else (low, middle)
    return (low + high) / 2


def _t_above(t: float, df: int) -> float:
    """P(T > t) for t >= 0: half the regularized incomplete beta I_x(df/2, 1/2) at
    x = df / (df + t^2)."""
    return _incomplete_beta(df / (df + t * t), df / 2, 0.5) / 2


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function I_x(a, b), by its continued fraction
    (modified Lentz), on the side where it converges fast."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1 - _incomplete_beta(1 - x, b, a)
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-14:
            break
    return front * result / a


def none_among(first: int, second: int, hits: int) -> float:
    """Fisher's exact one-sided p-value for a sample of ``first`` rounds holding none of
    the ``hits`` rounds of some kind that ``first + second`` exchangeable rounds hold
    (the others in a second sample of ``second``): the chance that ``first`` rounds drawn
    at random from them all miss every one, ``C(second, hits) / C(first + second, hits)``."""
    if not 0 <= hits <= second:
        raise ValueError(f"hits must be from 0 to second ({second}), not {hits}")
    return math.comb(second, hits) / math.comb(first + second, hits)


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
