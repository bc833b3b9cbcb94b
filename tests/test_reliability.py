"""Faults the suite survives: failing tasks, dying workers, faulty servers, interrupts and
hung tasks end loudly, in bounded time, with nothing left behind."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import psutil
import pytest
import requests

from parbench import network
from parbench.contract import workload
from parbench.measure import runner
from parbench.strategies import all_strategies, processes
from parbench.workloads import download

from helpers import (
    FAULTY,
    assert_no_children,
    killed_at_the_end,
    listening_ports,
    make_case,
    marked_processes,
    output_of,
    refused,
    suite_process,
    wait_gone,
    wait_until,
)

T = TypeVar("T")

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
    assert runner.run_once(healthy, settings) == list(range(healthy.task_count))


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


def run_folders(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "tmp").glob("parbench-*"))


LIVE = "--parbench-network=live"
SIGNALLED = [
    # Ctrl-C in a terminal signals the whole process group; kill(1) only the main process.
    pytest.param(
        "SIGINT", "group", "processes", ["--parbench-start-method=spawn"], id="ctrl-c-spawn"
    ),
    pytest.param("SIGINT", "group", "threads", [], id="ctrl-c-threads"),
    pytest.param("SIGINT", "group", "processes", [LIVE], id="ctrl-c-fork-live"),
    pytest.param(
        "SIGTERM",
        "main",
        "processes",
        ["--parbench-start-method=spawn", LIVE],
        id="sigterm-spawn-live",
    ),
    pytest.param("SIGHUP", "main", "threads", [LIVE], id="sighup-threads-live"),
]


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize(("name", "target", "strategy", "extra"), SIGNALLED)
def test_an_interrupted_run_stops_saves_nothing_and_leaves_nothing(
    tmp_path: Path, name: str, target: str, strategy: str, extra: list
) -> None:
    storage = tmp_path / "storage"
    process, marker = suite_process(
        tmp_path,
        "--benchmark-only",
        "--parbench-workloads=sleep",
        f"--parbench-strategies={strategy}",
        "--parbench-workers=4",
        "--benchmark-min-rounds=500",
        "--benchmark-autosave",
        f"--benchmark-storage=file://{storage}",
        f"--benchmark-json={tmp_path / 'run.json'}",
        *extra,
    )
    with killed_at_the_end(process, marker):
        # The run's folder appears when the first case starts; on a busy machine, late.
        assert wait_until(lambda: run_folders(tmp_path)), output_of(process)
        ports = wait_until(lambda: listening_ports(marker)) if LIVE in extra else set()
        assert ports or LIVE not in extra
        time.sleep(2)
        assert process.poll() is None, output_of(process)
        interrupted = time.monotonic()
        signum = getattr(signal, name)
        if target == "group":
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        output, _ = process.communicate(timeout=30)
        took = time.monotonic() - interrupted
        # Before anything is killed at the end of the block.
        assert wait_gone(marker, 5) == []
        assert all(refused(port) for port in ports)
    assert took < 10, output
    assert process.returncode == pytest.ExitCode.INTERRUPTED, output
    assert ("KeyboardInterrupt" if name == "SIGINT" else f"Terminated: stopped by {name}") in output
    assert "parbench: nothing saved (--benchmark-autosave, --benchmark-json)" in output
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "run.json").exists()
    assert list(storage.rglob("*.json")) == [], "an interrupted run was saved"


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("death", ["SIGKILL", "os._exit in a task"])
def test_a_run_that_dies_outright_stops_its_server_and_the_next_run_sweeps_its_folder(
    tmp_path: Path, death: str
) -> None:
    source = tmp_path / "exits.py"
    source.write_text(FAULTY)
    if death == "SIGKILL":
        workload, fault = ["--parbench-workloads=sleep", "--benchmark-min-rounds=500"], ""
    else:
        workload, fault = [f"--parbench-workloads={source}"], "exit"
    process, marker = suite_process(
        tmp_path,
        "--benchmark-only",
        "--parbench-strategies=serial",
        "--parbench-network=live",
        *workload,
        fault=fault,
    )
    with killed_at_the_end(process, marker):
        if death == "SIGKILL":
            ports = wait_until(lambda: listening_ports(marker))
            assert ports, output_of(process)
            time.sleep(2)
            assert process.poll() is None, output_of(process)
            process.kill()
        else:
            ports = set()
        output, _ = process.communicate(timeout=60)
        assert process.returncode == (-signal.SIGKILL if death == "SIGKILL" else 7), output
        # Nothing stopped the server but its own watch on its parent.
        assert wait_gone(marker, 5) == []
        assert all(refused(port) for port in ports)
    assert [p.name.split("-")[2] for p in run_folders(tmp_path)] == [str(process.pid)]
    follower, marker = suite_process(
        tmp_path,
        "--benchmark-disable",
        "--parbench-workloads=sleep",
        "--parbench-strategies=serial",
        "--parbench-quick",
    )
    with killed_at_the_end(follower, marker):
        output, _ = follower.communicate(timeout=120)
    assert follower.returncode == 0, output
    assert run_folders(tmp_path) == []
    assert list((tmp_path / "tmp").glob("pymp-*")) == []


LEAKY = """
import subprocess
KIND = "io"
def tasks(size):
    return [0, 1]
def run(n):
    subprocess.Popen(["sleep", "60"])
    return n
"""


def command_of(pid: int) -> str:
    try:
        return psutil.Process(pid).name()
    except psutil.NoSuchProcess:
        return ""


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("start_method", ["fork", "spawn", "forkserver"])
def test_programs_a_worker_started_and_left_are_named_in_the_clean_up_line(
    tmp_path_factory: pytest.TempPathFactory, start_method: str
) -> None:
    # A short path: forkserver's socket goes under TMPDIR, and AF_UNIX paths are limited
    # to 107 bytes, which a test's tmp_path under xdist can come close to.
    tmp_path = tmp_path_factory.mktemp("t")
    source = tmp_path / "leaky.py"
    source.write_text(LEAKY)
    process, marker = suite_process(
        tmp_path,
        "--benchmark-disable",
        f"--parbench-workloads={source}",
        "--parbench-strategies=processes",
        "--parbench-workers=2",
        "--parbench-chunksize=1",
        f"--parbench-start-method={start_method}",
    )
    with killed_at_the_end(process, marker):
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        sleeps = sorted(p for p in marked_processes(marker) if command_of(p) == "sleep")
        # Two cases (warm and cold pools), two tasks each, and the probe's serial batches
        # (as many as fit its 50 ms); every worker has exited.
        assert len(sleeps) >= 4, output
        pids = ", ".join(map(str, sleeps))
        line = f"clean-up: left behind {len(sleeps)} process(es) still running: sleep (pids {pids})"
        assert line in output


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("strategy", ["serial", "processes"])
def test_a_hung_task_fails_its_benchmark_under_pytest_timeout(tmp_path: Path, strategy: str):
    source = tmp_path / "hangs.py"
    source.write_text(FAULTY)
    process, marker = suite_process(
        tmp_path,
        "--benchmark-disable",
        f"--parbench-workloads={source}",
        f"--parbench-strategies={strategy}",
        "--parbench-workers=2",
        "--parbench-chunksize=1",
        "--timeout=3",
        fault="hang",
    )
    started = time.monotonic()
    output, _ = process.communicate(timeout=120)
    assert time.monotonic() - started < 60, output
    assert process.returncode == 1, output
    assert "Timeout (>3.0s)" in output
    assert wait_gone(marker, 5) == []


LEAVES_A_THREAD = """
import threading, time
KIND = "cpu"
def tasks(size):
    return [0, 1]
def run(n):
    threading.Thread(target=time.sleep, args=(3600,)).start()
    return n
"""


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_pool_whose_workers_cannot_exit_is_stopped_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start_method: str
) -> None:
    monkeypatch.setattr(processes, "STOP_TIMEOUT_S", 1.0)
    source = tmp_path / f"leaves_a_thread_{uuid.uuid4().hex[:8]}.py"
    source.write_text(LEAVES_A_THREAD)
    case = make_case(workload.load(str(source)), "processes", start_method=start_method)
    with pytest.raises(processes.WorkersStuck, match=r"^[12] worker process\(es\) \(pid \d+"):
        runner.run_once(case, network.NetworkSettings())
    assert_no_children()


@pytest.mark.parametrize("strategy", ["serial", "threads"])
def test_a_thread_a_task_left_in_the_main_process_does_not_hold_the_exit(
    tmp_path: Path, strategy: str
) -> None:
    source = tmp_path / "leaves_a_thread.py"
    source.write_text(LEAVES_A_THREAD)
    process, marker = suite_process(
        tmp_path,
        "--benchmark-disable",
        f"--parbench-workloads={source}",
        f"--parbench-strategies={strategy}",
        "--parbench-workers=2",
    )
    with killed_at_the_end(process, marker):
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    assert "clean-up: left behind " in output and " thread(s): Thread-" in output
    assert re.search(
        r"parbench: \d+ thread\(s\) that a task started still running 5 s after the run "
        r"ended \(Thread-\d+ \(sleep\).*\); exiting without them",
        output,
    ), output
