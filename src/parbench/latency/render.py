"""Every word of the latency benchmarks: tables, verdicts and the article's two claims,
as text or Markdown, made from ``analysis``'s values."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from parbench.latency import analysis, servers
from parbench.latency.analysis import (
    FAILS,
    HALF,
    HOLDS,
    UNCLEAR,
    Estimate,
    HandlerVerdict,
    ServerCase,
    TickCase,
    WorkVerdict,
)
from parbench.latency.ticker import FRAME_BUDGET_S
from parbench.report.render import grid

SERVERS_CLAIM = "threads for web servers (more efficient than processes)"
TICKS_CLAIM = "a background thread keeps the interface responsive"
SERVER_COLUMNS = (
    "handler",
    "model",
    "workers",
    "sustained req/s (95%)",
    "offered",
    "p50",
    "p90",
    "p99 (95%)",
    "max",
    "errors",
)
TICK_COLUMNS = (
    "work",
    "switch",
    "background",
    "p50 lag",
    "p99 lag (95%)",
    "less CPU waits",
    "max lag",
    "in a frame",
    "background calls/s",
)
CLAIM_WORDS = {HOLDS: "holds", FAILS: "does not hold", UNCLEAR: "not shown either way"}


def ms(seconds: float) -> str:
    """``12.3 ms``; an infinite latency (failed requests past the percentile) is ``failed``."""
    return "failed" if math.isinf(seconds) else f"{seconds * 1000:.3g} ms"


def _bounds(estimate: Estimate, show: Callable[[float], str] = ms) -> str:
    def one(value: float | None) -> str:
        return "?" if value is None else show(value)

    return f"{one(estimate.low)}-{one(estimate.high)}"


def rate(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}"


def _rate(estimate: Estimate) -> str:
    return f"{rate(estimate.value)} ({_bounds(estimate, rate)})"


def _with_interval(estimate: Estimate) -> str:
    return f"{ms(estimate.value)} ({_bounds(estimate)})"


def server_rows(cases: Sequence[ServerCase]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for case in cases:
        model = servers.MODELS.get(case.model)
        workers = str(case.workers) if model is None or model.fixed_workers else "-"
        first = (case.handler, case.model, workers, _rate(case.sustained))
        if not case.loads:
            rows.append((*first, "-", "-", "-", "-", "-", "-"))
        for share, found in sorted(case.loads.items()):
            rows.append(
                (
                    *first,
                    f"{share:.0%} = {rate(share * case.sustained.value)}/s",
                    ms(found.p50.value),
                    ms(found.p90.value),
                    _with_interval(found.p99),
                    ms(found.max),
                    f"{found.failed}/{found.sent}",
                )
            )
    return rows


def tick_rows(cases: Sequence[TickCase]) -> list[tuple[str, ...]]:
    inside = {True: "yes", False: "no", None: "unclear"}
    return [
        (
            case.work if case.way != analysis.ALONE else "-",
            ms(case.switch_interval_s),
            case.way,
            ms(case.p50.value),
            _with_interval(case.p99),
            "?" if case.p99_unqueued is None else ms(case.p99_unqueued.value),
            ms(case.max),
            inside[case.within_budget],
            "-" if case.way == analysis.ALONE else rate(case.calls_per_s),
        )
        for case in cases
    ]


def _models(names: Sequence[str]) -> str:
    return " or ".join(names) if names else "none"


def server_verdict(verdict: HandlerVerdict) -> list[str]:
    """A handler's verdict: the fastest model, the steadiest at half load, the claim."""
    by_model = {c.model: c for c in verdict.cases}
    fastest = verdict.fastest
    if len(fastest) == 1:
        lines = [
            f"{verdict.handler}: {fastest[0]} sustains the most, "
            f"{_rate(by_model[fastest[0]].sustained)} req/s, clearly above every other model"
        ]
    else:
        lines = [
            f"{verdict.handler}: {_models(fastest)} sustain the most, with no clear "
            "difference between them (their intervals overlap)"
        ]
    if verdict.steadiest:
        tails = ", ".join(f"{m} {ms(by_model[m].loads[HALF].p99.value)}" for m in verdict.steadiest)
        lines.append(f"  lowest p99 at half of each model's sustained rate: {tails}")
    for case in verdict.cases:
        errors: dict[str, int] = {}
        for found in case.loads.values():
            for kind, count in found.errors.items():
                errors[kind] = errors.get(kind, 0) + count
        if errors:
            sent = sum(found.sent for found in case.loads.values())
            common = max(errors, key=errors.__getitem__)
            lines.append(
                f"  {case.model}: {sum(errors.values())} of {sent} requests failed, "
                f"most often {common}"
            )
    threads, processes = verdict.threads, verdict.processes
    if threads is None or processes is None:
        lines.append(f"  '{SERVERS_CLAIM}': untested (needs a threaded model and prefork)")
    else:
        lines.append(
            f"  '{SERVERS_CLAIM}': {CLAIM_WORDS[verdict.claim]}: {threads.model} "
            f"{_rate(threads.sustained)} req/s, prefork ({processes.workers} processes) "
            f"{_rate(processes.sustained)}"
        )
    return lines


def tick_verdict(verdict: WorkVerdict) -> list[str]:
    """A work's verdict: which ways keep the main thread in a frame, at what cost."""
    head = f"{verdict.work}, switch interval {ms(verdict.switch_interval_s)}"
    by_way = {c.way: c for c in verdict.cases}
    if verdict.responsive:
        best = max(c.calls_per_s for c in verdict.cases)
        kept = ", ".join(
            f"{w} ({rate(by_way[w].calls_per_s)} calls/s, "
            f"{by_way[w].calls_per_s / best:.0%} of the most)"
            for w in verdict.responsive
        )
        lines = [f"{head}: p99 lag clearly within a {ms(FRAME_BUDGET_S)} frame with {kept}"]
    else:
        lines = [f"{head}: no way kept p99 lag clearly within a {ms(FRAME_BUDGET_S)} frame"]
    lines.append(f"  least lag: {_models(verdict.steadiest)}")
    thread = by_way.get(analysis.THREAD)
    if thread is None:
        lines.append(f"  '{TICKS_CLAIM}': untested (no thread case)")
    elif verdict.busy:
        why = (
            "the thread's ticks missed the frame only by waiting for a CPU that other "
            "processes held"
            if thread.machine_explains
            else "the ticker alone missed the frame"
        )
        lines.append(
            f"  '{TICKS_CLAIM}': not shown either way: {why}, so the machine was too busy to judge"
        )
    else:
        why = "" if thread.p99.high is not None else " (too few ticks to bound p99 from above)"
        lines.append(
            f"  '{TICKS_CLAIM}': {CLAIM_WORDS[verdict.claim]}: a thread's p99 lag "
            f"{_with_interval(thread.p99)}, max {ms(thread.max)}{why}"
        )
    return lines


def report(servers: Sequence[ServerCase], ticks: Sequence[TickCase], fmt: str = "text") -> str:
    """Both suites' tables and verdicts, as ``text`` or ``markdown``; empty if no cases."""
    parts = []
    if servers:
        lines = [
            "servers under open-loop load (latency from each request's due time):",
            grid(SERVER_COLUMNS, server_rows(servers), fmt),
            "",
        ]
        for verdict in analysis.judge_servers(servers):
            lines += server_verdict(verdict)
        parts.append("\n".join(lines))
    if ticks:
        lines = [
            f"main-thread ticker beside background work (frame budget {ms(FRAME_BUDGET_S)}):",
            grid(TICK_COLUMNS, tick_rows(ticks), fmt),
            "",
        ]
        for tick in analysis.judge_ticks(ticks):
            lines += tick_verdict(tick)
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def comparison(changes: Sequence[analysis.Change]) -> str:
    """Latency cases of two runs side by side: a line per figure, better, worse or same."""
    lines = ["latency benchmarks (better or worse only where the 95% intervals do not overlap):"]
    for change in changes:
        show = _rate if change.figure == "sustained" else _with_interval
        lines.append(
            f"  {change.case}: {change.figure} {show(change.old)} -> {show(change.new)}  "
            f"{change.outcome}"
        )
    return "\n".join(lines)
