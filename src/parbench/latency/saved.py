"""The latency benchmarks' records in a saved pytest-benchmark run, written and read here.

Each benchmark of ``parbench.latency.suite`` keeps in its ``extra_info``:
``parbench_latency`` (``VERSION``), ``suite`` (``servers`` or ``responsiveness``) and:

- servers: ``model``, ``handler``, ``workers``; ``slice_rates`` (requests answered a
  second in each slice of the closed-loop saturation run) and ``slice_s``; ``load``, the
  offered share of the sustained rate (null for the saturation benchmark itself) and
  ``offered_rate``; ``latencies_s``, every request's latency from its due time (null where
  it failed), ``errors`` (count by kind) and ``latest_send_s`` (how late the generator
  sent its latest request: over a millisecond or so, the generator fell behind).
- responsiveness: ``way``, ``work``, ``switch_interval_s``, ``period_s``,
  ``duration_s``, ``lags_s`` (every tick's lag), ``queued_s`` (each tick's wait for a
  CPU from its due time to its run; null where the platform does not report it) and
  ``background_calls``.

Every sample is kept (at most a few thousand a benchmark), so that percentiles and their
intervals are computed from the saved run alone. Reading checks every field; a bad one
is a ``results.RunError`` naming the file, the benchmark and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from parbench.data import checks, results
from parbench.latency import analysis

KEY = "parbench_latency"
VERSION = 1
SERVERS, RESPONSIVENESS = "servers", "responsiveness"
SUITES = (SERVERS, RESPONSIVENESS)

_NUMBERS = checks.Check(
    lambda v: isinstance(v, list) and v != [] and all(checks.NON_NEGATIVE.accepts(x) for x in v),
    "a non-empty list of numbers of 0 or more",
)
_SAMPLES = checks.Check(
    lambda v: (
        isinstance(v, list)
        and v != []
        and all(x is None or checks.NON_NEGATIVE.accepts(x) for x in v)
    ),
    "a non-empty list of seconds (null where a request failed)",
)
_QUEUED = checks.Check(lambda v: v is None or _NUMBERS.accepts(v), "null or " + _NUMBERS.expected)
_COUNTS = checks.Check(
    lambda v: isinstance(v, dict) and all(checks.whole(1).accepts(n) for n in v.values()),
    "an object of error counts",
)
_SHARE = checks.Check(
    lambda v: v is None or checks.positive(1).accepts(v), "null or a share up to 1"
)


def entries(document: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(name, extra_info)`` of every latency benchmark in a parsed document."""
    found = []
    for bench in document.get("benchmarks", []) if isinstance(document, dict) else []:
        info = bench.get("extra_info") if isinstance(bench, dict) else None
        if isinstance(info, dict) and KEY in info:
            found.append((str(bench.get("name", "?")), info))
    return found


class _Reader:
    def __init__(self, source: str, name: str, info: dict[str, Any]) -> None:
        self.where, self.info = f"{source}: benchmark {name}", info

    def __call__(self, key: str, check: checks.Check) -> Any:
        value = self.info.get(key)
        if not check.accepts(value):
            found = "missing" if key not in self.info else json.dumps(value)[:60]
            raise results.RunError(
                f"{self.where}: extra_info.{key} is {found}; expected {check.expected}"
            )
        return value


def cases(document: Any, source: str) -> tuple[list[analysis.ServerCase], list[analysis.TickCase]]:
    """The server and tick cases a parsed document holds (empty lists if none)."""
    servers: dict[tuple[str, str, int], analysis.ServerCase] = {}
    ticks = []
    for name, info in entries(document):
        read = _Reader(source, name, info)
        read(KEY, checks.Check(lambda v: v == VERSION, f"{VERSION} (this parbench's version)"))
        suite = read("suite", checks.one_of(*SUITES))
        if suite == RESPONSIVENESS:
            lags = read("lags_s", _NUMBERS)
            queued = read("queued_s", _QUEUED)
            if queued is not None and len(queued) != len(lags):
                raise results.RunError(
                    f"{read.where}: extra_info.queued_s has {len(queued)} values for "
                    f"{len(lags)} ticks"
                )
            ticks.append(
                analysis.tick_case(
                    read("way", checks.TEXT),
                    read("work", checks.TEXT),
                    read("switch_interval_s", checks.positive(1.0)),
                    lags,
                    read("background_calls", checks.whole(0)),
                    read("duration_s", checks.positive(checks.LONGEST_S)),
                    queued,
                )
            )
            continue
        key = (
            read("model", checks.TEXT),
            read("handler", checks.TEXT),
            read("workers", checks.whole(1)),
        )
        rates = read("slice_rates", _NUMBERS)
        case = servers.setdefault(
            key, analysis.ServerCase(*key, analysis.sustained(rates), loads={})
        )
        load = read("load", _SHARE)
        if load is not None:
            case.loads[load] = analysis.latencies(
                read("latencies_s", _SAMPLES), read("errors", _COUNTS)
            )
    return list(servers.values()), ticks


def read(path: Path | str) -> tuple[list[analysis.ServerCase], list[analysis.TickCase]]:
    """The cases saved in the run at ``path`` (a file ``results.load`` has read already)."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise results.RunError(f"{path}: cannot be read again ({error})") from None
    return cases(document, str(path))


def has_records(document: Any) -> bool:
    return bool(entries(document))


def server_info(
    model: str,
    handler: str,
    workers: int,
    saturation: Any,
    load: float | None,
    offered_rate: float | None,
    samples: Iterable[Any] = (),
) -> dict[str, Any]:
    """A servers benchmark's ``extra_info``; ``samples`` are ``load.Sample``s."""
    samples = list(samples)
    errors: dict[str, int] = {}
    for sample in samples:
        if sample.error is not None:
            errors[sample.error] = errors.get(sample.error, 0) + 1
    return {
        KEY: VERSION,
        "suite": SERVERS,
        "model": model,
        "handler": handler,
        "workers": workers,
        "slice_rates": list(saturation.rates),
        "slice_s": saturation.slice_s,
        "saturation_errors": dict(saturation.errors),
        "load": load,
        "offered_rate": offered_rate,
        "latencies_s": [s.latency_s for s in samples],
        "errors": errors,
        "latest_send_s": max((s.send_lag_s for s in samples), default=None),
    }


def tick_info(way: str, work: str, interval: float, period: float, outcome: Any) -> dict[str, Any]:
    """A responsiveness benchmark's ``extra_info``; ``outcome`` is a ``background.Outcome``."""
    return {
        KEY: VERSION,
        "suite": RESPONSIVENESS,
        "way": way,
        "work": work,
        "switch_interval_s": interval,
        "period_s": period,
        "duration_s": outcome.seconds,
        "lags_s": outcome.ticks.lags,
        "queued_s": outcome.ticks.queued,
        "background_calls": outcome.calls,
    }


def from_runs(
    sources: Sequence[str],
) -> list[tuple[str, list[analysis.ServerCase], list[analysis.TickCase]]]:
    """``(source, server cases, tick cases)`` of each saved run named, read again from its
    file; runs without latency benchmarks are left out."""
    found = []
    for source in sources:
        servers, ticks = read(source)
        if servers or ticks:
            found.append((source, servers, ticks))
    return found
