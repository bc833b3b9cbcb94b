"""Collecting the matrix starts nothing: no process, no socket, no workload's setup(); the
run settles its cases when the first one runs, and measures what the probe asks for."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import parbench
from parbench import workloads
from parbench.contract import workload
from parbench.measure import machine, matrix, options
from parbench.network import NetworkSettings
from parbench.strategies import all_strategies

from helpers import run_pytest

TIMEOUT_S = 240
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="watches POSIX process starts")
# Every way Python starts a process or opens a socket, as its audit events name them.
WATCHED = (
    "os.fork",
    "os.forkpty",
    "os.posix_spawn",
    "os.spawn",
    "os.exec",
    "os.system",
    "subprocess.Popen",
    "_posixsubprocess.fork_exec",
    "socket.__new__",
    "socket.bind",
    "socket.connect",
)
# Loaded as the run's first conftest, before parbench configures anything: records each
# watched event that code of parbench's, its workloads' or the workload file caused
# (pytest-benchmark, for one, runs `file` on the interpreter when it configures). Python
# raises no event where it spawns a process (multiprocessing's spawn and forkserver, the
# live server's start), so the one function all of those call is watched too.
RECORDER = """\
import sys

import _posixsubprocess

def _caused_by_parbench(frame):
    while frame is not None:
        if frame.f_code.co_filename.startswith({ours!r}):
            return True
        frame = frame.f_back
    return False

def _record(event, args):
    if event in {watched!r} and _caused_by_parbench(sys._getframe(1)):
        with open({log!r}, "a") as log:
            log.write(event + "\\n")

sys.addaudithook(_record)
_fork_exec = _posixsubprocess.fork_exec

def _audited_fork_exec(*args):
    sys.audit("_posixsubprocess.fork_exec")
    return _fork_exec(*args)

_posixsubprocess.fork_exec = _audited_fork_exec
"""
# Declared as work that waits; every function leaves a file behind when it is called.
WORKLOAD = """\
from pathlib import Path

KIND = "io"
SIZES = {{"quick": 3, "default": 3}}
MARKS = Path({marks!r})

def setup():
    (MARKS / "setup").touch()

def teardown():
    (MARKS / "teardown").touch()

def tasks(size):
    (MARKS / "tasks").touch()
    return list(range(size))

def run(task):
    return task
"""


def _project(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A project whose conftest records every watched event into a log, and a workload
    of its own; the project, the log and the folder of the workload's marks."""
    project, marks, log = tmp_path / "project", tmp_path / "marks", tmp_path / "events.log"
    project.mkdir()
    marks.mkdir()
    ours = (
        str(Path(parbench.__file__).parent),
        str(Path(workloads.__file__).parent),
        str(project / "marking.py"),
    )
    recorder = RECORDER.format(ours=ours, watched=WATCHED, log=str(log))
    (project / "conftest.py").write_text(recorder)
    (project / "test_matrix.py").write_text("from parbench.measure.suite import test_batch\n")
    (project / "marking.py").write_text(WORKLOAD.format(marks=str(marks)))
    return project, log, marks


def _run(project: Path, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    return run_pytest(
        sys.executable,
        project,
        [
            "test_matrix.py",
            "--parbench-workloads=marking.py",
            "--parbench-strategies=serial,threads,processes,interpreters,asyncio",
            "--parbench-start-method=spawn",
            "--parbench-quick",
            *arguments,
        ],
        tmp_path / "tmp",
        TIMEOUT_S,
    )


def test_collecting_starts_no_process_opens_no_socket_and_sets_nothing_up(
    tmp_path: Path,
) -> None:
    project, log, marks = _project(tmp_path)
    collected = _run(project, tmp_path, "--collect-only", "-q", "--parbench-network=live")
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    ids = re.findall(r"test_batch\[([^\]]+)\]", collected.stdout)
    # Every worker count the probe could ask for, named before anything has run.
    assert "marking-x3-threads-2w" in ids and "marking-x3-threads-4w" in ids
    assert "marking-x3-processes-4w-spawn-chunkauto" in ids
    assert not log.exists(), log.read_text()
    assert sorted(p.name for p in marks.iterdir()) == []


def test_a_run_settles_its_cases_and_says_what_the_probe_found(tmp_path: Path) -> None:
    project, log, marks = _project(tmp_path)
    ran = _run(project, tmp_path, "--benchmark-disable", "-v", "--parbench-workers=2")
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    # The recorder sees what the run starts: it would see collection do the same.
    assert log.read_text().split()
    assert {p.name for p in marks.iterdir()} == {"setup", "tasks", "teardown"}
    assert re.search(r"probe \(share of serial time on the CPU.*\n?.*marking \d+% ", ran.stdout)
    assert "test_batch[marking-x3-threads-2w] PASSED" in ran.stdout


def test_a_benchmark_is_saved_under_what_it_measured(tmp_path: Path) -> None:
    project, _, _ = _project(tmp_path)
    saved = tmp_path / "run.json"
    ran = _run(
        project,
        tmp_path,
        f"--benchmark-json={saved}",
        "-v",
        "--parbench-workers=2",
        "--parbench-chunksize=auto",
        "--parbench-budget=1s",
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    # Collected by its chunk policy; saved by the chunksize that policy came to.
    assert "test_batch[marking-x3-processes-2w-spawn-chunkauto] PASSED" in ran.stdout
    benchmarks = json.loads(saved.read_text())["benchmarks"]
    (processes,) = [b for b in benchmarks if b["extra_info"]["strategy"] == "processes"]
    info = processes["extra_info"]
    # The probe may find this trivial work to be CPU work, whose batch then grows.
    name = f"marking-x{info['size']}-processes-2w-spawn-chunk{info['chunksize']}"
    assert (processes["param"], processes["name"]) == (name, f"test_batch[{name}]")
    assert processes["fullname"].endswith(f"::test_batch[{name}]")
    assert (info["chunk_policy"], info["chunksize"]) == ("auto", math.ceil(info["tasks"] / 8))


def _options(*workloads: str, quick: bool, workers: tuple[int, ...] | None) -> options.Options:
    return options.Options(
        workloads=tuple(workload.load(name) for name in workloads),
        strategies=tuple(all_strategies().values()),
        workers=workers,
        chunksizes=(1, options.AUTO),
        start_methods=("fork", "spawn"),
        size="quick",
        network=NetworkSettings(),
        quick=quick,
    )


@pytest.mark.parametrize("quick", [True, False])
@pytest.mark.parametrize("workers", [None, (1, 3)])
@pytest.mark.parametrize(
    "topology",
    [
        machine.Topology(logical=2, physical=2, affinity=2, affinity_cores=2, quota=None),
        machine.Topology(logical=64, physical=32, affinity=64, affinity_cores=32, quota=None),
    ],
)
def test_whatever_the_probe_finds_every_case_has_been_collected(
    quick: bool, workers: tuple[int, ...] | None, topology: machine.Topology
) -> None:
    chosen = _options("sleep", "pure_python", quick=quick, workers=workers)
    collected = matrix.slots(chosen, probed=True, topology=topology)
    for kind in matrix.KINDS:
        kinds = {"sleep": kind, "pure_python": kind}
        settled = matrix.settle(chosen, kinds, topology)
        assert set(settled) <= set(collected), kind
        for slot_id, case in settled.items():
            slot = collected[slot_id]
            assert (case.workload, case.strategy, case.workers, case.cold) == (
                slot.workload,
                slot.strategy,
                slot.workers,
                slot.cold,
            )
            assert case.chunk_policy == str(slot.chunk_policy)


def test_unprobed_slots_follow_the_declared_kind() -> None:
    chosen = _options("sleep", quick=True, workers=None)
    two = machine.Topology(logical=2, physical=2, affinity=2, affinity_cores=2, quota=None)
    unprobed = matrix.slots(chosen, probed=False, topology=two)
    probed = matrix.slots(chosen, probed=True, topology=two)
    assert {s.workers for s in unprobed.values()} == {1, *matrix.QUICK_IO_WORKERS}
    assert {s.workers for s in probed.values()} == {
        1,
        *matrix.QUICK_IO_WORKERS,
        *matrix.QUICK_CPU_WORKERS,
    }
    # Unprobed (under xdist), the declared kind fills every slot but those whose chunk
    # policy comes to a chunksize measured already.
    unfilled = set(unprobed) - set(matrix.settle(chosen, {}, two))
    assert unfilled and all(slot_id.endswith("-chunkauto") for slot_id in unfilled)


def test_a_slot_no_case_fills_says_why() -> None:
    chosen = _options("sleep", quick=True, workers=None)
    two = machine.Topology(logical=2, physical=2, affinity=2, affinity_cores=2, quota=None)
    collected = matrix.slots(chosen, probed=True, topology=two)
    settled = matrix.settle(chosen, {"sleep": "cpu"}, two)
    io_pool = collected["sleep-x8-threads-4w"]
    assert matrix.unfilled(io_pool, settled, "cpu", probed=True) == (
        "not a worker count for cpu work, which the probe found"
    )
    # sleep's quick batch is 8 tasks: at 2 workers, auto comes to chunksize 1.
    auto = collected["sleep-x8-processes-2w-fork-chunkauto"]
    assert "sleep-x8-processes-2w-fork-chunkauto" not in settled
    assert matrix.unfilled(auto, settled, "cpu", probed=True) == (
        "chunksize auto comes to a chunksize measured already for this batch"
    )
