"""Faults the suite survives: failing tasks, dying workers, faulty servers, interrupts and
hung tasks end loudly, in bounded time, with nothing left behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from parbench import network, runner, workload
from parbench.strategies import all_strategies
from parbench.workloads import download

from helpers import SUITE_ROOT, make_case

FAULTY = """
import os, time
KIND = "cpu"
def tasks(size):
    return list(range(6))
def run(n):
    if n == 3:
        if os.environ.get("FAULT") == "exit":
            os._exit(7)
        if os.environ.get("FAULT") == "hang":
            time.sleep(60)
        raise ValueError(f"task {n} is broken")
    return n
"""


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> workload.Workload:
    path = tmp_path / f"faulty_{uuid.uuid4().hex[:8]}.py"
    path.write_text(FAULTY)
    monkeypatch.delenv("FAULT", raising=False)
    return workload.load(str(path))


def assert_no_children(within: float = 10.0) -> None:
    """No child process is left, allowing the system ``within`` seconds to reap any."""
    deadline = time.monotonic() + within
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == []


POOLS = [
    ("serial", {}),
    ("threads", {"workers": 3}),
    ("processes", {"start_method": "fork"}),
    ("processes", {"start_method": "spawn", "cold": True}),
]


@pytest.mark.parametrize(("strategy", "pool"), POOLS)
def test_a_failing_task_is_named_and_the_next_batch_runs(
    faulty: workload.Workload, strategy: str, pool: dict
) -> None:
    case = make_case(faulty, strategy, size=1, **pool)
    settings = network.NetworkSettings()
    with pytest.raises(runner.BatchFailed) as failed:
        runner.run_once(case, settings)
    message = str(failed.value)
    assert message.startswith(f"{faulty.name} under {case.id}: task 3 3 failed")
    assert "ValueError: task 3 is broken" in message
    assert_no_children()
    healthy = make_case("sleep", strategy, **pool)
    assert runner.run_once(healthy, settings) == list(range(healthy.tasks))


def test_a_failing_task_inside_a_chunk_names_the_chunk(faulty: workload.Workload) -> None:
    case = make_case(faulty, "processes", size=1, chunksize=2, start_method="fork")
    with pytest.raises(runner.BatchFailed, match=r"a task among 2\.\.3 \(one chunk, from 2\)"):
        runner.run_once(case, network.NetworkSettings())


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_dying_worker_fails_only_its_benchmark(
    faulty: workload.Workload, monkeypatch: pytest.MonkeyPatch, start_method: str
) -> None:
    monkeypatch.setenv("FAULT", "exit")
    started = time.monotonic()
    with pytest.raises(runner.BatchFailed, match="a worker died and broke the pool"):
        runner.run_once(
            make_case(faulty, "processes", size=1, start_method=start_method),
            network.NetworkSettings(),
        )
    assert time.monotonic() - started < 30
    assert_no_children()
    monkeypatch.delenv("FAULT")
    assert runner.run_once(
        make_case("factorial", "processes", start_method=start_method), network.NetworkSettings()
    )


def test_an_abandoned_process_pool_stops_its_running_workers(
    faulty: workload.Workload, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAULT", "hang")
    strategy = all_strategies()["processes"]
    executor = strategy.make_executor(
        runner.pool_spec(
            make_case(faulty, "processes", size=1, start_method="fork"), network.NetworkSettings()
        )
    )
    futures = [executor.submit(faulty.run, n) for n in range(6)]
    time.sleep(0.5)
    started = time.monotonic()
    strategy.abandon(executor)
    assert time.monotonic() - started < 10
    assert_no_children()
    assert all(f.done() for f in futures)


# Servers that misbehave, on the loopback, for the download workload to meet.


@pytest.fixture
def faulty_server() -> Iterator[tuple[str, threading.Event]]:
    """A loopback server whose answer depends on the path: /hang, /truncated, /500, /404."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def answer(connection: socket.socket) -> None:
        with connection:
            request = connection.recv(4096).decode("latin-1")
            path = request.split(" ", 2)[1] if " " in request else "/"
            if path == "/hang":
                stop.wait(30)
            elif path == "/truncated":
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 500
                )
            else:
                status = path.strip("/")
                connection.sendall(f"HTTP/1.1 {status} Nope\r\nContent-Length: 0\r\n\r\n".encode())

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", stop
    stop.set()
    thread.join(5)
    listener.close()


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/hang", requests.ReadTimeout),
        ("/truncated", requests.exceptions.ChunkedEncodingError),
        ("/500", requests.HTTPError),
        ("/404", requests.HTTPError),
    ],
)
def test_a_faulty_server_fails_the_download_in_bounded_time(
    faulty_server: tuple[str, threading.Event], tmp_path: Path, path: str, error: type
) -> None:
    base, _ = faulty_server
    task = download.Download(base + path, str(tmp_path), 0.5, 10**6, network.DIGEST_HEADER)
    started = time.monotonic()
    with pytest.raises(error):
        download.run(task)
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_duplicates_fetched_at_once_stay_whole_for_200_rounds(pool: str) -> None:
    settings = network.NetworkSettings(latency=0.0, body_bytes=50_000)
    make = ThreadPoolExecutor if pool == "threads" else ProcessPoolExecutor
    extra = (
        {}
        if pool == "threads"
        else {
            "mp_context": multiprocessing.get_context("fork"),
            "initializer": network.prepare_worker,
            "initargs": (settings,),
        }
    )
    with (
        network.serving(settings),
        network.workload_context() as context,
        make(16, **extra) as executor,
    ):
        for _ in range(200):
            tasks = download.tasks(1, context)
            download.check(tasks, list(executor.map(download.run, tasks)))
            download.cleanup(tasks)


# The whole suite, interrupted or hung, as a user would meet it.


def suite_process(tmp_path: Path, *arguments: str, fault: str = "") -> tuple[subprocess.Popen, str]:
    """Start ``pytest benchmarks`` in its own session, its processes marked for finding."""
    marker = uuid.uuid4().hex
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    environment = {
        **os.environ,
        "TMPDIR": str(scratch),
        "PARBENCH_TEST_MARK": marker,
        "FAULT": fault,
    }
    environment.pop("PYTEST_XDIST_WORKER", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "benchmarks", "-p", "no:cacheprovider", *arguments],
        cwd=SUITE_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, marker


def marked_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"PARBENCH_TEST_MARK={marker}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_gone(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    ("strategy", "extra"),
    [
        ("processes", ["--start-method=spawn"]),
        ("threads", []),
        ("processes", ["--network=live"]),
    ],
)
def test_ctrl_c_stops_the_run_and_leaves_nothing(tmp_path: Path, strategy: str, extra: list):
    storage = tmp_path / "storage"
    process, marker = suite_process(
        tmp_path,
        "--benchmark-only",
        "--workloads=sleep",
        f"--strategies={strategy}",
        "--workers=4",
        "--benchmark-min-rounds=500",
        "--benchmark-autosave",
        f"--benchmark-storage=file://{storage}",
        *extra,
    )
    time.sleep(4)
    assert process.poll() is None, process.communicate()[0]
    interrupted = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    took = time.monotonic() - interrupted
    assert took < 10, output
    assert "KeyboardInterrupt" in output
    assert wait_gone(marker, 5) == []
    assert list((tmp_path / "tmp").iterdir()) == []
    saved = [p.read_text() for p in storage.rglob("*.json")]
    assert all("sleep-x16" not in text for text in saved), "an interrupted result was saved"


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("strategy", ["serial", "processes"])
def test_a_hung_task_fails_its_benchmark_under_pytest_timeout(tmp_path: Path, strategy: str):
    source = tmp_path / "hangs.py"
    source.write_text(FAULTY)
    process, marker = suite_process(
        tmp_path,
        "--benchmark-disable",
        f"--workloads={source}",
        f"--strategies={strategy}",
        "--workers=2",
        "--chunksize=1",
        "--timeout=3",
        fault="hang",
    )
    started = time.monotonic()
    output, _ = process.communicate(timeout=120)
    assert time.monotonic() - started < 60, output
    assert process.returncode == 1, output
    assert "Timeout (>3.0s)" in output
    assert wait_gone(marker, 5) == []
