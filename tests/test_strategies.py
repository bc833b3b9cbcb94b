"""Strategies: discovered from their package, and each honouring the Executor contract."""

from __future__ import annotations

import multiprocessing
import os
import threading

import pytest

from parbench.strategies import PoolSpec, all_strategies
from parbench.strategies.serial import InlineExecutor


def where(_: object) -> tuple[int, str]:
    return os.getpid(), threading.current_thread().name


def start_method_in_worker(_: object) -> str:
    return multiprocessing.get_start_method()


def fail(n: int) -> int:
    if n == 3:
        raise ValueError(f"task {n} failed")
    return n


def test_strategies_are_discovered_serial_first() -> None:
    found = all_strategies()
    assert next(iter(found)) == "serial"
    assert set(found) == {"serial", "threads", "processes", "interpreters", "asyncio", "dask"}
    assert all(found[name].unavailable() is None for name in ("serial", "threads", "processes"))


def test_serial_runs_inline_in_the_calling_thread() -> None:
    with all_strategies()["serial"].make_executor(PoolSpec(workers=1)) as executor:
        places = set(executor.map(where, range(5)))
        future = executor.submit(where, None)
        assert future.done()
    assert places == {future.result()} == {(os.getpid(), threading.current_thread().name)}


def test_threads_stay_in_the_process_and_processes_leave_it() -> None:
    with all_strategies()["threads"].make_executor(PoolSpec(workers=3)) as executor:
        pids = {pid for pid, _ in executor.map(where, range(20))}
    assert pids == {os.getpid()}
    with all_strategies()["processes"].make_executor(PoolSpec(workers=2)) as executor:
        pids = {pid for pid, _ in executor.map(where, range(20))}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_processes_use_the_start_method_asked_for(method: str) -> None:
    spec = PoolSpec(workers=1, start_method=method)
    with all_strategies()["processes"].make_executor(spec) as executor:
        assert list(executor.map(start_method_in_worker, [0])) == [method]


@pytest.mark.parametrize("name", ["serial", "threads", "processes"])
def test_a_failing_task_raises_from_map(name: str) -> None:
    with (
        all_strategies()[name].make_executor(PoolSpec(workers=2)) as executor,
        pytest.raises(ValueError, match="task 3 failed"),
    ):
        list(executor.map(fail, range(6)))


def test_inline_executor_submit_keeps_the_exception() -> None:
    future = InlineExecutor().submit(fail, 3)
    assert isinstance(future.exception(), ValueError)
