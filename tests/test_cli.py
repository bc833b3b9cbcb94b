"""The parbench command: report, compare and their errors, as a user meets them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from parbench.report import cli

from helpers import benchmark_entry as entry
from helpers import long_run_document, run_document


def save(path: Path, threads_median: float = 0.05, latency_s: float = 0.05) -> Path:
    document = run_document(
        entry("sleep", "serial", 0.8, kind="io", cpu_share=0.0),
        entry("sleep", "threads", threads_median, workers=16, kind="io"),
        latency_s=latency_s,
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


def test_compare_says_when_the_work_itself_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    paths = []
    for name, digest in (("old.json", "1" * 64), ("new.json", "2" * 64)):
        document = run_document(
            entry("sleep", "serial", 0.8, kind="io", source_hash=digest),
            entry("sleep", "threads", 0.05, workers=16, kind="io", source_hash=digest),
        )
        paths.append(tmp_path / name)
        paths[-1].write_text(json.dumps(document))
    assert cli.main(["compare", *map(str, paths)]) == 0
    assert (
        "warning: the work itself changed: workload sleep's source differs between the runs"
        in capsys.readouterr().out
    )


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
        ("Linux-CPython-3.10-64bit/0002_bench.json", "3.10.13", 0.2, True),
        ("Linux-CPython-3.12-64bit/0001_bench.json", "3.12.1", 0.1, True),
        ("Linux-CPython-3.13-64bit/0001_bench.json", "3.13.0", 0.08, True),
        # 32x from 16 threads is beyond physics: withheld, shown as "-".
        ("Linux-CPython-3.13-64bit/0002_bench.json", "3.13.0", 0.025, False),
    ]
    for when, (name, version, threads, gil) in enumerate(saved):
        document = run_document(
            entry("sleep", "serial", 0.8, kind="io", gil_enabled=gil),
            entry("sleep", "threads", threads, workers=16, kind="io", gil_enabled=gil),
            python_version=version,
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
    # Each speedup with its 95% interval.
    assert [cell for cell in lines[3].split() if not cell.startswith("(")] == [
        "sleep",
        "threads",
        "x16",
        "4x",
        "8x",
        "10x",
        "-",
    ]
    assert len(re.findall(r"\(\d[.\d]*x-\d[.\d]*x\)", lines[3])) == 3
    assert "Serial time, by interpreter (95% interval of the median):" in lines
    assert lines[-1].split() == ["sleep", "serial"] + ["800", "ms", "(792", "ms-808", "ms)"] * 4
    assert cli.main(["--storage", str(storage), "versions", "--format", "csv"]) == 0
    assert "speedup,sleep,threads x16,4.0,8.0,10.0," in capsys.readouterr().out


def _save_sleep(
    path: Path, python: str, threads: float, tasks: int = 16, latency_s: float = 0.05
) -> None:
    document = run_document(
        entry("sleep", "serial", 0.8, kind="io", tasks=tasks),
        entry("sleep", "threads", threads, workers=16, kind="io", tasks=tasks),
        python_version=python,
        latency_s=latency_s,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))


def test_versions_compares_only_runs_of_the_same_workloads_sizes_and_network(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    storage = tmp_path / ".benchmarks"
    _save_sleep(storage / "Linux-CPython-3.10-64bit/0001_bench.json", "3.10.13", 0.2)
    _save_sleep(storage / "Linux-CPython-3.12-64bit/0002_bench.json", "3.12.1", 0.1)
    # 3.11's only run is a quick one: a smaller batch, and another latency.
    _save_sleep(
        storage / "Linux-CPython-3.11-64bit/0003_quick.json",
        "3.11.7",
        0.1,
        tasks=8,
        latency_s=0.01,
    )
    assert cli.main(["--storage", str(storage), "versions"]) == 0
    captured = capsys.readouterr()
    header = captured.out.splitlines()[2]
    assert "CPython 3.10.13" in header and "CPython 3.12.1" in header
    assert "3.11" not in captured.out
    [warning] = captured.err.splitlines()
    assert warning.startswith("parbench: warning: left out CPython 3.11.7: no complete run of ")
    assert "sleep x16; network mock, 50 ms latency" in warning
    assert "0003_quick.json, measured sleep x8; network mock, 10 ms latency" in warning
    # Runs named on the command line: those unlike the others are left out, saying so.
    named = sorted(str(p) for p in storage.glob("*/*.json"))
    assert cli.main(["--storage", str(storage), "versions", *named]) == 0
    captured = capsys.readouterr()
    assert "3.11" not in captured.out
    assert "left out " in captured.err and "0003_quick.json (CPython 3.11.7)" in captured.err


def test_report_with_nothing_to_report_is_an_error(tmp_path: Path, capsys) -> None:
    path = tmp_path / "no_serial.json"
    path.write_text(json.dumps(run_document(entry("sleep", "threads", 0.1, workers=4))))
    assert cli.main(["report", str(path)]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("parbench: error: nothing to report: no workload in ")


def test_versions_without_saved_runs_is_an_error(tmp_path: Path, capsys) -> None:
    assert cli.main(["--storage", str(tmp_path / "none"), "versions"]) == 2
    assert "no saved parbench runs" in capsys.readouterr().err


def test_plot_writes_a_chart_per_workload(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pygal")
    saved = save(tmp_path / "run.json")
    assert cli.main(["plot", str(saved), "--output", str(tmp_path / "charts")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "charts" / "sleep.svg")


def write(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def sleep_document(threads_median: float = 0.05, **document: Any) -> dict:
    return run_document(
        entry("sleep", "serial", 0.8, kind="io", cpu_share=0.0),
        entry("sleep", "threads", threads_median, workers=16, kind="io"),
        **document,
    )


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text, text
    return text.strip()


@pytest.mark.parametrize("threshold", ["nan", "NaN%", "inf", "-inf", "1e400", "-1", "-0.5%", ""])
def test_a_threshold_that_is_not_a_finite_number_of_0_or_more_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, threshold: str
) -> None:
    old, new = (
        write(tmp_path / "old.json", sleep_document()),
        write(tmp_path / "new.json", sleep_document(0.1)),
    )
    with pytest.raises(SystemExit) as exited:
        cli.main(["compare", str(old), str(new), f"--fail-on-regression={threshold}"])
    assert exited.value.code == 2
    assert f"argument --fail-on-regression: {threshold!r}" in capsys.readouterr().err


def test_a_zero_threshold_gates_any_significant_slowdown(tmp_path: Path, capsys) -> None:
    old, new = (
        write(tmp_path / "old.json", sleep_document()),
        write(tmp_path / "new.json", sleep_document(0.1)),
    )
    assert cli.main(["compare", str(old), str(new), "--fail-on-regression", "0"]) == 1


def without_threads(document: dict) -> dict:
    document["benchmarks"].pop()
    return document


def without_rounds(document: dict) -> dict:
    for benchmark in document["benchmarks"]:
        del benchmark["stats"]["data"]
    return document


def nan_medians(document: dict) -> dict:
    for benchmark in document["benchmarks"]:
        benchmark["stats"]["median"] = float("nan")
    return document


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        # The issue's own example: a run whose medians are NaN passed the gate.
        (
            sleep_document(),
            nan_medians(sleep_document()),
            "benchmark sleep-x1-serial: stats.median is NaN",
        ),
        (sleep_document(), without_threads(sleep_document(0.1)), "new.json lacks 1 benchmarks of"),
        (
            sleep_document(),
            sleep_document(0.1, complete=False, failed=["sleep-x1-threads-16w"]),
            "new.json: incomplete run (exit status 1); failed: sleep-x1-threads-16w",
        ),
        (sleep_document(complete=False), sleep_document(0.1), "old.json: incomplete run"),
        (
            without_rounds(sleep_document()),
            sleep_document(0.1),
            "old.json: saved without raw round times",
        ),
        (
            run_document(entry("sleep", "serial", 0.8, rounds=3)),
            run_document(entry("sleep", "serial", 1.6, rounds=3)),
            "sleep-x1-serial: 3 and 3 rounds can never show a significant change",
        ),
    ],
)
def test_the_gate_refuses_runs_it_cannot_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture, old: dict, new: dict, problem: str
) -> None:
    old_path, new_path = write(tmp_path / "old.json", old), write(tmp_path / "new.json", new)
    status = cli.main(["compare", str(old_path), str(new_path), "--fail-on-regression", "10"])
    captured = capsys.readouterr()
    assert status == 2
    error = [line for line in captured.err.splitlines() if line.startswith("parbench: error:")]
    assert len(error) == 1 and problem in error[0], captured.err
    assert "nan" not in captured.out.lower()


def test_the_gate_judges_a_run_of_unknown_completeness_like_any_other(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    old = write(tmp_path / "old.json", sleep_document(complete=None))
    new = write(tmp_path / "new.json", sleep_document(0.1, complete=None))
    assert cli.main(["compare", str(old), str(new), "--fail-on-regression", "10"]) == 1
    err = capsys.readouterr().err
    assert f"parbench: warning: {old}: does not record whether its session completed" in err
    assert "regression: sleep-x1-threads-16w is +100.0% slower" in err


MALFORMED = {
    "NaN median": ("stats", "median", float("nan"), "stats.median is NaN"),
    "infinite median": ("stats", "median", float("inf"), "stats.median is Infinity"),
    "zero median": ("stats", "median", 0, "stats.median is 0"),
    "negative round": ("stats", "data", [0.05, -0.05], "stats.data[1] is -0.05"),
    "string workers": ("extra_info", "workers", "16", 'extra_info.workers is "16"'),
    "bool workers": ("extra_info", "workers", True, "extra_info.workers is true"),
    "zero tasks": ("extra_info", "tasks", 0, "extra_info.tasks is 0"),
    "string GIL": ("extra_info", "gil_enabled", "yes", 'extra_info.gil_enabled is "yes"'),
}


@pytest.mark.parametrize("command", ["report", "compare", "plot", "versions"])
@pytest.mark.parametrize("fault", sorted(MALFORMED))
def test_a_malformed_run_is_one_line_naming_file_benchmark_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture, command: str, fault: str
) -> None:
    section, key, value, problem = MALFORMED[fault]
    document = sleep_document()
    document["benchmarks"][1][section][key] = value
    bad = write(tmp_path / "bad.json", document)
    good = write(tmp_path / "good.json", sleep_document())
    arguments = {
        "report": ["report", str(bad)],
        "compare": ["compare", str(good), str(bad)],
        "plot": ["plot", str(bad), "--output", str(tmp_path / "charts")],
        "versions": ["versions", str(bad)],
    }[command]
    assert cli.main(arguments) == 2
    captured = capsys.readouterr()
    error = one_line(captured.err)
    assert error.startswith(f"parbench: error: {bad}: benchmark sleep-x1-threads-16w: {problem}; ")
    assert captured.out == ""


@pytest.mark.parametrize("command", ["report", "plot", "versions", "compare"])
def test_an_incomplete_run_is_read_with_a_warning_naming_its_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture, command: str
) -> None:
    pytest.importorskip("pygal")
    failed = ["sleep-x1-threads-4w", "sleep-x1-threads-8w"]
    partial = write(tmp_path / "partial.json", sleep_document(complete=False, failed=failed))
    arguments = {
        "report": ["report", str(partial)],
        "plot": ["plot", str(partial), "--output", str(tmp_path / "charts")],
        "versions": ["versions", str(partial)],
        "compare": ["compare", str(partial), str(partial)],
    }[command]
    assert cli.main(arguments) == 0
    [warning, *_] = capsys.readouterr().err.splitlines()
    assert warning == (
        f"parbench: warning: {partial}: incomplete run (exit status 1); failed: "
        "sleep-x1-threads-4w, sleep-x1-threads-8w"
    )


def test_latest_skips_newer_incomplete_runs_and_says_so(tmp_path: Path, capsys) -> None:
    storage = tmp_path / ".benchmarks"
    whole = write(storage / "m" / "0001_whole.json", sleep_document())
    partial = write(storage / "m" / "0002_partial.json", sleep_document(0.1, complete=False))
    os.utime(whole, ns=(10**9, 10**9))
    status = cli.main(
        ["--storage", str(storage), "compare", "0001", "latest", "--fail-on-regression", "10"]
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert f"{whole} -> {whole}" in captured.out
    assert (
        f"latest: skipped 1 newer run(s) that are not whole ({partial}: incomplete run"
        in captured.err
    )
    assert f"; using {whole}" in captured.err


def test_versions_passes_over_incomplete_and_unreadable_saved_runs(tmp_path: Path, capsys) -> None:
    storage = tmp_path / ".benchmarks"
    whole = write(storage / "m" / "0001_whole.json", sleep_document())
    write(storage / "m" / "0002_partial.json", sleep_document(0.1, complete=False, failed=["x"]))
    (storage / "m" / "0003_broken.json").write_text("{")
    for age, name in enumerate(["0001_whole.json", "0002_partial.json", "0003_broken.json"]):
        os.utime(storage / "m" / name, ns=(age * 10**9, age * 10**9))
    assert cli.main(["--storage", str(storage), "versions"]) == 0
    captured = capsys.readouterr()
    assert "sleep     threads x16  16x" in captured.out
    assert captured.err.splitlines() == [
        f"parbench: warning: skipped {storage}/m/0002_partial.json: incomplete run (exit "
        "status 1); failed: x",
        f"parbench: warning: skipped 1 saved runs that cannot be read, e.g. "
        f"{storage}/m/0003_broken.json: not valid JSON, truncated? (Expecting property name "
        "enclosed in double quotes: line 1 column 2 (char 1))",
    ]
    assert str(whole) not in captured.err


def test_a_folder_is_not_a_run(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for command in (["report"], ["versions"], ["compare", str(tmp_path)]):
        assert cli.main([*command, str(tmp_path)]) == 2
        error = one_line(capsys.readouterr().err)
        assert error.startswith(f"parbench: error: {tmp_path}: is a folder; name a saved run")


def read_only_folder(tmp_path: Path) -> Path:
    """A folder no file can be made in; root ignores file modes, but not sysfs's."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o555)
        return folder
    if not os.path.isdir("/sys"):
        pytest.skip("running as root, with no sysfs for a read-only folder")
    return Path("/sys")


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        (lambda tmp: write(tmp / "a-file", {}), "is a file, not a folder for charts"),
        (
            lambda tmp: write(tmp / "a-file", {}) / "charts",
            "cannot be made, a folder above it is a file",
        ),
        (read_only_folder, "cannot write a chart there ("),
    ],
)
def test_plot_output_that_cannot_hold_charts_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, where, problem: str
) -> None:
    pytest.importorskip("pygal")
    saved = save(tmp_path / "run.json")
    output = where(tmp_path)
    assert cli.main(["plot", str(saved), "--output", str(output)]) == 2
    error = one_line(capsys.readouterr().err)
    assert error.startswith(f"parbench: error: {output}: {problem}")


def test_plot_with_nothing_to_draw_says_so(tmp_path: Path, capsys) -> None:
    pytest.importorskip("pygal")
    saved = write(tmp_path / "run.json", run_document(entry("sleep", "threads", 0.1, workers=2)))
    assert cli.main(["plot", str(saved), "--output", str(tmp_path / "charts")]) == 2
    assert "no chart to draw: no workload in these runs has a serial baseline" in one_line(
        capsys.readouterr().err
    )


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    saved = save(tmp_path / "run.json")
    reader = subprocess.Popen(
        [sys.executable, "-m", "parbench.report.cli", "report", str(saved), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    reader.stdout.close()  # as `| head -0` does, before anything is written
    _, err = reader.communicate(timeout=60)
    assert err.decode() == "" and reader.returncode == 1


def test_a_report_of_20000_rounds_a_benchmark(tmp_path: Path, capsys) -> None:
    saved = write(tmp_path / "long.json", long_run_document(20_000, workloads=2))
    assert cli.main(["report", str(saved), "--format", "json"]) == 0
    [run] = json.loads(capsys.readouterr().out)
    fast0 = run["workloads"][0]
    # Processes at 2 to 16 workers took the same time on 2 CPUs: they tie.
    assert fast0["verdict"].startswith("fast0 (CPU-bound): processes x2, processes x4, ")
    assert fast0["use"] == "use: ProcessPoolExecutor(max_workers=2)"
    for row in fast0["rows"]:
        if row["strategy"] != "serial":
            # Every round paired with serial's: a tight interval around the ratio.
            assert row["interval_low"] <= row["speedup"] <= row["interval_high"]
            assert row["interval_high"] / row["interval_low"] < 1.01
            assert row["pairs"] == 20_000


def refuse_constants(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


def test_report_json_and_csv_hold_no_infinity(tmp_path: Path, capsys: pytest.CaptureFixture):
    # Nothing bounds the speedup of work that only waits: its ceiling is infinite.
    path = write(tmp_path / "io.json", sleep_document())
    assert cli.main(["report", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out, parse_constant=refuse_constants)
    rows = [row for workload in document[0]["workloads"] for row in workload["rows"]]
    unbounded = [row for row in rows if row["not_finite"]]
    assert unbounded and all(row["ceiling"] is None for row in unbounded)
    assert {row["not_finite"] for row in unbounded} == {"ceiling=inf"}
    assert cli.main(["report", str(path), "--format", "csv"]) == 0
    text = capsys.readouterr().out
    assert "inf," not in text.replace("ceiling=inf", "") and "nan" not in text.lower()
    assert "ceiling=inf" in text


def test_the_gate_refuses_a_run_whose_median_disagrees_with_its_rounds(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    old = write(tmp_path / "old.json", sleep_document())
    tampered = sleep_document()
    stats = tampered["benchmarks"][1]["stats"]
    stats["data"] = [t * 1.5 for t in stats["data"]]  # slower rounds, the same median
    new = write(tmp_path / "new.json", tampered)
    status = cli.main(["compare", str(old), str(new), "--fail-on-regression", "10"])
    assert status == 2
    assert one_line(capsys.readouterr().err).startswith(
        f"parbench: error: {new}: benchmark sleep-x1-threads-16w: stats.median is 0.05 s, but "
        "the median of its 8 rounds (stats.data) is 0.075 s"
    )
