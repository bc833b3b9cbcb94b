"""The asyncio strategy: a workload's arun on one event loop, under a semaphore, checked and
named like every other strategy."""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path

import pytest
from test_suite_runs import CLEAN, run_suite

from parbench import network, runner, workload
from parbench.strategies import PoolSpec, all_strategies, skip_reason

from helpers import make_case

ASYNCIO = all_strategies()["asyncio"]

USER_ASYNC = """
import asyncio
KIND = "io"
SIZES = {"quick": 6}
def tasks(size, context):
    return [(n, context.latency) for n in range(size)]
def run(task):
    raise AssertionError("asyncio runs arun, never run")
async def arun(task):
    n, wait = task
    await asyncio.sleep(wait)
    if n == 3 and FAIL:
        raise ValueError(f"task {n} is broken")
    return n * n
def check(tasks, results):
    assert results == [n * n for n, _ in tasks], results
"""


class Tracker:
    """An ``arun`` that waits a little (later tasks less, so they end first), records how
    many calls ran at once and on which loop, and fails on ``failing``."""

    def __init__(self, failing: int | None = None) -> None:
        self.running = self.most = 0
        self.loops: set[asyncio.AbstractEventLoop] = set()
        self.failing = failing

    async def __call__(self, n: int) -> int:
        self.loops.add(asyncio.get_running_loop())
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.001 * (10 - n % 10))
        finally:
            self.running -= 1
        if n == self.failing:
            raise ValueError(f"task {n} failed")
        return n * 2


def test_asyncio_runs_arun_and_skips_a_workload_without_it() -> None:
    sleep, factorial = workload.load("sleep"), workload.load("factorial")
    assert ASYNCIO.function_of(sleep) is sleep.module.arun
    assert ASYNCIO.parallel and not ASYNCIO.chunked and ASYNCIO.unavailable() is None
    assert skip_reason(ASYNCIO, sleep) is None
    assert skip_reason(ASYNCIO, factorial) == "workload factorial has no arun(task)"


def test_map_keeps_task_order_and_at_most_workers_at_once() -> None:
    tracker = Tracker()
    executor = ASYNCIO.make_executor(PoolSpec(workers=3))
    try:
        assert list(executor.map(tracker, range(20))) == [n * 2 for n in range(20)]
        assert tracker.most == 3
        assert list(executor.map(tracker, range(5))) == [0, 2, 4, 6, 8]
    finally:
        executor.shutdown()
    # One loop, made with the executor, runs every batch; shutdown closes it.
    (loop,) = tracker.loops
    assert loop.is_closed()


def test_a_failing_task_raises_at_its_place() -> None:
    results: list[int] = []
    with (
        ASYNCIO.make_executor(PoolSpec(workers=4)) as executor,
        pytest.raises(ValueError, match="task 5 failed"),
    ):
        results.extend(executor.map(Tracker(failing=5), range(10)))
    assert results == [0, 2, 4, 6, 8]


def test_submit_gives_a_done_future() -> None:
    with ASYNCIO.make_executor(PoolSpec(workers=1)) as executor:
        assert executor.submit(Tracker(), 4).result() == 8
        assert isinstance(executor.submit(Tracker(failing=1), 1).exception(), ValueError)


def test_abandoning_after_an_interrupt_cancels_the_tasks_left() -> None:
    cancelled = []

    async def task(n: int) -> int:
        if n == 0:
            await asyncio.sleep(0.01)
            raise KeyboardInterrupt
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        return n

    threads = threading.active_count()
    executor = ASYNCIO.make_executor(PoolSpec(workers=8))
    with pytest.raises(KeyboardInterrupt):
        list(executor.map(task, range(4)))
    ASYNCIO.abandon(executor)
    assert sorted(cancelled) == [1, 2, 3]
    assert threading.active_count() == threads


def test_arun_must_be_a_coroutine_function(tmp_path: Path) -> None:
    path = tmp_path / f"user_sync_arun_{uuid.uuid4().hex[:8]}.py"
    path.write_text(
        "KIND = 'io'\ndef tasks(size):\n    return [1]\ndef run(n):\n    return n\n"
        "def arun(n):\n    return n\n"
    )
    with pytest.raises(workload.WorkloadError, match=r"arun\(\) must be an async def function"):
        workload.load(str(path))


@pytest.mark.parametrize("name", ["sleep"])
def test_asyncio_gives_the_serial_results(name: str, mock_network: network.NetworkSettings):
    def comparable(results: list) -> list:
        if name == "download":
            return [(r.url, Path(r.path).name, r.written, r.server_digest) for r in results]
        return results

    serial = runner.run_once(make_case(name, "serial"), mock_network)
    for cold in (False, True):
        case = make_case(name, "asyncio", workers=4, cold=cold)
        assert comparable(runner.run_once(case, mock_network)) == comparable(serial)


def test_a_users_module_with_arun_runs_and_its_failing_task_is_named(tmp_path: Path):
    for name, fail in (("user_async", False), ("user_async_fails", True)):
        (tmp_path / f"{name}.py").write_text(USER_ASYNC + f"FAIL = {fail}\n")
    result = run_suite(
        "--benchmark-disable",
        f"--workloads={tmp_path / 'user_async.py'},{tmp_path / 'user_async_fails.py'}",
        "--strategies=asyncio",
        "--workers=2",
        "--size=6",
        "--latency=1ms",
        "-v",
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    assert "test_batch[user_async-x6-asyncio-2w] PASSED" in result.stdout
    assert (
        "user_async_fails under user_async_fails-x6-asyncio-2w: task 3 (3, 0.001) failed: "
        "ValueError: task 3 is broken" in result.stdout
    )
    assert CLEAN in result.stdout
