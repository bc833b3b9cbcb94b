"""The asyncio strategy: a workload's arun on one event loop, under a semaphore, checked and
named like every other strategy; download's arun on httpx, mocked or on the loopback."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests
from test_suite_runs import CLEAN, RUN_TIMEOUT_S, passed, run_suite

from parbench import network
from parbench.contract import workload
from parbench.measure import runner
from parbench.strategies import PoolSpec, all_strategies, asyncio_loop, skip_reason
from parbench.workloads import download

from helpers import SUITE_ROOT, make_case

ASYNCIO = all_strategies()["asyncio"]
URL = "https://images.unsplash.com/photo-1509718443690-d8e2fb3474b7"

needs_async_extra = pytest.mark.skipif(
    not network.async_client_installed(),
    reason="httpx and respx are not installed (pip install 'parbench[async]')",
)

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


@pytest.mark.parametrize("name", ["sleep", pytest.param("download", marks=needs_async_extra)])
def test_asyncio_gives_the_serial_results(name: str, mock_network: network.NetworkSettings):
    def comparable(results: list) -> list:
        if name == "download":
            return [(r.url, Path(r.path).name, r.written, r.server_digest) for r in results]
        return results

    serial = runner.run_once(make_case(name, "serial"), mock_network)
    for cold in (False, True):
        case = make_case(name, "asyncio", workers=4, cold=cold)
        assert comparable(runner.run_once(case, mock_network)) == comparable(serial)


@needs_async_extra
def test_the_mock_serves_httpx_without_a_socket(
    mock_network: network.NetworkSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    connections = []

    def refuse(sock: socket.socket, address: object) -> None:
        connections.append(address)
        raise AssertionError(f"connected to {address!r} under the mock")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    case = make_case("download", "asyncio", workers=12)
    results = runner.run_once(case, mock_network)
    assert {r.written for r in results} == {mock_network.body_bytes}
    assert connections == []


@needs_async_extra
def test_the_async_mock_serves_what_the_sync_one_does(
    mock_network: network.NetworkSettings,
) -> None:
    import httpx

    async def fetch(client: httpx.AsyncClient) -> tuple[bytes, httpx.Headers, float]:
        started = time.perf_counter()
        async with client.stream("GET", URL) as response:
            body = b"".join([block async for block in response.aiter_bytes(1024)])
            return body, response.headers, time.perf_counter() - started

    async def fetch_all() -> list[tuple[bytes, httpx.Headers, float]]:
        async with httpx.AsyncClient() as client:
            fetched = list(await asyncio.gather(*(fetch(client) for _ in range(8))))
            fetched += [await fetch(client) for _ in range(20)]
            with pytest.raises(Exception, match="not mocked"):
                await client.post(URL)
            return fetched

    fetched = asyncio.run(fetch_all())
    with requests.get(URL, timeout=5) as response:
        expected = (response.content, response.headers)
    for body, headers, waited in fetched:
        assert body == expected[0]
        for header in ("Content-Length", network.DIGEST_HEADER):
            assert headers[header] == expected[1][header]
        assert waited >= mock_network.latency
    # The call history is dropped as it goes, as the sync mock's is.
    assert len(network._mock._async_mock.calls) <= 1


@needs_async_extra
def test_download_under_asyncio_over_the_loopback(live_network: network.NetworkSettings):
    case = make_case("download", "asyncio", workers=16)
    results = runner.run_once(case, live_network)
    assert all(r.url.startswith("http://127.0.0.1:") for r in results)
    assert {r.written for r in results} == {live_network.body_bytes}


@needs_async_extra
@pytest.mark.parametrize("answer", ["an error status", "a body without length, over the limit"])
def test_a_failed_async_download_leaves_no_file(answer: str, tmp_path: Path) -> None:
    import httpx
    import respx

    async def unsized() -> AsyncIterator[bytes]:
        for _ in range(5):
            yield b"x" * 1000

    if answer == "an error status":
        response, error = httpx.Response(500), httpx.HTTPStatusError
    else:
        response, error = httpx.Response(200, content=unsized()), download.BodyTooLarge
    task = download.Download(URL, str(tmp_path), 5.0, 2048, network.DIGEST_HEADER)
    with respx.mock() as router:
        router.get(URL).mock(return_value=response)
        with pytest.raises(error):
            asyncio.run(download.arun(task))
    assert list(tmp_path.iterdir()) == []


def test_without_the_async_extra_download_is_skipped_saying_what_to_install(
    tmp_path: Path,
) -> None:
    # httpx made unimportable; respx, which needs it, kept from loading its pytest plugin.
    arguments = [
        "benchmarks",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:respx",
        "--benchmark-disable",
        "--parbench-workloads=download,sleep",
        "--parbench-strategies=asyncio",
        "--parbench-workers=4",
        "-rs",
    ]
    blocked = (
        "import sys\nsys.modules['httpx'] = None\n"
        f"import pytest\nsys.exit(pytest.main({arguments!r}))\n"
    )
    (tmp_path / "tmp").mkdir()
    environment = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "PYTHONPATH"):
        environment.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", blocked],
        cwd=SUITE_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert passed(result) == 2
    assert (
        "workload download: its arun needs httpx, which is not installed "
        "(pip install 'parbench[async]')" in result.stdout
    )
    assert CLEAN in result.stdout


@needs_async_extra
def test_a_matrix_at_64_workers_runs_checked_and_skips_what_has_no_arun(tmp_path: Path):
    result = run_suite(
        "--benchmark-disable",
        "--parbench-workloads=download,sleep,factorial",
        "--parbench-strategies=serial,asyncio",
        "--parbench-workers=64",
        "--parbench-latency=5ms",
        "-v",
        "-rs",
        tmp_path=tmp_path,
    )
    ran = set(re.findall(r"test_batch\[([\w-]+)\] PASSED", result.stdout))
    # download and sleep: serial, asyncio, asyncio cold; factorial's serial.
    assert passed(result) == len(ran) == 7
    assert {"download-x1-asyncio-64w", "sleep-x16-asyncio-64w-cold"} <= ran
    assert re.search(r"SKIPPED .*workload factorial has no arun\(task\)", result.stdout)
    assert CLEAN in result.stdout


@needs_async_extra
def test_live_network_under_asyncio(tmp_path: Path) -> None:
    result = run_suite(
        "--benchmark-disable",
        "--parbench-network=live",
        "--parbench-workloads=download",
        "--parbench-strategies=asyncio",
        "--parbench-workers=16",
        "--parbench-latency=5ms",
        tmp_path=tmp_path,
    )
    assert passed(result) == 2
    assert "network=live" in result.stdout
    assert CLEAN in result.stdout


def test_a_users_module_with_arun_runs_and_its_failing_task_is_named(tmp_path: Path):
    for name, fail in (("user_async", False), ("user_async_fails", True)):
        (tmp_path / f"{name}.py").write_text(USER_ASYNC + f"FAIL = {fail}\n")
    result = run_suite(
        "--benchmark-disable",
        f"--parbench-workloads={tmp_path / 'user_async.py'},{tmp_path / 'user_async_fails.py'}",
        "--parbench-strategies=asyncio",
        "--parbench-workers=2",
        "--parbench-size=6",
        "--parbench-latency=1ms",
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


@needs_async_extra
def test_asyncio_beats_serial_on_sleep_and_its_client_cost_is_reported(tmp_path: Path):
    saved = tmp_path / "run.json"
    result = run_suite(
        "--benchmark-only",
        "--parbench-workloads=sleep,download",
        "--parbench-strategies=serial,asyncio",
        "--parbench-workers=16",
        "--parbench-latency=20ms",
        "--benchmark-min-rounds=4",
        "--benchmark-max-time=0.05",
        f"--benchmark-json={saved}",
        tmp_path=tmp_path,
    )
    assert passed(result) == 6
    assert re.search(
        r"network \(mock\): each request costs [\d.]+ ms beyond its 20 ms latency "
        r"\([\d.]+ ms of CPU in this process\) with requests, [\d.]+ ms \([\d.]+ ms of CPU\) "
        r"with httpx.AsyncClient",
        result.stdout,
    )
    benchmarks = {b["param"]: b for b in json.loads(saved.read_text())["benchmarks"]}
    info = benchmarks["sleep-x16-asyncio-16w"]["extra_info"]
    assert (info["strategy"], info["workers"], info["chunked"]) == ("asyncio", 16, False)
    serial = benchmarks["sleep-x16-serial"]["stats"]["median"]
    asyncio_x16 = benchmarks["sleep-x16-asyncio-16w"]["stats"]["median"]
    # Sixteen 20 ms sleeps: serial waits 320 ms, sixteen at once about 20 ms.
    assert serial / asyncio_x16 >= 4
    assert CLEAN in result.stdout


async def overrunning(n: int) -> int:
    """Task 1 blocks the loop, task 2 spins without awaiting, task 3 awaits too long."""
    if n == 1:
        time.sleep(60)
    elif n == 2:
        while True:
            pass
    elif n == 3:
        await asyncio.sleep(60)
    return n


@pytest.mark.parametrize(
    ("n", "problem"),
    [
        (1, "task 1 1 blocked the event loop for more than 0.5 s"),
        (2, "task 1 2 blocked the event loop for more than 0.5 s"),
        (3, "task 1 3 did not finish within 0.5 s"),
    ],
)
def test_a_task_that_blocks_spins_or_awaits_too_long_is_stopped_and_named(
    n: int, problem: str
) -> None:
    threads = threading.active_count()
    executor = asyncio_loop.EventLoopExecutor(workers=4, task_timeout=0.5)
    try:
        with pytest.raises(asyncio_loop.TaskOverran) as overran:
            list(executor.map(overrunning, [0, n, 0]))
        assert str(overran.value) == problem
        # The loop is whole again: the next batch runs.
        assert list(executor.map(overrunning, [0, 4])) == [0, 4]
    finally:
        executor.shutdown()
    assert threading.active_count() == threads


def test_abandoning_stops_a_task_that_blocks_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asyncio_loop, "STOP_TIMEOUT_S", 0.5)

    async def task(n: int) -> int:
        if n == 1:
            while True:
                pass
        await asyncio.sleep(60)
        return n

    threads = threading.active_count()
    executor = asyncio_loop.EventLoopExecutor(workers=4, task_timeout=60)
    # Ctrl-C (or pytest-timeout's alarm) while task 1 keeps the loop from turning.
    interrupt = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    interrupt.start()
    with pytest.raises(KeyboardInterrupt):
        list(executor.map(task, range(3)))
    interrupt.join()
    ASYNCIO.abandon(executor)
    assert threading.active_count() == threads


def test_a_batch_that_blocks_the_loop_fails_its_benchmark_naming_the_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asyncio_loop, "TASK_TIMEOUT_S", 0.5)
    source = tmp_path / f"blocking_{uuid.uuid4().hex[:8]}.py"
    source.write_text(
        "import time\nKIND = 'io'\ndef tasks(size):\n    return [0, 1, 2]\n"
        "def run(n):\n    return n\n"
        "async def arun(n):\n    if n == 1:\n        time.sleep(60)\n    return n\n"
    )
    case = make_case(workload.load(str(source)), "asyncio", workers=3)
    with pytest.raises(runner.BatchFailed) as failed:
        runner.run_once(case, network.NetworkSettings())
    assert str(failed.value).endswith(
        "task 1 1 failed: TaskOverran: task 1 1 blocked the event loop for more than 0.5 s"
    )
