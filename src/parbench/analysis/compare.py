"""Two saved runs side by side: per benchmark, did it get faster, slower, or neither?

A change is called only when the Mann-Whitney test on the two runs' raw rounds says so
at ``stats.ALPHA`` and the medians differ by at least ``stats.MIN_EFFECT``. Runs whose
settings differ are compared with a warning naming what differs, since their numbers
answer different questions; and a workload whose source changed between the runs (its
saved ``workload_source_hash``) is named in a warning that the work itself changed, since
its times then measure other code (runs saved before the hash say nothing of it).

The regression gate (``Comparison.regressions``) fails closed: where the runs cannot
show a regression (an incomplete run, a benchmark of the old run missing from the new,
no raw rounds, too few rounds for any change to be significant) it raises ``Ungated``
instead of finding none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from parbench.analysis import stats, verdict
from parbench.data.results import Measurement, Run, describe_incomplete, listed
from parbench.errors import ParbenchError

FASTER, SLOWER, UNTESTED = "faster", "slower", "untested"
SAME = stats.NO_CLEAR_DIFFERENCE
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
    # Benchmarks of the old run that the new one lacks.
    missing: tuple[str, ...]
    # Workloads whose source differs between the runs, sorted.
    changed_work: tuple[str, ...] = ()

    def regressions(self, percent: float) -> list[Change]:
        """Significant slowdowns of more than ``percent`` percent (finite, 0 or more).

        Raises ``Ungated`` when the runs cannot show every regression (see the module).
        """
        if not (math.isfinite(percent) and percent >= 0):
            raise ValueError(
                f"a regression threshold must be a finite percentage of 0 or more, not {percent}"
            )
        problem = self._ungated()
        if problem:
            raise Ungated(problem)
        return [c for c in self.changes if c.outcome == SLOWER and c.ratio > 1 + percent / 100]

    def _ungated(self) -> str | None:
        """Why the gate cannot judge these runs, or None."""
        for run in (self.old, self.new):
            if run.completeness.complete is False:
                incomplete = describe_incomplete(run.completeness)
                return f"{run.source}: {incomplete}; a gate needs whole runs"
        if self.missing:
            return (
                f"{self.new.source} lacks {len(self.missing)} benchmarks of {self.old.source} "
                f"({listed(self.missing)}); a gate needs every benchmark in both runs"
            )
        for run in (self.old, self.new):
            if not run.has_rounds:
                return f"{run.source}: {NO_ROUNDS_HINT}"
        for change in self.changes:
            sizes = len(change.old.rounds), len(change.new.rounds)
            if stats.smallest_p(*sizes) >= stats.ALPHA:
                return (
                    f"{change.name}: {sizes[0]} and {sizes[1]} rounds can never show a significant "
                    f"change (p < {stats.ALPHA}); run at least 4 rounds a benchmark"
                )
        return None


class NothingShared(ParbenchError, ValueError):
    """The two runs have no benchmark in common."""


class Ungated(ParbenchError, ValueError):
    """The regression gate cannot judge the runs; the message says why."""


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


def _source_hashes(run: Run) -> dict[str, str]:
    """Each workload's saved source hash, where the run saved one."""
    return {
        m.workload: m.workload_source_hash
        for m in run.measurements
        if m.workload_source_hash is not None
    }


def changed_work(old: Run, new: Run) -> dict[str, tuple[str, str]]:
    """The workloads of both runs whose source differs: their old and new hashes."""
    before, after = _source_hashes(old), _source_hashes(new)
    return {
        name: (before[name], after[name])
        for name in sorted(before.keys() & after.keys())
        if before[name] != after[name]
    }


def _work_warning(workload: str, hashes: tuple[str, str]) -> str:
    return (
        f"the work itself changed: workload {workload}'s source differs between the runs "
        f"(sha256 {hashes[0][:12]} vs {hashes[1][:12]}), so its times measure different code"
    )


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
            if previous is None or row.is_baseline or row.impossible or previous.impossible:
                continue
            changes.append(SpeedupChange(v.workload, row.label, previous.shown, row.shown))
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
    changed = changed_work(old, new)
    warnings += [_work_warning(name, hashes) for name, hashes in changed.items()]
    for run in (old, new):
        if not run.has_rounds:
            warnings.append(f"{run.source}: {NO_ROUNDS_HINT}")
    present = {m.name for m in new.measurements}
    missing = tuple(m.name for m in old.measurements if m.name not in present)
    if missing:
        warnings.append(
            f"{new.source} lacks {len(missing)} benchmarks of {old.source}: {listed(missing)}"
        )
    return Comparison(
        old,
        new,
        tuple(changes),
        tuple(_speedups(old, new)),
        tuple(warnings),
        missing,
        tuple(changed),
    )


def render(comparison: Comparison) -> str:
    """The comparison as text: warnings, a line per benchmark, then the speedup changes."""
    lines = [f"warning: {w}" for w in comparison.warnings]
    lines.append(f"{comparison.old.source} -> {comparison.new.source}")
    width = max(len(c.name) for c in comparison.changes)
    for change in comparison.changes:
        lines.append(
            f"  {change.name.ljust(width)}  {verdict.format_seconds(change.old.median):>9} -> "
            f"{verdict.format_seconds(change.new.median):>9}  {change.ratio - 1:+7.1%}  "
            f"{change.outcome}"
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
