"""Two interrupts, at any moment, never leave a run that looks whole: the whole suite in
a subprocess, signalled twice at chosen delays, during the run and while its results
file is written (a plugin pauses the writer in mid-file); then what is on disk, what
``latest`` is, and what is still running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from parbench.data import results
from parbench.measure import scratch

from helpers import (
    benchmark_entry,
    killed_at_the_end,
    output_of,
    run_document,
    suite_process,
    wait_gone,
    wait_until,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")

#: A plugin that pauses the writer of every saved file in the middle of the file: the
#: JSON encoder asks for the repr of an object it cannot encode, which says so in a file
#: and waits.
PAUSE_WRITING = """
import os, pathlib, time

class Paused:
    def __repr__(self):
        pathlib.Path(os.environ["PAUSED_MARK"]).touch()
        time.sleep(30)
        return "paused"

def pytest_benchmark_update_json(output_json):
    output_json["zz_paused"] = Paused()
"""


def seeded(storage: Path) -> Path:
    """A whole run saved earlier, the one ``latest`` must still name afterwards."""
    path = storage / "earlier" / "0001_whole.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(run_document(benchmark_entry("sleep", "serial", 0.1))))
    os.utime(path, ns=(10**9, 10**9))
    return path


def send(process: subprocess.Popen, name: str, to_group: bool) -> None:
    signum = getattr(signal, name)
    if to_group:  # Ctrl-C in a terminal signals the whole process group.
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)


SIGNALS = [
    pytest.param(("SIGINT", "SIGINT"), True, 0.05, id="ctrl-c-twice-50ms"),
    pytest.param(("SIGINT", "SIGINT"), True, 0.5, id="ctrl-c-twice-500ms"),
    pytest.param(("SIGTERM", "SIGTERM"), False, 0.05, id="sigterm-twice-50ms"),
    pytest.param(("SIGINT", "SIGTERM"), False, 0.2, id="ctrl-c-then-sigterm"),
    pytest.param(("SIGHUP", "SIGINT"), False, 0.3, id="sighup-then-ctrl-c"),
]


@pytest.mark.parametrize("moment", ["during the run", "while the file is written"])
@pytest.mark.parametrize(("names", "to_group", "delay"), SIGNALS)
def test_two_signals_save_nothing_and_latest_is_the_last_whole_run(
    tmp_path: Path, moment: str, names: tuple[str, str], to_group: bool, delay: float
) -> None:
    storage = tmp_path / "storage"
    earlier = seeded(storage)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "pause_writing.py").write_text(PAUSE_WRITING)
    paused = tmp_path / "paused"
    writing = moment == "while the file is written"
    process, marker = suite_process(
        tmp_path,
        "--benchmark-only",
        "--parbench-workloads=sleep",
        "--parbench-strategies=serial,threads",
        "--parbench-workers=2",
        *(
            ["-p", "pause_writing", "--parbench-quick"]
            if writing
            else ["--benchmark-min-rounds=500"]
        ),
        "--benchmark-autosave",
        f"--benchmark-storage=file://{storage}",
        f"--benchmark-json={tmp_path / 'run.json'}",
        environment={"PYTHONPATH": str(tmp_path / "plugins"), "PAUSED_MARK": str(paused)},
    )
    with killed_at_the_end(process, marker):
        if writing:
            assert wait_until(paused.exists, 120), output_of(process)
        else:
            assert wait_until(lambda: list((tmp_path / "tmp").glob("parbench-run-*"))), output_of(
                process
            )
            time.sleep(1)
        assert process.poll() is None, output_of(process)
        send(process, names[0], to_group)
        time.sleep(delay)
        send(process, names[1], to_group)
        output, _ = process.communicate(timeout=60)
        assert wait_gone(marker, 10) == [], output
    assert process.returncode != 0, output
    if writing and delay >= 0.2:
        # A second signal 50 ms after the first can cut this line short on a busy
        # machine; what is saved, below, holds however soon it comes.
        assert "a file being written when the run was stopped was not saved" in output
    assert not (tmp_path / "run.json").exists(), output
    # No run saved, and no temporary file of a write cut short.
    assert [p for p in storage.rglob("*") if p.is_file()] == [earlier], output
    assert results.latest(storage).source == str(earlier)
    # A signal while the interpreter exits can stop multiprocessing removing its folder:
    # the next run sweeps it, and nothing else is left.
    scratch.sweep(tmp_path / "tmp")
    assert list((tmp_path / "tmp").iterdir()) == [], output
