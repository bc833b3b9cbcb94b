"""Break-even figures from a granularity run: the arithmetic on a synthetic run, the JSON,
the errors, the verdicts' note, and a tiny sweep run as CI runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_suite_runs import passed, run_suite

from parbench import strategies
from parbench.analysis import breakeven, verdict
from parbench.data import results
from parbench.data.record import RUN_FACTS_KEY
from parbench.measure import granularity, matrix, options
from parbench.network import NetworkSettings
from parbench.report import breakeven_words, cli

from helpers import benchmark_entry, run_document

START_UP_S, CHUNK1_S, AUTO_S, PER_KB_S = 0.02, 100e-6, 10e-6, 1e-6
SWEEP_US = (10, 100, 1_000, 10_000)


def entry(workload: str, strategy: str, median: float, **fields) -> dict:
    return benchmark_entry(workload, strategy, median, **fields)


def point(role: str, workload: str, size: int, tasks: int, serial_s: float, others: dict) -> list:
    """Serial and each of ``others`` (``(strategy, chunk policy, pool): median``) at one
    point of the granularity run."""
    found = [entry(workload, "serial", serial_s, size=size, tasks=tasks, granularity=role)]
    for (strategy, policy, pool), median in others.items():
        chunksize = 1 if policy == "1" else 25
        found.append(
            entry(
                workload,
                strategy,
                median,
                workers=2,
                size=size,
                tasks=tasks,
                chunksize=chunksize,
                chunk_policy=policy,
                pool=pool,
                granularity=role,
            )
        )
    return found


def synthetic_sweep() -> dict:
    """Two workers, serial-fast trivial tasks; a process pool costing ``START_UP_S`` to
    start, ``CHUNK1_S`` a task at chunksize 1 and ``AUTO_S`` at auto, and ``PER_KB_S`` a
    kB moved; threads always slower than serial on work that holds the GIL."""
    entries = point("start_up", "trivial", 1, 1, 1e-6, {("processes", "1", "cold"): START_UP_S})
    entries += point(
        "per_task",
        "trivial",
        2000,
        2000,
        4e-4,
        {
            ("processes", "1", "warm"): 4e-4 + 2000 * CHUNK1_S,
            ("processes", "auto", "warm"): 4e-4 + 2000 * AUTO_S,
            ("threads", "1", "warm"): 4e-4 + 2000 * 5e-6,
        },
    )
    for size in (0, 1000, 100_000):
        extra = 32 * (2 * size / 1000) * PER_KB_S
        entries += point(
            "payload",
            "payload",
            size,
            32,
            1e-5,
            {
                ("processes", "1", "warm"): 1e-5 + 32 * CHUNK1_S + extra,
                ("processes", "auto", "warm"): 1e-5 + 32 * AUTO_S + extra,
            },
        )
    for task_us in SWEEP_US:
        tasks = round(0.2e6 / task_us)
        serial = tasks * task_us * 1e-6
        entries += point(
            "sweep",
            "work_python",
            task_us,
            tasks,
            serial,
            {
                ("processes", "1", "warm"): serial / 2 + tasks * CHUNK1_S,
                ("processes", "auto", "warm"): serial / 2 + tasks * AUTO_S,
                ("threads", "1", "warm"): serial * 1.5,
            },
        )
    return run_document(*entries)


def rows() -> dict[tuple[str, str], breakeven.BreakEven]:
    run = results.from_json(synthetic_sweep(), "sweep.json")
    return {(row.strategy, row.chunk_policy): row for row in breakeven.table(run)}


def test_costs_crossovers_and_payback_from_a_synthetic_run() -> None:
    found = rows()
    chunk1, auto, threads = (
        found["processes", "1"],
        found["processes", "auto"],
        found["threads", "1"],
    )
    assert chunk1.start_up_s == pytest.approx(START_UP_S, rel=1e-3)
    assert chunk1.per_task_overhead_s == pytest.approx(CHUNK1_S)
    assert auto.per_task_overhead_s == pytest.approx(AUTO_S)
    assert chunk1.per_kb_s == pytest.approx(PER_KB_S) and auto.per_kb_s == pytest.approx(PER_KB_S)
    # Half the work plus 100 µs a task beats serial only from 1 ms tasks on (at 100 µs it
    # takes 0.1 s + 0.2 s); at 10 µs a task, from 100 µs tasks on.
    assert chunk1.crossover_task_s == pytest.approx(1e-3)
    assert auto.crossover_task_s == pytest.approx(1e-4)
    assert threads.crossover_task_s is None
    assert threads.start_up_s is None and threads.per_kb_s is None
    # At 1 ms a task chunksize 1 runs 0.2 s of work in 0.12 s: 0.4 ms gained a task pays
    # back 20 ms of start-up in 50 tasks.
    assert chunk1.speedup_at(1e-3) == pytest.approx(0.2 / 0.12)
    assert chunk1.payback_tasks(1e-3) == 50
    assert chunk1.payback_tasks(1e-4) is None  # slower than serial there: never
    assert chunk1.payback_tasks(1.0) is None  # beyond the sizes measured
    assert chunk1.speedup_at(1e-3) < chunk1.speedup_at(3e-3) < chunk1.points[-1].row.shown


def save(tmp_path: Path, document: dict, name: str = "run.json") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def test_json_has_one_object_a_row(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    saved = save(tmp_path, synthetic_sweep())
    assert cli.main(["break-even", str(saved), "--format", "json", "--task-size", "1ms"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 3
    for record in records:
        assert {
            "strategy",
            "start_method",
            "chunksize",
            "workers",
            "start_up_s",
            "per_task_overhead_s",
            "per_kb_s",
            "crossover_task_s",
            "payback_tasks",
        } <= set(record)
        assert (record["work"], record["gil"], record["workers"]) == (
            "work_python",
            "holds the GIL",
            2,
        )
    by_chunk = {(r["strategy"], r["chunksize"]): r for r in records}
    assert by_chunk["processes", 1]["crossover_task_s"] == pytest.approx(1e-3)
    assert by_chunk["processes", 1]["payback_tasks"] == 50
    assert by_chunk["processes", "auto"]["start_method"] == "fork"
    assert by_chunk["threads", 1]["crossover_task_s"] is None


def test_text_table_says_where_each_pays_off(tmp_path: Path, capsys) -> None:
    saved = save(tmp_path, synthetic_sweep())
    assert cli.main(["break-even", str(saved)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "payback at 1 ms" in lines[1]
    processes = next(line for line in lines if " processes " in line and " 1 " in line)
    assert re.search(r"20(\.0)? ms\s+100 µs\s+1 µs\s+~1 ms\s+50 tasks", processes)
    assert "never (to 10 ms)" in next(line for line in lines if " threads " in line)


def test_a_run_without_a_sweep_says_how_to_make_one(tmp_path: Path, capsys) -> None:
    saved = save(tmp_path, run_document(entry("factorial", "serial", 0.005)))
    assert cli.main(["break-even", str(saved)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error == (
        f"parbench: error: {saved}: holds no --parbench-granularity sweep; make one with: "
        "pytest --benchmark-only --parbench-granularity --benchmark-autosave\n"
    )


@pytest.mark.parametrize("value", ["0", "0ms", "1", "1h", "-1ms", "fast", "1e3ms", "2000000s"])
def test_a_bad_task_size_is_a_usage_error(tmp_path: Path, capsys, value: str) -> None:
    saved = save(tmp_path, synthetic_sweep())
    with pytest.raises(SystemExit) as exited:
        cli.main(["break-even", str(saved), f"--task-size={value}"])
    assert exited.value.code == 2
    assert f"--task-size: {value!r} is not allowed; give a duration above 0" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(("value", "seconds"), [("100us", 1e-4), ("2 µs", 2e-6), ("0.5s", 0.5)])
def test_task_sizes_parse_with_their_unit(value: str, seconds: float) -> None:
    assert cli._task_size(value) == pytest.approx(seconds)


def factorial_verdict() -> verdict.WorkloadVerdict:
    [judged] = verdict.judge(
        results.from_json(
            run_document(
                entry("factorial", "serial", 0.005, tasks=10_000),
                entry("factorial", "processes", 0.5, workers=2, tasks=10_000),
            ),
            "run.json",
        ).measurements
    )
    return judged


def test_a_cpu_bound_verdict_gains_where_pools_pay_off() -> None:
    table = list(rows().values())
    [annotated] = breakeven_words.annotate([factorial_verdict()], table, "sweep.json")
    assert annotated.notes[-1] == (
        "break-even (sweep.json): 500 ns a task; here processes pay off above ~1 ms a task "
        "(chunksize 1) or ~100 µs (chunksize auto); threads never did (to 10 ms)"
    )


def test_work_that_waits_gains_no_break_even_note() -> None:
    [sleep] = verdict.judge(
        results.from_json(
            run_document(
                entry("sleep", "serial", 0.8, kind="io"),
                entry("sleep", "threads", 0.05, workers=16, kind="io"),
            ),
            "run.json",
        ).measurements
    )
    assert breakeven_words.annotate([sleep], list(rows().values()), "sweep.json") == [sleep]


def test_the_newest_sweep_of_the_same_machine_and_python_is_found(tmp_path: Path) -> None:
    storage = tmp_path / ".benchmarks"
    save(storage / "m", synthetic_sweep(), "0001_sweep.json")
    other = synthetic_sweep()
    other["machine_info"][RUN_FACTS_KEY]["python_version"] = "3.12.1"
    save(storage / "m", other, "0002_other_python.json")
    save(storage / "m", run_document(entry("factorial", "serial", 0.005)), "0003_plain.json")
    like = factorial_verdict().serial
    source, table = breakeven.saved_sweep(storage, like, node="bench-host")
    assert source.endswith("0001_sweep.json") and len(table) == 3
    assert breakeven.saved_sweep(storage, like, node="another-host") is None


def test_the_sweep_is_built_point_by_point_with_serial_around_each() -> None:
    chosen = options.Options(
        workloads=(),
        strategies=(strategies.all_strategies()["processes"],),
        workers=(1, 2),
        chunksizes=(1, "auto"),
        start_methods=("fork", "spawn"),
        size="quick",
        network=NetworkSettings(),
        quick=True,
        granularity=True,
    )
    cases = list(granularity.settle(chosen).values())
    roles = [c.granularity for c in cases]
    assert roles == sorted(roles, key=granularity.ROLES.index)
    start_up = [c.id for c in cases if c.granularity == "start_up"]
    assert start_up == [
        "trivial-x1-serial",
        "trivial-x1-processes-1w-fork-chunk1-cold",
        "trivial-x1-processes-1w-spawn-chunk1-cold",
        "trivial-x1-processes-2w-fork-chunk1-cold",
        "trivial-x1-processes-2w-spawn-chunk1-cold",
    ]
    swept = {(c.workload.name, c.size) for c in cases if c.granularity == "sweep"}
    assert swept == {
        (name, size) for name in granularity.SWEEP_WORKLOADS for size in granularity.QUICK_SWEEP_US
    }
    for role, name, size in granularity.points(quick=True):
        mine = [c for c in cases if (c.workload.name, c.size) == (name, size)]
        assert mine[0].baseline_pass == matrix.BEFORE
        assert all(c.cold == (role == "start_up") for c in mine[1:])


def test_a_tiny_sweep_runs_as_ci_runs_it(tmp_path: Path) -> None:
    result = run_suite(
        "--parbench-granularity",
        "--parbench-quick",
        "--benchmark-disable",
        "--parbench-workers=2",
        "-v",
        tmp_path=tmp_path,
    )
    ran = set(re.findall(r"test_batch\[([\w-]+)\] PASSED", result.stdout))
    assert passed(result) == len(ran)
    for name in (
        "trivial-x1-processes-2w-fork-chunkauto-cold",
        "trivial-x200-threads-2w",
        "payload-x100000-processes-2w-fork-chunkauto",
        "work_python-x100-processes-2w-fork-chunk1",
        "work_hashlib-x10000-serial",
    ):
        assert name in ran, name


def test_a_summary_uses_a_saved_sweep_but_a_sweep_is_not_annotated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = tmp_path / ".benchmarks"
    save(storage / "m", synthetic_sweep(), "0001_sweep.json")
    monkeypatch.setattr(breakeven.platform, "node", lambda: "bench-host")
    plain = results.from_json(
        run_document(
            entry("factorial", "serial", 0.005, tasks=10_000),
            entry("factorial", "processes", 0.5, workers=2, tasks=10_000),
        ),
        "run.json",
    )
    plain_verdicts = verdict.judge(plain.measurements)
    [annotated] = breakeven_words.with_saved_sweep(plain_verdicts, plain, storage)
    assert annotated.notes[-1].startswith(f"break-even ({storage / 'm' / '0001_sweep.json'}): ")
    sweep = results.from_json(synthetic_sweep(), "sweep.json")
    judged = verdict.judge(sweep.measurements)
    assert breakeven_words.with_saved_sweep(judged, sweep, storage) == judged


def test_a_win_below_a_size_that_did_not_win_is_no_crossover() -> None:
    entries = []
    for task_us, ratio in ((100, 0.6), (1_000, 1.0), (10_000, 0.6)):
        tasks = round(0.2e6 / task_us)
        serial = tasks * task_us * 1e-6
        pool = {("processes", "1", "warm"): serial * ratio}
        entries += point("sweep", "work_python", task_us, tasks, serial, pool)
    [row] = breakeven.table(results.from_json(run_document(*entries), "sweep.json"))
    assert [p.row.versus_serial for p in row.points] == ["faster", verdict.SAME, "faster"]
    assert row.crossover_task_s == pytest.approx(1e-2)


def test_a_cost_measured_below_zero_is_never_shown_as_a_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Moving more bytes measured faster: within noise, the per-kB cost was not resolved.
    monkeypatch.setitem(globals(), "PER_KB_S", -15e-9)
    saved = save(tmp_path, synthetic_sweep())
    assert cli.main(["break-even", str(saved)]) == 0
    text = capsys.readouterr().out
    assert not re.search(r"-\d", text), text
    processes = next(line for line in text.splitlines() if " processes " in line)
    assert re.search(r"100 µs\s+not measurable\s+~1 ms", processes), processes
    assert text.rstrip().endswith(
        "not measurable: measured below zero, less than this run could resolve (serial and "
        "the pool differed by less than their noise)"
    )
    assert cli.main(["break-even", str(saved), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    by_chunk = {(r["strategy"], r["chunksize"]): r for r in records}
    chunk1 = by_chunk["processes", 1]
    assert chunk1["per_kb_s"] is None
    assert chunk1["not_measurable"] == {"per_kb_s": pytest.approx(-15e-9)}
    assert chunk1["start_up_s"] == pytest.approx(START_UP_S, rel=1e-3)
    assert by_chunk["threads", 1]["not_measurable"] == {}
