"""A session is saved whole, or marked incomplete, or not saved at all: never a part of a
run that looks whole."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from parbench.measure import saving

BENCHMARKS = """
import os, signal

def test_first(benchmark):
    benchmark(sum, [1, 2])

def test_second(benchmark):
    fault = os.environ.get("FAULT")
    if fault == "raise":
        benchmark(int, "not a number")
    elif fault == "ctrl-c":
        raise KeyboardInterrupt
    elif fault == "sigterm":
        os.kill(os.getpid(), signal.SIGTERM)
    benchmark(sum, [3])

def test_third(benchmark):
    benchmark(sum, [4])
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # Inside an xdist worker, pytest-benchmark would switch itself off and save nothing.
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makepyfile(test_three=BENCHMARKS)
    return pytester


def saving_options(folder: Path) -> list[str]:
    # --parbench-quick asks for parbench, which a plain pytest-benchmark run does not.
    return [
        "--parbench-quick",
        "--benchmark-autosave",
        f"--benchmark-storage=file://{folder / 'storage'}",
        f"--benchmark-json={folder / 'run.json'}",
        "--benchmark-min-rounds=1",
        "--benchmark-max-time=0.001",
    ]


def saved(folder: Path) -> list[dict]:
    """The documents written, the --benchmark-json one first."""
    paths = [folder / "run.json", *sorted((folder / "storage").rglob("*.json"))]
    return [json.loads(path.read_text()) for path in paths if path.exists()]


def names(document: dict) -> list[str]:
    return [benchmark["name"] for benchmark in document["benchmarks"]]


def test_a_whole_run_says_it_is_complete(suite: pytest.Pytester) -> None:
    result = suite.runpytest(*saving_options(suite.path))
    assert result.ret == 0
    documents = saved(suite.path)
    assert len(documents) == 2
    for document in documents:
        assert document[saving.RUN_KEY] == {"complete": True, "exit_status": 0, "failed": []}
        assert names(document) == ["test_first", "test_second", "test_third"]
    result.stdout.no_fnmatch_line("*parbench: *saved*")


def test_a_run_with_a_failure_is_saved_marked_incomplete(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAULT", "raise")
    result = suite.runpytest(*saving_options(suite.path))
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    documents = saved(suite.path)
    assert len(documents) == 2
    for document in documents:
        assert document[saving.RUN_KEY] == {
            "complete": False,
            "exit_status": 1,
            "failed": ["test_second"],
        }
        assert names(document) == ["test_first", "test_third"]
    result.stdout.fnmatch_lines(
        "parbench: the saved run is marked incomplete (parbench_run: complete false, "
        "exit status 1, 1 failed test(s) left out)"
    )


@pytest.mark.parametrize("fault", ["ctrl-c", "sigterm"])
def test_an_interrupted_run_saves_nothing_and_says_so(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setenv("FAULT", fault)
    result = suite.runpytest_subprocess(*saving_options(suite.path), timeout=120)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert saved(suite.path) == []
    result.stdout.fnmatch_lines(
        [
            "parbench: nothing saved (--benchmark-autosave, --benchmark-json): "
            "the run was interrupted (exit status 2"
            + ("; signals received: SIGTERM)" if fault == "sigterm" else ")"),
            "*KeyboardInterrupt*" if fault == "ctrl-c" else "*Terminated: stopped by SIGTERM*",
        ]
    )


@pytest.mark.filterwarnings("ignore:Not saving anything, no benchmarks have been run")
def test_a_run_of_no_test_has_nothing_to_save_and_is_not_called_interrupted(
    suite: pytest.Pytester,
) -> None:
    result = suite.runpytest(*saving_options(suite.path), "-k", "no_such_test")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    assert saved(suite.path) == []
    result.stdout.no_fnmatch_line("parbench: nothing saved*")


def test_a_run_that_does_not_ask_for_parbench_is_saved_as_pytest_benchmark_saves_it(
    suite: pytest.Pytester,
) -> None:
    result = suite.runpytest(*saving_options(suite.path)[1:])
    assert result.ret == 0
    documents = saved(suite.path)
    assert len(documents) == 2
    assert all("parbench_run" not in document for document in documents)


class Unwritable:
    """An object whose encoding fails midway through a document, as a signal would stop it."""

    def __repr__(self) -> str:
        raise KeyboardInterrupt


def test_a_write_cut_short_leaves_the_old_file_whole_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "0001_run.json"
    saving.write_json(path, {"benchmarks": [1, 2]})
    assert json.loads(path.read_text()) == {"benchmarks": [1, 2]}
    with pytest.raises(KeyboardInterrupt):
        saving.write_json(path, {"benchmarks": [3], "zz": Unwritable()})
    assert json.loads(path.read_text()) == {"benchmarks": [1, 2]}
    assert [p.name for p in tmp_path.iterdir()] == ["0001_run.json"]


def test_temporary_files_of_writers_that_died_are_swept(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = tmp_path / f".0002_run.json.{finished.pid}-ab12{saving.PARTIAL_SUFFIX}"
    alive = tmp_path / f".0003_run.json.{os.getpid()}-cd34{saving.PARTIAL_SUFFIX}"
    foreign = tmp_path / f".notes{saving.PARTIAL_SUFFIX}"
    for path in (dead, alive, foreign):
        path.write_text("{")
    saving.write_json(tmp_path / "0004_run.json", {"benchmarks": []})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["0004_run.json", alive.name, foreign.name]
    )
