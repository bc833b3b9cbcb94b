"""Verdicts from saved measurements, as values: speedups from paired rounds, limits from
what was measured, ties, the answer and the line to paste; and a few of their words."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import statistics
from collections.abc import Sequence
from typing import Any

import pytest

from parbench.analysis import breakeven, verdict
from parbench.data import results
from parbench.report import labels, render

from helpers import benchmark_entry as entry
from helpers import run_document


def judge(*entries: dict, **facts: Any) -> list[verdict.WorkloadVerdict]:
    """The verdicts of a run of ``entries``; ``facts``: the run's (``run_document``'s)."""
    document = run_document(*entries, **facts)
    return verdict.judge(results.from_json(document, "run.json").measurements)


def paired(
    workload: str, strategy: str, ratios: Sequence[float], serial_s: float, **fields
) -> dict:
    """A case whose pairs with serial (rounds of about ``serial_s``) have ``ratios``."""
    serial = [serial_s * (1 + 0.01 * ((i * 7) % 5 - 2)) for i in range(len(ratios))]
    case = [s / r for s, r in zip(serial, ratios, strict=True)]
    saved = entry(
        workload,
        strategy,
        statistics.median(case),
        rounds=len(case),
        serial_rounds=serial,
        **fields,
    )
    saved["stats"]["data"] = case
    return saved


def spread(center: float, by: float, n: int = 12) -> list[float]:
    """``n`` ratios around ``center``, each off it by a factor up to ``1 + by``."""
    return [center * (1 + by) ** ((2 * i / (n - 1)) - 1) for i in range(n)]


def row(found: verdict.WorkloadVerdict, name: str) -> verdict.Row:
    return next(r for r in found.rows if labels.case(r.case) == name)


def test_an_io_winner_with_its_speedup_efficiency_and_line_to_paste() -> None:
    [found] = judge(
        entry("download", "serial", 0.64, kind="io", tasks=12, cpu_share=0.04),
        paired("download", "threads", spread(8.0, 0.02), 0.64, workers=16, kind="io", tasks=12),
        paired("download", "processes", spread(9.8, 0.02), 0.64, workers=16, kind="io", tasks=12),
        paired("download", "threads", spread(1.9, 0.02), 0.64, workers=2, kind="io", tasks=12),
    )
    assert found.work == "io" and labels.kind(found) == "I/O-bound"
    best = found.rows[0]
    assert labels.case(best.case) == "processes x16" and best.limits.ideal == 12
    assert best.speedup == pytest.approx(9.8, rel=1e-3)
    assert best.interval[0] < best.speedup < best.interval[1]
    assert best.efficiency == pytest.approx(best.speedup / 12)
    assert found.answer.kind == verdict.WINNER and found.answer.use is best
    assert render.sentence(found) == (
        "download (I/O-bound): processes x16 fastest, 9.7x to 9.9x over serial (82% of ideal); "
        "threads x16 7.9x to 8.1x; serial 640 ms"
    )
    assert render.use_line(found) == "use: ProcessPoolExecutor(max_workers=16)"


def test_serial_measured_parallel_inside_leaves_less_to_gain() -> None:
    # numpy's matrix products on a multithreaded BLAS: serial kept 1.8 of 2 CPUs busy.
    [found] = judge(
        entry("matmul", "serial", 0.1, cpu_per_wall=1.8, cpu_per_unqueued_wall=1.0),
        paired("matmul", "threads", spread(1.05, 0.01), 0.1, workers=2, cpu_per_wall=1.9),
        paired("matmul", "processes", spread(2.0, 0.01), 0.1, workers=2),
    )
    threads, processes = row(found, "threads x2"), row(found, "processes x2")
    assert threads.ceiling == pytest.approx(2 / 1.8)
    assert not threads.impossible and threads.efficiency <= 1
    # Two processes beating serial by 2x, when serial already kept 1.8 CPUs busy, is
    # beyond physics: a disturbed measurement, withheld.
    assert processes.impossible and processes.versus_serial == verdict.DISTURBED
    assert found.answer.rows == (threads,)
    assert any(
        "serial ran on 1.80 CPUs at once: the work is parallel inside" in n
        for n in render.notes(found)
    )
    assert any(n.startswith("withheld: processes x2 measured 2x") for n in render.notes(found))
    # Beside a neighbour serial got one CPU, but its threads wanted both: parallel inside.
    [busy] = judge(
        entry("matmul", "serial", 0.1, cpu_per_wall=0.88, runnable_per_wall=2.0),
        paired("matmul", "threads", spread(1.05, 0.01), 0.1, workers=2, cpu_per_wall=1.9),
    )
    assert busy.rows[0].ceiling == 1


def test_threads_on_work_that_holds_the_gil_gain_nothing_whatever_they_measured() -> None:
    # C work that holds the GIL: threads x2 kept 0.98 CPUs busy, yet measured 2.04x.
    [found] = judge(
        entry("c_gil", "serial", 0.1, cpu_per_wall=1.0, cpu_per_unqueued_wall=1.0),
        paired(
            "c_gil",
            "threads",
            spread(2.04, 0.01),
            0.1,
            workers=2,
            cpu_per_wall=0.98,
            runnable_per_wall=1.0,
        ),
        paired("c_gil", "threads", spread(1.0, 0.01), 0.1, workers=1, cpu_per_wall=1.0),
    )
    assert found.gil.held and labels.kind(found) == "CPU-bound, holds the GIL"
    two = row(found, "threads x2")
    assert two.limits.gil_capped and two.ceiling == 1
    assert two.impossible and two.versus_serial == verdict.DISTURBED
    text = render.render([found])
    [line] = [t for t in text.splitlines() if t.strip().startswith("threads x2 ")]
    assert line.split()[4:8] == ["-", "-", "-", "disturbed"]
    assert "2x" not in text.split("withheld")[0]
    assert "withheld: threads x2 measured 2.04x, beyond what 2 workers on 16 tasks of work " in text


def test_mixed_work_overlaps_waiting_with_computing() -> None:
    # Sleeps 10 ms and computes 10 ms of Python a task: a CPU share of one half.
    share = {"cpu_per_unqueued_wall": 0.5, "cpu_per_wall": 0.5}
    [found] = judge(
        entry("mixed", "serial", 0.32, kind="mixed", **share),
        paired("mixed", "processes", spread(3.1, 0.05), 0.32, workers=4, kind="mixed"),
        paired(
            "mixed",
            "threads",
            spread(1.9, 0.05),
            0.32,
            workers=4,
            kind="mixed",
            cpu_per_wall=0.97,
            runnable_per_wall=1.0,
        ),
    )
    assert found.work == "mixed" and found.gil.held
    processes, threads = row(found, "processes x4"), row(found, "threads x4")
    # Processes: min(workers, tasks, CPUs / share) = min(4, 16, 2 / 0.5).
    assert (processes.ideal, processes.ceiling) == (4, 4)
    # Threads on work that holds the GIL: min(workers, tasks, 1 / share).
    assert (threads.ideal, threads.ceiling) == (2, 2) and threads.limits.gil_capped
    assert processes.efficiency == pytest.approx(processes.speedup / 4)
    assert found.answer.kind == verdict.WINNER and found.answer.use is processes


def test_a_winner_is_named_only_when_its_range_lies_above_every_other() -> None:
    # Seen on mixed work: threads x4 1.5x to 2.3x, processes x4 1.5x to 3.6x.
    [found] = judge(
        entry("mixed", "serial", 0.32, kind="mixed", cpu_per_unqueued_wall=0.5),
        paired("mixed", "threads", [1.5, 2.3, 1.6, 2.2, 1.9, 1.7], 0.32, workers=4, kind="mixed"),
        paired("mixed", "processes", [1.5, 3.6, 2.0, 3.0, 2.6, 1.8], 0.32, workers=4, kind="mixed"),
    )
    answer = found.answer
    assert answer.kind == verdict.TIE
    assert {labels.case(r.case) for r in answer.rows} == {"threads x4", "processes x4"}
    low, high = answer.common
    for tied in answer.rows:
        assert tied.shown_interval[0] <= high and low <= tied.shown_interval[1]
    text = render.sentence(found)
    assert "fastest" not in text and "processes x4 and threads x4 tie at" in text
    # Different pools tie: the cheaper one, all faster than serial, is the one to use.
    assert render.use_line(found) == "use: ThreadPoolExecutor(max_workers=4)"


def test_every_claim_agrees_with_the_interval_beside_it() -> None:
    [found] = judge(
        entry("work", "serial", 0.1),
        paired("work", "processes", spread(1.8, 0.05), 0.1, workers=2),
        paired("work", "threads", spread(1.0, 0.01), 0.1, workers=2),
        paired("work", "threads", spread(0.9, 0.3, n=6), 0.1, workers=1),
        paired("work", "processes", spread(0.5, 0.02), 0.1, workers=1),
    )
    outcomes = {labels.case(r.case): r.versus_serial for r in found.rows if not r.is_baseline}
    assert outcomes == {
        "processes x2": verdict.FASTER,
        "threads x2": verdict.SAME,
        "threads x1": verdict.UNCLEAR,
        "processes x1": verdict.SLOWER,
    }
    for r in found.rows:
        if r.is_baseline:
            continue
        low, high = r.interval
        assert (r.outcome == verdict.FASTER) == (low > 1 and r.outcome != verdict.SAME)
        assert (r.outcome == verdict.SLOWER) == (high < 1 and r.outcome != verdict.SAME)
        if r.outcome == verdict.UNCLEAR:
            assert low <= 1 <= high


def test_serial_is_the_answer_when_every_case_is_slower_or_no_faster() -> None:
    [found] = judge(
        entry("factorial", "serial", 0.0016, tasks=10_000),
        paired("factorial", "processes", spread(0.0016, 0.02), 0.0016, workers=2, tasks=10_000),
        paired("factorial", "threads", spread(0.99, 0.01), 0.0016, workers=2, tasks=10_000),
    )
    assert found.answer.kind == verdict.SERIAL_WINS
    assert render.sentence(found) == (
        "factorial (CPU-bound): nothing beats serial (1.6 ms); threads x2 within 5% of it; "
        "processes x2 is 625x slower: per-task overhead dwarfs the work (160 ns a task)"
    )
    assert render.use_line(found) == "use: a plain loop"


def test_serial_is_the_answer_where_the_rest_cannot_gain_by_physics() -> None:
    # Processes x2 decided slower; one worker, undecided beside a neighbour, can gain
    # nothing whatever it measured: nothing is a reason to leave the plain loop.
    [found] = judge(
        entry("tiny", "serial", 0.01),
        paired("tiny", "processes", spread(0.5, 0.05), 0.01, workers=2),
        paired("tiny", "threads", spread(1.0, 0.4), 0.01, workers=1),
    )
    assert row(found, "threads x1").outcome == verdict.UNCLEAR
    assert found.answer.kind == verdict.SERIAL_WINS
    assert render.sentence(found).startswith(
        "tiny (CPU-bound): nothing beats serial (10 ms); threads x1 cannot beat it (at most 1x)"
    )
    assert render.use_line(found) == "use: a plain loop"
    # Where a case that can gain is still open, nothing is decided.
    [found] = judge(
        entry("tiny", "serial", 0.01),
        paired("tiny", "processes", spread(1.0, 0.4), 0.01, workers=2),
        paired("tiny", "threads", spread(1.0, 0.4), 0.01, workers=1),
    )
    assert found.answer.kind == verdict.UNDECIDED


def test_no_line_to_paste_where_nothing_is_decided() -> None:
    [found] = judge(
        entry("work", "serial", 0.1),
        paired("work", "processes", [0.6, 1.9, 0.8, 1.7], 0.1, workers=2, stopped="budget"),
    )
    assert found.answer.kind == verdict.UNDECIDED and not found.answer.decided
    assert render.use_line(found) is None
    assert "use:" not in render.render([found])
    assert found.noise.out_of_budget == (row(found, "processes x2"),)
    assert render.sentence(found) == (
        "work (CPU-bound): not decided; serial 100 ms; no clear difference yet for processes x2 "
        "(a larger --parbench-budget measures longer)"
    )


def test_an_undecided_verdict_says_what_budget_would_likely_decide_it() -> None:
    # Processes about 1.3x faster, out of their share of a 20 s budget after 8 pairs that
    # varied by 30%: with each doubling of the pairs the interval narrows by the square
    # root of two, until it lies above 1.
    noisy = spread(1.3, 0.6, n=8)
    [found] = judge(
        entry("work", "serial", 0.1),
        paired("work", "processes", noisy, 0.1, workers=2, stopped="budget", workload_budget_s=20),
    )
    assert not found.answer.decided
    assert found.noise.enough is not None and 20 < found.noise.enough <= 20 * 32
    suggested = math.ceil(found.noise.enough / 10) * 10
    assert render.sentence(found).endswith(
        f"(--parbench-budget={suggested}s would likely decide it)"
    )
    # Taken that many more times, the same spread of pairs decides it.
    more = [r for _ in range(round(found.noise.enough / 20)) for r in noisy]
    [longer] = judge(
        entry("work", "serial", 0.1),
        paired("work", "processes", more, 0.1, workers=2, workload_budget_s=20),
    )
    assert longer.answer.decided and longer.noise.enough is None


def test_a_verdict_no_budget_would_decide_says_so() -> None:
    # As fast as serial, give or take 2x a pair: narrowing to within 5% of serial takes
    # more pairs than a case may have, whatever the budget.
    coin = [0.5, 2.0] * 4
    [found] = judge(
        entry("work", "serial", 0.1),
        paired("work", "threads", coin, 0.1, workers=2, stopped="budget", workload_budget_s=20),
    )
    assert found.noise.enough == math.inf
    assert render.sentence(found).endswith(
        "(more than the 256 pairs a case may take would be needed)"
    )
    # 1.25x faster, its pairs varying by 2x: the most pairs would do, not the most budget.
    slow = [r * 1.25 for r in coin]
    [found] = judge(
        entry("work", "serial", 0.1),
        paired("work", "threads", slow, 0.1, workers=2, stopped="budget", workload_budget_s=600),
    )
    assert 3600 < found.noise.enough < math.inf
    assert render.sentence(found).endswith(
        "(more than --parbench-budget=3600s, the most, would be needed)"
    )


def test_a_tie_of_one_pool_recommends_its_fewest_workers_and_its_chunks() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io", tasks=250),
        paired("sleep", "processes", spread(1.95, 0.02), 0.8, workers=2, tasks=250, chunksize=63),
        paired("sleep", "processes", spread(1.96, 0.02), 0.8, workers=4, tasks=250, chunksize=63),
    )
    assert found.answer.kind == verdict.TIE
    assert (
        render.use_line(found) == "use: ProcessPoolExecutor(max_workers=2), map(..., chunksize=63)"
    )


def test_a_tie_recommends_the_cheapest_case_decided_faster() -> None:
    # The leader is faster; a cold pool tied with it was not told from serial.
    [found] = judge(
        entry("work", "serial", 0.1),
        paired("work", "processes", spread(1.4, 0.05), 0.1, workers=2),
        paired("work", "processes", [1.6, 0.9, 1.5, 1.0], 0.1, workers=2, pool="cold"),
    )
    assert found.answer.kind == verdict.TIE
    assert row(found, "processes x2 cold").outcome == verdict.UNCLEAR
    assert render.use_line(found) == "use: ProcessPoolExecutor(max_workers=2)"


def test_the_noise_line_says_what_measuring_cost() -> None:
    [found] = judge(
        entry("work", "serial", 0.1),
        paired("work", "processes", spread(1.8, 0.1), 0.1, workers=2, workload_budget_s=20.0),
        paired("work", "threads", spread(1.0, 0.01), 0.1, workers=2, workload_budget_s=20.0),
    )
    noise = found.noise
    assert noise.pairs == 24 and noise.budget == 20
    assert noise.seconds == pytest.approx(
        sum(sum(m.serial_rounds) + sum(m.rounds) for m in (r.measurement for r in found.rows[:2]))
    )
    [line] = [n for n in render.notes(found) if n.startswith("measured:")]
    assert line.startswith("measured: 24 rounds paired with serial in ")
    assert "(budget 20 s); a pair's ratio varied by " in line


def test_a_case_saved_without_its_rounds_makes_no_claim() -> None:
    bare = entry("work", "processes", 0.05, workers=2)
    bare["stats"].pop("data")
    [found] = judge(entry("work", "serial", 0.1), bare)
    case = row(found, "processes x2")
    assert case.interval is None and case.speedup == pytest.approx(2)
    assert case.outcome == verdict.UNCLEAR and found.answer.kind == verdict.UNDECIDED


def test_threads_running_in_parallel_release_the_gil_and_break_even_reads_that_value() -> None:
    [found] = judge(
        entry("hashing", "serial", 0.075),
        paired("hashing", "threads", spread(1.95, 0.02), 0.075, workers=2, cpu_per_wall=1.96),
    )
    assert found.gil.parallel and labels.kind(found) == "CPU-bound, releases the GIL"
    point = breakeven.Point(1e-3, found.rows[0])
    hashing = breakeven.BreakEven(
        "work_hashlib", "threads", None, "1", 2, 0.01, 1e-5, None, (point,)
    )
    assert breakeven.hint(found, [hashing]) is not None
    # Break-even reads the GIL from the value: the same verdict holding it reads the
    # sweep of work that holds it, of which there is none here.
    held = dataclasses.replace(found, gil=dataclasses.replace(found.gil, parallel=False))
    assert breakeven.hint(held, [hashing]) is None


def test_no_gil_claim_where_the_machine_held_threads_back_or_they_cannot_show() -> None:
    [busy] = judge(
        entry("work", "serial", 0.08),
        paired(
            "work",
            "threads",
            spread(1.0, 0.01),
            0.08,
            workers=2,
            cpu_per_wall=0.98,
            runnable_per_wall=1.7,
        ),
    )
    assert busy.gil.reason == verdict.MACHINE_BUSY and labels.kind(busy) == "CPU-bound"
    [one_cpu] = judge(
        entry("work", "serial", 0.08),
        paired("work", "threads", spread(1.0, 0.01), 0.08, workers=2, cpu_per_wall=1.0),
        usable_cpus=1,
    )
    assert one_cpu.gil.reason == verdict.CANNOT_SHOW and one_cpu.gil.parallel is None


def held_back_threads(ratios: Sequence[float]) -> dict:
    """Threads x2 that a busy machine kept to one CPU though two were ready to run."""
    return paired(
        "work", "threads", ratios, 0.08, workers=2, cpu_per_wall=0.98, runnable_per_wall=1.9
    )


def test_threads_held_back_by_a_neighbour_that_still_gained_in_pairs_run_in_parallel() -> None:
    [found] = judge(entry("work", "serial", 0.08), held_back_threads(spread(1.6, 0.1)))
    assert found.gil.parallel is True and found.gil.reason == verdict.GAINED
    assert labels.kind(found) == "CPU-bound, releases the GIL"
    [evidence] = [n for n in render.notes(found) if n.startswith("evidence:")]
    assert "on a busy machine, yet gained 1.51x or more over serial" in evidence
    assert evidence.endswith("its threads run in parallel")


def test_threads_held_back_and_behind_processes_in_pairs_run_one_at_a_time() -> None:
    [found] = judge(
        entry("work", "serial", 0.08),
        held_back_threads(spread(1.0, 0.02)),
        paired("work", "processes", spread(1.7, 0.05), 0.08, workers=2),
    )
    assert found.gil.parallel is False and found.gil.reason == verdict.BEHIND_PROCESSES
    assert labels.kind(found) == "CPU-bound, holds the GIL"
    # Known to hold the GIL, the threads are held to 1x.
    assert row(found, "threads x2").ceiling == 1
    [evidence] = [n for n in render.notes(found) if n.startswith("evidence:")]
    assert "while processes x2 gained 1.6" in evidence
    assert evidence.endswith("one thread runs at a time")


def test_threads_whose_interval_touches_the_processes_are_still_told_apart_by_their_ratio() -> None:
    # Beside a neighbour: the threads' interval (about 0.85x to 1.15x) and the processes'
    # (about 1.17x to 1.6x) nearly meet, but the processes' speedup over the threads' is
    # decidedly above 1.
    threads = held_back_threads(spread(1.0, 0.25, n=20))
    processes = paired("work", "processes", spread(1.37, 0.25, n=20), 0.08, workers=2)
    [found] = judge(entry("work", "serial", 0.08), threads, processes)
    assert found.gil.parallel is False and found.gil.reason == verdict.BEHIND_PROCESSES
    assert found.gil.behind is not None and found.gil.behind.low > 1
    [evidence] = [n for n in render.notes(found) if n.startswith("evidence:")]
    assert "as fast as the threads beside the same neighbour" in evidence


def test_threads_that_may_have_gained_much_are_not_said_to_hold_the_gil() -> None:
    # Their interval reaches 1.3x: parallel threads beside a neighbour could gain that
    # little, so being behind the processes does not show the GIL.
    threads = held_back_threads(spread(1.1, 0.3, n=8))
    processes = paired("work", "processes", spread(1.9, 0.02), 0.08, workers=2)
    [found] = judge(entry("work", "serial", 0.08), threads, processes)
    assert found.gil.parallel is None and found.gil.reason == verdict.MACHINE_BUSY


def test_no_gil_claim_where_pairs_cannot_tell_either() -> None:
    # Threads and processes alike within noise of serial: nothing shows how threads run.
    [found] = judge(
        entry("work", "serial", 0.08),
        held_back_threads(spread(1.0, 0.3)),
        paired("work", "processes", spread(1.1, 0.3), 0.08, workers=2),
    )
    assert found.gil.parallel is None and found.gil.reason == verdict.MACHINE_BUSY


# Beside a neighbour on both CPUs: threads that hold the GIL at one CPU at most in every
# round, a process pool of two above ROUND_PARALLEL in the rounds the neighbour was off.
HELD_ROUNDS = [0.8, 1.0, 0.71, 0.79, 1.01, 0.64, 0.81, 0.73, 0.99, 0.76, 0.87, 0.82, 0.66, 0.91]
PROCESS_ROUNDS = [1.85, 1.16, 1.08, 1.87, 1.37, 0.85, 1.73, 1.87, 1.61, 0.94, 1.22, 1.89, 1.05, 1.6]


def beside_a_neighbour(strategy: str, busy: Sequence[float], center: float = 1.0, **fields) -> dict:
    """A pool of two on ``work`` whose 14 pairs with serial are too noisy to tell (about
    ``center``, 30% either way), having kept ``busy`` CPUs busy in its sampled rounds."""
    return paired(
        "work", strategy, spread(center, 0.3, n=14), 0.08, workers=2, busy_rounds=busy, **fields
    )


def held_back(busy: Sequence[float], **fields) -> dict:
    """Threads x2 beside a neighbour, held back from the CPUs they wanted."""
    return beside_a_neighbour("threads", busy, runnable_per_wall=1.9, **fields)


def test_threads_that_kept_two_cpus_busy_in_one_round_run_in_parallel() -> None:
    # Held back by a neighbour in the median round, pairs too noisy to tell: one round in
    # which they kept 1.8 CPUs busy is what holding the GIL rules out.
    [found] = judge(entry("work", "serial", 0.08), held_back([0.9] * 11 + [1.8]))
    assert found.gil.parallel is True and found.gil.reason == verdict.PARALLEL_IN_A_ROUND
    assert (found.gil.peak, found.gil.rounds) == (1.8, 12)
    assert labels.kind(found) == "CPU-bound, releases the GIL"
    [evidence] = [n for n in render.notes(found) if n.startswith("evidence:")]
    assert evidence == (
        "evidence: threads x2 kept 1.80 CPUs busy in one of its 12 rounds (0.90 in the "
        "median one): its threads run in parallel"
    )
    # A cold pool of threads shows it as well, and the evidence names the pool that did.
    cold = beside_a_neighbour("threads", [1.5], pool="cold")
    [found] = judge(entry("work", "serial", 0.08), held_back([0.9] * 12), cold)
    assert found.gil.parallel is True and labels.case(found.gil.case) == "threads x2 cold"
    # Saved without its rounds' CPU use (schema 3), a median of 1.25 says nothing by rounds.
    older = held_back_threads(spread(1.0, 0.01))
    older["extra_info"]["cpu_per_wall"] = 1.25
    [found] = judge(entry("work", "serial", 0.08), older)
    assert found.gil.reason == verdict.MACHINE_BUSY


def test_threads_never_parallel_in_a_round_where_processes_often_were_hold_the_gil() -> None:
    # Pairs cannot tell (threads and processes both within noise of serial), rounds can:
    # 9 of the processes' 14 rounds kept 1.2 CPUs busy or more, none of the threads' 14.
    threads = held_back(HELD_ROUNDS)
    processes = beside_a_neighbour("processes", PROCESS_ROUNDS, center=1.1)
    [found] = judge(entry("work", "serial", 0.08), threads, processes)
    assert found.gil.parallel is False and found.gil.reason == verdict.NEVER_PARALLEL
    assert (found.gil.rival_parallel, found.gil.rival_rounds) == (9, 14)
    assert labels.kind(found) == "CPU-bound, holds the GIL"
    assert row(found, "threads x2").ceiling == 1
    [evidence] = [n for n in render.notes(found) if n.startswith("evidence:")]
    assert evidence == (
        "evidence: threads x2 kept at most 1.01 CPUs busy in each of 14 rounds on a busy "
        "machine, while processes x2 kept 1.2 or more busy in 9 of 14 beside the same "
        "neighbour: one thread runs at a time"
    )
    # The rounds of every pool of as many workers count: chunk policies, warm and cold.
    chunked = beside_a_neighbour("processes", PROCESS_ROUNDS, center=1.1, chunksize=4)
    cold = beside_a_neighbour("threads", HELD_ROUNDS[:5], pool="cold")
    [found] = judge(entry("work", "serial", 0.08), threads, processes, chunked, cold)
    assert (found.gil.rival_parallel, found.gil.rival_rounds, found.gil.rounds) == (18, 28, 19)


def test_threads_are_not_said_to_hold_the_gil_where_processes_seldom_ran_in_parallel() -> None:
    # Two of the processes' rounds above 1.2: the threads' fourteen could miss such
    # moments by chance (about one time in five), so rounds do not tell, nor do pairs.
    seldom = beside_a_neighbour("processes", [1.1] * 12 + [1.5, 1.6], center=1.1)
    [found] = judge(entry("work", "serial", 0.08), held_back(HELD_ROUNDS), seldom)
    assert found.gil.parallel is None and found.gil.reason == verdict.MACHINE_BUSY


def test_every_format_carries_the_rows_and_the_line_to_paste() -> None:
    found = judge(
        entry("sleep", "serial", 0.8, kind="io", cpu_share=0.0),
        paired("sleep", "threads", spread(15.8, 0.01), 0.8, workers=16, kind="io"),
    )
    text = render.render(found, "text")
    assert text.splitlines()[0].startswith("CPython 3.11.7, GIL enabled; machine: ")
    assert text.splitlines()[-1] == "  use: ThreadPoolExecutor(max_workers=16)"
    markdown = render.render(found, "markdown")
    assert "### sleep" in markdown and "`use: ThreadPoolExecutor(max_workers=16)`" in markdown
    rows = list(csv.DictReader(io.StringIO(render.render(found, "csv"))))
    assert [(r["strategy"], r["versus_serial"], r["pairs"]) for r in rows] == [
        ("threads", "faster", "12"),
        ("serial", "baseline", "0"),
    ]
    [document] = json.loads(render.render(found, "json"))
    workload = document["workloads"][0]
    assert workload["verdict"] == render.sentence(found[0])
    assert workload["use"] == "use: ThreadPoolExecutor(max_workers=16)"
    assert workload["rows"][0]["speedup"] == pytest.approx(15.8, rel=1e-3)


def test_a_golden_verdict_in_text() -> None:
    found = judge(
        entry("pure_python", "serial", 0.15, cpu_per_wall=1.0, cpu_per_unqueued_wall=1.0),
        paired(
            "pure_python",
            "processes",
            spread(1.8, 0.04),
            0.15,
            workers=2,
            cpu_per_wall=1.9,
            runnable_per_wall=2.0,
            workload_budget_s=20.0,
        ),
        paired(
            "pure_python",
            "threads",
            spread(1.0, 0.01),
            0.15,
            workers=2,
            cpu_per_wall=0.99,
            runnable_per_wall=1.0,
            workload_budget_s=20.0,
        ),
    )
    assert render.render(found).splitlines()[1:] == [
        "",
        "pure_python (CPU-bound, holds the GIL): processes x2 fastest, 1.8x over serial (90% of "
        "ideal); serial 150 ms",
        "  evidence: threads x2 kept 0.99 CPUs busy of 2 usable: one thread runs at a time",
        "  measured: 24 rounds paired with serial in 6.4 s (budget 20 s); a pair's ratio varied "
        "by 1.6%",
        "    case          median   speedup  interval     efficiency  vs serial  pairs  "
        "CPUs busy/wanted  memory  note",
        "    processes x2  83.5 ms  1.8x     1.76x-1.84x  90%         faster     12     "
        "1.90/2.00         -",
        "    threads x2    150 ms   1x       0.994x-1x    100%        within 5%  12     "
        "0.99/1.00         -       threads on work that holds the GIL: at most 1x",
        "    serial        150 ms   -        -            -           baseline   -      "
        "1.00/?            -",
        "  use: ProcessPoolExecutor(max_workers=2)",
    ]


def test_a_run_of_schema_1_gives_figures_from_medians_that_decide_nothing() -> None:
    document = run_document(
        entry("sleep", "serial", 0.8), entry("sleep", "threads", 0.25, workers=4)
    )
    # Schema 1 kept the run's facts in each benchmark, and no serial rounds.
    facts = document["machine_info"].pop("parbench")
    for saved in document["benchmarks"]:
        saved["extra_info"].update(facts, schema=1)
        saved["extra_info"].pop("serial_rounds", None)
    [found] = verdict.judge(results.from_json(document, "old.json").measurements)
    threads = row(found, "threads x4")
    assert threads.interval is None and threads.speedup == pytest.approx(3.2)
    assert not found.answer.decided and render.use_line(found) is None
    assert any("saved without serial rounds" in n for n in render.notes(found))


def test_serial_rounds_must_pair_with_the_cases() -> None:
    document = run_document(
        entry("sleep", "serial", 0.8), entry("sleep", "threads", 0.05, serial_rounds=[0.8] * 3)
    )
    with pytest.raises(results.RunError, match="serial_rounds holds 3 rounds; expected one beside"):
        results.from_json(document, "run.json")


def test_groups_without_serial_are_left_out() -> None:
    assert judge(entry("sleep", "threads", 0.05, workers=16, kind="io")) == []


def test_a_figure_above_the_ceiling_within_its_interval_is_shown_at_the_ceiling() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io"),
        paired("sleep", "threads", spread(16.1, 0.03), 0.8, workers=16, kind="io"),
    )
    sixteen = found.rows[0]
    assert sixteen.speedup > 16 and not sixteen.impossible
    assert sixteen.shown == 16 and sixteen.shown_interval[1] == 16 and sixteen.efficiency == 1
    assert render.row_note(sixteen).startswith("at the ceiling (measured 16.1x)")
    assert math.isinf(found.rows[-1].ceiling)
