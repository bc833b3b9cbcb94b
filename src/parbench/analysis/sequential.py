"""Measure until settled: when a case measured in pairs with serial has its answer.

A case is measured in pairs of rounds, one of serial and one of the case, side by side
(``runner``). Its rounds are looked at after ``FIRST_LOOK`` pairs and at every doubling
of that count, at most ``LOOKS`` times (4, 8, 16, ... 256 pairs). Each look's interval
is a ``1 - ALPHA / LOOKS`` interval (``stats.paired_ratio``): by Bonferroni's
inequality, the chance that any of a case's looks gives an interval that misses the
true speedup is at most ``ALPHA``, however many of them it took, so stopping at the
first look that settles keeps the error rate honest. A case whose budget ends between
two planned looks is looked at once more there, in place of the next planned one: never
more than ``LOOKS`` looks in all.

A look's interval decides the case's claim (``outcome``): within ``EQUIVALENCE`` of
serial (both ends inside ``1 / (1 + EQUIVALENCE)``..``1 + EQUIVALENCE``), faster (it
lies above 1), slower (below 1), or not yet decided. The case is settled when its claim
is decided and it needs no finer rank: a case slower than serial or as fast as it is
never the one to use; a faster case is settled when its interval is narrow enough
(``PRECISION``) to rank it against the others. A case whose interval lies wholly below
the low end of a case of the same workload already stopped faster (``to_beat``) is
settled too, whatever its claim: it can neither win nor tie that case, so its budget
goes to the cases still in the race. A case that physics keeps from gaining more than
``EQUIVALENCE`` over serial (its ``ceiling``: one worker with tasks gains nothing) is
settled at its first look: it can never be the one to use, and its high end counts as at
most its ceiling against ``to_beat``. The figure a case is reported with is the interval
of its last look. Which look stops a case may depend on the other cases; the Bonferroni
bound holds for any such rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from parbench.analysis import stats
from parbench.analysis.stats import Paired

FIRST_LOOK = 4
LOOKS = 7
ALPHA_PER_LOOK = stats.ALPHA / LOOKS
# Cases within this share of serial's time either way are as fast as serial.
EQUIVALENCE = stats.MIN_EFFECT
# A decided interval whose ends are within this factor of each other ranks the case:
# two cases 1.3x apart are then told apart.
PRECISION = 1.2

FASTER, SLOWER, SAME, UNCLEAR = "faster", "slower", "within 5%", stats.NO_CLEAR_DIFFERENCE
DECIDED = (FASTER, SLOWER, SAME)
# Why a case stopped taking rounds (saved as ``extra_info.stopped``).
SETTLED, OUT_OF_BUDGET, AT_MOST = "settled", "budget", "max_pairs"
STOPS = (SETTLED, OUT_OF_BUDGET, AT_MOST)


def looks() -> tuple[int, ...]:
    """The pair counts at which a case is looked at."""
    return tuple(FIRST_LOOK * 2**k for k in range(LOOKS))


MAX_PAIRS = looks()[-1]
_LOOK_AT = frozenset(looks())


def estimate(serial: Sequence[float], case: Sequence[float]) -> Paired:
    """Serial's time over the case's, pair by pair: the speedup at one look's level."""
    return stats.paired_ratio(serial, case, ALPHA_PER_LOOK)


def outcome(speedup: Paired) -> str:
    """What ``speedup``'s interval says of the case against serial (see the docstring)."""
    if speedup.low >= 1 / (1 + EQUIVALENCE) and speedup.high <= 1 + EQUIVALENCE:
        return SAME
    if speedup.low > 1:
        return FASTER
    if speedup.high < 1:
        return SLOWER
    return UNCLEAR


def can_gain(ceiling: float) -> bool:
    """Whether a case whose speedup physics bounds by ``ceiling`` could be more than
    ``EQUIVALENCE`` faster than serial."""
    return ceiling > 1 + EQUIVALENCE


def settled(speedup: Paired, to_beat: float = 1.0, ceiling: float = math.inf) -> bool:
    """Whether a case whose look gave ``speedup`` needs no more rounds, where the best
    low end among its workload's cases stopped faster so far is ``to_beat`` (1 where
    there is none) and physics bounds its speedup by ``ceiling``: see the module's
    docstring."""
    found = outcome(speedup)
    if not can_gain(ceiling) or found in (SLOWER, SAME) or min(speedup.high, ceiling) < to_beat:
        return True
    return found == FASTER and speedup.spread <= PRECISION


def stop(
    serial: Sequence[float],
    case: Sequence[float],
    over_budget: bool,
    to_beat: float = 1.0,
    ceiling: float = math.inf,
) -> str | None:
    """Why a case whose pairs so far are ``serial`` and ``case`` stops now (``STOPS``), or
    ``None`` to take another pair. ``over_budget``: another pair would overrun its
    budget; ``to_beat`` and ``ceiling``: as for ``settled``. A case is looked at only at
    the planned counts, or where its budget ends."""
    pairs = len(serial)
    if pairs < FIRST_LOOK or (pairs not in _LOOK_AT and not over_budget and pairs < MAX_PAIRS):
        return None
    if settled(estimate(serial, case), to_beat, ceiling):
        return SETTLED
    if pairs >= MAX_PAIRS:
        return AT_MOST
    return OUT_OF_BUDGET if over_budget else None
