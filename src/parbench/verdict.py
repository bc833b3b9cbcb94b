"""From measurements to an answer: speedup over serial, efficiency, and a verdict in words.

**Baseline.** Serial runs before a workload's other cases and again after them. Where the
two passes agree (no real change: ``stats.real_change``) their rounds
are pooled. Where they differ, the machine's speed drifted while the workload was
measured: the comparison is disturbed, and every speedup gets a range, from one
baseline to the other.

**Disturbance.** A case whose process tree wanted CPUs it was allowed to use and did not
get them while other processes kept CPUs busy (``cpustat``) was slowed by something else:
the time it was ready to run stretched by the share of CPU it missed. A case whose CPU
ran slower than serial's (``cpuspeed``: a fixed loop timed before its rounds) was slowed
without waiting, as by a neighbour on a shared core: its CPU work stretched by that much;
where serial's CPU ran slower than the case's, serial's did. Either way the speedup's
range widens by that much, and a disturbed serial pass widens every speedup's range.

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

from parbench import cpustat, footprint, stats
from parbench.results import BASELINE, Measurement

FASTER, SLOWER, DISTURBED = "faster", "slower", "disturbed"
UNCLEAR = stats.NO_CLEAR_DIFFERENCE
# Below this serial time per task, a pool's per-task overhead is what gets measured.
TINY_TASK_S = 1e-4
DECLARED = {"io": "I/O-bound", "cpu": "CPU-bound", "mixed": "mixed"}
# Wanting fewer CPUs than this (work that waits) is too little to judge starvation by.
MIN_WANTED = 0.05
# Other processes keeping less than this share of a CPU busy disturb nothing measurable.
OTHERS_BUSY = 0.1
# The least share of its time a starved case could have taken without the starvation.
MIN_SHARE = 1e-3
# Disturbances that could have stretched a case's time by less than MIN_EFFECT could not
# explain a claim by themselves: they widen its range but are not named.
MATERIAL = 1 / (1 + stats.MIN_EFFECT)
# Where the disturbances together are material, one that cost less than this share of
# the time is not named among them.
NEGLIGIBLE = 0.01
# Reference-loop times within this factor of each other are the same CPU speed.
SAME_SPEED = 1 + stats.MIN_EFFECT
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
    ``ceiling`` is what physics allows; ``disturbance``, what slowed the case; and
    ``serial_slowed``, how many times slower serial's CPU ran than the case's, where
    that could explain a claim.
    """

    measurement: Measurement
    speedup: float
    interval: tuple[float, float] | None
    p_value: float | None
    ideal: float
    ceiling: float
    label: str
    span: tuple[float, float]
    disturbance: Disturbance
    serial_slowed: float | None = None

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
        notes.extend(self.disturbance.words)
        if self.serial_slowed is not None and not self.is_baseline:
            notes.append(f"serial ran on a CPU {self.serial_slowed:.2f}x slower than this did")
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


def _wanted(m: Measurement) -> tuple[float, bool]:
    """The CPUs ``m`` wanted, and whether that is an estimate. Where run-queue waits went
    unreported (a cold pool's workers take theirs with them; some platforms report
    none), the most it could have wanted: one CPU a worker with tasks, but no more than
    it kept busy plus what everything else kept busy, since others can have taken only
    the CPU they used."""
    if m.runnable_per_wall is not None:
        return m.runnable_per_wall, False
    spread = float(max(1, min(m.workers, m.tasks)))
    return min(spread, (m.cpu_per_wall or 0.0) + (m.others_per_wall or 0.0)), True


def starved(measurement: Measurement) -> float | None:
    """The share of the CPUs it wanted (``_wanted``), and was allowed, that
    ``measurement`` got, where that is less than all of them while something else on
    the machine kept at least ``OTHERS_BUSY`` of a CPU busy; ``None`` otherwise, or
    where unmeasured. (A pool whose own threads outnumber the CPUs waits for them too:
    that is the strategy's cost, not a disturbance.)"""
    m = measurement
    if m.cpu_per_wall is None or m.others_per_wall is None:
        return None
    could = min(_wanted(m)[0], m.usable_cpus)
    if could < MIN_WANTED or m.others_per_wall < OTHERS_BUSY:
        return None
    share = m.cpu_per_wall / could
    return share if share < 1 else None


def fastest_reference(group: Iterable[Measurement]) -> float | None:
    """The CPU speed at its fastest over ``group``: the least of their reference-loop
    times (``cpuspeed``), or ``None`` where none was timed."""
    return min((m.reference_loop_s for m in group if m.reference_loop_s is not None), default=None)


def slowed(measurement: Measurement, reference: float | None) -> float | None:
    """How many times slower ``measurement``'s CPU ran than one whose reference-loop time
    was ``reference``, where it ran slower; ``None`` otherwise, or where unmeasured."""
    if measurement.reference_loop_s is None or not reference or reference <= 0:
        return None
    factor = measurement.reference_loop_s / reference
    return factor if factor > 1 else None


@dataclass(frozen=True)
class Disturbance:
    """What slowed a case or a serial pass, as measured: ``starved`` (``starved``; an
    estimate where ``estimated``, see ``_wanted``) and ``slowed`` (``slowed``), and the
    share of its time each could have cost it (``starving``, ``slowing``). ``share`` is
    how short its time could have been without both, as a share of it: every speedup's
    range takes it in, however small. It is named in words only where ``material``.
    ``spread`` is how many workers had tasks; ``than``, what its CPU speed was compared
    with."""

    starved: float | None = None
    slowed: float | None = None
    starving: float = 0.0
    slowing: float = 0.0
    estimated: bool = False
    spread: int = 1
    than: str = BASELINE

    @property
    def share(self) -> float:
        # A case that got no CPU at all could have been any amount faster: a share near 0.
        return max(1 - self.starving - self.slowing, MIN_SHARE)

    @property
    def material(self) -> bool:
        """Whether the disturbances could explain a claim by themselves."""
        return self.share <= MATERIAL

    @property
    def starving_named(self) -> bool:
        return self.material and self.starving >= NEGLIGIBLE

    @property
    def slowing_named(self) -> bool:
        return self.material and self.slowing >= NEGLIGIBLE

    @property
    def words(self) -> tuple[str, ...]:
        said = []
        if self.starving_named:
            how = "could have used" if self.estimated else "wanted"
            said.append(f"got {self.starved:.0%} of the CPU{'s' * (self.spread > 1)} it {how}")
        if self.slowing_named:
            said.append(f"ran on a CPU {self.slowed:.2f}x slower than {self.than} did")
        return tuple(said)


def disturbance(
    measurement: Measurement, reference: float | None = None, than: str = BASELINE
) -> Disturbance:
    """The disturbances of ``measurement``: its starvation, and its CPU speed against the
    reference-loop time ``reference`` (of ``than``: serial, for a case).

    The time its busiest path was ready to run (CPUs wanted over the workers that had
    tasks) would have been shorter by the CPU it missed; the time it spent computing
    (CPUs busy over those workers; all of it where unmeasured) would have been shorter by
    its slowdown. The two are different parts of its time, so what they cost adds up; the
    time it spent waiting on anything else is neither."""
    m = measurement
    spread = max(1, min(m.workers, m.tasks))
    got, factor = starved(m), slowed(m, reference)
    wanted, estimated = _wanted(m)
    starving = slowing = 0.0
    if got is not None:
        starving = min(1.0, wanted / spread) * (1 - got)
    if factor is not None:
        working = 1.0 if m.cpu_per_wall is None else min(1.0, m.cpu_per_wall / spread)
        slowing = working * (1 - 1 / factor)
    return Disturbance(got, factor, starving, slowing, estimated, spread, than)


def _name(m: Measurement, passes: Sequence[Measurement]) -> str:
    return BASELINE if len(passes) == 1 else f"{BASELINE} ({m.baseline_pass})"


def _pass_disturbance(m: Measurement, passes: Sequence[Measurement]) -> Disturbance:
    """A serial pass's disturbances: its starvation, and its CPU speed against the other
    pass's (where that ran faster)."""
    others = [p for p in passes if p is not m]
    return disturbance(
        m, fastest_reference(others), _name(others[0], passes) if others else BASELINE
    )


def _baseline(passes: Sequence[Measurement]) -> Baseline:
    pooled = tuple(r for m in passes for r in m.rounds)
    median = statistics.median(pooled) if pooled else statistics.median(m.median for m in passes)
    lows = [m.median * _pass_disturbance(m, passes).share for m in passes]
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
        words = _pass_disturbance(m, passes).words
        if words:
            drift.append(f"{_name(m, passes)} {' and '.join(words)}: something else was running")
    # Disturbances too small to name still lower the range: a claim must hold beyond them.
    low = min(median, *lows)
    if not drift:
        return Baseline(tuple(passes), pooled, median, low, median, None)
    high = max(median, *(m.median for m in passes))
    return Baseline(tuple(passes), pooled, median, low, high, "; ".join(drift))


def _pass_share(m: Measurement) -> float | None:
    """One serial pass's CPU share (see ``cpu_share``), ``None`` where unmeasured."""
    if m.cpu_per_unqueued_wall is not None:
        return min(1.0, m.cpu_per_unqueued_wall)
    if m.cpu_seconds is None:
        return None
    running = m.median * (1 - min(m.wait_share or 0.0, 0.99))
    return min(1.0, m.cpu_seconds / running)


def cpu_share(baseline: Baseline) -> float | None:
    """Serial's CPU seconds per wall second it was not kept waiting for a CPU: per pass,
    the median of each round's own ratio where recorded, else from its median time, CPU
    time and waiting (medians of different rounds: a busy machine blurs them); ``None``
    where no pass measured it. A slowed CPU moves it either way (time stolen from a
    virtual CPU is neither computing nor waiting; slower instructions stretch only the
    computing), so the passes whose CPU ran fastest speak; of those, the one that
    computed most, since the time a pass lost elsewhere is not known."""
    known = [(m, share) for m in baseline.passes if (share := _pass_share(m)) is not None]
    if not known:
        return None
    references = [m.reference_loop_s for m, _ in known]
    if None not in references:
        fastest = min(r for r in references if r is not None)
        known = [(m, s) for m, s in known if (m.reference_loop_s or 0) <= fastest * SAME_SPEED]
    return max(share for _, share in known)


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
    disturbed = disturbance(m, fastest_reference(baseline.passes))
    # Serial, where its CPU ran slower than this case's, could have been faster still.
    serial = [disturbance(p, m.reference_loop_s, label) for p in baseline.passes]
    low = min(
        baseline.low, *(p.median * d.share for p, d in zip(baseline.passes, serial, strict=True))
    )
    span = (low / m.median, baseline.high / (m.median * disturbed.share))
    slower = max((d.slowed or 1.0 for d in serial if d.slowing_named), default=None)
    return Row(m, speedup, interval, p_value, 1.0, math.inf, label, span, disturbed, slower)


def _speedup_text(row: Row) -> str:
    low, high = (f"{min(end, row.ceiling):.1f}x" for end in row.span)
    return f"{low} to {high}" if low != high else f"{row.shown:.1f}x"


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
    disturbed = [r for r in rows if not r.is_baseline]
    starving = [r.label for r in disturbed if r.disturbance.starving_named]
    if starving:
        notes.append(
            f"disturbed: {', '.join(starving)} got less CPU than they wanted and could use; "
            "their speedups are ranges"
        )
    slow = [r for r in disturbed if r.disturbance.slowing_named]
    if slow:
        named = ", ".join(f"{r.label} ({r.disturbance.slowed:.2f}x)" for r in slow)
        notes.append(
            f"disturbed: {named} ran on a CPU slower than serial did (a neighbour on a "
            "shared core, or a lower clock); their speedups are ranges"
        )
    fast = [r for r in disturbed if r.serial_slowed is not None]
    if fast:
        named = ", ".join(f"{r.label} ({r.serial_slowed:.2f}x)" for r in fast)
        notes.append(
            f"disturbed: serial ran on a CPU slower than {named}; their speedups are ranges"
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
                notes=(*_notes(baseline, rows, evidence), *filter(None, [footprint.note(rows)])),
            )
        )
    return verdicts
