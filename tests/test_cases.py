"""The matrix: which cases the options select, their names and groups."""

from __future__ import annotations

import pytest

from parbench.measure import machine, matrix, options, runner

TWO_CORES = machine.Topology(logical=2, physical=2, affinity=2, affinity_cores=2, quota=None)
SMT_8X2 = machine.Topology(logical=16, physical=8, affinity=16, affinity_cores=8, quota=None)
QUOTA_1_5 = machine.Topology(logical=8, physical=4, affinity=8, affinity_cores=4, quota=1.5)
BIG = machine.Topology(logical=64, physical=64, affinity=64, affinity_cores=64, quota=None)


@pytest.fixture
def chosen(pytester: pytest.Pytester):

    def parse(*arguments: str) -> options.Options:
        return options.parse(pytester.parseconfigure(*arguments))

    return parse


def test_auto_chunksize() -> None:
    assert matrix.auto_chunksize(10_000, 2) == 1250
    assert matrix.auto_chunksize(12, 16) == 1
    assert matrix.auto_chunksize(13, 1) == 4


def test_factorial_has_both_chunksizes_and_a_cold_pool(chosen) -> None:
    cases = matrix.build(
        chosen(
            "--parbench-workloads=factorial",
            "--parbench-strategies=serial,processes",
            "--parbench-workers=1,2",
            "--parbench-start-method=fork",
        )
    )
    ids = [case.id for case in cases]
    # Serial first, then the largest pools (which most often lead the race), cold last.
    assert ids == [
        "factorial-x500-serial",
        "factorial-x500-processes-2w-fork-chunk1",
        "factorial-x500-processes-2w-fork-chunk313",
        "factorial-x500-processes-1w-fork-chunk1",
        "factorial-x500-processes-1w-fork-chunk625",
        "factorial-x500-processes-2w-fork-chunk313-cold",
    ]
    assert [c.baseline_pass for c in cases if c.strategy.name == "serial"] == ["before"]
    assert {case.group for case in cases} == {"factorial x500"}
    assert [case.chunk_policy for case in cases[1:3]] == ["1", "auto"]
    assert all(case.task_count == 2_500 for case in cases)


def test_equal_chunksizes_are_measured_once(chosen) -> None:
    cases = matrix.build(
        chosen(
            "--parbench-workloads=download",
            "--parbench-strategies=processes",
            "--parbench-workers=16",
            "--parbench-start-method=spawn",
        )
    )
    assert [case.id for case in cases] == [
        "download-x1-processes-16w-spawn-chunk1",
        "download-x1-processes-16w-spawn-chunk1-cold",
    ]


def test_every_start_method_given_is_a_case(chosen) -> None:
    cases = matrix.build(
        chosen(
            "--parbench-workloads=sleep",
            "--parbench-strategies=processes",
            "--parbench-workers=2",
            "--parbench-chunksize=1",
            "--parbench-start-method=fork,spawn",
        )
    )
    assert [case.start_method for case in cases] == ["fork", "spawn", "fork"]
    assert [case.cold for case in cases] == [False, False, True]


def test_default_matrix_covers_every_workload_strategy_and_worker_count(chosen) -> None:
    cases = matrix.build(chosen())
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids))
    for name in (
        "download",
        "factorial",
        "gil_releasing",
        "pure_python",
        "sleep",
    ):
        mine = [case for case in cases if case.workload.name == name]
        assert {case.strategy.name for case in mine} == {
            "serial",
            "threads",
            "processes",
            "interpreters",
            "asyncio",
        }
        expected = matrix.default_workers(mine[0].workload.kind, False, machine.detect())
        for strategy in ("threads", "processes", "asyncio"):
            assert {c.workers for c in mine if c.strategy.name == strategy} == set(expected)
            assert any(c.cold for c in mine if c.strategy.name == strategy)


def test_size_option_reaches_the_cases(chosen) -> None:
    article = matrix.build(
        chosen(
            "--parbench-workloads=factorial",
            "--parbench-strategies=serial",
            "--parbench-size=article",
        )
    )
    assert [(c.size, c.size_preset, c.task_count) for c in article] == [
        (100_000, "article", 500_000)
    ]
    numbered = matrix.build(
        chosen("--parbench-workloads=download", "--parbench-strategies=serial", "--parbench-size=3")
    )
    assert [(c.size, c.task_count) for c in numbered] == [(3, 36)]


@pytest.mark.parametrize(
    ("topology", "expected"),
    [
        (TWO_CORES, (1, 2)),
        # 8 cores with 2 hardware threads each: powers of two up to 16, and the 8 cores.
        (SMT_8X2, (1, 2, 4, 8, 16)),
        # A quota of 1.5 CPUs is tried with 2 workers; the cores beyond it are not.
        (QUOTA_1_5, (1, 2)),
        (BIG, (1, 2, 4, 8, 16, 32, 64)),
        (machine.Topology(12, 6, 12, 6, None), (1, 2, 4, 6, 8, 12)),
    ],
)
def test_cpu_worker_counts_follow_the_machine(topology, expected) -> None:
    assert matrix.cpu_workers(topology) == expected
    assert matrix.default_workers("cpu", False, topology) == expected
    # Work that waits gains from more workers than CPUs, on any machine.
    assert matrix.default_workers("io", False, topology) == matrix.IO_WORKERS
    assert matrix.default_workers("mixed", True, topology) == matrix.QUICK_IO_WORKERS


def test_cpu_batches_grow_until_the_largest_pool_has_several_tasks_a_worker(chosen) -> None:
    chosen_options = chosen(
        "--parbench-workloads=pure_python,sleep", "--parbench-strategies=serial,processes"
    )
    cases = matrix.build(chosen_options, {"pure_python": "cpu", "sleep": "io"}, BIG)
    pure = [c for c in cases if c.workload.name == "pure_python"]
    assert {c.task_count for c in pure} == {matrix.TASKS_PER_WORKER * 64}
    assert pure[0].id.startswith(f"pure_python-x{matrix.TASKS_PER_WORKER * 64}-")
    assert max(c.workers for c in pure) == 64
    # Work that waits keeps its batch: its ideal is min(workers, tasks) on any machine.
    assert {c.task_count for c in cases if c.workload.name == "sleep"} == {16}
    # On two cores the default batch already gives each worker several tasks.
    two = matrix.build(chosen_options, {"pure_python": "cpu"}, TWO_CORES)
    assert {c.task_count for c in two if c.workload.name == "pure_python"} == {16}


def test_worker_counts_follow_the_probe_not_the_declared_kind(chosen) -> None:
    picked = chosen(
        "--parbench-workloads=sleep,pure_python", "--parbench-strategies=serial,threads"
    )
    # sleep declares io and pure_python cpu; the probe says otherwise, and wins.
    cases = matrix.build(picked, {"sleep": "cpu", "pure_python": "io"}, TWO_CORES)
    workers = {
        name: sorted({c.workers for c in cases if c.workload.name == name and not c.cold})
        for name in ("sleep", "pure_python")
    }
    # Serial has one worker.
    assert workers == {"sleep": [1, 2], "pure_python": [1, *matrix.IO_WORKERS]}
    assert {c.probed_kind for c in cases if c.workload.name == "sleep"} == {"cpu"}
    # Unprobed (under xdist), the declared kind decides, and no probed kind is recorded.
    unprobed = matrix.build(picked, {}, TWO_CORES)
    assert {c.probed_kind for c in unprobed} == {None}
    assert max(c.workers for c in unprobed if c.workload.name == "sleep") == 16


@pytest.mark.parametrize(
    ("round_seconds", "rounds"),
    [(0.5, 5), (0.01, 100), (1e-6, runner.MAX_ROUNDS), (0.0, runner.MAX_ROUNDS)],
)
def test_rounds_fill_the_max_time_between_the_least_and_the_most(
    round_seconds: float, rounds: int
) -> None:
    assert runner.Plan(min_rounds=5, max_time=1.0).rounds(round_seconds) == rounds


def test_min_rounds_beyond_the_most_is_honoured() -> None:
    assert runner.Plan(min_rounds=20_000, max_time=1.0).rounds(1e-6) == 20_000


def test_the_budget_option_is_a_duration_per_workload(chosen) -> None:
    assert chosen().budget_s == 20
    assert chosen("--parbench-quick").budget_s == 2
    assert chosen("--parbench-budget=45s", "--parbench-quick").budget_s == 45
    with pytest.raises(pytest.UsageError, match="--parbench-budget: '0'"):
        chosen("--parbench-budget=0")
