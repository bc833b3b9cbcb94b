"""The probe: what a workload does, measured by a short serial run, bounded in time."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from pathlib import Path

import pytest

from parbench import network
from parbench.contract import workload
from parbench.measure import probe
from parbench.strategies import processes

SETTINGS = network.NetworkSettings(latency=0.001)


def write_workload(tmp_path: Path, kind: str, body: str) -> workload.Workload:
    path = tmp_path / f"probed_{uuid.uuid4().hex[:8]}.py"
    path.write_text(
        f"import time\nKIND = {kind!r}\n"
        "def tasks(size):\n    return list(range(8))\n"
        f"def run(n):\n{body}\n    return n\n"
    )
    return workload.load(str(path))


@pytest.fixture
def serving():
    with network.serving(SETTINGS):
        yield


def test_work_that_waits_is_io_whatever_it_declares(tmp_path: Path, serving) -> None:
    found = probe.probe(write_workload(tmp_path, "cpu", "    time.sleep(0.003)"), 1, SETTINGS)
    assert (found.kind, found.declared) == ("io", "cpu")
    assert found.cpu_share < 0.2
    assert found.describe().endswith("io (declared 'cpu')")


def test_python_loops_are_cpu_whatever_they_declare(tmp_path: Path, serving) -> None:
    body = "    total = 0\n    for i in range(20_000):\n        total += i"
    found = probe.probe(write_workload(tmp_path, "io", body), 1, SETTINGS)
    assert found.kind == "cpu" and found.cpu_share > 0.8


def test_a_hung_workload_is_abandoned_within_its_timeout(tmp_path: Path, serving) -> None:
    hung = write_workload(tmp_path, "cpu", "    time.sleep(60)")
    started = time.monotonic()
    found = probe.probe(hung, 1, SETTINGS, timeout=1.0)
    assert time.monotonic() - started < 15
    assert found.kind is None and found.error == "a serial batch did not finish within 1 s"
    assert multiprocessing.active_children() == []
    assert found.describe().endswith("declared 'cpu' used")


def test_a_failing_workload_is_not_classified_and_says_why(tmp_path: Path, serving) -> None:
    found = probe.probe(write_workload(tmp_path, "io", "    raise KeyError(n)"), 1, SETTINGS)
    assert found.kind is None and found.error == "KeyError: 0"
    line = probe.summary([found])
    assert line.startswith("probe (share of serial time on the CPU; worker counts follow it):")
    assert "failed (KeyError: 0)" in line


def test_the_built_in_download_probes_as_io_under_the_mock() -> None:
    # At the default 50 ms latency; at 1 ms the mock's own CPU cost would dominate.
    settings = network.NetworkSettings()
    with network.serving(settings):
        found = probe.probe(workload.load("download"), 1, settings)
    assert found.kind == "io", found


def test_a_workload_that_leaves_a_thread_running_is_stopped_and_named(
    tmp_path: Path, serving, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processes, "STOP_TIMEOUT_S", 1.0)
    body = "    import threading\n    threading.Thread(target=time.sleep, args=(3600,)).start()"
    found = probe.probe(write_workload(tmp_path, "io", body), 1, SETTINGS)
    assert found.kind is None
    assert found.error.startswith("WorkersStuck: 1 worker process(es) (pid ")
    assert found.error.endswith(
        "had not exited 1 s after the pool's shutdown, and were killed: a task left a thread "
        "(or something else that never ends) running in them"
    )
    assert multiprocessing.active_children() == []
