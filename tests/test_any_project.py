"""parbench from a project of one's own: the installed plugin, the workload context, and
workload names that cannot collide.

The slowest test here installs the package into a fresh virtual environment and uses
it from a throwaway project outside the repository, as a new user would.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from parbench import network
from parbench.contract import workload
from parbench.measure import runner

from helpers import SUITE_ROOT, make_case, run_pytest

INSTALL_TIMEOUT_S = 300
RUN_TIMEOUT_S = 180

# A complete small I/O workload, as the README shows it: everything it needs comes from
# the context and travels inside its tasks.
USER_WORKLOAD = """
import os
import time

KIND = "io"
SIZES = {"quick": 4, "default": 8}


def tasks(size, context):
    folder = os.path.join(context.output_dir, f"batch-{time.monotonic_ns()}")
    os.mkdir(folder)
    return [(n, context.latency, folder) for n in range(size)]


def run(task):
    n, wait, folder = task
    time.sleep(wait)
    path = os.path.join(folder, f"{n}.txt")
    with open(path, "w") as out:
        out.write(f"{n} {wait} {os.getpid()}")
    return path


def check(tasks, results):
    for (n, wait, folder), path in zip(tasks, results, strict=True):
        with open(path) as written:
            number, waited, _ = written.read().split()
        assert (int(number), float(waited)) == (n, wait), path
"""


@pytest.fixture(scope="module")
def fresh_environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the package (and pytest-timeout) installed from
    this repository, the way a user installs it: not editable."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(SUITE_ROOT), "pytest-timeout"],
        check=True,
        capture_output=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    return python


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A throwaway project outside the repository: one workload, one ordinary test."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "my_work.py").write_text(USER_WORKLOAD)
    (folder / "test_plain.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    yield folder


def run_in(python: Path, project: Path, *arguments: str) -> subprocess.CompletedProcess:
    return run_pytest(python, project, arguments, project.parent / "tmp", RUN_TIMEOUT_S)


def test_a_users_project_runs_its_workload_through_the_installed_plugin(
    fresh_environment: Path, project: Path
) -> None:
    result = run_in(
        fresh_environment,
        project,
        "--benchmark-only",
        "--parbench-workloads",
        "my_work.py",
        "--parbench-strategies",
        "serial,threads,processes",
        "--parbench-start-method",
        "spawn",
        "--parbench-latency",
        "10ms",
        "--benchmark-min-rounds",
        "2",
        "--benchmark-max-time",
        "0.01",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The packaged matrix ran, not the project's own test.
    assert "test_plain" not in result.stdout
    # Its default size (8) under every strategy named, I/O worker counts up to 16.
    for case in ("my_work-x8-serial", "my_work-x8-threads-16w", "my_work-x8-processes-16w"):
        assert case in result.stdout
    assert re.search(r"^my_work \(I/O-bound\): ", result.stdout, re.MULTILINE)
    assert "clean-up: no threads, child processes, sockets or temporary folders left" in (
        result.stdout
    )


def test_an_ordinary_run_shows_no_sign_of_the_plugin(
    fresh_environment: Path, project: Path
) -> None:
    result = run_in(fresh_environment, project, "-v")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "test_plain.py::test_plain PASSED" in result.stdout
    # pytest itself lists the installed plugins; nothing else mentions parbench.
    lines = [line for line in result.stdout.splitlines() if not line.startswith("plugins:")]
    assert not [line for line in lines if "parbench" in line.lower()]
    # pytest-benchmark makes its (empty) storage folder in any run; nothing is saved.
    assert not list(project.glob(".benchmarks/**/*.json"))


def test_timeout_given_among_space_separated_options_still_applies(
    fresh_environment: Path, project: Path
) -> None:
    (project / "hangs.py").write_text(
        "import time\nKIND = 'cpu'\ndef tasks(size):\n    return [1]\n"
        "def run(t):\n    time.sleep(120)\n"
    )
    result = run_in(
        fresh_environment,
        project,
        "--benchmark-disable",
        "--parbench-workloads",
        "hangs.py",
        "--parbench-strategies",
        "serial",
        "--parbench-latency",
        "50ms",
        "--timeout",
        "3",
    )
    assert result.returncode == 1, result.stdout[-3000:]
    assert "Timeout (>3.0s)" in result.stdout


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_the_context_reaches_a_users_workload_in_every_worker(
    tmp_path: Path, start_method: str
) -> None:
    path = tmp_path / f"ctx_{uuid.uuid4().hex[:8]}.py"
    path.write_text(textwrap.dedent(USER_WORKLOAD))
    loaded = workload.load(str(path))
    case = make_case(loaded, "processes", workers=2, start_method=start_method)
    settings = network.NetworkSettings(latency=0.003)
    with network.serving(settings):
        results = runner.run_once(case, settings)
    # Each task carried the context's latency into a worker process, which wrote it.
    assert len(results) == case.task_count
    assert all(Path(r).name.endswith(".txt") for r in results)
    # The output folder the context gave is gone with the benchmark.
    assert not any(Path(r).exists() for r in results)


def test_two_workloads_of_one_name_stop_the_run(tmp_path: Path) -> None:
    from test_suite_runs import run_suite

    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "work.py").write_text(
            "KIND = 'cpu'\ndef tasks(size):\n    return [1]\ndef run(t):\n    return t\n"
        )
    (tmp_path / "download.py").write_text((tmp_path / "a" / "work.py").read_text())
    same_file = run_suite(
        "--benchmark-disable",
        f"--parbench-workloads={tmp_path / 'a' / 'work.py'},{tmp_path / 'b' / 'work.py'}",
        tmp_path=tmp_path,
    )
    assert same_file.returncode == 4
    assert "its module name 'work' is taken by" in same_file.stderr
    same_name = run_suite(
        "--benchmark-disable",
        f"--parbench-workloads={tmp_path / 'download.py'},download",
        tmp_path=tmp_path,
    )
    assert same_name.returncode == 4
    assert "are both named 'download'" in same_name.stderr
