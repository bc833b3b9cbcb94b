"""The network the I/O workloads talk to: mocked (default) or a live loopback server.

In the main process, ``serving(settings)`` holds the network for a run: in mock mode it
starts the ``responses`` mock (and, with the ``async`` extra installed, the ``respx`` mock
of httpx's ``AsyncClient``, which only the main process's event loops use) and refuses
remote sockets; in live mode it starts the loopback server. ``workload_context()`` tells
a workload about it (``parbench.contract.context``): where its URLs go, the latency, limits and a
folder of its own. Process workers do not share the main process, so
``prepare_worker(settings)`` is their pool initializer.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parbench.contract.context import Context
from parbench.network import guard
from parbench.network.live import live_server

if TYPE_CHECKING:
    from parbench.network.mock import MockNetwork

MODES = ("mock", "live")

#: Response header carrying the SHA-256 of the body, so that a download can be checked.
DIGEST_HEADER = "X-Body-SHA256"
#: Each benchmark's output folder, in the temporary directory.
OUTPUT_PREFIX = "parbench-output-"


@dataclass(frozen=True)
class NetworkSettings:
    """How the network behaves: ``mode`` (``mock`` or ``live``), the ``latency`` in seconds
    before each response and the size of each response body in bytes; and the limits
    every client request keeps: its ``timeout`` in seconds (to connect, and between
    reads) and the largest body it accepts, ``max_body_bytes``."""

    mode: str = "mock"
    latency: float = 0.05
    body_bytes: int = 200_000
    timeout: float = 10.0
    max_body_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class Overhead:
    """What one request costs beyond its latency: wall and CPU time, in seconds."""

    wall: float
    cpu: float


_live_base: str | None = None
_current = NetworkSettings()
_mock: MockNetwork | None = None
_mock_settings: NetworkSettings | None = None


@contextlib.contextmanager
def workload_context() -> Iterator[Context]:
    """A ``Context`` of the network serving in this process (the default settings when
    none is), with an output folder of its own that is removed when the block ends."""
    settings = _current
    with tempfile.TemporaryDirectory(prefix=OUTPUT_PREFIX) as folder:
        yield Context(
            network=settings.mode,
            latency=settings.latency,
            body_bytes=settings.body_bytes,
            timeout=settings.timeout,
            max_body_bytes=settings.max_body_bytes,
            digest_header=DIGEST_HEADER,
            output_dir=folder,
            base_url=_live_base,
        )


def async_client_installed() -> bool:
    """Whether httpx's ``AsyncClient`` and its mock are installed (the ``async`` extra)."""
    return all(importlib.util.find_spec(name) for name in ("httpx", "respx"))


def _start_mock(settings: NetworkSettings, async_client: bool = False) -> None:
    # Imported here: requests (urllib3) opens a socket when imported, which a run that only
    # collects its tests must not do.
    from parbench.network.mock import MockNetwork

    global _mock, _mock_settings
    _stop_mock()
    _mock = MockNetwork(
        settings.latency, settings.body_bytes, DIGEST_HEADER, async_client=async_client
    )
    _mock.start()
    _mock_settings = settings
    guard.install()


def _stop_mock() -> None:
    global _mock, _mock_settings
    if _mock is not None:
        _mock.stop()
        guard.uninstall()
    _mock = _mock_settings = None


def prepare_worker(settings: NetworkSettings) -> None:
    """Pool initializer: give a worker process the same network as the main process.

    Idempotent: a forked worker that inherited the same mock keeps it.
    """
    if settings.mode == "mock" and _mock_settings != settings:
        _start_mock(settings)
    elif settings.mode == "live":
        _stop_mock()


@contextlib.contextmanager
def serving(settings: NetworkSettings) -> Iterator[None]:
    """Hold the network described by ``settings`` in this process until the block ends."""
    global _current
    previous, _current = _current, settings
    try:
        with _serving(settings):
            yield
    finally:
        _current = previous


@contextlib.contextmanager
def _serving(settings: NetworkSettings) -> Iterator[None]:
    global _live_base
    if settings.mode == "mock":
        _start_mock(settings, async_client=async_client_installed())
        try:
            yield
        finally:
            _stop_mock()
        return
    with live_server(settings.latency, settings.body_bytes, DIGEST_HEADER) as base:
        _live_base = base
        try:
            yield
        finally:
            _live_base = None


def measure_overhead(settings: NetworkSettings, samples: int = 10, warmup: int = 5) -> Overhead:
    """Median cost of one streamed GET beyond its latency, on the network now serving.

    Made the way the download workload makes its requests: ``requests.get(stream=True)``
    read with ``iter_content(1024)``. The first ``warmup`` requests are not counted: they
    pay for imports, connection pools and first-call caches that a run pays once.
    """
    import requests

    def get(url: str) -> None:
        with requests.get(url, stream=True, timeout=settings.timeout) as response:
            response.raise_for_status()
            for _block in response.iter_content(1024):
                pass

    return _median_cost(get, settings, samples, warmup)


def measure_async_overhead(
    settings: NetworkSettings, samples: int = 10, warmup: int = 5
) -> Overhead:
    """``measure_overhead`` of httpx's ``AsyncClient`` (the ``async`` extra), made the way
    the download workload's ``arun`` makes its requests: a client per request (its TLS
    context made once) streaming with ``aiter_bytes(1024)``, one request at a time on an
    event loop of its own."""
    import ssl

    import certifi
    import httpx

    tls = ssl.create_default_context(cafile=certifi.where())

    async def get(url: str) -> None:
        async with (
            httpx.AsyncClient(
                timeout=settings.timeout, verify=tls, follow_redirects=True
            ) as client,
            client.stream("GET", url) as response,
        ):
            response.raise_for_status()
            async for _block in response.aiter_bytes(1024):
                pass

    loop = asyncio.new_event_loop()
    try:
        return _median_cost(
            lambda url: loop.run_until_complete(get(url)), settings, samples, warmup
        )
    finally:
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


def _median_cost(
    get: Callable[[str], None], settings: NetworkSettings, samples: int, warmup: int
) -> Overhead:
    """The median wall time beyond the latency, and CPU time, of ``get`` on a probe URL
    of the network now serving, over ``samples`` calls after ``warmup`` uncounted ones."""
    url = "https://images.unsplash.com/parbench-overhead-probe"
    if _live_base is not None:
        url = f"{_live_base}/parbench-overhead-probe"
    walls, cpus = [], []
    for _ in range(warmup + samples):
        wall, cpu = time.perf_counter(), time.process_time()
        get(url)
        walls.append(time.perf_counter() - wall - settings.latency)
        cpus.append(time.process_time() - cpu)
    return Overhead(wall=statistics.median(walls[warmup:]), cpu=statistics.median(cpus[warmup:]))
