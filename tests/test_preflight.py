"""Mistakes a run can see at its start stop it there, in one line: a storage or a
``TMPDIR`` that cannot be written, before the first benchmark, not after the last."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from parbench.measure import preflight

BENCHMARK = """
def test_one(benchmark):
    benchmark(sum, [1, 2])
"""


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder in which no file can be made: read-only for others, /sys for root (who
    writes through permission bits, but not into sysfs)."""
    if os.geteuid() == 0:
        if preflight.writable_problem(Path("/sys")) is None:
            pytest.skip("no folder here refuses root's writes")
        yield Path("/sys")
        return
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    pytester.makepyfile(test_one=BENCHMARK)
    return pytester


def stopped_at_the_start(result: pytest.RunResult) -> str:
    """The one line a run stopped with, having run no test."""
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.no_fnmatch_line("*test_one*")
    (line,) = [line for line in result.stderr.lines if line.strip()]
    return line


def test_storage_that_cannot_be_written_stops_the_run_before_any_benchmark(
    suite: pytest.Pytester, unwritable: Path
) -> None:
    storage = unwritable / "storage"
    result = suite.runpytest(
        "--parbench-quick", "--benchmark-autosave", f"--benchmark-storage=file://{storage}"
    )
    line = stopped_at_the_start(result)
    assert line.startswith(f"ERROR: --benchmark-autosave: cannot save into {storage}/")
    assert line.endswith("make it writable, or choose another folder with --benchmark-storage")


def test_a_json_file_in_a_folder_that_cannot_be_written_stops_the_run(
    suite: pytest.Pytester, unwritable: Path
) -> None:
    result = suite.runpytest("--parbench-quick", f"--benchmark-json={unwritable / 'run.json'}")
    line = stopped_at_the_start(result)
    assert line.startswith(
        f"ERROR: --benchmark-json={unwritable / 'run.json'}: cannot save into {unwritable}: "
        "cannot write there ("
    )


@pytest.mark.parametrize("case", ["missing", "unwritable", "a file"])
def test_a_tmpdir_that_cannot_be_used_stops_the_run_instead_of_falling_back_to_tmp(
    suite: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    unwritable: Path,
    tmp_path: Path,
    case: str,
) -> None:
    value = {"missing": tmp_path / "gone", "unwritable": unwritable, "a file": tmp_path / "f"}
    (tmp_path / "f").write_text("")
    problem = {
        "missing": "no such folder",
        "unwritable": "cannot write there (",
        "a file": "not a folder",
    }
    monkeypatch.setenv("TMPDIR", str(value[case]))
    line = stopped_at_the_start(suite.runpytest("--parbench-quick"))
    assert line.startswith(f"ERROR: TMPDIR={value[case]}: {problem[case]}")
    assert line.endswith(
        "Python would silently use another folder (/tmp), and the disk workloads time the "
        "filesystem they write to: make it a writable folder, or unset TMPDIR"
    )


def test_a_run_that_can_write_everything_runs(suite: pytest.Pytester, tmp_path: Path) -> None:
    result = suite.runpytest(
        "--parbench-quick",
        "--benchmark-autosave",
        f"--benchmark-storage=file://{tmp_path / 'new' / 'storage'}",
        f"--benchmark-json={tmp_path / 'run.json'}",
    )
    assert result.ret == 0
    assert (tmp_path / "run.json").exists()
    assert len(list((tmp_path / "new" / "storage").rglob("*.json"))) == 1
    # The checks leave nothing behind.
    assert [p.name for p in tmp_path.rglob(".parbench-check-*")] == []
