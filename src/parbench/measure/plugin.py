"""The pytest plugin: options, the benchmark matrix, fixtures and the end-of-run summary."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Only what declaring the options needs: a pytest run that does not ask for parbench
# pays for nothing else. Each hook imports what it uses once the run asks.
from parbench.errors import ParbenchError
from parbench.measure import options

# The latency benchmarks (servers, responsiveness) have a plugin module of their own.
pytest_plugins = ["parbench.latency.plugin"]

if TYPE_CHECKING:
    from parbench import network
    from parbench.data import results
    from parbench.measure import cases, interrupts, leftovers, matrix, runner, scratch
    from parbench.network import NetworkSettings

OPTIONS: pytest.StashKey[options.Options] = pytest.StashKey()
OVERHEAD: pytest.StashKey[network.Overhead] = pytest.StashKey()
ASYNC_OVERHEAD: pytest.StashKey[network.Overhead] = pytest.StashKey()
SLOTS: pytest.StashKey[dict[str, matrix.Slot]] = pytest.StashKey()
SETTLED: pytest.StashKey[cases.Settled] = pytest.StashKey()
LEFTOVERS_BEFORE: pytest.StashKey[leftovers.Snapshot] = pytest.StashKey()
SIGNALS: pytest.StashKey[dict[int, interrupts.Handler]] = pytest.StashKey()
ACTIVE: pytest.StashKey[bool] = pytest.StashKey()
SCRATCH: pytest.StashKey[scratch.RunFolder] = pytest.StashKey()
SESSION: pytest.StashKey[pytest.Session] = pytest.StashKey()
BUDGET: pytest.StashKey[runner.Budget] = pytest.StashKey()
# Marks every case of the matrix; a report's keywords, unlike stash, reach xdist's controller.
PARBENCH_MARK = "parbench"


@contextlib.contextmanager
def one_line(shown_as: Callable[[str], Exception]) -> Iterator[None]:
    """The one place where an error for the user becomes pytest's: a ``ParbenchError``, or
    an option's usage error, raised inside is raised again as ``shown_as`` with its
    message, which pytest shows as that one line, no traceback. (A usage error met while
    collecting would be shown with one, so collecting hooks pass its collection error.)
    Used as a decorator on the hooks that configure the run and collect its cases, here
    and in the latency benchmarks' plugin."""
    try:
        yield
    except (ParbenchError, pytest.UsageError) as error:
        raise shown_as(str(error)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def asked(config: pytest.Config) -> bool:
    """Whether this run's command line asked for parbench (gave one of its options)."""
    return bool(options.given(config))


def chosen(config: pytest.Config) -> options.Options:
    """The run's parsed options, read and checked on first use."""
    if OPTIONS not in config.stash:
        config.stash[OPTIONS] = options.parse(config)
    return config.stash[OPTIONS]


@pytest.hookimpl(tryfirst=True)
@one_line(pytest.UsageError)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{PARBENCH_MARK}: a case of parbench's benchmark matrix")
    if not asked(config):
        # Nothing changes in a run that did not ask: the options are read if a test
        # that uses the matrix is collected.
        return
    _refuse_a_path_taken_for_a_test_path(config)
    chosen(config)
    activate(config)
    packaged = options.text(config, "workloads").value is not None or chosen(config).granularity
    if packaged and not _paths_given(config):
        from parbench.measure import suite

        # In any project: run the packaged matrix, not the project's own tests.
        config.args[:] = [suite.__file__]


def _refuse_a_path_taken_for_a_test_path(config: pytest.Config) -> None:
    """pytest finds its configuration from the paths on the command line before any
    plugin's options are known, so ``--parbench-workloads PATH`` (a space, not ``=``) with a PATH
    outside this folder moves the search there, and this project's configuration is
    lost. That cannot be undone from a plugin: say so, and what to write instead."""
    arguments = list(config.invocation_params.args)
    here = config.invocation_params.dir.resolve()
    for flag, value in itertools.pairwise(arguments):
        path = Path(value)
        inside = path.resolve() == here or here in path.resolve().parents
        if flag == "--parbench-workloads" and path.exists() and not inside:
            raise pytest.UsageError(
                f"--parbench-workloads {value}: pytest took this path, outside {here}, for a test "
                "path when it looked for its configuration (before it knew the option); "
                f"write --parbench-workloads={value}"
            )


def _paths_given(config: pytest.Config) -> bool:
    return config.args_source == pytest.Config.ArgsSource.ARGS


def activate(config: pytest.Config) -> None:
    """Switch parbench on for this session, once: saved runs keep every round's time
    (verdicts and comparisons test them) and say whether they are whole; SIGTERM and
    SIGHUP stop the run as Ctrl-C does; and what the run starts is marked, so that the
    clean-up line can find it; the saved run is numbered after every run in the storage,
    whichever interpreter saved it. Called when a run asks for parbench, or collects its
    matrix; a run that does neither is left as it is."""
    if ACTIVE in config.stash:
        return
    from parbench.measure import exiting, interrupts, leftovers, numbering, preflight, saving

    config.stash[ACTIVE] = True
    config.option.benchmark_save_data = True
    session = getattr(config, "_benchmarksession", None)
    if session is not None:
        session.save_data = True
        numbering.number_across_interpreters(session)
    config.pluginmanager.register(saving.SavedRun(), "parbench-saving")
    config.pluginmanager.register(preflight.Checks(), "parbench-preflight")
    config.pluginmanager.register(exiting.BoundedExit(), "parbench-exit")
    config.stash[SIGNALS] = interrupts.install()
    config.stash[LEFTOVERS_BEFORE] = leftovers.begin()


def pytest_unconfigure(config: pytest.Config) -> None:
    if SIGNALS in config.stash:
        from parbench.measure import interrupts

        interrupts.restore(config.stash[SIGNALS])


def xdist_active(config: pytest.Config) -> bool:
    """Whether this run spreads tests over xdist workers (pytest-benchmark then disables
    itself, since timings taken side by side on shared cores mean nothing)."""
    return bool(getattr(config.option, "numprocesses", None)) or hasattr(config, "workerinput")


def benchmarks_enabled(config: pytest.Config) -> bool:
    return not (config.getoption("benchmark_disable", False) or xdist_active(config))


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not asked(config):
        return []
    from parbench.measure import environment

    picked = chosen(config)
    settings = picked.network
    lines = [
        f"parbench: network={settings.mode} latency={settings.latency * 1000:g}ms "
        f"body={settings.body_bytes}B size={picked.size} quick={picked.quick}",
    ]
    warning = environment.gil_warning()
    if warning:
        lines.append(f"parbench: WARNING: {warning}")
    if xdist_active(config):
        lines.append(
            "parbench: benchmarks are disabled under xdist (-n): each runs once as a "
            "correctness check, with worker counts that follow each workload's declared "
            "KIND (no probe); run without -n to measure"
        )
    return lines


def probing(config: pytest.Config) -> bool:
    """Whether this run probes its workloads: not under xdist, where every worker runs its
    share of the cases, and the measurements could differ between them, so that each
    workload is taken at its declared kind."""
    return not xdist_active(config)


@one_line(pytest.Collector.CollectError)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per slot of the matrix (``parbench.measure.cases``): named from the
    options alone, with nothing started, probed or set up."""
    if "parbench_case" not in metafunc.fixturenames:
        return
    from parbench.measure import cases

    config = metafunc.config
    activate(config)
    slots = cases.slots(chosen(config), probing(config))
    config.stash[SLOTS] = slots
    mark = getattr(pytest.mark, PARBENCH_MARK)
    # The parameter is the slot's id: a plain string, as pytest-benchmark saves it.
    params = [pytest.param(slot_id, id=slot_id, marks=[mark]) for slot_id in slots]
    metafunc.parametrize("parbench_case", params, indirect=True)


@pytest.fixture(scope="session")
def parbench_cases(
    request: pytest.FixtureRequest, parbench_network: NetworkSettings
) -> cases.Settled:
    """The run's cases, settled when the first of them runs, on the run's network: the
    probe, the batches counted, each slot filled or given its reason to be skipped; then
    the network's own cost, where a probed workload used it. A workload that makes no
    valid batch (any ``ParbenchError`` while settling) stops the run with the one line that
    says why."""
    from parbench import network
    from parbench.measure import cases, probe

    config = request.config
    timeout = min(probe.TIMEOUT_S, float(config.getoption("timeout", None) or math.inf))
    try:
        settled = cases.settle(chosen(config), config.stash[SLOTS], probing(config), timeout)
    except ParbenchError as error:
        pytest.exit(str(error), returncode=pytest.ExitCode.INTERRUPTED)
    config.stash[SETTLED] = settled
    if benchmarks_enabled(config) and any(p.uses_network for p in settled.probes):
        config.stash[OVERHEAD] = network.measure_overhead(parbench_network)
        asyncio_chosen = any(s.name == "asyncio" for s in chosen(config).strategies)
        if asyncio_chosen and network.async_client_installed():
            config.stash[ASYNC_OVERHEAD] = network.measure_async_overhead(parbench_network)
    return settled


@pytest.fixture
def parbench_case(request: pytest.FixtureRequest, parbench_cases: cases.Settled) -> matrix.Case:
    """The case this benchmark measures (parametrised over the whole matrix); a slot that
    no case fills here is skipped with the reason."""
    if request.param in parbench_cases.skipped:
        pytest.skip(parbench_cases.skipped[request.param])
    return parbench_cases.measured[request.param]


@pytest.fixture(scope="session")
def parbench_scratch(request: pytest.FixtureRequest) -> Iterator[scratch.RunFolder]:
    """The run's temporary folder, the temporary directory of all its processes."""
    from parbench.measure import scratch

    with scratch.run_folder() as folder:
        request.config.stash[SCRATCH] = folder
        yield folder


@pytest.fixture(scope="session")
def parbench_network(
    request: pytest.FixtureRequest, parbench_scratch: scratch.RunFolder
) -> Iterator[NetworkSettings]:
    """The network of this run, serving in this process for the whole session."""
    from parbench import network

    settings = chosen(request.config).network
    with network.serving(settings):
        yield settings


@pytest.fixture
def parbench_measure(
    request: pytest.FixtureRequest, parbench_network: NetworkSettings, parbench_cases: cases.Settled
) -> Any:
    """``measure(benchmark, case)``: time and check one case; returns its last results.
    The benchmark is saved under the case's id (its batch's size and chunksize), not the
    slot's that pytest collected (``chunkauto``): saved runs name what was measured."""
    from parbench.measure import rounds, runner

    config = request.config
    settings = rounds.chosen(config, chosen(config).quick)
    plan = runner.Plan(min_rounds=settings.min_rounds, max_time=settings.max_time)
    overhead = config.stash.get(OVERHEAD, None)
    if BUDGET not in config.stash:
        config.stash[BUDGET] = runner.Budget.of(
            chosen(config).budget_s, parbench_cases.measured.values()
        )

    def measure(benchmark: Any, case: matrix.Case) -> list[Any]:
        if parbench_cases.measured.get(benchmark.param) is case:
            _saved_as(benchmark, case)
        return runner.measure(
            benchmark, case, parbench_network, plan, overhead, config.stash[BUDGET]
        )

    return measure


def _saved_as(benchmark: Any, case: matrix.Case) -> None:
    """Name ``benchmark`` (pytest-benchmark's fixture, collected as the slot ``case``
    fills) by ``case.id`` wherever pytest-benchmark shows or saves its name."""
    slot_id = benchmark.param
    benchmark.name = benchmark.name.replace(f"[{slot_id}]", f"[{case.id}]")
    benchmark.fullname = benchmark.fullname.replace(f"[{slot_id}]", f"[{case.id}]")
    benchmark.param = case.id
    benchmark.params = {"parbench_case": case.id}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[SESSION] = session
    if ACTIVE in session.config.stash:
        from parbench.measure import numbering

        numbering.number_across_interpreters(getattr(session.config, "_benchmarksession", None))


@pytest.hookimpl(wrapper=True)
def pytest_terminal_summary(
    terminalreporter: Any, config: pytest.Config
) -> Generator[None, list[None], list[None]]:
    """parbench's summary, after every other plugin's: pytest-benchmark's
    ``--benchmark-compare-fail`` ends its own summary by raising; that is caught here so
    that parbench's summary still prints, and the run exits 1 with one line instead of a
    traceback."""
    from pytest_benchmark.session import PerformanceRegression

    result: list[None] = []
    try:
        result = yield
        regressed = False
    except PerformanceRegression:
        regressed = True
    cases = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if PARBENCH_MARK in getattr(report, "keywords", {})
    ]
    if cases:
        summary(terminalreporter, config, cases)
    if regressed:
        from parbench.report import fit

        message = (
            "pytest-benchmark: performance has regressed beyond --benchmark-compare-fail "
            "(listed above); exit status 1"
        )
        for line in fit.wrap(message, terminalreporter._tw.fullwidth):
            terminalreporter.write_line(line)
        config.stash[SESSION].exitstatus = pytest.ExitCode.TESTS_FAILED
    return result


def summary(terminalreporter: Any, config: pytest.Config, cases: list[Any]) -> None:
    """The ``parbench`` section: the machine, the probes, the network's own cost, the
    skipped cases by reason, the verdicts (wrapped to the terminal's width) and what the
    run left behind."""
    from parbench.measure import leftovers, machine, probe
    from parbench.report import fit

    overhead = config.stash.get(OVERHEAD, None)
    width = terminalreporter._tw.fullwidth

    def write(text: str) -> None:
        for line in fit.wrap(text, width) or [""]:
            terminalreporter.write_line(line)

    terminalreporter.section("parbench")
    if xdist_active(config):
        write(
            "benchmarks were disabled: xdist (-n) runs tests side by side on shared cores, "
            "so no timing would mean anything; run without -n to measure"
        )
    write(f"machine: {machine.detect().describe()}")
    settled = config.stash.get(SETTLED, None)
    if settled is not None and settled.probes:
        write(probe.summary(settled.probes))
    if overhead is not None:
        settings = chosen(config).network
        line = (
            f"network ({settings.mode}): each request costs {overhead.wall * 1000:.2f} ms "
            f"beyond its {settings.latency * 1000:g} ms latency "
            f"({overhead.cpu * 1000:.2f} ms of CPU in this process)"
        )
        async_overhead = config.stash.get(ASYNC_OVERHEAD, None)
        if async_overhead is not None:
            line += (
                f" with requests, {async_overhead.wall * 1000:.2f} ms "
                f"({async_overhead.cpu * 1000:.2f} ms of CPU) with httpx.AsyncClient"
            )
        write(line)
    for reason, count in skipped_by_reason(cases).items():
        write(f"skipped {count} {'case' if count == 1 else 'cases'}: {reason}")
    text = verdicts(config)
    if text:
        write("")
        write(text)
    page = write_page(config)
    if page:
        write(page)
    if not xdist_active(config):
        # Session fixtures (the network, the live server) are torn down by now.
        folder = config.stash.get(SCRATCH, None)
        left = leftovers.added(
            config.stash[LEFTOVERS_BEFORE],
            leftovers.snapshot(),
            removed=folder.removed if folder else (),
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


def skipped_by_reason(cases: list[Any]) -> dict[str, int]:
    """How many of the matrix's cases were skipped, by reason, most first."""
    counts: dict[str, int] = {}
    for report in cases:
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            counts[reason] = counts.get(reason, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def session_run(config: pytest.Config) -> results.Run | None:
    """This run, from the same data that ``--benchmark-json`` saves; ``None`` where no
    benchmark was measured. Raises ``results.RunError`` where it cannot be read."""
    from parbench.data import results
    from parbench.measure import saving

    session = getattr(config, "_benchmarksession", None)
    benchmarks = [
        bench.as_dict(include_data=True)
        for bench in getattr(session, "benchmarks", ())
        if not bench.has_error
    ]
    if not benchmarks:
        return None
    machine_info = saving.run_facts(config)
    return results.from_json({"machine_info": machine_info, "benchmarks": benchmarks}, "this run")


def write_page(config: pytest.Config) -> str | None:
    """Write this run's page where ``--parbench-html`` says; the line that says so."""
    from parbench.data import results
    from parbench.report import htmlreport

    path = chosen(config).html
    if not path:
        return None
    try:
        run = session_run(config)
        if run is None:
            return f"--parbench-html: no page written to {path}: no benchmark was measured"
        # pytest-benchmark's machine_info, as it saves it: the page names the CPU.
        machine_info = config._benchmarksession.get_machine_info()  # type: ignore[attr-defined]
        run = dataclasses.replace(run, machine=machine_info)
        htmlreport.save(Path(path), htmlreport.report([run]))
    except (results.RunError, htmlreport.PageError) as error:
        return f"--parbench-html: no page written: {error}"
    return f"report page: {path}"


def verdicts(config: pytest.Config) -> str | None:
    """This run's verdicts as text, from the same data that ``--benchmark-json`` saves."""
    from parbench.analysis import breakeven, verdict
    from parbench.data import results
    from parbench.report import breakeven_words, render

    try:
        run = session_run(config)
    except results.RunError as error:
        return f"no verdicts: {error}"
    if run is None or not run.measurements:  # none measured, or latency benchmarks only
        return None
    session = getattr(config, "_benchmarksession", None)
    storage = getattr(getattr(session, "storage", None), "path", results.DEFAULT_STORAGE)
    judged = verdict.judge(run.measurements)
    text = render.render(breakeven_words.with_saved_sweep(judged, run, storage))
    if breakeven.has_sweep(run.measurements):
        text += "\n\n" + breakeven_words.render_table(run, breakeven.PAYBACK_TASK_S)
    return text


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
