"""What the latency benchmarks measure and how long: the options' parsed values, and
the cases they make."""

from __future__ import annotations

from dataclasses import dataclass

from parbench.latency import background, handlers, servers, ticker

LOADS = (0.25, 0.5, 0.75)
WORKS = ("holding", "releasing", "waiting")
DEFAULT_SWITCH_INTERVALS = (0.005, 0.001)
DEFAULT_WORKERS = 8
MAX_WORKERS = 64
# Closed-loop connections when finding the sustained rate: more than any model serves at
# once, so that every model is saturated.
CONNECTIONS = 64
MAX_SAMPLES = 3000


@dataclass(frozen=True)
class Timing:
    """How long each part runs: the saturation run's slices, each open-loop run, the
    ticker's run and period, and a request's timeout."""

    slices: int
    slice_s: float
    load_s: float
    min_requests: int
    tick_s: float
    period_s: float
    request_timeout_s: float

    def requests(self, rate: float) -> int:
        """How many requests an open-loop run at ``rate`` sends: ``load_s`` worth, at least
        ``min_requests`` and at most ``MAX_SAMPLES``."""
        return max(self.min_requests, min(MAX_SAMPLES, round(rate * self.load_s)))


FULL = Timing(12, 0.2, 2.0, 50, 2.0, ticker.PERIOD_S, 5.0)
QUICK = Timing(4, 0.1, 0.4, 20, 0.4, ticker.PERIOD_S, 2.0)


@dataclass(frozen=True)
class ServerCase:
    """One servers benchmark: ``load`` None measures the sustained rate, else latency at
    that share of it."""

    model: str
    handler: str
    spec: str
    workers: int
    load: float | None

    @property
    def id(self) -> str:
        point = "saturation" if self.load is None else f"load{self.load * 100:.0f}"
        return f"{self.model}-{self.handler}-{point}"

    @property
    def server(self) -> tuple[str, str, int]:
        """What identifies the server (and its sustained rate) this case measures."""
        return self.model, self.spec, self.workers


@dataclass(frozen=True)
class TickCase:
    """One responsiveness benchmark."""

    way: str
    work: str
    switch_interval_s: float

    @property
    def id(self) -> str:
        work = "" if self.way == "none" else f"-{self.work}"
        return f"{self.way}{work}-switch{self.switch_interval_s * 1000:g}ms"


@dataclass(frozen=True)
class Settings:
    suites: tuple[str, ...]
    models: tuple[str, ...]
    handlers: tuple[handlers.Handler, ...]
    workers: int
    switch_intervals: tuple[float, ...]
    timing: Timing

    def server_cases(self) -> list[ServerCase]:
        return [
            ServerCase(model, handler.name, handler.spec, self.workers, load)
            for handler in self.handlers
            for model in self.models
            for load in (None, *LOADS)
        ]

    def tick_cases(self) -> list[TickCase]:
        cases = []
        for interval in self.switch_intervals:
            for way in background.WAYS:
                works = ("none",) if way == "none" else WORKS
                cases += [TickCase(way, work, interval) for work in works]
        return cases


def unavailable_model(model: str) -> str | None:
    return servers.MODELS[model].unavailable()


def unavailable_way(way: str) -> str | None:
    return background.WAYS[way].unavailable()
