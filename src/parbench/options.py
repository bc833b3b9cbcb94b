"""The suite's command-line options: declared once, parsed and checked into ``Options``.

Every bad value stops the run before anything is measured, with a message naming the
option, the value and what is allowed.
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
from dataclasses import dataclass
from typing import Any

import pytest

from parbench import network, strategies, workload
from parbench.strategies import dask as dask_strategy

CHUNK_POLICIES = ("1", "auto")
# Four rounds a side is the fewest at which the Mann-Whitney test can reach p < 0.05.
QUICK_MIN_ROUNDS = 4
QUICK_MAX_TIME_S = 0.25

# Upper bounds of the numeric options (the README says why each is what it is).
#: Each process worker costs about 20 MiB and a quarter of a CPU second to start (spawn).
MAX_WORKERS = 256
#: A chunk of more tasks than the largest batch holds is that batch.
MAX_CHUNKSIZE = workload.MAX_TASKS
#: Every task of the sleep and download workloads waits it: 16 minutes a serial round.
MAX_LATENCY_S = 60
#: Well above the largest latency, which a live request waits before its first byte.
MAX_REQUEST_TIMEOUT_S = 300
#: Every process that serves the network keeps each of the download's bodies in memory.
MAX_BODY_BYTES = 128 * 1024**2

# ASCII digits only: str.isdigit and \d also accept digits that int() and float() refuse.
_WHOLE = re.compile(r"[0-9]+")
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(ms|s)?\s*")
_BYTES = re.compile(r"\s*([0-9]+)\s*(b|kb|kib|mb|mib)?\s*", re.IGNORECASE | re.ASCII)
_BYTE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2}


@dataclass(frozen=True)
class Options:
    """The parsed options. ``workers`` is ``None`` where the matrix's defaults apply (they
    follow what each workload is measured to do: ``matrix.default_workers``).
    ``granularity``: the run measures the break-even sweep (``parbench.granularity``),
    with workloads of its own, instead of ``workloads`` (then empty)."""

    workloads: tuple[workload.Workload, ...]
    strategies: tuple[strategies.Strategy, ...]
    workers: tuple[int, ...] | None
    chunksizes: tuple[str, ...]
    start_methods: tuple[str, ...]
    size: str
    network: network.NetworkSettings
    quick: bool
    granularity: bool = False


#: Each option's default, by its flag, as declared.
DEFAULTS: dict[str, object] = {}
#: Every option's flag starts with this, so that it collides with no other plugin's.
PREFIX = "--parbench-"


def ini_name(flag: str) -> str:
    """The ini key (``[tool.pytest.ini_options]``, pytest.ini, tox.ini) of ``flag``:
    ``--parbench-workers`` is ``parbench_workers``."""
    return flag.lstrip("-").replace("-", "_")


class _Group:
    """Declares options into a pytest option group, each with an ini key of the same
    name that a project can keep its settings in, noting each one's default. The command
    line's value is ``None`` when not given, so that the ini's can be told apart."""

    def __init__(self, parser: pytest.Parser) -> None:
        self._parser = parser
        self._group = parser.getgroup("parbench", "parbench: what to measure")

    def addoption(self, flag: str, **attributes: object) -> None:
        DEFAULTS[flag] = attributes.pop("default")
        if attributes.get("action") == "store_true":
            attributes["action"] = "store_const"
            attributes["const"] = True
        self._group.addoption(flag, default=None, **attributes)  # type: ignore[arg-type]
        self._parser.addini(ini_name(flag), f"default of {flag}", default=None)


def add_options(parser: pytest.Parser) -> None:
    """Declare the suite's options in their own group of ``pytest --help``."""
    group = _Group(parser)
    group.addoption(
        "--parbench-workloads",
        default=None,
        metavar="LIST",
        help="comma-separated workloads: built-in names, dotted module names or "
        ".py paths (default: the built-in ones in the default run)",
    )
    group.addoption(
        "--parbench-strategies",
        default=None,
        metavar="LIST",
        help="comma-separated strategies (default: all of them but dask)",
    )
    group.addoption(
        "--parbench-dask-scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the dask strategy on the existing cluster whose scheduler is at "
        "tcp://HOST:PORT, instead of a LocalCluster (adds dask to the default strategies)",
    )
    group.addoption(
        "--parbench-workers",
        default=None,
        metavar="LIST",
        help=f"comma-separated worker counts, 1 to {MAX_WORKERS} (default: 1,2,4,8,16 for "
        "work that waits; for CPU work 1, 2, 4, ... up to the usable CPUs, and the "
        "physical cores)",
    )
    group.addoption(
        "--parbench-chunksize",
        default=",".join(CHUNK_POLICIES),
        metavar="LIST",
        help=f"map() chunksizes for strategies that honour them: whole numbers up to "
        f"{MAX_CHUNKSIZE:,}, or 'auto' for ceil(tasks / (4 * workers)) (default: 1,auto)",
    )
    group.addoption(
        "--parbench-start-method",
        default=None,
        metavar="LIST",
        help="comma-separated multiprocessing start methods for process pools "
        f"(allowed here: {', '.join(multiprocessing.get_all_start_methods())}; "
        "default: the platform's)",
    )
    group.addoption(
        "--parbench-size",
        default=None,
        metavar="PRESET|N",
        help="batch size: quick, default, article (the article's full size) or a "
        f"whole number up to {workload.MAX_SIZE:,} passed to every workload's tasks() "
        "(default: default)",
    )
    group.addoption(
        "--parbench-network",
        default="mock",
        metavar="MODE",
        help="mock: responses serves every URL (default); live: a real HTTP server on 127.0.0.1",
    )
    group.addoption(
        "--parbench-latency",
        default="50ms",
        metavar="DURATION",
        help="wait before each HTTP response, in ms or with a unit: 50, 50ms, "
        f"0.05s; at most {MAX_LATENCY_S}s (default: 50ms)",
    )
    group.addoption(
        "--parbench-body-size",
        default="200kB",
        metavar="BYTES",
        help="bytes in each HTTP response body: 200000, 200kB, 1MiB; at most "
        f"{MAX_BODY_BYTES // 1024**2}MiB (default: 200kB)",
    )
    group.addoption(
        "--parbench-request-timeout",
        default="10s",
        metavar="DURATION",
        help="longest wait of an HTTP request to connect, and between reads: 10s, 500ms; "
        f"at most {MAX_REQUEST_TIMEOUT_S}s (default: 10s)",
    )
    group.addoption(
        "--parbench-max-body-size",
        default="64MiB",
        metavar="BYTES",
        help="largest HTTP response body a download accepts; at most "
        f"{MAX_BODY_BYTES // 1024**2}MiB (default: 64MiB)",
    )
    group.addoption(
        "--parbench-granularity",
        action="store_true",
        default=False,
        help="measure where each strategy pays off instead of the workloads: start-up, "
        "per-task and per-KB costs, and task sizes from 1 us to 100 ms at fixed total "
        "work (read with: parbench break-even RUN)",
    )
    group.addoption(
        "--parbench-quick",
        action="store_true",
        default=False,
        help="a small matrix that finishes in under 30 s: quick sizes, one worker "
        f"count, {QUICK_MIN_ROUNDS} rounds or more and about "
        f"{QUICK_MAX_TIME_S} s a benchmark",
    )
    group.addoption(
        "--parbench-html",
        default=None,
        metavar="PATH",
        help="write the run's report to PATH at the end: one HTML page that opens offline "
        "(the same as parbench report RUN --format html)",
    )


def given(config: pytest.Config) -> list[str]:
    """The suite's options that this run's command line gave: an empty list is a pytest
    run that did not ask for parbench (settings kept in an ini file shape a parbench run
    but do not start one)."""
    return [flag for flag in DEFAULTS if config.getoption(ini_name(flag), None) is not None]


def value(config: pytest.Config, flag: str) -> object:
    """``flag``'s value: from the command line, else from the ini file, else its default.
    An ini value of a switch (``parbench_quick = true``) reads as a bool."""
    given_value = config.getoption(ini_name(flag), None)
    if given_value is not None:
        return given_value
    kept = config.getini(ini_name(flag))
    if kept is None or kept == "" or kept == []:
        return DEFAULTS[flag]
    kept = str(kept).strip()
    if isinstance(DEFAULTS[flag], bool):
        if kept.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise _usage(ini_name(flag), kept, "true or false")
        return kept.lower() in ("true", "1", "yes")
    return kept


def _usage(option: str, value: str, allowed: str) -> pytest.UsageError:
    return pytest.UsageError(f"{option}: {value!r} is not allowed; allowed: {allowed}")


def _items(option: str, value: str) -> list[str]:
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise _usage(option, value, "a comma-separated list with no empty items")
    return list(dict.fromkeys(items))


def _whole(text: str, highest: int) -> int | None:
    """``text`` as a whole number from 1 to ``highest``, or None."""
    # Through float(): int() refuses strings of over 4300 digits (leading zeros included),
    # float() takes any, and is exact for every whole number up to 2**53.
    if _WHOLE.fullmatch(text) and 1 <= float(text) <= highest:
        return int(float(text))
    return None


def _workers(value: str) -> tuple[int, ...]:
    numbers = []
    for item in _items("--parbench-workers", value):
        number = _whole(item, MAX_WORKERS)
        if number is None:
            raise _usage(
                "--parbench-workers",
                item,
                f"whole numbers from 1 to {MAX_WORKERS}, comma-separated, e.g. 1,2,4",
            )
        numbers.append(number)
    return tuple(dict.fromkeys(numbers))


def _duration(option: str, value: str, highest: float, *, zero: bool) -> float:
    """``value`` in seconds: a number of milliseconds, or one with a unit (ms or s); up to
    ``highest`` seconds, and above 0 unless ``zero`` is allowed."""
    match = _DURATION.fullmatch(value)
    if match:
        amount, unit = float(match.group(1)), match.group(2) or "ms"
        seconds = amount / 1000 if unit == "ms" else amount
        if (zero or seconds > 0) and seconds <= highest:
            return seconds
    lowest = "from 0 to" if zero else "over 0 and at most"
    raise _usage(option, value, f"a duration {lowest} {highest:g}s: 500 (ms), 500ms or 0.5s")


def _byte_count(option: str, value: str) -> int:
    match = _BYTES.fullmatch(value)
    if match:
        amount, unit = match.group(1), _BYTE_UNITS[(match.group(2) or "b").lower()]
        if 1 <= float(amount) * unit <= MAX_BODY_BYTES:
            return int(float(amount)) * unit
    raise _usage(
        option, value, f"a size from 1 byte to {MAX_BODY_BYTES // 1024**2}MiB: 200000, 200kB, 1MiB"
    )


def _chosen(option: str, value: str | None, known: dict) -> tuple:
    if value is None:
        return tuple(known.values())
    chosen = []
    for name in _items(option, value):
        if name not in known:
            raise _usage(option, name, ", ".join(known))
        chosen.append(known[name])
    return tuple(chosen)


def _strategies(
    value: str | None, scheduler: str | None, mode: str
) -> tuple[strategies.Strategy, ...]:
    """The strategies named, or those of the default run (with dask when a scheduler is
    given); dask runs on the cluster of ``scheduler`` when one is given, on a run whose
    network is ``mode``."""
    known = strategies.all_strategies()
    if value is not None:
        chosen = _chosen("--parbench-strategies", value, known)
    else:
        wanted = {dask_strategy.NAME} if scheduler is not None else set()
        chosen = tuple(s for s in known.values() if s.in_default_run or s.name in wanted)
    if scheduler is None:
        return chosen
    if all(s.name != dask_strategy.NAME for s in chosen):
        raise _usage(
            "--parbench-strategies",
            str(value),
            "a list with dask in it, as --parbench-dask-scheduler is given",
        )
    problem = dask_strategy.check_scheduler(scheduler, mode)
    if problem is not None:
        raise pytest.UsageError(f"--parbench-dask-scheduler: {problem}")
    on_cluster = dask_strategy.on_cluster(scheduler)
    return tuple(on_cluster if s.name == dask_strategy.NAME else s for s in chosen)


def _workloads(value: str | None) -> tuple[workload.Workload, ...]:
    specs = workload.default_names() if value is None else _items("--parbench-workloads", value)
    loaded = []
    for spec in specs:
        try:
            loaded.append(workload.load(spec))
        except workload.WorkloadError as error:
            raise pytest.UsageError(f"--parbench-workloads: {error}") from None
    for first, second in itertools.combinations(loaded, 2):
        if first.name == second.name:
            raise pytest.UsageError(
                f"--parbench-workloads: {first.module.__file__} and {second.module.__file__} "
                "are both "
                f"named {first.name!r}, and a run names its benchmarks by workload; rename one"
            )
    return tuple(loaded)


def _size(value: str | None, quick: bool) -> str:
    if value is None:
        return "quick" if quick else "default"
    if value in workload.SIZE_PRESETS:
        return value
    number = _whole(value.strip(), workload.MAX_SIZE)
    if number is None:
        raise _usage(
            "--parbench-size",
            value,
            f"{', '.join(workload.SIZE_PRESETS)} or a whole number from 1 to {workload.MAX_SIZE:,}",
        )
    return str(number)


def _chunksizes(value: str) -> tuple[str, ...]:
    chosen = []
    for item in _items("--parbench-chunksize", value):
        number = _whole(item, MAX_CHUNKSIZE)
        if item != "auto" and number is None:
            raise _usage(
                "--parbench-chunksize", item, f"'auto' or whole numbers from 1 to {MAX_CHUNKSIZE:,}"
            )
        chosen.append(item if number is None else str(number))
    return tuple(dict.fromkeys(chosen))


def parse(config: pytest.Config) -> Options:
    """Read and check every option; raises ``pytest.UsageError`` on the first bad one."""

    def get(name: str) -> Any:
        return value(config, PREFIX + name.replace("_", "-"))

    mode = get("network")
    if mode not in network.MODES:
        raise _usage("--parbench-network", mode, ", ".join(network.MODES))
    methods = multiprocessing.get_all_start_methods()
    start = get("start_method")
    quick = bool(get("quick"))
    granularity = bool(get("granularity"))
    for name in ("workloads", "size"):
        chosen_value = get(name)
        if granularity and chosen_value is not None:
            option = PREFIX + name
            raise _usage(
                option,
                chosen_value,
                f"no {option} with --parbench-granularity, which measures its own",
            )
    return Options(
        workloads=() if granularity else _workloads(get("workloads")),
        strategies=_strategies(get("strategies"), get("dask_scheduler"), mode),
        workers=None if get("workers") is None else _workers(get("workers")),
        chunksizes=_chunksizes(get("chunksize")),
        start_methods=(
            (multiprocessing.get_start_method(allow_none=True) or methods[0],)
            if start is None
            else _chosen("--parbench-start-method", start, {m: m for m in methods})
        ),
        size=_size(get("size"), quick),
        network=network.NetworkSettings(
            mode=mode,
            latency=_duration("--parbench-latency", get("latency"), MAX_LATENCY_S, zero=True),
            body_bytes=_byte_count("--parbench-body-size", get("body_size")),
            timeout=_duration(
                "--parbench-request-timeout",
                get("request_timeout"),
                MAX_REQUEST_TIMEOUT_S,
                zero=False,
            ),
            max_body_bytes=_byte_count("--parbench-max-body-size", get("max_body_size")),
        ),
        quick=quick,
        granularity=granularity,
    )
