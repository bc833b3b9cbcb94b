"""What a saved value must be: a check that accepts it, and the words for what it expects.

Shared by the saved format's keys (``parbench.data.record``), its reader
(``parbench.data.results``) and the latency suite's saved samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: More CPUs than any machine has.
MAX_CPUS = 1 << 16


@dataclass(frozen=True)
class Check:
    """What a field's value must be: ``accepts(value)``, described as ``expected``."""

    accepts: Callable[[Any], bool]
    expected: str


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite int or float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def whole(minimum: int, maximum: int | None = None) -> Check:
    """A whole number (not a bool) of ``minimum`` or more, and at most ``maximum``."""
    if maximum is None:
        return Check(
            lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum,
            f"a whole number of {minimum} or more",
        )
    return Check(
        lambda v: isinstance(v, int) and not isinstance(v, bool) and minimum <= v <= maximum,
        f"a whole number from {minimum} to {maximum:,}",
    )


def number(minimum: float, *, above: bool = False) -> Check:
    """A finite number at least ``minimum``, or above it."""
    if above:
        return Check(lambda v: finite(v) and v > minimum, f"a finite number above {minimum:g}")
    return Check(lambda v: finite(v) and v >= minimum, f"a finite number of {minimum:g} or more")


def between(low: float, high: float, unit: str) -> Check:
    """A number from ``low`` to ``high``, ends included."""
    return Check(lambda v: finite(v) and low <= v <= high, f"{unit} from {low:g} to {high:g}")


def one_of(*choices: str) -> Check:
    """Exactly one of the strings ``choices``."""
    return Check(lambda v: isinstance(v, str) and v in choices, "one of " + ", ".join(choices))


def positive(maximum: float) -> Check:
    """A finite number above 0, at most ``maximum``."""
    return Check(lambda v: finite(v) and 0 < v <= maximum, f"a number above 0, at most {maximum:,}")


TEXT = Check(lambda v: isinstance(v, str) and v != "", "a non-empty string")
FLAG = Check(lambda v: isinstance(v, bool), "true or false")
KINDS = one_of("io", "cpu", "mixed")
NON_NEGATIVE = number(0)
# Times in seconds. Bounded so that every ratio of them (speedups, CPU shares) is a finite
# number: no clock resolves less than a nanosecond, and no round lasts eleven days.
SHORTEST_S, LONGEST_S = 1e-9, 1e6
DURATION = between(0, LONGEST_S, "seconds")
ROUND_TIME = between(SHORTEST_S, LONGEST_S, "seconds")
SHA256 = Check(
    lambda v: isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v),
    "a sha256 digest (64 lowercase hex digits)",
)


def round_times(values: list[Any]) -> bool:
    """Whether every value passes ``ROUND_TIME``, checked by whole-list operations in C:
    a run holds up to millions of round times."""
    if not set(map(type, values)) <= {int, float}:
        return False
    try:
        times = list(map(float, values))
    except OverflowError:  # an int too large for a float
        return False
    # min and max can miss a NaN (it compares false); a sum of finite times cannot.
    return min(times) >= SHORTEST_S and max(times) <= LONGEST_S and not math.isnan(sum(times))
