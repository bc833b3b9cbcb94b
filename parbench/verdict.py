"""From measurements to an answer: speedup over serial, efficiency, and a verdict in words.

**Baseline.** Serial runs before a workload's other cases and again after them. Where the
two passes agree (no real change: ``stats.real_change``) their rounds
are pooled. Where they differ, the machine's speed drifted while the workload was
measured: the comparison is disturbed, and every speedup gets a range, from one
baseline to the other.

**Disturbance.** A case whose process tree wanted CPUs it was allowed to use and did not
get them while other processes kept CPUs busy (``cpustat``) was slowed by something else:
the time it was ready to run stretched by the share of CPU it missed. Its speedup's
range widens by that much.

**Claims.** A case is called faster or slower than serial only when the Mann-Whitney test
on the raw rounds says so at ``stats.ALPHA``, the medians differ by at least
``stats.MIN_EFFECT``, and that still holds at the unfavourable end of its range;
otherwise it is "no clear difference".

**Physics.** Speedup cannot exceed ``min(workers, tasks)``, nor, for CPU-bound work, the
usable logical CPUs: that is its ceiling. The ideal is ``min(workers, tasks)`` for work
that waits, ``min(workers, tasks, usable physical cores)`` for CPU work (hardware threads
may add a little beyond it, up to the ceiling), and Amdahl's law between the two for
mixed work. A speedup whose whole interval lies above its ceiling is a disturbed
measurement, never a result; one above it but within its interval is shown at the ceiling.

**Kind.** Serial's CPU share of its wall time (less the time it waited for a CPU) says
I/O-bound, mixed or CPU-bound. For CPU work, the CPUs that the largest warm thread pool
kept busy say whether threads run Python in parallel: about one where the work holds
the GIL, one per thread where it releases it. A speedup against a noisy baseline is
never the evidence.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from parbench import cpustat, stats
from parbench.results import BASELINE, Measurement

FASTER, SLOWER, DISTURBED = "faster", "slower", "disturbed"
UNCLEAR = stats.NO_CLEAR_DIFFERENCE
# Below this serial time per task, a pool's per-task overhead is what gets measured.
TINY_TASK_S = 1e-4
DECLARED = {"io": "I/O-bound", "cpu": "CPU-bound", "mixed": "mixed"}
# A case that got less than this share of the CPUs it wanted (and could use) was starved.
STARVED_BELOW = 0.9
# Wanting fewer CPUs than this (work that waits) is too little to judge starvation by.
MIN_WANTED = 0.05
# Other processes keeping less than this share of a CPU busy disturb nothing measurable.
OTHERS_BUSY = 0.1
# The least share of its time a starved case could have taken without the starvation.
MIN_SHARE = 1e-3
# Threads that keep at least this many CPUs busy run Python in parallel.
PARALLEL_BUSY = 1.3
# Threads that could have had this many more CPUs than they kept busy were held back by
# something other than the GIL: whether they run in parallel cannot be told.
HELD_BACK = 0.25


@dataclass(frozen=True)
class Baseline:
    """Serial, as measured before a workload's other cases and (where run) after them.

    ``median`` is the median of the pooled rounds; ``low``..``high`` is the range of
    serial times consistent with the passes and their disturbance (one value when
    undisturbed); ``drift`` says in words how the passes disagree, or is ``None``.
    """

    passes: tuple[Measurement, ...]
    rounds: tuple[float, ...]
    median: float
    low: float
    high: float
    drift: str | None


@dataclass(frozen=True)
class Row:
    """One case against the serial baseline.

    ``speedup`` is as measured (baseline median over the case's median); ``span`` is its
    range under the disturbances measured (both ends equal when there were none);
    ``ceiling`` is what physics allows; ``starved`` is the share of the CPUs it wanted
    that the case got, where that was too little.
    """

    measurement: Measurement
    speedup: float
    interval: tuple[float, float] | None
    p_value: float | None
    ideal: float
    ceiling: float
    label: str
    span: tuple[float, float]
    starved: float | None

    @property
    def is_baseline(self) -> bool:
        return self.measurement.strategy == BASELINE

    @property
    def impossible(self) -> bool:
        """Whether the speedup lies beyond its ceiling by more than its interval allows."""
        low = self.speedup if self.interval is None else self.interval[0]
        return not self.is_baseline and low > self.ceiling * (1 + 1e-9)

    @property
    def shown(self) -> float:
        """The speedup as reported: never above the ceiling."""
        return min(self.speedup, self.ceiling)

    @property
    def shown_interval(self) -> tuple[float, float] | None:
        """The 95% interval as reported: never above the ceiling."""
        if self.interval is None:
            return None
        return min(self.interval[0], self.ceiling), min(self.interval[1], self.ceiling)

    @property
    def efficiency(self) -> float:
        return self.shown / self.ideal

    @property
    def versus_serial(self) -> str:
        if self.impossible:
            return DISTURBED
        if not stats.real_change(self.p_value, 1 / self.speedup):
            return UNCLEAR
        low, high = self.span
        if self.speedup > 1 and low >= 1 + stats.MIN_EFFECT:
            return FASTER
        if self.speedup < 1 and high <= 1 / (1 + stats.MIN_EFFECT):
            return SLOWER
        return UNCLEAR

    @property
    def note(self) -> str:
        """What qualifies this row's figures, or an empty string."""
        if self.impossible:
            return f"beyond the ceiling of {self.ceiling:g}x"
        notes = []
        if self.speedup > self.ceiling and not self.is_baseline:
            notes.append(f"at the ceiling (measured {self.speedup:.3g}x)")
        if self.starved is not None:
            notes.append(f"got {self.starved:.0%} of the CPUs it wanted")
        if self.measurement.baseline_pass == "after":
            notes.append("serial again, after the other cases")
        return "; ".join(notes)


@dataclass(frozen=True)
class WorkloadVerdict:
    """Every case of one workload (at one size and network setting), and the answer:
    ``text``, one line; ``notes``, the evidence and disturbances behind it."""

    workload: str
    kind: str
    declared_kind: str
    baseline: Baseline
    rows: tuple[Row, ...]
    text: str
    notes: tuple[str, ...]

    @property
    def serial(self) -> Measurement:
        """The first serial pass: the settings every case of the verdict shares."""
        return self.baseline.passes[0]


def format_seconds(value: float) -> str:
    """``633 ms``, ``1.63 ms``, ``163 ns``: three significant figures and a unit."""
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def starved(measurement: Measurement) -> float | None:
    """The share of the CPUs it wanted, and was allowed, that ``measurement`` got, where
    that share is below ``STARVED_BELOW`` while something else on the machine kept at
    least ``OTHERS_BUSY`` of a CPU busy; ``None`` otherwise, or where unmeasured. (A pool
    whose own threads outnumber the CPUs waits for them too: that is the strategy's
    cost, not a disturbance.)"""
    m = measurement
    if m.cpu_per_wall is None or m.runnable_per_wall is None or m.others_per_wall is None:
        return None
    could = min(m.runnable_per_wall, m.usable_cpus)
    if could < MIN_WANTED or m.others_per_wall < OTHERS_BUSY:
        return None
    share = m.cpu_per_wall / could
    return share if share < STARVED_BELOW else None


def undisturbed_share(measurement: Measurement) -> float:
    """How short the case's time could have been without the starvation, as a share of
    it: 1 where it was not starved. The share ``r`` of the time its busiest path was
    ready to run (CPUs wanted over the workers that had tasks) is stretched by the
    CPU it missed; the time it spent waiting on anything else is not."""
    got = starved(measurement)
    if got is None:
        return 1.0
    m = measurement
    spread = max(1, min(m.workers, m.tasks))
    ready = min(1.0, (m.runnable_per_wall or 0.0) / spread)
    # A case that got no CPU at all could have been any amount faster: a share near 0.
    return max(1 - ready * (1 - got), MIN_SHARE)


def _baseline(passes: Sequence[Measurement]) -> Baseline:
    pooled = tuple(r for m in passes for r in m.rounds)
    median = statistics.median(pooled) if pooled else statistics.median(m.median for m in passes)
    lows = [m.median * undisturbed_share(m) for m in passes]
    highs = [m.median for m in passes]
    drift = []
    if len(passes) == 2:
        before, after = passes
        ratio = after.median / before.median
        # Without raw rounds nothing can be tested: any change of MIN_EFFECT counts.
        p_value = 0.0
        if before.rounds and after.rounds:
            p_value = stats.mann_whitney_p(before.rounds, after.rounds)
        if stats.real_change(p_value, ratio):
            drift.append(
                f"serial took {format_seconds(before.median)} before the other cases and "
                f"{format_seconds(after.median)} after ({ratio - 1:+.0%})"
            )
    for m in passes:
        share = starved(m)
        if share is not None:
            which = BASELINE if len(passes) == 1 else f"{BASELINE} ({m.baseline_pass})"
            drift.append(
                f"{which} got {share:.0%} of the CPU it wanted: something else was running"
            )
    if not drift:
        return Baseline(tuple(passes), pooled, median, median, median, None)
    return Baseline(tuple(passes), pooled, median, min(lows), max(highs), "; ".join(drift))


def cpu_share(baseline: Baseline) -> float | None:
    """Serial's CPU seconds per wall second it was not kept waiting for a CPU, over its
    passes; ``None`` where unmeasured."""
    shares = []
    for m in baseline.passes:
        if m.cpu_seconds is None:
            return None
        running = m.median * (1 - min(m.wait_share or 0.0, 0.99))
        shares.append(min(1.0, m.cpu_seconds / running))
    return statistics.mean(shares)


def _thread_evidence(rows: Iterable[Row]) -> Row | None:
    """The largest warm thread pool with its CPU use measured."""
    pools = [
        r
        for r in rows
        if r.measurement.strategy == "threads"
        and r.measurement.pool == "warm"
        and min(r.measurement.workers, r.measurement.tasks) > 1
        and r.measurement.cpu_per_wall is not None
    ]
    return max(pools, key=lambda r: r.measurement.workers, default=None)


def _gil(row: Row | None) -> tuple[str, str | None]:
    """``(qualifier, evidence)`` for CPU-bound work: whether threads run its Python in
    parallel, and the measurement that says so."""
    if row is None:
        return "", None
    m = row.measurement
    busy, wanted = m.cpu_per_wall or 0.0, m.runnable_per_wall
    seen = f"{row.label} kept {busy:.2f} CPUs busy"
    if busy >= PARALLEL_BUSY:
        qualifier = "releases the GIL" if m.gil_enabled else "threads scale"
        return qualifier, f"{seen}: its threads run in parallel"
    if min(m.workers, m.tasks, m.usable_cpus) < PARALLEL_BUSY:
        return "", f"{seen}; with {m.usable_cpus:g} usable CPU, parallel threads cannot show"
    if wanted is not None and min(wanted, m.usable_cpus) - busy > HELD_BACK:
        return "", (
            f"{seen} but wanted {wanted:.2f}: the machine was busy, so whether its threads "
            "run in parallel is not known"
        )
    held = "holds the GIL" if m.gil_enabled else "threads do not scale"
    unknown = "" if wanted is not None else " (run-queue waits are not reported here)"
    return held, f"{seen} of {m.usable_cpus:g} usable: one thread runs at a time{unknown}"


def measured_kind(
    baseline: Baseline, rows: Iterable[Row], share: float | None
) -> tuple[str, str | None]:
    """What the work is, measured: ``(kind, evidence)``, from serial's CPU ``share``
    (``cpu_share``) and the thread pools' CPU use; the declared kind where serial's CPU
    time was not recorded."""
    if share is None:
        return DECLARED[baseline.passes[0].kind], None
    kind = cpustat.kind_of(share)
    if kind != "cpu":
        return DECLARED[kind], None
    qualifier, evidence = _gil(_thread_evidence(rows))
    return ("CPU-bound, " + qualifier) if qualifier else "CPU-bound", evidence


def _limits(m: Measurement, kind: str, share: float | None) -> tuple[float, float]:
    """``(ideal, ceiling)`` of ``m`` for work of ``kind`` (text from ``measured_kind``)."""
    spread = float(max(1, min(m.workers, m.tasks)))
    # Relative to serial, which itself gets at most one CPU (less under a small quota).
    cores = max(min(spread, m.usable_cores), 1e-9) / min(1.0, max(m.usable_cores, 1e-9))
    cpus = max(min(spread, m.usable_cpus), 1e-9) / min(1.0, max(m.usable_cpus, 1e-9))
    if kind.startswith("CPU"):
        return cores, cpus
    if kind == "mixed" and share is not None:
        # Amdahl: the CPU share spreads over the cores, the waiting over the workers.
        return 1 / (share / cores + (1 - share) / spread), spread
    return spread, spread


def label(measurement: Measurement, group: Iterable[Measurement], workers: bool = True) -> str:
    """The case's name in every table and chart: ``threads x16``, ``processes x2 chunksize
    auto spawn``, ``serial, after``; without ``workers`` (a chart's series over worker
    counts), ``processes chunksize auto spawn``. The chunk policy and start method are
    named only where ``group`` holds warm cases of the same strategy (and, with
    ``workers``, worker count) that differ in them."""
    m = measurement
    if m.strategy == BASELINE:
        return BASELINE + (", after" if m.baseline_pass == "after" else "")
    siblings = [
        other
        for other in group
        if other.strategy == m.strategy
        and other.pool == "warm"
        and (not workers or other.workers == m.workers)
    ]
    text = f"{m.strategy} x{m.workers}" if workers else m.strategy
    if m.chunked and len({s.chunk_policy for s in siblings}) > 1:
        text += f" chunksize {m.chunk_policy}"
    if len({s.start_method for s in siblings}) > 1:
        text += f" {m.start_method}"
    return text + (", cold" if m.pool == "cold" else "")


def _row(m: Measurement, baseline: Baseline, label: str) -> Row:
    speedup = baseline.median / m.median
    interval = p_value = None
    if not any(m is p for p in baseline.passes) and m.rounds and baseline.rounds:
        interval = stats.ratio_interval(baseline.rounds, m.rounds)
        p_value = stats.mann_whitney_p(baseline.rounds, m.rounds)
    span = (baseline.low / m.median, baseline.high / (m.median * undisturbed_share(m)))
    return Row(m, speedup, interval, p_value, 1.0, math.inf, label, span, starved(m))


def _speedup_text(row: Row) -> str:
    low, high = row.span
    if high / low > 1.01:
        return f"{min(low, row.ceiling):.1f}x to {min(high, row.ceiling):.1f}x"
    return f"{row.shown:.1f}x"


def _sentence(workload: str, kind: str, declared: str, baseline: Baseline, rows: list[Row]):
    head = f"{workload} ({kind}"
    if not kind.startswith(DECLARED[declared]):
        head += f"; declared {DECLARED[declared]}"
    head += ")"
    others = [row for row in rows if not row.is_baseline]
    winners = sorted((r for r in others if r.versus_serial == FASTER), key=lambda r: -r.shown)
    serial_text = f"serial {format_seconds(baseline.median)}"
    if winners:
        best = winners[0]
        text = (
            f"{head}: {best.label} fastest, {_speedup_text(best)} over serial "
            f"({best.efficiency:.0%} of ideal)"
        )
        seen = {best.measurement.strategy}
        for row in winners[1:]:
            if row.measurement.strategy not in seen:
                seen.add(row.measurement.strategy)
                text += f"; {row.label} {_speedup_text(row)}"
        return f"{text}; {serial_text}"
    if not others:
        return f"{head}: only serial was measured; {serial_text}"
    judged = [row for row in others if not row.impossible]
    if all(row.versus_serial == UNCLEAR for row in judged):
        text = f"{head}: no strategy is clearly faster than serial; {serial_text}"
        fewest = min(len(r.measurement.rounds) for r in rows)
        if stats.smallest_p(fewest, len(baseline.rounds)) >= stats.ALPHA:
            text += f" (too few rounds to tell: {fewest}; run at least 4 a benchmark)"
        return text
    slower_rows = [row for row in judged if row.versus_serial == SLOWER]
    if len(slower_rows) == len(judged):
        text = f"{head}: serial fastest ({format_seconds(baseline.median)})"
    else:
        text = f"{head}: nothing is clearly faster than serial ({format_seconds(baseline.median)})"
    slowest = min(slower_rows, key=lambda r: r.speedup, default=None)
    if slowest is not None:
        slower = 1 / slowest.speedup
        places = 0 if slower >= 10 else 1
        text += f"; {slowest.label} is {slower:.{places}f}x slower"
        per_task = baseline.median / max(baseline.passes[0].tasks, 1)
        if per_task < TINY_TASK_S:
            text += f": per-task overhead dwarfs the work ({format_seconds(per_task)} a task)"
    return text


def _notes(baseline: Baseline, rows: list[Row], evidence: str | None) -> tuple[str, ...]:
    notes = []
    if evidence:
        notes.append(f"evidence: {evidence}")
    if baseline.drift:
        notes.append(
            f"disturbed: {baseline.drift}; speedups are ranges, and only claims that hold "
            "across a range are made"
        )
    starving = [r.label for r in rows if r.starved is not None and not r.is_baseline]
    if starving:
        notes.append(
            f"disturbed: {', '.join(starving)} got less CPU than they wanted and could use; "
            "their speedups are ranges"
        )
    for row in rows:
        if row.impossible:
            notes.append(
                f"withheld: {row.label} measured {row.speedup:.3g}x, beyond what "
                f"{_physics(row)} can give ({row.ceiling:g}x): a disturbed measurement, "
                "not a result"
            )
    return tuple(notes)


def _physics(row: Row) -> str:
    m = row.measurement
    text = f"{m.workers} worker{'s' * (m.workers != 1)} on {m.tasks} task{'s' * (m.tasks != 1)}"
    if row.ceiling < min(m.workers, m.tasks):
        text += f" with {m.usable_cpus:g} usable CPUs"
    return text


def _rows(
    group: list[Measurement], baseline: Baseline, share: float | None
) -> tuple[list[Row], str, str | None]:
    """Every case of ``group`` against ``baseline``, with its limits, fastest first; and
    the measured kind with its evidence."""
    provisional = [_row(m, baseline, label(m, group)) for m in group]
    kind, evidence = measured_kind(baseline, provisional, share)
    rows = []
    for row in provisional:
        ideal, ceiling = _limits(row.measurement, kind, share)
        if row.is_baseline:
            # A serial pass against the pooled baseline: drift, not a speedup to bound.
            ceiling = math.inf
        rows.append(replace(row, ideal=ideal, ceiling=ceiling))
    rows.sort(key=lambda r: r.measurement.median)
    return rows, kind, evidence


def _bounded_by_physics(baseline: Baseline, rows: list[Row]) -> Baseline:
    """The baseline, its range lowered where a case beat serial by more than physics
    allows: serial then took longer than the work needs (slowed by something that need
    not show as waiting for a CPU, such as a neighbour on a shared core), by at least
    that much, and every other speedup may be inflated as much. Unchanged otherwise."""
    impossible = [row for row in rows if row.impossible]
    if not impossible:
        return baseline
    worst = min(impossible, key=lambda row: row.ceiling * row.measurement.median)
    bound = worst.ceiling * worst.measurement.median
    if bound >= baseline.low:
        return baseline
    found = (
        f"{worst.label} beat serial by more than the {worst.ceiling:g}x physics allows "
        f"(withheld below), so serial could have taken as little as {format_seconds(bound)}"
    )
    drift = f"{baseline.drift}; {found}" if baseline.drift else found
    return replace(baseline, low=bound, drift=drift)


def judge(measurements: Iterable[Measurement]) -> list[WorkloadVerdict]:
    """A verdict per workload setting that has a serial baseline, in first-seen order.

    Measurements without a serial baseline in the same run are left out.
    """
    groups: dict[tuple, list[Measurement]] = {}
    for measurement in measurements:
        groups.setdefault(measurement.baseline_key, []).append(measurement)
    verdicts = []
    for group in groups.values():
        passes = [m for m in group if m.strategy == BASELINE]
        if not passes:
            continue
        passes.sort(key=lambda m: m.baseline_pass == "after")
        baseline = _baseline(passes)
        share = cpu_share(baseline)
        rows, kind, evidence = _rows(group, baseline, share)
        bounded = _bounded_by_physics(baseline, rows)
        if bounded is not baseline:
            baseline = bounded
            rows, kind, evidence = _rows(group, baseline, share)
        declared = passes[0].kind
        verdicts.append(
            WorkloadVerdict(
                workload=passes[0].workload,
                kind=kind,
                declared_kind=declared,
                baseline=baseline,
                rows=tuple(rows),
                text=_sentence(passes[0].workload, kind, declared, baseline, rows),
                notes=_notes(baseline, rows, evidence),
            )
        )
    return verdicts
