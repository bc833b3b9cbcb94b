"""A user's mistakes, met as the user meets them: the suite run in a subprocess stops before
anything is timed, with one line naming what is wrong, never a traceback."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest
from test_suite_runs import run_suite

from parbench.contract import workload
from parbench.measure import matrix

RUNS = "KIND = 'cpu'\ndef run(n):\n    return n\n"


def workload_file(folder: Path, name: str, source: str) -> Path:
    path = folder / f"{name}_{uuid.uuid4().hex[:8]}.py"
    path.write_text(source)
    return path


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    for sign in ("Traceback", "INTERNALERROR", "ZeroDivisionError"):
        assert sign not in output, output[-3000:]


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("tasks", "problem"),
    [
        ("    return []", "tasks(1) made 0 tasks; a batch holds 1 to 1,000,000"),
        ("    raise KeyError('size')", "tasks(1) raised KeyError: 'size' ("),
        ("    return iter([1, 2])", "tasks(1) returned a list_iterator, not a list of tasks"),
    ],
)
def test_a_workload_without_a_batch_stops_the_run_before_timing(
    tmp_path: Path, tasks: str, problem: str
) -> None:
    path = workload_file(tmp_path, "batchless", RUNS + "def tasks(size):\n" + tasks + "\n")
    result = run_suite(
        "--benchmark-only",
        f"--parbench-workloads={path}",
        "--parbench-strategies=serial,threads",
        tmp_path=tmp_path,
    )
    assert result.returncode == pytest.ExitCode.INTERRUPTED, result.stdout[-3000:]
    assert f"workload {path.stem!r} ({path}): {problem}" in result.stdout
    assert " passed" not in result.stdout
    assert_no_traceback(result)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def tasks(size):\n    []\n", r"\): tasks\(2\) returned a NoneType, not a list of tasks$"),
        (
            "def tasks(size):\n    return [1]\ndef setup():\n    open('/no/such/folder/x', 'w')\n",
            r"\): its setup, teardown or cleanup raised FileNotFoundError: .*/no/such/folder/x",
        ),
    ],
)
def test_counting_a_batch_that_cannot_be_made_is_a_workload_error(
    tmp_path: Path, source: str, problem: str
) -> None:
    loaded = workload.load(str(workload_file(tmp_path, "uncountable", RUNS + source)))
    with pytest.raises(workload.WorkloadError) as refused:
        matrix.count_tasks(loaded, 2)
    message = str(refused.value)
    assert message.startswith(f"workload {loaded.name!r} ({loaded.module.__file__}): ")
    assert re.search(problem, message), message


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "KIND = 'cpu'\ndef tasks(size)\n    return [1]\n",
            "SyntaxError: expected ':' ({}, line 2)",
        ),
        ("import os\nraise RuntimeError('boom')\n", "RuntimeError: boom ({}, line 2)"),
        ("import sys\nsys.exit(3)\n", "SystemExit: 3 ({}, line 2)"),
    ],
)
def test_a_workload_that_fails_to_import_is_one_usage_error(
    tmp_path: Path, source: str, problem: str
) -> None:
    path = workload_file(tmp_path, "unimportable", source)
    result = run_suite("--benchmark-only", f"--parbench-workloads={path}", tmp_path=tmp_path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-3000:]
    expected = (
        f"ERROR: --parbench-workloads: workload {str(path)!r} failed to import: "
        + problem.format(path)
    )
    assert error_lines(result) == [expected]
    assert_no_traceback(result)


# Every option and value is refused the same way (tests/test_options.py); here two, as
# the user meets them: one that was a traceback, one that failed deep inside the run.
@pytest.mark.parametrize(
    "arguments",
    [["--parbench-workers", "\u00b2"], ["--parbench-chunksize", "99999999999999999999"]],
)
def test_an_option_out_of_bounds_is_one_usage_error(tmp_path: Path, arguments: list[str]) -> None:
    option, value = arguments
    result = run_suite("--benchmark-only", *arguments, tmp_path=tmp_path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-3000:]
    [line] = error_lines(result)
    assert line.startswith(f"ERROR: {option}: {value!r} is not allowed; allowed: ")
    assert_no_traceback(result)


def test_a_check_that_raises_is_named_like_a_failed_assertion(tmp_path: Path) -> None:
    path = workload_file(
        tmp_path,
        "user_check",
        RUNS + "def tasks(size):\n    return [1, 2]\n"
        "def check(tasks, results):\n    return {}['missing']\n",
    )
    result = run_suite(
        "--benchmark-disable",
        f"--parbench-workloads={path}",
        "--parbench-strategies=serial",
        tmp_path=tmp_path,
    )
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    assert f"{path.stem} under {path.stem}-x1-serial: check raised KeyError: 'missing'" in (
        result.stdout
    )
