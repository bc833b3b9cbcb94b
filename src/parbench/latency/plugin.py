"""The latency benchmarks' pytest side: options, marks, cases, fixtures and the summary.

The benchmarks (``parbench.latency.suite``, collected by ``benchmarks/test_servers.py``
and ``benchmarks/test_responsiveness.py``) run when named: by
``--parbench-latency-suite=servers,responsiveness``, or by naming their files on the
command line. Otherwise they are deselected, so the default run keeps its length.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Only pytest and the batch plugin, which loads this one: this module is loaded by every
# pytest run that has parbench installed, so each hook imports what it uses once a run
# asks for the latency benchmarks.
from parbench.measure.plugin import one_line

if TYPE_CHECKING:
    from parbench.latency import settings
    from parbench.latency.session import Servers

SETTINGS: pytest.StashKey[settings.Settings] = pytest.StashKey()
MARK = "parbench_latency"
_SUITE = "--parbench-latency-suite"


def _ini(flag: str) -> str:
    """``flag``'s ini key: ``--parbench-handlers`` is ``parbench_handlers``."""
    return flag.lstrip("-").replace("-", "_")


def pytest_addoption(parser: pytest.Parser) -> None:
    from parbench.latency import handlers, servers, settings

    group = parser.getgroup("parbench")

    def add(flag: str, help: str) -> None:
        group.addoption(flag, dest=_ini(flag), default=None, metavar="LIST", help=help)
        parser.addini(_ini(flag), f"default of {flag}", default=None)

    add(_SUITE, "latency benchmarks to run: servers, responsiveness (default: none)")
    add(
        "--parbench-server-models",
        f"server models to load ({', '.join(servers.MODELS)}; default: all that run here)",
    )
    add(
        "--parbench-handlers",
        f"request handlers to serve: {', '.join(handlers.BUILTIN)}, dotted module names or .py "
        "paths of modules with handle(path) -> bytes (default: the built-in ones)",
    )
    add(
        "--parbench-server-workers",
        f"threads, processes or interpreters of the thread-pool, prefork and interpreters "
        f"models, 1 to {settings.MAX_WORKERS} (default: {settings.DEFAULT_WORKERS})",
    )
    add(
        "--parbench-switch-intervals",
        "sys.setswitchinterval values for the responsiveness benchmarks, in ms or with a "
        "unit (default: 5ms,1ms)",
    )


def _get(config: pytest.Config, flag: str) -> str | None:
    """``flag``'s value from the command line, else from the ini file, else None."""
    given = config.getoption(_ini(flag), None)
    if given is not None:
        return given
    kept = config.getini(_ini(flag))
    return str(kept).strip() or None if kept else None


def _items(flag: str, text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise _usage(flag, text, "a comma-separated list with no empty items")
    return list(dict.fromkeys(items))


def _usage(flag: str, value: str, allowed: str) -> pytest.UsageError:
    return pytest.UsageError(f"{flag}: {value!r} is not allowed; allowed: {allowed}")


def parse(config: pytest.Config) -> settings.Settings:
    """The latency options, checked; a bad one is a one-line ``pytest.UsageError``."""
    from parbench.latency import handlers, saved, servers, settings
    from parbench.measure import options

    suites = _get(config, _SUITE)
    chosen_suites = _items(_SUITE, suites) if suites else []
    for name in chosen_suites:
        if name not in saved.SUITES:
            raise _usage(_SUITE, name, ", ".join(saved.SUITES))
    models_text = _get(config, "--parbench-server-models")
    if models_text is None:
        models = [m for m, model in servers.MODELS.items() if model.unavailable() is None]
    else:
        models = _items("--parbench-server-models", models_text)
        for name in models:
            if name not in servers.MODELS:
                raise _usage("--parbench-server-models", name, ", ".join(servers.MODELS))
    specs = _get(config, "--parbench-handlers")
    loaded = []
    for spec in _items("--parbench-handlers", specs) if specs else handlers.BUILTIN:
        try:
            loaded.append(handlers.load(spec))
        except handlers.HandlerError as error:
            raise pytest.UsageError(f"--parbench-handlers: {error}") from None
    workers_text = _get(config, "--parbench-server-workers") or str(settings.DEFAULT_WORKERS)
    if not (workers_text.isascii() and workers_text.isdigit()) or not (
        1 <= int(workers_text) <= settings.MAX_WORKERS
    ):
        raise _usage(
            "--parbench-server-workers",
            workers_text,
            f"a whole number from 1 to {settings.MAX_WORKERS}",
        )
    intervals_text = _get(config, "--parbench-switch-intervals")
    intervals: tuple[float, ...] = settings.DEFAULT_SWITCH_INTERVALS
    if intervals_text is not None:
        to_seconds = options.duration(1.0, zero=False)
        try:
            intervals = tuple(
                to_seconds(item) for item in _items("--parbench-switch-intervals", intervals_text)
            )
        except options.Refused as refused:
            raise pytest.UsageError(f"--parbench-switch-intervals: {refused}") from None
    quick = options.chosen_switch(config, "quick")
    return settings.Settings(
        suites=tuple(chosen_suites),
        models=tuple(models),
        handlers=tuple(loaded),
        workers=int(workers_text),
        switch_intervals=intervals,
        timing=settings.QUICK if quick else settings.FULL,
    )


def chosen(config: pytest.Config) -> settings.Settings:
    if SETTINGS not in config.stash:
        config.stash[SETTINGS] = parse(config)
    return config.stash[SETTINGS]


@one_line(pytest.UsageError)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARK}(suite): a latency benchmark, run when its suite is named"
    )
    if not _get(config, _SUITE):
        return
    from parbench.latency import suite
    from parbench.measure import plugin
    from parbench.measure import suite as batch

    picked = chosen(config)
    plugin.activate(config)
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        # Named without test paths, in any project: run the packaged latency benchmarks
        # (beside the batch matrix, if its workloads were named too).
        wanted = [suite.__file__ + "::" + suite.TESTS[name] for name in picked.suites]
        config.args[:] = ([batch.__file__] if config.args == [batch.__file__] else []) + wanted


def _named(config: pytest.Config, item: pytest.Item) -> bool:
    """Whether the command line named this item's file (or the item itself)."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return False
    here = config.invocation_params.dir
    for argument in config.invocation_params.args:
        path = Path(str(argument).split("::", 1)[0])
        with contextlib.suppress(OSError):
            if path.suffix == ".py" and (here / path).resolve() == Path(item.path).resolve():
                return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    named = set(chosen(config).suites) if _get(config, _SUITE) else set()
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        mark = item.get_closest_marker(MARK)
        wanted = mark is None or mark.args[0] in named or _named(config, item)
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@one_line(pytest.Collector.CollectError)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = metafunc.fixturenames
    if "parbench_server_case" not in names and "parbench_tick_case" not in names:
        return
    from parbench.latency import settings

    if "parbench_server_case" in names:
        picked = chosen(metafunc.config)
        params = [
            pytest.param(case, id=case.id, marks=_skip(settings.unavailable_model(case.model)))
            for case in picked.server_cases()
        ]
        metafunc.parametrize("parbench_server_case", params)
    if "parbench_tick_case" in names:
        picked = chosen(metafunc.config)
        params = [
            pytest.param(case, id=case.id, marks=_skip(settings.unavailable_way(case.way)))
            for case in picked.tick_cases()
        ]
        metafunc.parametrize("parbench_tick_case", params)


def _skip(reason: str | None) -> list[Any]:
    return [pytest.mark.skip(reason=reason)] if reason else []


@pytest.fixture(scope="session")
def parbench_servers(request: pytest.FixtureRequest) -> Iterator[Servers]:
    """The session's load generator and servers, all stopped when the session ends."""
    from parbench.latency.session import Servers

    with contextlib.ExitStack() as stack:
        yield Servers(stack, chosen(request.config).timing)


@pytest.fixture
def parbench_latency_measure(request: pytest.FixtureRequest) -> Any:
    """``measure(benchmark, case)``: run a latency case once, timed by pytest-benchmark,
    its samples saved in the benchmark's ``extra_info``; a server that cannot serve fails
    the test with one line."""
    from parbench.latency import background, handlers, load, saved, servers, settings

    picked = chosen(request.config)

    def measure(benchmark: Any, case: Any) -> dict[str, Any]:
        if isinstance(case, settings.TickCase):
            work = case.work if case.way != "none" else handlers.BUILTIN[0]
            run = background.WAYS[case.way].run

            def once() -> dict[str, Any]:
                outcome = run(
                    work, picked.timing.period_s, picked.timing.tick_s, case.switch_interval_s
                )
                return saved.tick_info(
                    case.way, case.work, case.switch_interval_s, picked.timing.period_s, outcome
                )
        else:
            servers_now: Servers = request.getfixturevalue("parbench_servers")

            def once() -> dict[str, Any]:
                return servers_now.measure(case)

        try:
            info = benchmark.pedantic(once, rounds=1, iterations=1, warmup_rounds=0)
        except (servers.ServerError, load.LoadError) as error:
            pytest.fail(str(error), pytrace=False)
        benchmark.extra_info.update(info)
        return info

    return measure


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    if not getattr(session, "benchmarks", None):
        return
    from parbench.latency import render, saved

    document = {
        "benchmarks": [
            bench.as_dict(include_data=False)
            for bench in getattr(session, "benchmarks", ())
            # A run stopped mid-benchmark leaves one with no time taken.
            if not bench.has_error and bench.stats.data
        ]
    }
    if not saved.has_records(document):
        return
    server_cases, tick_cases = saved.cases(document, "this run")
    terminalreporter.section("parbench latency")
    for line in render.report(server_cases, tick_cases).splitlines():
        terminalreporter.write_line(line)
