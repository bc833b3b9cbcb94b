"""Two saved runs side by side: per benchmark, did it get faster, slower, or neither?

A change is called only when the Mann-Whitney test on the two runs' raw rounds says so
at ``stats.ALPHA`` and the medians differ by at least ``stats.MIN_EFFECT``. Runs whose
settings differ are compared with a warning naming what differs, since their numbers
answer different questions.
"""

from __future__ import annotations

from dataclasses import dataclass

from parbench import stats, verdict
from parbench.results import Measurement, Run

FASTER, SLOWER, SAME, UNTESTED = "faster", "slower", "no significant change", "untested"
NO_ROUNDS_HINT = (
    "saved without raw round times, so no change can be tested: save runs with "
    "--benchmark-save-data, or use --benchmark-json (parbench's plugin turns both on)"
)
# Settings that change what a run measures; a difference is warned about.
SETTINGS = {
    "python": "Python",
    "gil_enabled": "GIL enabled",
    "usable_cpus": "usable CPUs",
    "network": "network mode",
    "latency_s": "latency (s)",
    "body_bytes": "body size (B)",
}


@dataclass(frozen=True)
class Change:
    """One benchmark in both runs."""

    name: str
    old: Measurement
    new: Measurement
    p_value: float | None

    @property
    def ratio(self) -> float:
        """New median over old median: above 1 is slower."""
        return self.new.median / self.old.median

    @property
    def outcome(self) -> str:
        if self.p_value is None:
            return UNTESTED
        if not stats.real_change(self.p_value, self.ratio):
            return SAME
        return SLOWER if self.ratio > 1 else FASTER


@dataclass(frozen=True)
class SpeedupChange:
    """A case's speedup over serial in the old run and the new."""

    workload: str
    label: str
    old: float
    new: float


@dataclass(frozen=True)
class Comparison:
    old: Run
    new: Run
    changes: tuple[Change, ...]
    speedups: tuple[SpeedupChange, ...]
    warnings: tuple[str, ...]

    def regressions(self, percent: float) -> list[Change]:
        """Significant slowdowns of more than ``percent`` percent."""
        return [c for c in self.changes if c.outcome == SLOWER and c.ratio > 1 + percent / 100]


class NothingShared(ValueError):
    """The two runs have no benchmark in common."""


def _setting_warnings(old: Run, new: Run) -> list[str]:
    warnings = []
    for field, title in SETTINGS.items():
        before = sorted({str(getattr(m, field)) for m in old.measurements})
        after = sorted({str(getattr(m, field)) for m in new.measurements})
        if before != after:
            warnings.append(
                f"the runs differ in {title}: {', '.join(before)} vs {', '.join(after)}"
            )
    machine_old, machine_new = old.machine.get("node"), new.machine.get("node")
    if machine_old and machine_new and machine_old != machine_new:
        warnings.append(f"the runs come from different machines: {machine_old} vs {machine_new}")
    return warnings


def _speedups(old: Run, new: Run) -> list[SpeedupChange]:
    before = {
        (v.workload, row.measurement.name): row
        for v in verdict.judge(old.measurements)
        for row in v.rows
    }
    changes = []
    for v in verdict.judge(new.measurements):
        for row in v.rows:
            previous = before.get((v.workload, row.measurement.name))
            if previous is not None and row.measurement.strategy != "serial":
                changes.append(SpeedupChange(v.workload, row.label, previous.speedup, row.speedup))
    return changes


def compare(old: Run, new: Run) -> Comparison:
    """Match the runs' benchmarks by name and test each change."""
    before = {m.name: m for m in old.measurements}
    changes = []
    for measurement in new.measurements:
        previous = before.get(measurement.name)
        if previous is None:
            continue
        p_value = None
        if previous.rounds and measurement.rounds:
            p_value = stats.mann_whitney_p(previous.rounds, measurement.rounds)
        changes.append(Change(measurement.name, previous, measurement, p_value))
    if not changes:
        raise NothingShared(f"{old.source} and {new.source} share no benchmark")
    warnings = _setting_warnings(old, new)
    for run in (old, new):
        if not run.has_rounds:
            warnings.append(f"{run.source}: {NO_ROUNDS_HINT}")
    return Comparison(old, new, tuple(changes), tuple(_speedups(old, new)), tuple(warnings))


def render(comparison: Comparison) -> str:
    """The comparison as text: warnings, a line per benchmark, then the speedup changes."""
    lines = [f"warning: {w}" for w in comparison.warnings]
    lines.append(f"{comparison.old.source} -> {comparison.new.source}")
    width = max(len(c.name) for c in comparison.changes)
    for change in comparison.changes:
        lines.append(
            f"  {change.name.ljust(width)}  {change.old.median * 1e3:10.3f} ms -> "
            f"{change.new.median * 1e3:10.3f} ms  {change.ratio - 1:+7.1%}  {change.outcome}"
        )
    counts = {o: 0 for o in (FASTER, SLOWER, SAME, UNTESTED)}
    for change in comparison.changes:
        counts[change.outcome] += 1
    lines.append(", ".join(f"{n} {o}" for o, n in counts.items() if n))
    if comparison.speedups:
        lines.append("speedup over serial:")
        for s in comparison.speedups:
            lines.append(f"  {s.label} on {s.workload}: {s.old:.3g}x -> {s.new:.3g}x")
    return "\n".join(lines)
