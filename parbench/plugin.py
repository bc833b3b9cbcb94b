"""The pytest plugin: options, the benchmark matrix, fixtures and the end-of-run summary."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from parbench import (
    environment,
    interrupts,
    leftovers,
    matrix,
    network,
    options,
    render,
    results,
    runner,
    saving,
    scratch,
    strategies,
    verdict,
)
from parbench.network import NetworkSettings

OPTIONS = pytest.StashKey[options.Options]()
OVERHEAD = pytest.StashKey[network.Overhead]()
CASES = pytest.StashKey[dict[str, matrix.Case]]()
BEFORE = pytest.StashKey[leftovers.Snapshot]()
SIGNALS = pytest.StashKey[dict[int, object]]()
SCRATCH = pytest.StashKey[scratch.RunFolder]()
# Marks a test report as a measured case; reports, unlike stash, reach xdist's controller.
CASE_PROPERTY = "parbench_case"


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[OPTIONS] = options.parse(config)
    # Verdicts and comparisons test raw rounds, so saved runs keep them (before
    # pytest-benchmark's own configure reads the option).
    config.option.benchmark_save_data = True
    config.pluginmanager.register(saving.SavedRun(), "parbench-saving")
    config.stash[SIGNALS] = interrupts.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    interrupts.restore(config.stash.get(SIGNALS, {}))


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[BEFORE] = leftovers.begin()


def xdist_active(config: pytest.Config) -> bool:
    """Whether this run spreads tests over xdist workers (pytest-benchmark then disables
    itself, since timings taken side by side on shared cores mean nothing)."""
    return bool(getattr(config.option, "numprocesses", None)) or hasattr(config, "workerinput")


def benchmarks_enabled(config: pytest.Config) -> bool:
    return not (config.getoption("benchmark_disable", False) or xdist_active(config))


def pytest_report_header(config: pytest.Config) -> list[str]:
    chosen = config.stash[OPTIONS]
    settings = chosen.network
    lines = [
        f"parbench: network={settings.mode} latency={settings.latency * 1000:g}ms "
        f"body={settings.body_bytes}B size={chosen.size} quick={chosen.quick}",
    ]
    warning = environment.gil_warning()
    if warning:
        lines.append(f"parbench: WARNING: {warning}")
    if xdist_active(config):
        lines.append(
            "parbench: benchmarks are disabled under xdist (-n): each runs once as a "
            "correctness check; run without -n to measure"
        )
    return lines


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "parbench_case" not in metafunc.fixturenames:
        return
    cases = {case.id: case for case in matrix.build(metafunc.config.stash[OPTIONS])}
    metafunc.config.stash[CASES] = cases
    params = []
    reasons: dict[tuple[str, str], str | None] = {}
    for case_id, case in cases.items():
        key = (case.strategy.name, case.workload.name)
        if key not in reasons:
            reasons[key] = strategies.skip_reason(case.strategy, case.workload)
        reason = reasons[key]
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(case_id, id=case_id, marks=marks))
    # The parameter is the case's id, so that saved runs record a plain string.
    metafunc.parametrize("parbench_case", params, indirect=True)


@pytest.fixture
def parbench_case(request: pytest.FixtureRequest) -> matrix.Case:
    """The case this benchmark measures (parametrised over the whole matrix)."""
    return request.config.stash[CASES][request.param]


@pytest.fixture(scope="session")
def parbench_scratch(request: pytest.FixtureRequest) -> Iterator[scratch.RunFolder]:
    """The run's temporary folder, the temporary directory of all its processes."""
    with scratch.run_folder() as folder:
        request.config.stash[SCRATCH] = folder
        yield folder


@pytest.fixture(scope="session")
def parbench_network(
    request: pytest.FixtureRequest, parbench_scratch: scratch.RunFolder
) -> Iterator[NetworkSettings]:
    """The network of this run, serving in this process for the whole session."""
    settings = request.config.stash[OPTIONS].network
    with network.serving(settings):
        if benchmarks_enabled(request.config):
            request.config.stash[OVERHEAD] = network.measure_overhead(settings)
        yield settings


@pytest.fixture
def parbench_measure(request: pytest.FixtureRequest, parbench_network: NetworkSettings) -> Any:
    """``measure(benchmark, case)``: time and check one case; returns its last results."""
    config = request.config
    chosen = config.stash[OPTIONS]
    min_rounds = config.getoption("benchmark_min_rounds")
    max_time = float(config.getoption("benchmark_max_time"))
    if chosen.quick:
        min_rounds = options.QUICK_MIN_ROUNDS
        max_time = min(max_time, options.QUICK_MAX_TIME_S)
    plan = runner.Plan(min_rounds=min_rounds, max_time=max_time)
    overhead = config.stash.get(OVERHEAD, None)

    def measure(benchmark: Any, case: matrix.Case) -> list[Any]:
        request.node.user_properties.append((CASE_PROPERTY, case.id))
        return runner.measure(benchmark, case, parbench_network, plan, overhead)

    return measure


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    reports = (r for rs in terminalreporter.stats.values() for r in rs)
    properties = (p for r in reports for p in getattr(r, "user_properties", ()))
    if not any(name == CASE_PROPERTY for name, _ in properties):
        return
    overhead = config.stash.get(OVERHEAD, None)
    write = terminalreporter.write_line
    terminalreporter.section("parbench")
    if xdist_active(config):
        write(
            "benchmarks were disabled: xdist (-n) runs tests side by side on shared cores, "
            "so no timing would mean anything; run without -n to measure"
        )
    if overhead is not None:
        settings = config.stash[OPTIONS].network
        write(
            f"network ({settings.mode}): each request costs {overhead.wall * 1000:.2f} ms "
            f"beyond its {settings.latency * 1000:g} ms latency "
            f"({overhead.cpu * 1000:.2f} ms of CPU in this process)"
        )
    summary = verdicts(config)
    if summary:
        write("")
        for line in summary.splitlines():
            write(line)
    if not xdist_active(config):
        # Session fixtures (the network, the live server) are torn down by now.
        folder = config.stash.get(SCRATCH, None)
        left = leftovers.added(
            config.stash[BEFORE], leftovers.snapshot(), removed=folder.removed if folder else ()
        )
        write(
            "clean-up: left behind " + "; ".join(left)
            if left
            else "clean-up: no threads, child processes, sockets or temporary folders left"
        )
    peak = peak_memory_mib()
    if peak is not None:
        write(
            f"peak memory: {peak[0]:.0f} MiB in this process, {peak[1]:.0f} MiB in the "
            "largest child process"
        )


def verdicts(config: pytest.Config) -> str | None:
    """This run's verdicts as text, from the same data that ``--benchmark-json`` saves."""
    session = getattr(config, "_benchmarksession", None)
    benchmarks = [
        bench.as_dict(include_data=True)
        for bench in getattr(session, "benchmarks", ())
        if not bench.has_error
    ]
    try:
        run = results.from_json({"benchmarks": benchmarks}, "this run")
    except results.RunError:
        return None
    return render.render(verdict.judge(run.measurements))


def peak_memory_mib() -> tuple[float, float] | None:
    """Peak resident memory of this process and of its largest finished child, in MiB."""
    if sys.platform == "win32":
        return None
    import resource

    scale = 1 / 1024 / 1024 if sys.platform == "darwin" else 1 / 1024
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale,
    )
