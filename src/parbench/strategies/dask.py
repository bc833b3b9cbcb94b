"""dask.distributed: ``Client.get_executor(pure=False)``, by default on a ``LocalCluster``
of worker processes (one thread each, as many as the worker count), or on an existing
cluster given by its scheduler's address (``--parbench-dask-scheduler``).

Optional: ``pip install 'parbench[dask]'``; without it the strategy is unavailable and
its benchmarks are skipped, saying so. It is measured only when named (``--parbench-strategies``
or ``--parbench-dask-scheduler``): every cluster start costs seconds. The traps of dask's
executor, and what is done about each:

- ``get_executor`` defaults to ``pure=True``, which computes identical tasks once (the
  factorial batch repeats five numbers): ``pure=False``, so every task runs.
- Its ``map`` ignores ``chunksize``: tasks are sent in chunks of ``chunksize``, one dask
  task a chunk, as ``ProcessPoolExecutor`` sends them.
- Its ``shutdown`` closes neither the client nor the cluster: ``DaskExecutor`` owns
  both and closes them, after a failure or an interrupt too.
- Its workers do not share the main process: a worker plugin runs the pool's
  initializer (the network mock) on every worker, those that join later included.
- Ctrl-C while a ``LocalCluster`` starts would leave it half-started (its event loop,
  sockets and workers) and print dask's errors: the interrupt is held until the start
  has ended (``interrupts.deferred``), then the cluster is closed and the interrupt
  raised.
- A task whose worker dies is retried by dask on another worker, which would time a
  batch that ran twice: on a ``LocalCluster`` it is not (``allowed-failures`` 0), so
  the benchmark fails, naming the task.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import logging
import re
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future
from typing import Any

from parbench.measure import interrupts
from parbench.network import guard
from parbench.strategies import PoolSpec, Strategy

NAME = "dask"
INSTALL_HINT = "pip install 'parbench[dask]'"
#: Each LocalCluster's folder (its workers' files), in the temporary directory.
FOLDER_PREFIX = "parbench-dask-"
#: How long a client waits for a scheduler to answer, at the start and for each pool.
CONNECT_TIMEOUT_S = 5.0
#: A dask scheduler's first words on a new connection are its handshake, one small
#: message after its length in 8 bytes (``distributed.comm.tcp``); a longer one is not.
HANDSHAKE_MAX_BYTES = 1 << 16
#: The form of ``--parbench-dask-scheduler``.
ADDRESS = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5})")


def _unavailable() -> str | None:
    try:
        import distributed  # noqa: F401
    except ImportError as error:
        return f"dask.distributed is not installed ({INSTALL_HINT}): {error}"
    return None


def _run_chunk(fn: Callable[..., Any], chunk: tuple[tuple[Any, ...], ...]) -> list[Any]:
    """Runs on a worker: one chunk of calls, as one dask task."""
    return [fn(*arguments) for arguments in chunk]


def _chunks(iterables: tuple[Iterable[Any], ...], size: int) -> list[tuple[Any, ...]]:
    """The calls of ``map(fn, *iterables)``, in chunks of ``size`` (dask maps lists only)."""
    calls = zip(*iterables, strict=False)  # map() stops at the shortest, as zip does
    return list(iter(lambda: tuple(itertools.islice(calls, size)), ()))


@functools.cache
def _prepare() -> type:
    """The worker plugin class, made on first use, so that distributed is imported only
    where the strategy runs: a plugin that calls ``initializer(*initargs)`` on every
    worker, as a process pool calls its initializer in every worker process."""
    from distributed import WorkerPlugin

    class Prepare(WorkerPlugin):
        name = "parbench-prepare"

        def __init__(self, initializer: Callable[..., None], initargs: tuple) -> None:
            self.initializer = initializer
            self.initargs = initargs

        def setup(self, worker: Any) -> None:
            self.initializer(*self.initargs)

    return Prepare


class WorkerDied(BrokenExecutor):
    """A dask worker died while running a task of the batch (dask's ``KilledWorker``)."""


def _chained(results: Iterator[list[Any]]) -> Iterator[Any]:
    from distributed import KilledWorker

    try:
        for chunk in results:
            yield from chunk
    except KilledWorker as error:
        # Every task the dead worker held fails with it, not only the one that killed it.
        raise WorkerDied(str(error)) from error


class DaskExecutor(Executor):
    """``client.get_executor(pure=False)`` that honours ``map``'s chunksize and says that
    a worker died as a broken pool does. ``shutdown`` closes what ``closing`` holds (the
    client, and the cluster the strategy started with its folder), last in first out.

    ``workers``: the addresses of the workers to run on while they live.
    """

    def __init__(
        self,
        client: Any,
        *,
        workers: list[str] | None = None,
        closing: contextlib.ExitStack | None = None,
    ) -> None:
        self.client = client
        self._closing = closing or contextlib.ExitStack()
        options: dict[str, Any] = {"pure": False}
        if workers is not None:
            options.update(workers=workers, allow_other_workers=True)
        self._executor = client.get_executor(**options)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def map(
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        if chunksize < 1:
            raise ValueError("chunksize must be >= 1.")
        chunks = _chunks(iterables, chunksize)
        return _chained(
            self._executor.map(functools.partial(_run_chunk, fn), chunks, timeout=timeout)
        )

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Wait for the tasks (or cancel them), then close what the executor owns."""
        with self._closing:
            self._executor.shutdown(wait=wait and not cancel_futures)


def connect(address: str) -> Any:
    """A client of the scheduler at ``address``; raises ``OSError`` naming the address
    if it does not answer within ``CONNECT_TIMEOUT_S``."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise OSError(
            f"the dask scheduler at {address} did not answer within {CONNECT_TIMEOUT_S:g} s "
            f"({type(error).__name__}: {error})"
        ) from None


def _receive(connection: socket.socket, size: int, deadline: float) -> bytes:
    """Up to ``size`` bytes from ``connection``, fewer if it closes; ``TimeoutError`` past
    ``deadline`` (a ``time.monotonic`` time)."""
    received = b""
    while len(received) < size:
        connection.settimeout(max(deadline - time.monotonic(), 1e-3))
        chunk = connection.recv(size - len(received))
        if not chunk:
            break
        received += chunk
    return received


def greeting_problem(host: str, port: int, timeout: float = CONNECT_TIMEOUT_S) -> str | None:
    """What is wrong with the service at ``host``:``port`` as a dask scheduler, judged by
    its first bytes within ``timeout`` seconds, with plain sockets (dask's own client
    waits much longer for a silent service, and takes another service's bytes for the
    length of a message of gigabytes); ``None`` if it greets as a scheduler does."""
    deadline = time.monotonic() + timeout
    try:
        connection = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError:
        return f"did not answer within {timeout:g} s"
    except OSError as error:
        return f"cannot be reached ({error.strerror or error})"
    try:
        with connection:
            header = _receive(connection, 8, deadline)
    except TimeoutError:
        return (
            f"accepts connections but sent nothing within {timeout:g} s, as a dask "
            "scheduler does at once: it is not one, or it is stuck"
        )
    except OSError as error:
        return f"dropped the connection ({error.strerror or error}): not a dask scheduler"
    if len(header) < 8:
        return "closed the connection without greeting as a dask scheduler does: not one"
    (length,) = struct.unpack("Q", header)
    if not 0 < length <= HANDSHAKE_MAX_BYTES:
        return f"answered, but not as a dask scheduler does: its first bytes are {header!r}"
    return None


def check_scheduler(address: str, network: str) -> str | None:
    """What is wrong with ``address`` as ``--parbench-dask-scheduler`` on a run whose network is
    ``network`` (``mock`` or ``live``), or ``None`` if a dask scheduler answers there."""
    match = ADDRESS.fullmatch(address)
    if not match or not 1 <= int(match[2]) <= 65535:
        return f"{address!r} is not allowed; allowed: tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    if network == "mock" and not guard.is_local((match[1].strip("[]"), int(match[2]))):
        return (
            f"{address} is off this machine, and the mocked network refuses every "
            "connection that leaves it, the cluster's own too; add --parbench-network=live"
        )
    reason = _unavailable()
    if reason is not None:
        return f"{address}: {reason}"
    problem = greeting_problem(match[1].strip("[]"), int(match[2]))
    if problem is not None:
        return f"{address} {problem}"
    try:
        connect(address).close()
    except OSError as error:
        return str(error)
    return None


def _local_cluster(workers: int, folder: str) -> Any:
    """A LocalCluster of ``workers`` processes of one thread, on the loopback only, the
    scratch files of its scheduler and workers in ``folder``."""
    import dask
    from distributed import LocalCluster

    settings = {"distributed.scheduler.allowed-failures": 0, "temporary-directory": folder}
    with dask.config.set(settings):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler serves HTTP (health, metrics) even without a dashboard: on a
            # free loopback port, not on 8787, which another cluster may hold.
            dashboard_address="127.0.0.1:0",
            scheduler_kwargs={"dashboard": False},
            silence_logs=logging.ERROR,
        )


def _chosen_workers(client: Any, address: str, count: int) -> list[str]:
    """``count`` workers of the cluster at ``address``, the first by address."""
    workers = sorted(client.scheduler_info()["workers"])
    if len(workers) < count:
        raise RuntimeError(
            f"the dask cluster at {address} has {len(workers)} worker(s); {count} were asked for"
        )
    return workers[:count]


def _make(spec: PoolSpec, scheduler: str | None = None) -> Executor:
    from distributed import Client

    with contextlib.ExitStack() as closing:
        workers = None
        if scheduler is None:
            folder = closing.enter_context(tempfile.TemporaryDirectory(prefix=FOLDER_PREFIX))
            # A start cut short by Ctrl-C leaves the cluster's loop, sockets and workers
            # running and its errors printed: the interrupt waits until it is in hand.
            with interrupts.deferred():
                cluster = closing.enter_context(_local_cluster(spec.workers, folder))
                client = closing.enter_context(Client(cluster, set_as_default=False))
        else:
            client = closing.enter_context(connect(scheduler))
            workers = _chosen_workers(client, scheduler, spec.workers)
        if spec.initializer is not None:
            client.register_plugin(_prepare()(spec.initializer, spec.initargs))
        # From here on the executor closes them; until here, a failure does.
        return DaskExecutor(client, workers=workers, closing=closing.pop_all())


def on_cluster(address: str) -> Strategy:
    """The dask strategy on the existing cluster whose scheduler is at ``address``."""
    return dataclasses.replace(
        STRATEGY,
        summary=f"the dask cluster at {address}",
        make_executor=functools.partial(_make, scheduler=address),
    )


STRATEGY = Strategy(
    name=NAME,
    summary="dask.distributed's executor on a LocalCluster of worker processes",
    make_executor=_make,
    chunked=True,
    unavailable=_unavailable,
    in_default_run=False,
)
