"""The values the latency benchmarks are judged by: percentiles with intervals, the rate
a server sustains, and the verdicts on the article's two claims. Pure: values in, values
out; every word is made in ``parbench.latency.render``.

Intervals are 95%. A percentile's is distribution-free, from order statistics (the count
of samples below the true percentile is binomial); a sustained rate's is Student's t
over the rates of its slices of time. One value is called clearly
better than another only when their intervals do not overlap; otherwise the verdict says
the difference is within the noise.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parbench.latency.ticker import FRAME_BUDGET_S

Z_95 = 1.959964
# Student's t at 97.5% for 1 to 30 degrees of freedom; beyond, the 30th is a little wide.
T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
HOLDS, FAILS, UNCLEAR, UNTESTED = "holds", "fails", "unclear", "untested"
THREADED = ("thread-per-request", "thread-pool")
PROCESSES = "prefork"
# The offered load (share of the sustained rate) that the servers' verdicts compare at.
HALF = 0.5
#: The way the responsiveness claim is about, and the reference without background work.
THREAD, ALONE = "thread", "none"


@dataclass(frozen=True)
class Estimate:
    """A value with its 95% interval; a bound is None where too few samples fix it."""

    value: float
    low: float | None
    high: float | None

    def clearly_below(self, other: Estimate) -> bool:
        """Whether this interval lies wholly below ``other``'s."""
        return self.high is not None and other.low is not None and self.high < other.low


def percentile(values: Sequence[float], q: float) -> Estimate:
    """The ``q`` quantile (0 < q < 1) of ``values`` (the nearest-rank order statistic),
    within the order statistics whose ranks are ``n q -/+ 1.96 sqrt(n q (1 - q))``; a
    bound beyond the sample is None (p99 needs about 400 values to have an upper one).
    Infinite values (failed requests) count as slower than any other."""
    if not values or not 0 < q < 1:
        raise ValueError(f"a percentile needs values and 0 < q < 1, not {q}")
    ordered = sorted(values)
    n = len(ordered)
    spread = Z_95 * math.sqrt(n * q * (1 - q))
    low_rank, high_rank = math.floor(n * q - spread), math.ceil(n * q + spread)
    return Estimate(
        ordered[max(math.ceil(n * q), 1) - 1],
        ordered[low_rank - 1] if low_rank >= 1 else None,
        ordered[high_rank - 1] if high_rank <= n else None,
    )


@dataclass(frozen=True)
class Latencies:
    """An open-loop run's requests: how many were ``sent``, the ``errors`` by kind, and
    the percentiles of latency over every request due, a failed one counted as infinite
    (so that a run with over 1% failures has an infinite p99, not a flattering one)."""

    sent: int
    errors: dict[str, int]
    p50: Estimate
    p90: Estimate
    p99: Estimate
    max: float

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def latencies(samples: Sequence[float | None], errors: dict[str, int]) -> Latencies:
    """``samples``: each request's latency in seconds, None where it failed."""
    values = [math.inf if s is None else s for s in samples]
    return Latencies(
        len(values),
        dict(errors),
        percentile(values, 0.5),
        percentile(values, 0.9),
        percentile(values, 0.99),
        max(values),
    )


def sustained(rates: Sequence[float]) -> Estimate:
    """The rate a server sustains: the mean of its slices' rates (all it answered over
    all the time measured), within ``mean -/+ t * s / sqrt(n)`` (Student's t, 95%). Not
    the median: a server that answers in bursts (an event loop blocked by its handler)
    can answer nothing in most slices and much in a few."""
    n = len(rates)
    mean = math.fsum(rates) / n
    if n < 2:
        return Estimate(mean, None, None)
    spread = T_975[min(n - 1, len(T_975)) - 1] * statistics.stdev(rates) / math.sqrt(n)
    return Estimate(mean, max(0.0, mean - spread), mean + spread)


@dataclass(frozen=True)
class ServerCase:
    """One model serving one handler: its sustained rate and its latencies at each
    offered load (a share of that rate)."""

    model: str
    handler: str
    workers: int
    sustained: Estimate
    loads: dict[float, Latencies]


@dataclass(frozen=True)
class HandlerVerdict:
    """Which model serves ``handler`` best. ``fastest``: the models whose sustained rate
    cannot be told from the highest (one model if it is clearly the fastest);
    ``steadiest``: likewise for the lowest p99 at half load (empty if none was measured);
    ``claim``: whether threads sustain clearly more than pre-forked processes (HOLDS),
    clearly less (FAILS), neither (UNCLEAR), or were not both measured (UNTESTED)."""

    handler: str
    cases: tuple[ServerCase, ...]
    fastest: tuple[str, ...]
    steadiest: tuple[str, ...]
    claim: str
    threads: ServerCase | None
    processes: ServerCase | None


def _best(cases: Sequence[ServerCase], key: str) -> tuple[str, ...]:
    """The models not clearly worse than the best by ``key``: "rate" (higher is better) or
    "p99" (at half load; lower is better)."""
    if key == "rate":
        scored = [(c.model, c.sustained) for c in cases]
        top = max(scored, key=lambda pair: pair[1].value)[1]
        return tuple(m for m, e in scored if not e.clearly_below(top))
    scored = [(c.model, c.loads[HALF].p99) for c in cases if HALF in c.loads]
    if not scored:
        return ()
    top = min(scored, key=lambda pair: pair[1].value)[1]
    return tuple(m for m, e in scored if not top.clearly_below(e))


def judge_servers(cases: Iterable[ServerCase]) -> list[HandlerVerdict]:
    """A verdict per handler, in the order the handlers first appear."""
    verdicts = []
    every = list(cases)
    for handler in dict.fromkeys(c.handler for c in every):
        mine = tuple(c for c in every if c.handler == handler)
        threaded = [c for c in mine if c.model in THREADED]
        threads = max(threaded, key=lambda c: c.sustained.value, default=None)
        processes = next((c for c in mine if c.model == PROCESSES), None)
        if threads is None or processes is None:
            claim = UNTESTED
        elif processes.sustained.clearly_below(threads.sustained):
            claim = HOLDS
        elif threads.sustained.clearly_below(processes.sustained):
            claim = FAILS
        else:
            claim = UNCLEAR
        verdicts.append(
            HandlerVerdict(
                handler, mine, _best(mine, "rate"), _best(mine, "p99"), claim, threads, processes
            )
        )
    return verdicts


@dataclass(frozen=True)
class TickCase:
    """The main thread's tick lags while ``work`` ran in the background ``way``, and the
    background calls finished a second."""

    way: str
    work: str
    switch_interval_s: float
    p50: Estimate
    p99: Estimate
    max: float
    calls_per_s: float
    # p99 of the lags less each tick's wait for a CPU (None where not reported).
    p99_unqueued: Estimate | None = None

    @property
    def within_budget(self) -> bool | None:
        """Whether p99 lag is clearly within a 60 Hz frame (True), clearly beyond it
        (False), or cannot be told (None)."""
        return _within(self.p99)

    @property
    def machine_explains(self) -> bool:
        """Whether p99 lag is not clearly within the frame only because the ticker waited
        for a CPU other processes held: less those waits, it is clearly within."""
        unqueued = self.p99_unqueued
        return self.within_budget is not True and unqueued is not None and _within(unqueued) is True


def _within(p99: Estimate) -> bool | None:
    if p99.high is not None and p99.high < FRAME_BUDGET_S:
        return True
    if p99.low is not None and p99.low > FRAME_BUDGET_S:
        return False
    return None


def tick_case(
    way: str,
    work: str,
    interval: float,
    lags: Sequence[float],
    calls: int,
    seconds: float,
    queued: Sequence[float] | None = None,
) -> TickCase:
    """A tick case from its lags and, where known, each tick's wait for a CPU."""
    unqueued = None
    if queued is not None:
        net = [max(0.0, lag - wait) for lag, wait in zip(lags, queued, strict=True)]
        unqueued = percentile(net, 0.99)
    return TickCase(
        way,
        work,
        interval,
        percentile(lags, 0.5),
        percentile(lags, 0.99),
        max(lags),
        calls / seconds,
        unqueued,
    )


@dataclass(frozen=True)
class WorkVerdict:
    """For one kind of background work at one switch interval: ``responsive``, the ways
    whose p99 lag is clearly within the frame budget, the fastest background first;
    ``steadiest``, the ways not clearly laggier than the least laggy; ``claim``, whether a
    background thread keeps the main thread within the budget (HOLDS, FAILS, UNCLEAR, or
    UNTESTED without a thread case). ``busy``: the ticker alone missed the budget, or the
    thread's ticks missed it only by waiting for a CPU other processes held, so the
    machine, not the work, decided (the claim is then UNCLEAR)."""

    work: str
    switch_interval_s: float
    cases: tuple[TickCase, ...]
    responsive: tuple[str, ...]
    steadiest: tuple[str, ...]
    claim: str
    busy: bool


def judge_ticks(cases: Iterable[TickCase]) -> list[WorkVerdict]:
    """A verdict per background work and switch interval ("none", the ticker alone, is
    the machine's reference for every work)."""
    every = list(cases)
    alone = {c.switch_interval_s: c for c in every if c.way == ALONE}
    verdicts = []
    groups = dict.fromkeys((c.work, c.switch_interval_s) for c in every if c.way != ALONE)
    for work, interval in groups:
        mine = tuple(
            c for c in every if c.way != ALONE and (c.work, c.switch_interval_s) == (work, interval)
        )
        reference = alone.get(interval)
        thread = next((c for c in mine if c.way == THREAD), None)
        busy = (reference is not None and reference.within_budget is False) or (
            thread is not None and thread.machine_explains
        )
        if thread is None:
            claim = UNTESTED
        elif busy or thread.within_budget is None:
            claim = UNCLEAR
        else:
            claim = HOLDS if thread.within_budget else FAILS
        least = min(mine, key=lambda c: c.p99.value).p99
        responsive = sorted(
            (c for c in mine if c.within_budget), key=lambda c: c.calls_per_s, reverse=True
        )
        verdicts.append(
            WorkVerdict(
                work,
                interval,
                mine,
                tuple(c.way for c in responsive),
                tuple(c.way for c in mine if not least.clearly_below(c.p99)),
                claim,
                busy,
            )
        )
    return verdicts


@dataclass(frozen=True)
class Change:
    """One figure of a case in two runs: ``better`` or ``worse`` when the intervals do not
    overlap (a higher rate, a lower latency is better), else ``same``."""

    case: str
    figure: str
    old: Estimate
    new: Estimate

    @property
    def outcome(self) -> str:
        higher_is_better = self.figure == "sustained"
        if self.old.clearly_below(self.new):
            return "better" if higher_is_better else "worse"
        if self.new.clearly_below(self.old):
            return "worse" if higher_is_better else "better"
        return "same"


def changes(
    old: tuple[Sequence[ServerCase], Sequence[TickCase]],
    new: tuple[Sequence[ServerCase], Sequence[TickCase]],
) -> list[Change]:
    """The cases of both runs, matched: each server's sustained rate and p99 at half load,
    each tick case's p99 lag."""
    found = []
    before = {(c.model, c.handler, c.workers): c for c in old[0]}
    for case in new[0]:
        previous = before.get((case.model, case.handler, case.workers))
        if previous is None:
            continue
        name = f"{case.model} serving {case.handler}"
        found.append(Change(name, "sustained", previous.sustained, case.sustained))
        if HALF in case.loads and HALF in previous.loads:
            found.append(Change(name, "p99", previous.loads[HALF].p99, case.loads[HALF].p99))
    ticks = {(c.way, c.work, c.switch_interval_s): c for c in old[1]}
    for tick in new[1]:
        earlier = ticks.get((tick.way, tick.work, tick.switch_interval_s))
        if earlier is not None:
            name = f"{tick.way} / {tick.work} / switch {tick.switch_interval_s * 1000:g} ms"
            found.append(Change(name, "p99 lag", earlier.p99, tick.p99))
    return found
