"""From measurements to an answer: speedup over serial, efficiency, and a verdict in words.

Speedup is the serial median over the case's median, on the same workload, size and
network settings. Efficiency is speedup over the ideal: ``min(workers, tasks)`` for
I/O-bound work, ``min(workers, tasks, usable CPUs)`` for CPU-bound work. A case is called
faster or slower than serial only when the Mann-Whitney test on the raw rounds says so
at ``stats.ALPHA`` and the medians differ by at least ``stats.MIN_EFFECT``; otherwise it
is "no clear difference".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from parbench import stats
from parbench.results import Measurement

FASTER, SLOWER, UNCLEAR = "faster", "slower", "no clear difference"
# A workload is I/O-bound when serial spends at most this share of its wall time on the
# CPU, CPU-bound at or above the second; in between, mixed.
IO_CPU_SHARE, CPU_CPU_SHARE = 0.2, 0.8
# Below this serial time per task, a pool's per-task overhead is what gets measured.
TINY_TASK_S = 1e-4
DECLARED = {"io": "I/O-bound", "cpu": "CPU-bound", "mixed": "mixed"}


@dataclass(frozen=True)
class Row:
    """One case against its serial baseline."""

    measurement: Measurement
    speedup: float
    interval: tuple[float, float] | None
    p_value: float | None
    ideal: int
    label: str

    @property
    def efficiency(self) -> float:
        return self.speedup / self.ideal

    @property
    def versus_serial(self) -> str:
        if not stats.real_change(self.p_value, 1 / self.speedup):
            return UNCLEAR
        return FASTER if self.speedup > 1 else SLOWER


@dataclass(frozen=True)
class WorkloadVerdict:
    """Every case of one workload (at one size and network setting), and the answer."""

    workload: str
    kind: str
    declared_kind: str
    serial: Measurement
    rows: tuple[Row, ...]
    text: str


def measured_kind(serial: Measurement, rows: Iterable[Row]) -> str:
    """What the serial run shows: I/O-bound, CPU-bound (maybe releasing the GIL), or mixed."""
    if serial.cpu_seconds is None:
        return DECLARED[serial.kind]
    share = serial.cpu_seconds / serial.median
    if share <= IO_CPU_SHARE:
        return "I/O-bound"
    if share < CPU_CPU_SHARE:
        return "mixed"
    threads_scale = any(
        row.measurement.strategy == "threads"
        and row.measurement.workers > 1
        and row.versus_serial == FASTER
        and row.speedup >= 1.2
        for row in rows
    )
    if not threads_scale:
        return "CPU-bound"
    return "CPU-bound, releases the GIL" if serial.gil_enabled else "CPU-bound, threads scale"


def _ideal(measurement: Measurement, kind: str) -> int:
    ideal = min(measurement.workers, measurement.tasks)
    if not kind.startswith("I/O"):
        ideal = min(ideal, measurement.usable_cpus)
    return max(ideal, 1)


def _label(measurement: Measurement, group: list[Measurement]) -> str:
    """``threads x16``; the chunksize and start method only where the group measured
    more than one of them for that strategy and worker count."""
    if measurement.strategy == "serial":
        return "serial"
    text = f"{measurement.strategy} x{measurement.workers}"
    siblings = [
        m
        for m in group
        if (m.strategy, m.workers, m.pool) == (measurement.strategy, measurement.workers, "warm")
    ]
    if measurement.chunked and len({m.chunksize for m in siblings}) > 1:
        text += f" chunksize {measurement.chunksize}"
    if len({m.start_method for m in siblings}) > 1:
        text += f" {measurement.start_method}"
    return text + (", cold" if measurement.pool == "cold" else "")


def _row(measurement: Measurement, serial: Measurement, kind: str, label: str) -> Row:
    speedup = serial.median / measurement.median
    interval = p_value = None
    if measurement is not serial and measurement.rounds and serial.rounds:
        interval = stats.ratio_interval(serial.rounds, measurement.rounds)
        p_value = stats.mann_whitney_p(serial.rounds, measurement.rounds)
    return Row(measurement, speedup, interval, p_value, _ideal(measurement, kind), label)


def format_seconds(value: float) -> str:
    """``633 ms``, ``1.63 ms``, ``163 ns``: three significant figures and a unit."""
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def _sentence(workload: str, kind: str, declared: str, serial: Measurement, rows: list[Row]):
    head = f"{workload} ({kind}"
    if not kind.startswith(DECLARED[declared]):
        head += f"; declared {DECLARED[declared]}"
    head += ")"
    others = [row for row in rows if row.measurement is not serial]
    winners = sorted((r for r in others if r.versus_serial == FASTER), key=lambda r: -r.speedup)
    serial_text = f"serial {format_seconds(serial.median)}"
    if winners:
        best = winners[0]
        text = (
            f"{head}: {best.label} fastest, {best.speedup:.1f}x over serial "
            f"({best.efficiency:.0%} of ideal)"
        )
        seen = {best.measurement.strategy}
        for row in winners[1:]:
            if row.measurement.strategy not in seen:
                seen.add(row.measurement.strategy)
                text += f"; {row.label} {row.speedup:.1f}x"
        return f"{text}; {serial_text}"
    if not others:
        return f"{head}: only serial was measured; {serial_text}"
    if all(row.versus_serial == UNCLEAR for row in others):
        text = f"{head}: no strategy is clearly faster than serial; {serial_text}"
        fewest = min(len(r.measurement.rounds) for r in rows)
        if stats.smallest_p(fewest, len(serial.rounds)) >= stats.ALPHA:
            text += f" (too few rounds to tell: {fewest}; run at least 4 a benchmark)"
        return text
    slowest = min(others, key=lambda r: r.speedup)
    text = f"{head}: serial fastest ({format_seconds(serial.median)})"
    if slowest.versus_serial == SLOWER:
        text += f"; {slowest.label} is {1 / slowest.speedup:.0f}x slower"
        if serial.median / serial.tasks < TINY_TASK_S:
            per_task = format_seconds(serial.median / serial.tasks)
            text += f": per-task overhead dwarfs the work ({per_task} a task)"
    return text


def judge(measurements: Iterable[Measurement]) -> list[WorkloadVerdict]:
    """A verdict per workload setting that has a serial baseline, in first-seen order.

    Measurements without a serial baseline in the same run are left out.
    """
    groups: dict[tuple, list[Measurement]] = {}
    for measurement in measurements:
        groups.setdefault(measurement.baseline_key, []).append(measurement)
    verdicts = []
    for group in groups.values():
        serial = next((m for m in group if m.strategy == "serial"), None)
        if serial is None:
            continue
        provisional = [_row(m, serial, DECLARED[serial.kind], _label(m, group)) for m in group]
        kind = measured_kind(serial, provisional)
        # Only the ideal depends on the kind; the statistics are computed once.
        rows = [replace(row, ideal=_ideal(row.measurement, kind)) for row in provisional]
        rows.sort(key=lambda r: r.measurement.median)
        verdicts.append(
            WorkloadVerdict(
                workload=serial.workload,
                kind=kind,
                declared_kind=serial.kind,
                serial=serial,
                rows=tuple(rows),
                text=_sentence(serial.workload, kind, serial.kind, serial, rows),
            )
        )
    return verdicts
