"""Two saved runs side by side: per benchmark, did it get faster, slower, or neither?
(``report.compare_words`` puts the comparison in words.)

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
from parbench.analysis.verdict import CaseKey
from parbench.data.results import Measurement, Run, describe_incomplete, listed
from parbench.errors import ParbenchError

FASTER, SLOWER, UNTESTED = "faster", "slower", "untested"
SAME = stats.NO_CLEAR_DIFFERENCE
NO_ROUNDS_HINT = (
    "saved without raw round times, so no change can be tested: save runs with "
    "--benchmark-save-data, or use --benchmark-json (parbench's plugin turns both on)"
)
# Settings (``Measurement`` fields) that change what a run measures; a difference is
# warned about.
SETTINGS = ("python", "gil_enabled", "usable_cpus", "network", "latency_s", "body_bytes")


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
    case: CaseKey
    old: float
    new: float


@dataclass(frozen=True)
class SettingDiffers:
    """A setting (one of ``SETTINGS``) whose values differ between the runs: each run's
    distinct values, as text, sorted."""

    setting: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class OtherMachine:
    """The runs were saved on machines of different names."""

    old: str
    new: str


@dataclass(frozen=True)
class WorkChanged:
    """A workload whose saved source hash (sha256) differs between the runs."""

    workload: str
    old: str
    new: str


@dataclass(frozen=True)
class NoRounds:
    """A run (``source``) saved without raw round times: no change can be tested."""

    source: str


@dataclass(frozen=True)
class Missing:
    """Benchmarks of the old run (``names``) that the new run lacks."""

    old: str
    new: str
    names: tuple[str, ...]


# What a comparison warns of, in this order: what makes its numbers answer different
# questions, or leaves changes untested.
Caveat = SettingDiffers | OtherMachine | WorkChanged | NoRounds | Missing


@dataclass(frozen=True)
class Comparison:
    old: Run
    new: Run
    changes: tuple[Change, ...]
    speedups: tuple[SpeedupChange, ...]
    warnings: tuple[Caveat, ...]
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
        self._check_gated()
        return [c for c in self.changes if c.outcome == SLOWER and c.ratio > 1 + percent / 100]

    def _check_gated(self) -> None:
        """Raises ``Ungated`` saying why, where the gate cannot judge these runs."""
        for run in (self.old, self.new):
            if run.completeness.complete is False:
                incomplete = describe_incomplete(run.completeness)
                raise Ungated(f"{run.source}: {incomplete}; a gate needs whole runs")
        if self.missing:
            raise Ungated(
                f"{self.new.source} lacks {len(self.missing)} benchmarks of {self.old.source} "
                f"({listed(self.missing)}); a gate needs every benchmark in both runs"
            )
        for run in (self.old, self.new):
            if not run.has_rounds:
                raise Ungated(f"{run.source}: {NO_ROUNDS_HINT}")
        for change in self.changes:
            sizes = len(change.old.rounds), len(change.new.rounds)
            if stats.smallest_p(*sizes) >= stats.ALPHA:
                raise Ungated(
                    f"{change.name}: {sizes[0]} and {sizes[1]} rounds can never show a significant "
                    f"change (p < {stats.ALPHA}); run at least 4 rounds a benchmark"
                )


class NothingShared(ParbenchError, ValueError):
    """The two runs have no benchmark in common."""


class Ungated(ParbenchError, ValueError):
    """The regression gate cannot judge the runs; the message says why."""


def _setting_warnings(old: Run, new: Run) -> list[Caveat]:
    warnings: list[Caveat] = []
    for setting in SETTINGS:
        before = tuple(sorted({str(getattr(m, setting)) for m in old.measurements}))
        after = tuple(sorted({str(getattr(m, setting)) for m in new.measurements}))
        if before != after:
            warnings.append(SettingDiffers(setting, before, after))
    machine_old, machine_new = old.machine.get("node"), new.machine.get("node")
    if machine_old and machine_new and machine_old != machine_new:
        warnings.append(OtherMachine(str(machine_old), str(machine_new)))
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
            changes.append(SpeedupChange(v.workload, row.case, previous.shown, row.shown))
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
    warnings += [WorkChanged(name, *hashes) for name, hashes in changed.items()]
    warnings += [NoRounds(run.source) for run in (old, new) if not run.has_rounds]
    present = {m.name for m in new.measurements}
    missing = tuple(m.name for m in old.measurements if m.name not in present)
    if missing:
        warnings.append(Missing(old.source, new.source, missing))
    return Comparison(
        old,
        new,
        tuple(changes),
        tuple(_speedups(old, new)),
        tuple(warnings),
        missing,
        tuple(changed),
    )
