"""parbench among other pytest plugins: options that collide with no one's, settings kept
in an ini file, a plugin that costs an unrelated run almost nothing, pytest-benchmark's
own regression gate beside parbench's summary, and a summary that fits the terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from parbench.measure import options
from parbench.report import cli, fit

from helpers import SUITE_ROOT, run_pytest

RUN_TIMEOUT_S = 240
# Short option names that other plugins and conftest files commonly declare.
COMMON_NAMES = [
    "--workers",
    "--network",
    "--quick",
    "--size",
    "--latency",
    "--strategies",
    "--workloads",
    "--chunksize",
    "--start-method",
    "--body-size",
    "--max-body-size",
    "--request-timeout",
    "--granularity",
    "--dask-scheduler",
    "--rounds",
    "--tasks",
]


def test_a_conftest_declaring_every_common_short_name_runs_beside_parbench(
    pytester: pytest.Pytester,
) -> None:
    declared = "\n".join(f"    parser.addoption({name!r}, default=None)" for name in COMMON_NAMES)
    pytester.makeconftest(f"def pytest_addoption(parser):\n{declared}\n")
    pytester.makepyfile(
        test_own="def test_own(pytestconfig):\n"
        "    assert pytestconfig.getoption('workers') == '3'\n"
        "    assert pytestconfig.getoption('quick') == 'yes'\n"
    )
    result = pytester.runpytest_subprocess("--workers=3", "--quick=yes", "--network=wifi")
    assert result.ret == pytest.ExitCode.OK, result.stderr.str()
    result.assert_outcomes(passed=1)
    # parbench is there, under its own names.
    assert "--parbench-workers" in pytester.runpytest_subprocess("--help").stdout.str()


def test_every_option_has_the_prefix_and_an_ini_key_of_its_name() -> None:
    for option in options.OPTIONS:
        assert option.flag.startswith("--parbench-")
        assert option.ini == option.flag.removeprefix("--").replace("-", "_")


@pytest.fixture
def ini_project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml(
        """
        [tool.pytest.ini_options]
        parbench_workloads = "sleep"
        parbench_strategies = "serial,threads"
        parbench_workers = "1,2"
        parbench_quick = true
        """
    )
    pytester.makepyfile(test_m="def test_batch(parbench_case):\n    pass\n")
    return pytester


def test_settings_kept_in_the_ini_file_shape_the_run(ini_project: pytest.Pytester) -> None:
    chosen = options.parse(ini_project.parseconfig())
    assert chosen.workers == (1, 2) and chosen.quick and chosen.size == "quick"
    assert [s.name for s in chosen.strategies] == ["serial", "threads"]
    result = ini_project.runpytest_subprocess("--collect-only", "-q")
    ids = re.findall(r"test_batch\[(\S+)\]", result.stdout.str())
    assert {re.search(r"-(\d+)w", i).group(1) for i in ids if "threads" in i} == {"1", "2"}


def test_the_command_line_wins_over_the_ini_file(ini_project: pytest.Pytester) -> None:
    chosen = options.parse(ini_project.parseconfig("--parbench-workers=3"))
    assert chosen.workers == (3,)


def test_a_bad_ini_value_names_its_key(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nparbench_workers = "0"\n')
    pytester.makepyfile(test_m="def test_batch(parbench_case):\n    pass\n")
    message = (
        "ERROR: parbench_workers in pyproject.toml: '0' is not allowed; allowed: whole "
        "numbers from 1 to 256, comma-separated, e.g. 1,2,4"
    )
    # Asked on the command line: read before collection, as any bad option.
    asked = pytester.runpytest_subprocess("--parbench-quick")
    assert asked.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in asked.stderr.lines if line.strip()] == [message]
    # Not asked: read when the matrix is collected, an error collecting it.
    collected = pytester.runpytest_subprocess()
    assert collected.ret == pytest.ExitCode.INTERRUPTED
    assert message.removeprefix("ERROR: ") in collected.stdout.str()


def test_importing_the_plugin_imports_nothing_a_run_does_not_ask_for() -> None:
    heavy = [
        "requests",
        "responses",
        "psutil",
        "httpx",
        "parbench.network",
        "parbench.analysis.verdict",
    ]
    heavy += ["parbench.strategies", "parbench.measure.runner", "parbench.measure.matrix"]
    code = f"import sys, parbench.measure.plugin; print([m for m in {heavy!r} if m in sys.modules])"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]"


# A workload whose every task waits PAUSE seconds: a second run with a longer pause is a
# certain regression. It has no arun, so its asyncio cases are skipped, saying why.
PAUSING = """
import os, time
KIND = "io"
def tasks(size):
    return list(range(2))
def run(task):
    time.sleep(float(os.environ["PAUSE"]))
    return task
"""


def _suite(tmp_path: Path, pause: float, *arguments: str) -> subprocess.CompletedProcess:
    os.environ["PAUSE"] = str(pause)
    try:
        return run_pytest(
            sys.executable,
            SUITE_ROOT,
            [
                "benchmarks",
                "--benchmark-only",
                f"--benchmark-storage={tmp_path / 'storage'}",
                f"--parbench-workloads={tmp_path / 'pausing.py'}",
                "--parbench-strategies=serial,asyncio,threads",
                "--parbench-workers=2",
                "--benchmark-min-rounds=4",
                "--benchmark-max-time=0.01",
                *arguments,
            ],
            tmp_path / "tmp",
            RUN_TIMEOUT_S,
            columns=80,
        )
    finally:
        del os.environ["PAUSE"]


def test_both_regression_gates_together_keep_the_summary_and_fit_80_columns(
    tmp_path: Path,
) -> None:
    (tmp_path / "pausing.py").write_text(PAUSING)
    first = _suite(tmp_path, 0.002, "--benchmark-save=fast")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    slower = _suite(
        tmp_path,
        0.03,
        "--benchmark-save=slow",
        "--benchmark-compare",
        "--benchmark-compare-fail=median:5%",
    )
    output = slower.stdout + slower.stderr
    assert slower.returncode == 1, output[-3000:]
    assert "Traceback" not in output
    summary = slower.stdout.split(" parbench ", 1)[1]
    assert re.search(r"^pausing \(I/O-bound\): ", summary, re.MULTILINE)
    assert "performance has regressed beyond --benchmark-compare-fail" in summary
    # Skipped cases: one line per reason, with a count.
    [skipped] = [line for line in summary.splitlines() if line.startswith("skipped ")]
    assert skipped.startswith("skipped 2 cases: ")
    # Every line of prose fits; only table rows may be wider.
    prose = [line for line in summary.splitlines() if not re.search(r"\S {2,}\S", line)]
    assert max(len(line) for line in prose) <= 80, [line for line in prose if len(line) > 80]
    # parbench's own gate reads the same two runs: exit 1.
    saved = sorted((tmp_path / "storage").glob("*/*.json"))
    assert [path.name for path in saved] == ["0001_fast.json", "0002_slow.json"]
    assert cli.main(["compare", *map(str, saved), "--fail-on-regression=5"]) == 1


LONG = (
    "sleep (I/O-bound): threads x16 fastest, 7.9x over serial (49% of ideal); processes x16 "
    "chunksize auto spawn 7.5x, asyncio x16 7.7x; serial 402 ms, and more words to wrap"
)
TABLE = "    case          median  speedup  " + "note " * 40


@pytest.mark.parametrize("width", [80, 120])
def test_wrapping_keeps_each_item_one_item(width: int) -> None:
    text = "\n".join([LONG * 2, "  evidence: " + LONG, TABLE])
    lines = fit.wrap(text, width)
    assert lines[-1] == TABLE
    prose = lines[:-1]
    assert max(len(line) for line in prose) <= width
    assert " ".join(line.strip() for line in prose) == " ".join(
        [LONG * 2, "evidence: " + LONG]
    ).replace("  ", " ")
    # Each item's continuation lines hang under it, deeper than its first line.
    starts = [i for i, line in enumerate(prose) if not line.startswith(fit.HANG)]
    first_items = [prose[i] for i in starts]
    assert first_items[0].startswith("sleep ") and len(first_items) == 2
    assert first_items[1].startswith("  evidence: ")
    assert all(line.startswith("  " + fit.HANG) for line in prose[starts[1] + 1 :])


@pytest.mark.parametrize("width", [80, 120])
def test_report_wraps_to_the_terminal(
    width: int, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    run = Path(__file__).parent / "data" / "noisy_neighbour_run.json"
    assert cli.main(["report", str(run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    prose = [line for line in lines if not re.search(r"\S {2,}\S", line)]
    assert max(len(line) for line in prose) <= width
    assert any(line.startswith(fit.HANG) for line in prose)


def test_saved_runs_are_numbered_across_every_interpreters_folder(tmp_path: Path) -> None:
    import logging

    from pytest_benchmark.storage.file import FileStorage

    from parbench.measure import numbering

    (tmp_path / "Linux-CPython-3.10-64bit").mkdir()
    (tmp_path / "Linux-CPython-3.10-64bit" / "0003_bench-py310.json").write_text("{}")
    session = type("Session", (), {})()
    session.storage = FileStorage(tmp_path, logging.getLogger(), "Linux-CPython-3.12-64bit")
    numbering.number_across_interpreters(session)
    assert session.storage._next_num == "0004"
