"""The load generator: open-loop at a fixed rate, or closed-loop to find saturation, in a
process of its own, on 127.0.0.1 only.

Open loop (as wrk2 does): request ``i`` is due at ``i / rate`` seconds from the start,
and is sent then whether or not earlier ones were answered; its latency is counted from
when it was *due*, not from when it was sent. A client that waits for each answer before
sending the next (closed loop) sends less while the server stalls, and so never measures
the requests that a stall delays: "coordinated omission". Here a stall shows up in the
latency of every request due during it.

Closed loop, with many connections at once, finds the rate a server sustains: each
connection sends its next request as soon as its last is answered, for a fixed time.

Every request opens its own connection (HTTP/1.0), has a timeout, and is one of a
bounded count; at most ``MAX_OUTSTANDING`` are in flight, and one due beyond that is
not sent but counted as an error, so a server that falls far behind cannot exhaust the
generator's sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

from parbench.errors import ParbenchError

HOST = "127.0.0.1"
MAX_OUTSTANDING = 256
# The first request is due this long after the schedule is handed over.
START_DELAY_S = 0.05
REQUEST = b"GET /%d HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
MAX_RESPONSE_BYTES = 1024 * 1024
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
PARENT_POLL_S = 0.2
# Beyond the schedule and the last request's timeout, what a command may take.
COMMAND_MARGIN_S = 10.0
TIMEOUT = "timeout"
NOT_SENT = "not sent"


class LoadError(ParbenchError, RuntimeError):
    """The generator could not run; the message says why in one line."""


@dataclass(frozen=True)
class Sample:
    """One request: when it was ``due`` (seconds from the start), how late the generator
    sent it (``send_lag_s``), its ``latency_s`` counted from ``due`` (None if it failed)
    and its ``error`` (None if it was answered with 200)."""

    due_s: float
    send_lag_s: float
    latency_s: float | None
    error: str | None


@dataclass(frozen=True)
class Saturation:
    """A closed-loop run: how many requests were answered in each ``slice_s`` slice of
    the measured time, and the errors met (by kind)."""

    slice_s: float
    answered: tuple[int, ...]
    errors: dict[str, int]

    @property
    def rates(self) -> tuple[float, ...]:
        """Requests answered per second in each slice."""
        return tuple(count / self.slice_s for count in self.answered)


def schedule(rate: float, count: int) -> list[float]:
    """When each of ``count`` requests at ``rate`` a second is due, in seconds from the start."""
    if not (math.isfinite(rate) and rate > 0) or count < 0:
        raise ValueError(f"a schedule needs a rate above 0 and a count of 0 or more, not {rate}")
    return [i / rate for i in range(count)]


def latency(due: float, finished: float) -> float:
    """A request's latency: from when it was due (not when it was sent) to its answer."""
    return finished - due


async def fetch(port: int, number: int, timeout: float) -> tuple[int, bytes]:
    """``GET /number`` on 127.0.0.1:``port``; returns the status and the body. Raises
    ``TimeoutError`` past ``timeout`` seconds, ``OSError`` if the connection fails and
    ``ValueError`` on a response that is not HTTP."""
    return await asyncio.wait_for(_exchange(port, number), timeout)


async def _exchange(port: int, number: int) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(REQUEST % number)
        await writer.drain()
        response = await reader.read(MAX_RESPONSE_BYTES)
        while chunk := await reader.read(MAX_RESPONSE_BYTES):
            response += chunk
    finally:
        writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    parts = head.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP response: {head[:40]!r}")
    return int(parts[1]), body


def _error(status: int, body: bytes) -> str:
    """An error's kind, as counted: the status and the first line of the body."""
    first = body.decode("utf-8", "replace").strip().splitlines()[:1]
    return f"HTTP {status}" + (f": {first[0][:200]}" if first else "")


async def _timed(port: int, number: int, due: float, timeout: float, loop_start: float) -> Sample:
    loop = asyncio.get_running_loop()
    sent = loop.time()
    error = None
    try:
        status, body = await fetch(port, number, timeout)
        if status != 200:
            error = _error(status, body)
    except (TimeoutError, asyncio.TimeoutError):
        error = f"{TIMEOUT}: no answer within {timeout:g} s"
    except (OSError, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    finished = loop.time()
    return Sample(
        due_s=due - loop_start,
        send_lag_s=sent - due,
        latency_s=None if error else latency(due, finished),
        error=error,
    )


async def open_loop(port: int, offsets: Sequence[float], timeout: float) -> list[Sample]:
    """Send a request at each of ``offsets`` (seconds from the start, ascending), each
    timed from when it was due; returns the samples in the order due."""
    loop = asyncio.get_running_loop()
    start = loop.time() + START_DELAY_S
    outstanding: set[asyncio.Task[Sample]] = set()
    tasks: list[asyncio.Task[Sample] | Sample] = []
    for number, offset in enumerate(offsets):
        due = start + offset
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        if len(outstanding) >= MAX_OUTSTANDING:
            tasks.append(
                Sample(
                    offset,
                    loop.time() - due,
                    None,
                    f"{NOT_SENT}: {MAX_OUTSTANDING} already outstanding",
                )
            )
            continue
        task = asyncio.ensure_future(_timed(port, number, due, timeout, start))
        outstanding.add(task)
        task.add_done_callback(outstanding.discard)
        tasks.append(task)
    return [item if isinstance(item, Sample) else await item for item in tasks]


async def closed_loop(
    port: int, connections: int, slices: int, slice_s: float, timeout: float
) -> Saturation:
    """``connections`` clients, each sending its next request as soon as its last is
    answered, for a warm-up slice and then ``slices`` slices of ``slice_s`` seconds;
    counts the answers in each measured slice. Requests still out at the end are waited
    for (within ``timeout``) but not counted."""
    loop = asyncio.get_running_loop()
    start = loop.time() + slice_s
    end = start + slices * slice_s
    answered = [0] * slices
    errors: dict[str, int] = {}

    async def client(first: int) -> None:
        number = first
        while loop.time() < end:
            try:
                status, body = await fetch(port, number, timeout)
                error = None if status == 200 else _error(status, body)
            except (TimeoutError, asyncio.TimeoutError):
                error = f"{TIMEOUT}: no answer within {timeout:g} s"
            except (OSError, ValueError) as failure:
                error = f"{type(failure).__name__}: {failure}"
                await asyncio.sleep(0.01)  # a refused connection fails at once: do not spin
            now = loop.time()
            if start <= now < end:
                if error is None:
                    answered[int((now - start) / slice_s)] += 1
                else:
                    errors[error] = errors.get(error, 0) + 1
            number += connections

    await asyncio.gather(*(client(i) for i in range(connections)))
    return Saturation(slice_s, tuple(answered), errors)


def _run(command: tuple) -> object:
    name, *arguments = command
    if name == "open":
        port, rate, count, timeout = arguments
        return asyncio.run(open_loop(port, schedule(rate, count), timeout))
    port, connections, slices, slice_s, timeout = arguments
    return asyncio.run(closed_loop(port, connections, slices, slice_s, timeout))


def _generate(commands: Connection, parent: int) -> None:
    """The generator process: run each command received, send back its result; end when
    told to, when the pipe closes or when the parent is gone."""
    while os.getppid() == parent:
        if not commands.poll(PARENT_POLL_S):
            continue
        try:
            command = commands.recv()
        except EOFError:
            return
        if command is None:
            return
        try:
            result: object = _run(command)
        except Exception as error:
            result = LoadError(f"the load generator failed: {type(error).__name__}: {error}")
        commands.send(result)


class Generator:
    """The load generator's process, with ``open_loop`` and ``saturate`` commands; each
    waits at most as long as its schedule and timeouts allow."""

    def __init__(self, connection: Connection, process: multiprocessing.process.BaseProcess):
        self._connection = connection
        self._process = process

    def _ask(self, command: tuple, longest: float) -> object:
        self._connection.send(command)
        if not self._connection.poll(longest):
            raise LoadError(f"the load generator did not finish within {longest:g} s")
        try:
            result = self._connection.recv()
        except EOFError:
            raise LoadError(
                f"the load generator exited (exit code {self._process.exitcode})"
            ) from None
        if isinstance(result, LoadError):
            raise result
        return result

    def open_loop(self, port: int, rate: float, count: int, timeout: float) -> list[Sample]:
        """``count`` requests at ``rate`` a second (see ``open_loop``)."""
        longest = count / rate + timeout + COMMAND_MARGIN_S
        return self._ask(("open", port, rate, count, timeout), longest)  # type: ignore[return-value]

    def saturate(
        self, port: int, connections: int, slices: int, slice_s: float, timeout: float
    ) -> Saturation:
        """The rate a server sustains (see ``closed_loop``)."""
        longest = (slices + 1) * slice_s + timeout + COMMAND_MARGIN_S
        command = ("closed", port, connections, slices, slice_s, timeout)
        return self._ask(command, longest)  # type: ignore[return-value]


@contextlib.contextmanager
def generator() -> Iterator[Generator]:
    """A load generator in a process of its own (spawned: it shares no GIL with the
    caller or the server) until the block ends; it is stopped however the block ends,
    and stops by itself when its parent is gone."""
    context = multiprocessing.get_context("spawn")
    mine, theirs = context.Pipe()
    process = context.Process(
        target=_generate, args=(theirs, os.getpid()), name="parbench-load", daemon=True
    )
    process.start()
    theirs.close()
    try:
        yield Generator(mine, process)
    finally:
        with contextlib.suppress(OSError):
            mine.send(None)
        process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join(STOP_TIMEOUT_S)
        mine.close()
