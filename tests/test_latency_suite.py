"""The latency benchmarks run as a user runs them: named, on a tiny matrix, in a
subprocess; saved with every sample; read back by ``parbench report``, ``compare`` and
``plot``; left out of a run that does not name them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from parbench.latency import analysis, background, saved
from parbench.report import cli

from helpers import SUITE_ROOT, run_pytest

RUN_TIMEOUT_S = 300
TEST_FILE = "from parbench.latency.suite import test_server, test_responsiveness\n"


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("latency-run")
    output = folder / "run.json"
    result = run_pytest(
        sys.executable,
        SUITE_ROOT,
        [
            "--benchmark-only",
            "--parbench-latency-suite=servers,responsiveness",
            "--parbench-quick",
            "--parbench-server-models=thread-pool,prefork",
            "--parbench-handlers=waiting",
            "--parbench-server-workers=4",
            "--parbench-switch-intervals=5ms",
            f"--benchmark-json={output}",
        ],
        folder / "tmp",
        RUN_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "'threads for web servers (more efficient than processes)'" in result.stdout
    assert "'a background thread keeps the interface responsive'" in result.stdout
    return output


def test_every_case_is_saved_with_its_samples(saved_run: Path) -> None:
    document = json.loads(saved_run.read_text())
    infos = [info for _, info in saved.entries(document)]
    servers = [i for i in infos if i["suite"] == saved.SERVERS]
    ticks = [i for i in infos if i["suite"] == saved.RESPONSIVENESS]
    assert len(servers) == 2 * 4  # two models, a saturation run and three loads each
    assert {(i["model"], i["load"]) for i in servers} == {
        (m, load) for m in ("thread-pool", "prefork") for load in (None, 0.25, 0.5, 0.75)
    }
    for info in servers:
        if info["load"] is not None:
            assert len(info["latencies_s"]) >= 20
            sustained = analysis.sustained(info["slice_rates"]).value
            assert info["offered_rate"] == pytest.approx(info["load"] * sustained)
    available = [w for w, way in background.WAYS.items() if way.unavailable() is None]
    assert len(ticks) == 1 + 3 * (len(available) - 1)
    assert all(len(i["lags_s"]) == len(i["queued_s"]) == 100 for i in ticks)  # 0.4 s at 4 ms


def test_report_compare_and_plot_read_the_saved_run(
    saved_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["report", str(saved_run)]) == 0
    report = capsys.readouterr().out
    assert "servers under open-loop load" in report
    assert "waiting: " in report and "prefork" in report
    page = tmp_path / "page.html"
    assert cli.main(["report", str(saved_run), "--format", "html", "-o", str(page)]) == 0
    assert "servers under open-loop load" in page.read_text(encoding="utf-8")
    assert cli.main(["compare", str(saved_run), str(saved_run)]) == 0
    compared = capsys.readouterr().out
    assert "thread-pool serving waiting: sustained" in compared
    assert compared.count("  same\n") == compared.count("\n") - 1
    assert cli.main(["compare", str(saved_run), str(saved_run), "--fail-on-regression=5"]) == 2
    assert "gates batch benchmarks" in capsys.readouterr().err
    assert cli.main(["plot", str(saved_run), "--output", str(tmp_path / "charts")]) == 0
    drawn = {p.name for p in (tmp_path / "charts").iterdir()}
    assert {"servers-waiting.svg", "responsiveness-holding.svg"} <= drawn


def test_latency_benchmarks_run_only_when_named(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_latency=TEST_FILE)
    unnamed = pytester.runpytest("--co", "-q", "--parbench-handlers=waiting")
    unnamed.stdout.fnmatch_lines(["*no tests collected*deselected*"])
    named = pytester.runpytest("--co", "-q", "--parbench-handlers=waiting", "test_latency.py")
    named.stdout.fnmatch_lines(["*test_server[[]thread-pool-waiting-saturation[]]*"])
    suite = pytester.runpytest("--co", "-q", ".", "--parbench-latency-suite=responsiveness")
    suite.stdout.fnmatch_lines(["*test_responsiveness[[]thread-holding-switch5ms[]]*"])
    assert "test_server[" not in suite.stdout.str()


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            "--parbench-latency-suite=servers,gui",
            "--parbench-latency-suite: 'gui' is not allowed; allowed: servers, responsiveness",
        ),
        ("--parbench-handlers=nope", "--parbench-handlers: unknown handler 'nope'*"),
        ("--parbench-server-workers=0", "--parbench-server-workers: '0' is not allowed*"),
        ("--parbench-server-models=cgi", "--parbench-server-models: 'cgi' is not allowed*"),
    ],
)
def test_a_bad_option_is_one_clear_line(
    pytester: pytest.Pytester, argument: str, message: str
) -> None:
    pytester.makepyfile(test_latency=TEST_FILE)
    suite = (
        []
        if argument.startswith("--parbench-latency-suite")
        else ["--parbench-latency-suite=servers"]
    )
    result = pytester.runpytest("--co", argument, *suite)
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_a_run_stopped_by_sigterm_leaves_no_server_running(tmp_path: Path) -> None:
    """SIGTERM while a prefork server serves: the run stops and every process of the
    server (its forked workers too) is gone."""
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS", "PYTHONPATH"):
        environment.pop(name, None)
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--benchmark-only",
        "--parbench-latency-suite=servers", "--parbench-server-models=prefork",
        "--parbench-handlers=waiting", "--parbench-server-workers=2",
    ]  # fmt: skip
    run = subprocess.Popen(
        command, cwd=SUITE_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        pytest_process = psutil.Process(run.pid)
        deadline = time.monotonic() + 60
        server = None
        while server is None and time.monotonic() < deadline and run.poll() is None:
            with contextlib.suppress(psutil.Error):
                server = next(
                    (p for p in pytest_process.children() if len(p.children()) == 2), None
                )
            time.sleep(0.1)
        assert server is not None, "no prefork server with its 2 workers appeared"
        serving = [server, *server.children()]
        run.send_signal(signal.SIGTERM)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert b"stopped by SIGTERM" in output
    _, alive = psutil.wait_procs(serving, timeout=10)
    assert alive == []
