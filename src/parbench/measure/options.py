"""The suite's options: each declared once (flag, ini key, default, help, converter),
read from the command line or the ini file, and checked into ``Options``.

Every bad value stops the run before anything is measured, with one line naming the
option (or the ini key it came from), the value and what is allowed.

Importing this module stays cheap (the plugin imports it in every pytest run): the
strategies, the network and the workloads are imported when a run parses its options.
"""

from __future__ import annotations

import itertools
import multiprocessing
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pytest

from parbench.contract import workload
from parbench.data import limits
from parbench.errors import ParbenchError

if TYPE_CHECKING:
    from parbench import network, strategies

#: A chunk policy: a chunksize, or ``AUTO``, about four chunks a worker (``matrix.auto_chunksize``).
AUTO: Literal["auto"] = "auto"
ChunkPolicy = int | Literal["auto"]
CHUNK_POLICIES = ("1", AUTO)
# Four rounds a side is the fewest at which the Mann-Whitney test can reach p < 0.05.
QUICK_MIN_ROUNDS = 4
QUICK_MAX_TIME_S = 0.25
#: Each workload's time for its cases' paired rounds (docs/methodology.md).
DEFAULT_BUDGET_S = 20.0
QUICK_BUDGET_S = 2.0
#: The strategies a quick run measures where none are named: the article's question.
QUICK_STRATEGIES = ("serial", "threads", "processes")
MAX_BUDGET_S = limits.MAX_BUDGET_S

# Upper bounds of the numeric options (the README says why each is what it is).
MAX_WORKERS = limits.MAX_WORKERS
#: A chunk of more tasks than the largest batch holds is that batch.
MAX_CHUNKSIZE = workload.MAX_TASKS
MAX_LATENCY_S = limits.MAX_LATENCY_S
#: Well above the largest latency, which a live request waits before its first byte.
MAX_REQUEST_TIMEOUT_S = 300
MAX_BODY_BYTES = limits.MAX_BODY_BYTES

# ASCII digits only: str.isdigit and \d also accept digits that int() and float() refuse.
_WHOLE = re.compile(r"[0-9]+")
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(ms|s)?\s*")
_BYTES = re.compile(r"\s*([0-9]+)\s*(b|kb|kib|mb|mib)?\s*", re.IGNORECASE | re.ASCII)
_BYTE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2}
#: Every option's flag starts with this, so that it collides with no other plugin's.
PREFIX = "--parbench-"


@dataclass(frozen=True)
class Options:
    """The parsed options. ``size`` is a preset's name (``workload.SIZE_PRESETS``) or a
    number; ``chunksizes`` are numbers or ``AUTO``. ``workers`` is ``None`` where the
    matrix's defaults apply (they follow what each workload is measured to do:
    ``matrix.default_workers``).
    ``granularity``: the run measures the break-even sweep (``parbench.measure.granularity``),
    with workloads of its own, instead of ``workloads`` (then empty)."""

    workloads: tuple[workload.Workload, ...]
    strategies: tuple[strategies.Strategy, ...]
    workers: tuple[int, ...] | None
    chunksizes: tuple[ChunkPolicy, ...]
    start_methods: tuple[str, ...]
    size: int | str
    network: network.NetworkSettings
    quick: bool
    granularity: bool = False
    budget_s: float = 20.0
    html: str | None = None


class Refused(ParbenchError, ValueError):
    """A value an option does not allow; its text says what is allowed. The option's
    name, or its ini key, is put in front where the value was read."""


def _refused(value: str, allowed: str) -> Refused:
    return Refused(f"{value!r} is not allowed; allowed: {allowed}")


def _items(value: str) -> list[str]:
    items = [item.strip() for item in value.split(",")]
    if not all(items):
        raise _refused(value, "a comma-separated list with no empty items")
    return list(dict.fromkeys(items))


def _whole(text: str, highest: int) -> int | None:
    """``text`` as a whole number from 1 to ``highest``, or None."""
    # Through float(): int() refuses strings of over 4300 digits (leading zeros included),
    # float() takes any, and is exact for every whole number up to 2**53.
    if _WHOLE.fullmatch(text) and 1 <= float(text) <= highest:
        return int(float(text))
    return None


def _switch(value: str) -> bool:
    """A switch's value in an ini file (on the command line it is given or not)."""
    text = value.strip().lower()
    if text not in ("true", "false", "1", "0", "yes", "no"):
        raise _refused(value, "true or false")
    return text in ("true", "1", "yes")


def _workers(value: str) -> tuple[int, ...]:
    numbers = []
    for item in _items(value):
        number = _whole(item, MAX_WORKERS)
        if number is None:
            raise _refused(
                item, f"whole numbers from 1 to {MAX_WORKERS}, comma-separated, e.g. 1,2,4"
            )
        numbers.append(number)
    return tuple(dict.fromkeys(numbers))


def duration(highest: float, *, zero: bool) -> Callable[[str], float]:
    """A converter to seconds: a number of milliseconds, or one with a unit (ms or s); up
    to ``highest`` seconds, and above 0 unless ``zero`` is allowed."""

    def convert(value: str) -> float:
        match = _DURATION.fullmatch(value)
        if match:
            amount, unit = float(match.group(1)), match.group(2) or "ms"
            seconds = amount / 1000 if unit == "ms" else amount
            if (zero or seconds > 0) and seconds <= highest:
                return seconds
        lowest = "from 0 to" if zero else "over 0 and at most"
        raise _refused(value, f"a duration {lowest} {highest:g}s: 500 (ms), 500ms or 0.5s")

    return convert


def _byte_count(value: str) -> int:
    match = _BYTES.fullmatch(value)
    if match:
        amount, unit = match.group(1), _BYTE_UNITS[(match.group(2) or "b").lower()]
        if 1 <= float(amount) * unit <= MAX_BODY_BYTES:
            return int(float(amount)) * unit
    raise _refused(
        value, f"a size from 1 byte to {MAX_BODY_BYTES // 1024**2}MiB: 200000, 200kB, 1MiB"
    )


def _chosen(value: str, known: dict[str, Any]) -> tuple[Any, ...]:
    chosen = []
    for name in _items(value):
        if name not in known:
            raise _refused(name, ", ".join(known))
        chosen.append(known[name])
    return tuple(chosen)


def _strategies(value: str) -> tuple[strategies.Strategy, ...]:
    from parbench import strategies

    return _chosen(value, strategies.all_strategies())


def _start_methods(value: str) -> tuple[str, ...]:
    return _chosen(value, {m: m for m in multiprocessing.get_all_start_methods()})


def _network_mode(value: str) -> str:
    from parbench import network

    if value not in network.MODES:
        raise _refused(value, ", ".join(network.MODES))
    return value


def _workloads(value: str) -> tuple[workload.Workload, ...]:
    loaded = []
    for spec in _items(value):
        try:
            loaded.append(workload.load(spec))
        except workload.WorkloadError as error:
            raise Refused(str(error)) from None
    for first, second in itertools.combinations(loaded, 2):
        if first.name == second.name:
            raise Refused(
                f"{first.module.__file__} and {second.module.__file__} are both named "
                f"{first.name!r}, and a run names its benchmarks by workload; rename one"
            )
    return tuple(loaded)


def _size(value: str) -> int | str:
    if value in workload.SIZE_PRESETS:
        return value
    number = _whole(value.strip(), workload.MAX_SIZE)
    if number is None:
        raise _refused(
            value,
            f"{', '.join(workload.SIZE_PRESETS)} or a whole number from 1 to {workload.MAX_SIZE:,}",
        )
    return number


def _chunksizes(value: str) -> tuple[ChunkPolicy, ...]:
    chosen: list[ChunkPolicy] = []
    for item in _items(value):
        number = _whole(item, MAX_CHUNKSIZE)
        if item != AUTO and number is None:
            raise _refused(item, f"'auto' or whole numbers from 1 to {MAX_CHUNKSIZE:,}")
        chosen.append(AUTO if number is None else number)
    return tuple(dict.fromkeys(chosen))


def _as_given(value: str) -> str:
    return value


@dataclass(frozen=True)
class Option:
    """One option, declared once. ``name`` makes its flag (``--parbench-NAME``, with
    dashes) and its ini key (``parbench_NAME``); ``convert`` turns its text, from either,
    into its value or raises ``Refused``; ``default`` is text for ``convert``, or None
    where the default follows other options (``parse`` says how). A ``switch`` takes no
    value on the command line, and true or false in an ini file."""

    name: str
    convert: Callable[[str], Any]
    help: str
    default: str | None = None
    metavar: str | None = None
    switch: bool = False

    @property
    def flag(self) -> str:
        return PREFIX + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        """The ini key (``[tool.pytest.ini_options]``, pytest.ini, tox.ini), also the
        attribute of ``config.option`` that holds the command line's value."""
        return "parbench_" + self.name


OPTIONS = (
    Option(
        "workloads",
        _workloads,
        "comma-separated workloads: built-in names, dotted module names or .py paths "
        "(default: the built-in ones in the default run)",
        metavar="LIST",
    ),
    Option(
        "strategies",
        _strategies,
        "comma-separated strategies (default: all of them but dask)",
        metavar="LIST",
    ),
    Option(
        "dask_scheduler",
        _as_given,
        "run the dask strategy on the existing cluster whose scheduler is at "
        "tcp://HOST:PORT, instead of a LocalCluster (adds dask to the default strategies)",
        metavar="ADDRESS",
    ),
    Option(
        "workers",
        _workers,
        f"comma-separated worker counts, 1 to {MAX_WORKERS} (default: 4,16 for work "
        "that waits; for CPU work 1, 2, 4, ... up to the usable CPUs, and the physical cores)",
        metavar="LIST",
    ),
    Option(
        "chunksize",
        _chunksizes,
        f"map() chunksizes for strategies that honour them: whole numbers up to "
        f"{MAX_CHUNKSIZE:,}, or 'auto' for ceil(tasks / (4 * workers)) (default: 1,auto)",
        default=",".join(CHUNK_POLICIES),
        metavar="LIST",
    ),
    Option(
        "start_method",
        _start_methods,
        "comma-separated multiprocessing start methods for process pools "
        f"(allowed here: {', '.join(multiprocessing.get_all_start_methods())}; "
        "default: the platform's)",
        metavar="LIST",
    ),
    Option(
        "size",
        _size,
        "batch size: quick, default, article (the article's full size) or a whole number "
        f"up to {workload.MAX_SIZE:,} passed to every workload's tasks() (default: default)",
        metavar="PRESET|N",
    ),
    Option(
        "network",
        _network_mode,
        "mock: responses serves every URL (default); live: a real HTTP server on 127.0.0.1",
        default="mock",
        metavar="MODE",
    ),
    Option(
        "latency",
        duration(MAX_LATENCY_S, zero=True),
        "wait before each HTTP response, in ms or with a unit: 50, 50ms, 0.05s; at most "
        f"{MAX_LATENCY_S}s (default: 50ms)",
        default="50ms",
        metavar="DURATION",
    ),
    Option(
        "body_size",
        _byte_count,
        "bytes in each HTTP response body: 200000, 200kB, 1MiB; at most "
        f"{MAX_BODY_BYTES // 1024**2}MiB (default: 200kB)",
        default="200kB",
        metavar="BYTES",
    ),
    Option(
        "request_timeout",
        duration(MAX_REQUEST_TIMEOUT_S, zero=False),
        "longest wait of an HTTP request to connect, and between reads: 10s, 500ms; at most "
        f"{MAX_REQUEST_TIMEOUT_S}s (default: 10s)",
        default="10s",
        metavar="DURATION",
    ),
    Option(
        "max_body_size",
        _byte_count,
        "largest HTTP response body a download accepts; at most "
        f"{MAX_BODY_BYTES // 1024**2}MiB (default: 64MiB)",
        default="64MiB",
        metavar="BYTES",
    ),
    Option(
        "granularity",
        _switch,
        "measure where each strategy pays off instead of the workloads: start-up, per-task "
        "and per-KB costs, and task sizes from 1 us to 100 ms at fixed total work (read "
        "with: parbench break-even RUN)",
        switch=True,
    ),
    Option(
        "budget",
        duration(MAX_BUDGET_S, zero=False),
        "how long each workload's cases may take together, in rounds paired with serial, "
        "before one that has not settled stops, e.g. 40s (default: 20s; 2s with "
        "--parbench-quick)",
        metavar="DURATION",
    ),
    Option(
        "quick",
        _switch,
        f"a small matrix that finishes in under 30 s: quick sizes, one worker count, "
        f"{', '.join(QUICK_STRATEGIES)} unless --parbench-strategies names others, "
        f"{QUICK_MIN_ROUNDS} rounds or more and about {QUICK_MAX_TIME_S} s a benchmark",
        switch=True,
    ),
    Option(
        "html",
        _as_given,
        "write the run's report to PATH at the end: one HTML page that opens offline "
        "(the same as parbench report RUN --format html)",
        metavar="PATH",
    ),
)
BY_NAME = {option.name: option for option in OPTIONS}


def add_options(parser: pytest.Parser) -> None:
    """Declare every option in its own group of ``pytest --help``, each with its ini key.
    The command line's value is ``None`` when not given, so that the ini's shows through."""
    group = parser.getgroup("parbench", "parbench: what to measure")
    for option in OPTIONS:
        how: dict[str, Any] = (
            {"action": "store_const", "const": "true"}
            if option.switch
            else {"metavar": option.metavar}
        )
        group.addoption(option.flag, dest=option.ini, default=None, help=option.help, **how)
        parser.addini(option.ini, f"default of {option.flag}", default=None)


def given(config: pytest.Config) -> list[str]:
    """The options that this run's command line gave: an empty list is a pytest run that
    did not ask for parbench (settings kept in an ini file shape a parbench run but do not
    start one)."""
    return [o.flag for o in OPTIONS if config.getoption(o.ini, None) is not None]


@dataclass(frozen=True)
class Text:
    """An option's text as given (None: neither given nor defaulted) and where it came
    from: its flag, or its ini key and file, for messages."""

    value: str | None
    source: str


def text(config: pytest.Config, name: str) -> Text:
    """Option ``name``'s text: from the command line, else the ini file, else its default."""
    option = BY_NAME[name]
    on_command_line = config.getoption(option.ini, None)
    if on_command_line is not None:
        return Text(on_command_line, option.flag)
    kept = config.getini(option.ini)
    if kept is not None and kept not in ("", []):
        where = config.inipath.name if config.inipath else "the ini file"
        return Text(str(kept).strip(), f"{option.ini} in {where}")
    return Text(option.default, option.flag)


def chosen_switch(config: pytest.Config, name: str) -> bool:
    """Whether switch ``name`` is on, from the command line or the ini file."""
    given_text = text(config, name)
    try:
        return given_text.value is not None and _switch(given_text.value)
    except Refused as refused:
        raise _usage(given_text.source, refused) from None


def _usage(source: str, message: object) -> pytest.UsageError:
    return pytest.UsageError(f"{source}: {message}")


def parse(config: pytest.Config) -> Options:
    """Read, convert and check every option; raises ``pytest.UsageError`` on the first
    bad one, naming where its value came from."""
    texts = {o.name: text(config, o.name) for o in OPTIONS}
    values: dict[str, Any] = {}
    for option in OPTIONS:
        given_text = texts[option.name]
        try:
            values[option.name] = (
                None if given_text.value is None else option.convert(given_text.value)
            )
        except Refused as refused:
            raise _usage(given_text.source, refused) from None
    return _combine(texts, values)


def _combine(texts: dict[str, Text], values: dict[str, Any]) -> Options:
    """The options together: every check and every default that involves more than one."""
    from parbench import network, strategies
    from parbench.strategies import dask

    granularity = bool(values["granularity"])
    for name in ("workloads", "size"):
        given_text = texts[name]
        if granularity and given_text.value is not None:
            flag = BY_NAME[name].flag
            allowed = f"no {flag} with --parbench-granularity, which measures its own"
            raise _usage(given_text.source, _refused(given_text.value, allowed))
    quick = bool(values["quick"])
    mode = values["network"]
    scheduler = values["dask_scheduler"]
    chosen = values["strategies"] or tuple(
        s
        for s in strategies.all_strategies().values()
        if (s.in_default_run and (not quick or s.name in QUICK_STRATEGIES))
        or (scheduler is not None and s.name == dask.NAME)
    )
    if scheduler is not None:
        if all(s.name != dask.NAME for s in chosen):
            allowed = "a list with dask in it, as --parbench-dask-scheduler is given"
            raise _usage(
                texts["strategies"].source, _refused(str(texts["strategies"].value), allowed)
            )
        problem = dask.check_scheduler(scheduler, mode)
        if problem is not None:
            raise _usage(texts["dask_scheduler"].source, problem)
        on_cluster = dask.on_cluster(scheduler)
        chosen = tuple(on_cluster if s.name == dask.NAME else s for s in chosen)
    platform_method = (
        multiprocessing.get_start_method(allow_none=True)
        or multiprocessing.get_all_start_methods()[0]
    )
    return Options(
        workloads=() if granularity else values["workloads"] or _default_workloads(),
        strategies=chosen,
        workers=values["workers"],
        chunksizes=values["chunksize"],
        start_methods=values["start_method"] or (platform_method,),
        size=values["size"] or ("quick" if quick else "default"),
        network=network.NetworkSettings(
            mode=mode,
            latency=values["latency"],
            body_bytes=values["body_size"],
            timeout=values["request_timeout"],
            max_body_bytes=values["max_body_size"],
        ),
        quick=quick,
        granularity=granularity,
        budget_s=values["budget"] or (QUICK_BUDGET_S if quick else DEFAULT_BUDGET_S),
        html=values["html"],
    )


def _default_workloads() -> tuple[workload.Workload, ...]:
    try:
        return _workloads(",".join(workload.default_names()))
    except Refused as refused:
        raise _usage("--parbench-workloads", refused) from None
