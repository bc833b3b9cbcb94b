"""Two runs' comparison in words (``analysis.compare`` finds it): its warnings, a line per
benchmark with both medians and the change, the count of each outcome, and each case's
speedup over serial before and after."""

from __future__ import annotations

from parbench.analysis.compare import (
    FASTER,
    NO_ROUNDS_HINT,
    SAME,
    SLOWER,
    UNTESTED,
    Caveat,
    Comparison,
    NoRounds,
    OtherMachine,
    SettingDiffers,
    WorkChanged,
)
from parbench.data.results import listed
from parbench.report import labels
from parbench.report.labels import format_seconds

#: Each setting ``compare.SETTINGS`` warns about, in words.
SETTING_NAMES = {
    "python": "Python",
    "gil_enabled": "GIL enabled",
    "usable_cpus": "usable CPUs",
    "network": "network mode",
    "latency_s": "latency (s)",
    "body_bytes": "body size (B)",
}
# A source hash is named by its first characters, as git names a commit.
HASH_SHOWN = 12


def warning(found: Caveat) -> str:
    """One warning of a comparison, as a line without its ``warning:``."""
    if isinstance(found, SettingDiffers):
        before, after = ", ".join(found.old), ", ".join(found.new)
        return f"the runs differ in {SETTING_NAMES[found.setting]}: {before} vs {after}"
    if isinstance(found, OtherMachine):
        return f"the runs come from different machines: {found.old} vs {found.new}"
    if isinstance(found, WorkChanged):
        return (
            f"the work itself changed: workload {found.workload}'s source differs between the "
            f"runs (sha256 {found.old[:HASH_SHOWN]} vs {found.new[:HASH_SHOWN]}), so its times "
            "measure different code"
        )
    if isinstance(found, NoRounds):
        return f"{found.source}: {NO_ROUNDS_HINT}"
    return f"{found.new} lacks {len(found.names)} benchmarks of {found.old}: {listed(found.names)}"


def warnings(comparison: Comparison) -> tuple[str, ...]:
    """Every warning of ``comparison``, in its order."""
    return tuple(warning(found) for found in comparison.warnings)


def render(comparison: Comparison) -> str:
    """The comparison as text: warnings, a line per benchmark, then the speedup changes."""
    lines = [f"warning: {w}" for w in warnings(comparison)]
    lines.append(f"{comparison.old.source} -> {comparison.new.source}")
    width = max(len(c.name) for c in comparison.changes)
    for change in comparison.changes:
        lines.append(
            f"  {change.name.ljust(width)}  {format_seconds(change.old.median):>9} -> "
            f"{format_seconds(change.new.median):>9}  {change.ratio - 1:+7.1%}  "
            f"{change.outcome}"
        )
    counts = {o: 0 for o in (FASTER, SLOWER, SAME, UNTESTED)}
    for change in comparison.changes:
        counts[change.outcome] += 1
    lines.append(", ".join(f"{n} {o}" for o, n in counts.items() if n))
    if comparison.speedups:
        lines.append("speedup over serial:")
        for s in comparison.speedups:
            case = labels.case(s.case)
            lines.append(f"  {case} on {s.workload}: {s.old:.3g}x -> {s.new:.3g}x")
    return "\n".join(lines)
