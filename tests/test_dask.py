"""The dask strategy: every task runs, chunks mean what they mean for processes, the
mock holds on every dask worker, failures are named, and clusters are closed."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from test_suite_runs import CLEAN

from parbench import network
from parbench.contract import workload
from parbench.measure import runner
from parbench.network import bodies, guard
from parbench.strategies import PoolSpec, all_strategies, skip_reason
from parbench.strategies import dask as dask_strategy

from helpers import (
    SUITE_ROOT,
    assert_no_children,
    killed_at_the_end,
    make_case,
    output_of,
    run_pytest,
    suite_process,
    wait_gone,
    wait_until,
)

needs_dask = pytest.mark.skipif(
    dask_strategy._unavailable() is not None, reason="dask.distributed is not installed"
)
RUN_TIMEOUT_S = 240
# A URL that only the mock can answer: a real socket to it is refused at once.
UNSERVED = "http://127.0.0.1:9/photo-1509718443690-d8e2fb3474b7"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One LocalCluster of two workers, for the tests that need no cluster of their own."""
    with dask_strategy._local_cluster(2, str(tmp_path_factory.mktemp("dask"))) as local:
        yield local


@pytest.fixture
def executor(cluster: Any) -> Iterator[dask_strategy.DaskExecutor]:
    """An executor on the shared cluster, whose client it closes."""
    from distributed import Client

    closing = contextlib.ExitStack()
    client = closing.enter_context(Client(cluster, set_as_default=False))
    with dask_strategy.DaskExecutor(client, closing=closing) as executor:
        yield executor
    assert client.status == "closed"


def stamp(_: object) -> str:
    return uuid.uuid4().hex


def current_task(n: int) -> tuple[int, str]:
    from distributed import get_worker

    return n, str(get_worker().get_current_task())


def worker_view(url: str) -> tuple[bool, str, int]:
    """On a worker: whether the guard is on, and the digest and size of a fetched body."""
    with requests.get(url, stream=True, timeout=10) as response:
        response.raise_for_status()
        body = b"".join(response.iter_content(1024))
    return guard.installed(), response.headers[network.DIGEST_HEADER], len(body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_the_extra_the_strategy_is_skipped_saying_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    strategy = all_strategies()["dask"]
    reason = skip_reason(strategy, workload.load("sleep"))
    assert reason.startswith("dask.distributed is not installed (pip install 'parbench[dask]')")
    assert (
        dask_strategy.check_scheduler("tcp://127.0.0.1:8786", "mock")
        == f"tcp://127.0.0.1:8786: {reason}"
    )


def test_dask_is_measured_only_when_named() -> None:
    strategy = all_strategies()["dask"]
    assert strategy.chunked and strategy.parallel and not strategy.in_default_run
    assert [s.name for s in all_strategies().values() if not s.in_default_run] == ["dask"]


@needs_dask
def test_every_identical_task_runs(executor: dask_strategy.DaskExecutor) -> None:
    assert len(set(executor.map(stamp, [0] * 8))) == 8


@needs_dask
def test_chunksize_sends_each_chunk_as_one_task_in_order(
    executor: dask_strategy.DaskExecutor,
) -> None:
    ran = list(executor.map(current_task, range(7), chunksize=3))
    assert list(executor.map(current_task, [], chunksize=3)) == []
    assert [n for n, _ in ran] == list(range(7))
    keys = [key for _, key in ran]
    assert keys[0] == keys[1] == keys[2] != keys[3] == keys[4] == keys[5] != keys[6]
    assert len(set(keys)) == 3


@needs_dask
def test_the_mock_holds_on_every_dask_worker(cluster: Any) -> None:
    settings = network.NetworkSettings(mode="mock", latency=0.0, body_bytes=3000)
    strategy = dask_strategy.on_cluster(cluster.scheduler_address)
    spec = PoolSpec(workers=2, initializer=network.prepare_worker, initargs=(settings,))
    with strategy.make_executor(spec) as executor:
        views = list(executor.map(worker_view, [UNSERVED] * 8))
    digest = bodies.digest("/photo-1509718443690-d8e2fb3474b7", 3000)
    assert views == [(True, digest, 3000)] * 8


@needs_dask
def test_a_cluster_with_fewer_workers_than_asked_is_named(cluster: Any) -> None:
    strategy = dask_strategy.on_cluster(cluster.scheduler_address)
    with pytest.raises(RuntimeError, match="has 2 worker\\(s\\); 3 were asked for"):
        strategy.make_executor(PoolSpec(workers=3))


@needs_dask
@pytest.mark.timeout(60)
def test_a_failing_task_is_named_and_the_cluster_closed(faulty: workload.Workload) -> None:
    # The shared cluster's workers, if this process holds it.
    before = multiprocessing.active_children()
    case = make_case(faulty, "dask", size=1, chunksize=2)
    with pytest.raises(runner.BatchFailed) as failed:
        runner.run_once(case, network.NetworkSettings())
    assert str(failed.value).startswith(
        f"{faulty.name} under {case.id}: a task among 2..3 (one chunk, from 2) failed: "
        "ValueError: task 3 is broken"
    )
    assert_no_children(besides=before)


@needs_dask
@pytest.mark.timeout(90)
def test_a_dying_worker_fails_its_benchmark_without_hanging(
    faulty: workload.Workload, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAULT", "exit")
    before = multiprocessing.active_children()
    case = make_case(faulty, "dask", size=1)
    with pytest.raises(runner.BatchFailed, match="a worker died and broke the pool") as failed:
        runner.run_once(case, network.NetworkSettings())
    assert "WorkerDied: Attempted to run task" in str(failed.value)
    assert_no_children(besides=before)


@needs_dask
@pytest.mark.timeout(90)
def test_abandoning_stops_running_tasks_and_closes_client_and_cluster(
    faulty: workload.Workload, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAULT", "hang")
    before = multiprocessing.active_children()
    strategy = all_strategies()["dask"]
    executor = strategy.make_executor(PoolSpec(workers=2))
    futures = [executor.submit(faulty.run, n) for n in range(6)]
    time.sleep(1)
    strategy.abandon(executor)
    assert executor.client.status == "closed"
    assert_no_children(besides=before)
    assert all(f.done() for f in futures)


def usage_error(suite: pytest.Pytester, *arguments: str) -> str:
    result = suite.runpytest(*arguments)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = [line for line in result.stderr.lines if line.strip()]
    return line


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_m="def test_batch(parbench_case):\n    pass\n")
    return pytester


@pytest.mark.parametrize("address", ["127.0.0.1:8786", "tcp://host", "tcp://h:99999", "udp://h:1"])
def test_a_malformed_scheduler_address_is_a_usage_error(suite: pytest.Pytester, address: str):
    assert usage_error(suite, f"--parbench-dask-scheduler={address}") == (
        f"ERROR: --parbench-dask-scheduler: {address!r} is not allowed; allowed: tcp://HOST:PORT, "
        "e.g. tcp://10.0.0.5:8786"
    )


def test_a_scheduler_off_the_machine_needs_the_live_network(suite: pytest.Pytester) -> None:
    assert usage_error(suite, "--parbench-dask-scheduler=tcp://10.0.0.5:8786") == (
        "ERROR: --parbench-dask-scheduler: tcp://10.0.0.5:8786 is off this machine, and the mocked "
        "network refuses every connection that leaves it, the cluster's own too; add "
        "--parbench-network=live"
    )


@needs_dask
def test_a_scheduler_that_is_not_there_is_named(suite: pytest.Pytester):
    address = f"tcp://127.0.0.1:{free_port()}"
    line = usage_error(suite, f"--parbench-dask-scheduler={address}")
    assert line.startswith(f"ERROR: --parbench-dask-scheduler: {address} cannot be reached (")


@pytest.fixture
def impostor(request: pytest.FixtureRequest) -> Iterator[str]:
    """A loopback service that accepts connections and greets with ``request.param``
    (bytes), or never says anything (``None``); its address."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        held = []
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(connection)
            if request.param is not None:
                connection.sendall(request.param)
        for connection in held:
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    listener.close()


@needs_dask
@pytest.mark.parametrize(
    ("impostor", "problem"),
    [
        pytest.param(
            None,
            "accepts connections but sent nothing within 5 s, as a dask scheduler does at "
            "once: it is not one, or it is stuck",
            id="silent",
        ),
        pytest.param(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            "answered, but not as a dask scheduler does: its first bytes are b'HTTP/1.1'",
            id="http",
        ),
        pytest.param(
            b"SSH-2.0-OpenSSH_9.6\r\n",
            "answered, but not as a dask scheduler does: its first bytes are b'SSH-2.0-'",
            id="ssh",
        ),
    ],
    indirect=["impostor"],
)
def test_a_service_that_is_not_a_dask_scheduler_is_named_in_one_line(
    suite: pytest.Pytester, impostor: str, problem: str
) -> None:
    line = usage_error(suite, f"--parbench-dask-scheduler={impostor}")
    assert line == f"ERROR: --parbench-dask-scheduler: {impostor} {problem}"


@needs_dask
def test_a_scheduler_needs_dask_among_the_strategies(suite: pytest.Pytester, cluster: Any):
    line = usage_error(
        suite,
        "--parbench-strategies=serial",
        f"--parbench-dask-scheduler={cluster.scheduler_address}",
    )
    assert line == (
        "ERROR: --parbench-strategies: 'serial' is not allowed; allowed: a list with dask in "
        "it, as "
        "--parbench-dask-scheduler is given"
    )


def run_suite(tmp_path: Path, *arguments: str) -> str:
    result = run_pytest(
        sys.executable,
        SUITE_ROOT,
        ["benchmarks", "-v", *arguments],
        tmp_path / "tmp",
        RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert CLEAN in result.stdout
    assert list((tmp_path / "tmp").iterdir()) == []
    return result.stdout


@needs_dask
@pytest.mark.timeout(RUN_TIMEOUT_S)
def test_a_tiny_matrix_runs_checked_on_local_clusters(tmp_path: Path) -> None:
    output = run_suite(
        tmp_path,
        "--benchmark-disable",
        "--parbench-workloads=pure_python,download",
        "--parbench-strategies=serial,dask",
        "--parbench-workers=2",
    )
    passed = {line.split("[")[1].split("]")[0] for line in output.splitlines() if "PASSED" in line}
    assert {p for p in passed if "dask" in p} == {
        "pure_python-x16-dask-2w-chunk1",
        "pure_python-x16-dask-2w-chunkauto",
        "pure_python-x16-dask-2w-chunkauto-cold",
        "download-x1-dask-2w-chunk1",
        "download-x1-dask-2w-chunkauto",
        "download-x1-dask-2w-chunkauto-cold",
    }


@needs_dask
@pytest.mark.timeout(RUN_TIMEOUT_S)
def test_the_same_benchmarks_run_on_an_existing_cluster(tmp_path: Path) -> None:
    with dask_strategy._local_cluster(2, str(tmp_path)) as existing:
        workers = set(existing.scheduler.workers)
        output = run_suite(
            tmp_path,
            "--benchmark-disable",
            "--parbench-workloads=download",
            f"--parbench-dask-scheduler={existing.scheduler_address}",
            "--parbench-strategies=serial,dask",
            "--parbench-workers=2",
            "--parbench-chunksize=1",
        )
        # Its workers were prepared by the run, and left running as they were.
        assert "parbench-prepare" in existing.scheduler.worker_plugins
        assert set(existing.scheduler.workers) == workers
    assert "[download-x1-dask-2w-chunk1] PASSED" in output
    assert "[download-x1-dask-2w-chunk1-cold] PASSED" in output


@needs_dask
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_ctrl_c_while_a_cluster_starts_prints_no_dask_error_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    process, marker = suite_process(
        tmp_path,
        "--benchmark-only",
        "--parbench-quick",
        "--parbench-workloads=sleep",
        "--parbench-strategies=dask",
        "--parbench-workers=2",
    )
    with killed_at_the_end(process, marker):
        # The cluster's folder is made just before it starts.
        started = wait_until(
            lambda: list((tmp_path / "tmp").glob("parbench-run-*/parbench-dask-*"))
        )
        assert started, output_of(process)
        os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal
        output, _ = process.communicate(timeout=120)
        assert wait_gone(marker, 10) == [], output
    assert process.returncode == pytest.ExitCode.INTERRUPTED, output
    assert "Traceback" not in output and "failed to start" not in output, output
    assert list((tmp_path / "tmp").iterdir()) == []
