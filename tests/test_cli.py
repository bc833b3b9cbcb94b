"""The parbench command: report, compare and their errors, as a user meets them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parbench import cli

from helpers import benchmark_entry as entry
from helpers import run_document


def save(path: Path, threads_median: float = 0.05, latency_s: float = 0.05) -> Path:
    document = run_document(
        entry("sleep", "serial", 0.8, kind="io", cpu_share=0.0, latency_s=latency_s),
        entry("sleep", "threads", threads_median, workers=16, kind="io", latency_s=latency_s),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def test_report_in_every_format(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    saved = save(tmp_path / "run.json")
    assert cli.main(["report", str(saved)]) == 0
    assert "sleep (I/O-bound): threads x16 fastest, 16.0x over serial" in capsys.readouterr().out
    assert cli.main(["report", str(saved), "--format", "json"]) == 0
    [run] = json.loads(capsys.readouterr().out)
    assert (run["run"], run["workloads"][0]["workload"]) == (str(saved), "sleep")
    assert cli.main(["report", str(saved), str(saved), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.count(f"## {saved}") == 2
    # Several runs are still one document: one JSON list, one CSV header.
    assert cli.main(["report", str(saved), str(saved), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert cli.main(["report", str(saved), str(saved), "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("run,workload,") == 1


def test_compare_by_storage_id_and_latest(tmp_path: Path, capsys: pytest.CaptureFixture):
    storage = tmp_path / ".benchmarks"
    save(storage / "Linux-CPython-3.11-64bit" / "0001_first.json")
    save(storage / "Linux-CPython-3.11-64bit" / "0002_second.json", threads_median=0.1)
    status = cli.main(
        ["--storage", str(storage), "compare", "1", "latest", "--fail-on-regression", "50"]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert "0001_first.json -> " in captured.out and "0002_second.json" in captured.out
    assert "regression: sleep-x1-threads-16w is +100.0% slower" in captured.err
    status = cli.main(
        ["--storage", str(storage), "compare", "0001", "0002", "--fail-on-regression", "150%"]
    )
    assert status == 0


def test_compare_warns_on_different_settings(tmp_path: Path, capsys: pytest.CaptureFixture):
    old = save(tmp_path / "old.json")
    new = save(tmp_path / "new.json", threads_median=0.1, latency_s=0.1)
    assert cli.main(["compare", str(old), str(new)]) == 0
    assert "warning: the runs differ in latency (s): 0.05 vs 0.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("", "is empty"),
        ('{"benchmarks": [', "not valid JSON, truncated?"),
        ('{"rows": []}', "not a pytest-benchmark file"),
        ('{"benchmarks": []}', "holds no parbench benchmarks"),
    ],
)
def test_bad_files_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture, content: str | None, problem: str
) -> None:
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_text(content)
    assert cli.main(["report", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith(f"parbench: error: {path}")
    assert problem in error


def test_unknown_run_id_and_nothing_shared(tmp_path: Path, capsys: pytest.CaptureFixture):
    storage = tmp_path / ".benchmarks"
    save(storage / "m" / "0001_a.json")
    assert cli.main(["--storage", str(storage), "report", "0007"]) == 2
    assert "0007: no saved run with that id under" in capsys.readouterr().err
    other = tmp_path / "other.json"
    other.write_text(json.dumps(run_document(entry("factorial", "serial", 0.1))))
    assert cli.main(["compare", str(storage / "m" / "0001_a.json"), str(other)]) == 2
    assert "share no benchmark" in capsys.readouterr().err


def test_bad_percentage_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture):
    saved = save(tmp_path / "run.json")
    with pytest.raises(SystemExit) as exited:
        cli.main(["compare", str(saved), str(saved), "--fail-on-regression", "lots"])
    assert exited.value.code == 2
    assert "'lots' is not a percentage" in capsys.readouterr().err


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = shutil.which("parbench", path=str(Path(sys.executable).parent))
    assert script, f"no parbench script beside {sys.executable}: pip install -e ."
    saved = save(tmp_path / "run.json")
    result = subprocess.run(
        [script, "report", str(saved), "--format", "csv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("run,workload,measured_kind,case")


def test_versions_table_has_a_column_per_interpreter(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    storage = tmp_path / ".benchmarks"
    # pytest-benchmark keeps one folder per minor version: 3.13 and 3.13t share one.
    saved = [
        ("Linux-CPython-3.10-64bit/0001_stale.json", "3.10.13", 0.4, True),
        ("Linux-CPython-3.10-64bit/0002_bench.json", "3.10.13", 0.1, True),
        ("Linux-CPython-3.12-64bit/0001_bench.json", "3.12.1", 0.05, True),
        ("Linux-CPython-3.13-64bit/0001_bench.json", "3.13.0", 0.04, True),
        ("Linux-CPython-3.13-64bit/0002_bench.json", "3.13.0", 0.025, False),
    ]
    for when, (name, version, threads, gil) in enumerate(saved):
        document = run_document(
            entry("sleep", "serial", 0.8, kind="io", python_version=version, gil_enabled=gil),
            entry(
                "sleep",
                "threads",
                threads,
                workers=16,
                kind="io",
                python_version=version,
                gil_enabled=gil,
            ),
        )
        path = storage / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))
        os.utime(path, ns=(when * 10**9, when * 10**9))
    assert cli.main(["--storage", str(storage), "versions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split("  ")[0] == "workload"
    assert [c.strip() for c in lines[2].split("  ") if c.strip()][2:] == [
        "CPython 3.10.13",
        "CPython 3.12.1",
        "CPython 3.13.0",
        "CPython 3.13.0t",
    ]
    assert lines[3].split() == ["sleep", "threads", "x16", "8x", "16x", "20x", "32x"]
    assert "Serial time, by interpreter:" in lines
    assert lines[-1].split() == ["sleep", "serial"] + ["800", "ms"] * 4
    assert cli.main(["--storage", str(storage), "versions", "--format", "csv"]) == 0
    assert "speedup,sleep,threads x16,8.0,16.0,20.0,32.0" in capsys.readouterr().out


def test_versions_without_saved_runs_is_an_error(tmp_path: Path, capsys) -> None:
    assert cli.main(["--storage", str(tmp_path / "none"), "versions"]) == 2
    assert "no saved parbench runs" in capsys.readouterr().err


def test_plot_writes_a_chart_per_workload(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pygal")
    saved = save(tmp_path / "run.json")
    assert cli.main(["plot", str(saved), "--output", str(tmp_path / "charts")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "charts" / "sleep.svg")
