"""Server models: one handler served by threads, a pool, pre-forked processes, asyncio or
sub-interpreters, each in a process of its own on 127.0.0.1.

Every model answers ``GET <path>`` over HTTP/1.0 with the handler's bytes (``200``), or
``500`` and one line naming the handler's exception, and closes the connection. The
server runs in a process of its own (spawned, so that it shares no GIL with the load
generator or with pytest), which leads a process group of its own: ``serving`` ends the
whole group on the way out however its block ends, and every process of it stops by
itself within a second or so of its parent's death, as the live network's server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from multiprocessing.connection import Connection

from parbench.contract.workload import describe
from parbench.errors import ParbenchError
from parbench.latency import background, handlers
from parbench.strategies import interpreters

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
PARENT_POLL_S = 0.2
# Enough for every request a load generator keeps outstanding: a short backlog drops SYNs
# and adds a second's retransmit to the latency measured.
BACKLOG = 1024
# The longest request (line and headers) the asyncio server reads, and how long it waits.
MAX_REQUEST_BYTES = 64 * 1024
READ_TIMEOUT_S = 10.0

Dispatch = Callable[[str], tuple[int, bytes]]


@dataclass(frozen=True)
class Serving:
    """What a model serves with, in the server process: the ``listening`` socket, the
    handler (``dispatch`` answers a path; ``spec`` names it, for workers that load their
    own), ``workers`` and the ``parent`` process whose end ends the server."""

    listening: socket.socket
    dispatch: Dispatch
    spec: str
    workers: int
    parent: int


class ServerError(ParbenchError, RuntimeError):
    """A server could not start or serve; the message says why in one line."""


@dataclass(frozen=True)
class Model:
    """A way to serve: ``run(serving)`` serves until its process ends. Where the model has
    a fixed number of threads, processes or interpreters (``fixed_workers``), it is
    ``serving.workers``; ``unavailable()`` says why the model cannot run here, or None."""

    name: str
    run: Callable[[Serving], None]
    fixed_workers: bool
    unavailable: Callable[[], str | None] = lambda: None


def dispatcher(handler: handlers.Handler) -> Dispatch:
    """``dispatch(path) -> (status, body)``: the handler's answer, or 500 and why."""

    def dispatch(path: str) -> tuple[int, bytes]:
        try:
            body = handler.module.handle(path)
        except Exception as error:
            return 500, f"handler {handler.name} raised {describe(error)}".encode()
        return _checked(handler, body)

    return dispatch


def _checked(handler: handlers.Handler, body: object) -> tuple[int, bytes]:
    if not isinstance(body, bytes):
        return 500, f"handler {handler.name} returned {type(body).__name__}, not bytes".encode()
    return 200, body


class _Answer(BaseHTTPRequestHandler):
    """HTTP/1.0: one request a connection, answered by the server's ``dispatch``."""

    server: _HTTPServer

    def do_GET(self) -> None:
        status, body = self.server.dispatch(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Serve quietly: a line per request would drown the run's output."""


class _HTTPServer(HTTPServer):
    """An ``HTTPServer`` on a socket already bound and listening."""

    def __init__(self, listening: socket.socket, dispatch: Dispatch) -> None:
        super().__init__(listening.getsockname(), _Answer, bind_and_activate=False)
        self.socket.close()
        self.socket = listening
        self.dispatch = dispatch

    def server_close(self) -> None:
        """The listening socket belongs to the process, not to one server of it."""


class _ThreadPerRequest(socketserver.ThreadingMixIn, _HTTPServer):
    daemon_threads = True


class _Pool(socketserver.ThreadingMixIn, _HTTPServer):
    """Each connection handled by one of a fixed pool's threads, in turn."""

    def __init__(self, listening: socket.socket, dispatch: Dispatch, pool: Executor) -> None:
        super().__init__(listening, dispatch)
        self.pool = pool

    # A stream server: its requests are sockets, never the datagram tuples the stubs allow.
    def process_request(  # type: ignore[override]
        self, request: socket.socket, client_address: object
    ) -> None:
        self.pool.submit(self.process_request_thread, request, client_address)


def _thread_per_request(serving: Serving) -> None:
    _watch_parent(serving.parent)
    _ThreadPerRequest(serving.listening, serving.dispatch).serve_forever()


def _thread_pool(serving: Serving) -> None:
    _watch_parent(serving.parent)
    with ThreadPoolExecutor(serving.workers, thread_name_prefix="parbench-pool") as pool:
        _Pool(serving.listening, serving.dispatch, pool).serve_forever()


def _prefork(serving: Serving) -> None:
    """``workers`` forked processes accept from the one listening socket, one request at a
    time each (as gunicorn's sync workers do); each stops when this process goes."""
    server = os.getpid()
    for _ in range(serving.workers):
        if os.fork() == 0:
            try:
                _watch_parent(server)
                _HTTPServer(serving.listening, serving.dispatch).serve_forever()
            finally:
                os._exit(0)
    # Only now: a thread running when the workers fork would be copied half-way.
    _watch_parent(serving.parent)
    while True:
        os.wait()


def _interpreters(serving: Serving) -> None:
    """A thread per connection hands the handler's work to a pool of sub-interpreters,
    each with a GIL of its own."""
    _watch_parent(serving.parent)
    spec = serving.spec
    with background.interpreter_pool(serving.workers) as pool:

        def through_pool(path: str) -> tuple[int, bytes]:
            handler = handlers.cached(spec)
            try:
                body = pool.submit(handlers.call, spec, path).result()
            except Exception as error:
                return 500, f"handler {handler.name} raised {describe(error)}".encode()
            return _checked(handler, body)

        _ThreadPerRequest(serving.listening, through_pool).serve_forever()


def _asyncio(serving: Serving) -> None:
    _watch_parent(serving.parent)
    asyncio.run(_serve_asyncio(serving.listening, handlers.cached(serving.spec)))


async def _serve_asyncio(listening: socket.socket, handler: handlers.Handler) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_S)
            status, body = await _async_dispatch(handler, head)
            reason = b"OK" if status == 200 else b"Error"
            writer.write(
                b"HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                % (status, reason, len(body))
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            pass  # the client left or sent no request: nothing to answer
        finally:
            writer.close()

    server = await asyncio.start_server(
        answer, sock=listening, limit=MAX_REQUEST_BYTES, backlog=BACKLOG
    )
    async with server:
        await server.serve_forever()


async def _async_dispatch(handler: handlers.Handler, head: bytes) -> tuple[int, bytes]:
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) != 3 or parts[0] != b"GET":
        return 400, b"expected: GET <path> HTTP/1.x"
    path = parts[1].decode("latin-1")
    try:
        if handler.is_async:
            body = await handler.module.ahandle(path)
        else:
            body = handler.module.handle(path)
    except Exception as error:
        return 500, f"handler {handler.name} raised {describe(error)}".encode()
    return _checked(handler, body)


def _no_fork() -> str | None:
    return None if hasattr(os, "fork") else "pre-forked workers need os.fork (POSIX)"


MODELS: dict[str, Model] = {
    model.name: model
    for model in (
        Model(
            "thread-per-request",
            _thread_per_request,
            fixed_workers=False,
        ),
        Model(
            "thread-pool",
            _thread_pool,
            fixed_workers=True,
        ),
        Model(
            "prefork",
            _prefork,
            fixed_workers=True,
            unavailable=_no_fork,
        ),
        Model(
            "asyncio",
            _asyncio,
            fixed_workers=False,
        ),
        Model(
            "interpreters",
            _interpreters,
            fixed_workers=True,
            unavailable=interpreters._unavailable,
        ),
    )
}


def _watch_parent(parent: int) -> None:
    """End this process (and the group it leads, if it leads one) once its parent is no
    longer ``parent``: a process whose parent dies is re-parented, which changes
    ``os.getppid()``, however the parent died."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="parbench-parent-watch", daemon=True).start()


def _serve(
    model_name: str, spec: str, workers: int, port: int, ready: Connection, parent: int
) -> None:
    """The server process: bind, say so (the port, or one line on why not), serve."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()  # a group of its own, which ``_stop`` ends whole
    model = MODELS[model_name]
    try:
        handler = handlers.cached(spec)
        listening = socket.create_server(("127.0.0.1", port), backlog=BACKLOG)
    except handlers.HandlerError as error:
        ready.send(("error", str(error)))
        return
    except OSError as error:
        problem = (
            f"port {port} on 127.0.0.1 is in use; give another port, or 0 for any free one"
            if error.errno in (98, 48, 10048)  # EADDRINUSE on Linux, macOS, Windows
            else f"cannot listen on 127.0.0.1:{port} ({error.strerror})"
        )
        ready.send(("error", problem))
        return
    ready.send(("port", listening.getsockname()[1]))
    ready.close()
    model.run(Serving(listening, dispatcher(handler), spec, workers, parent))


@contextlib.contextmanager
def serving(model: str, spec: str, workers: int = 1, port: int = 0) -> Iterator[int]:
    """Serve the handler ``spec`` with ``model`` on 127.0.0.1 until the block ends; yields
    the port (``port``, or a free one for 0).

    Raises ``ServerError`` with one line if the model cannot run here, the port is taken,
    the handler cannot load, or the server does not start within ``START_TIMEOUT_S``.
    Every process of the server is ended on the way out.
    """
    chosen = MODELS[model]
    reason = chosen.unavailable()
    if reason is not None:
        raise ServerError(f"{model}: {reason}")
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve,
        args=(model, spec, workers, port, sender, os.getpid()),
        name=f"parbench-server-{model}",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(START_TIMEOUT_S):
            raise ServerError(f"{model}: the server did not start within {START_TIMEOUT_S:g} s")
        try:
            what, value = receiver.recv()
        except EOFError:
            process.join(STOP_TIMEOUT_S)
            raise ServerError(
                f"{model}: the server exited before serving (exit code {process.exitcode})"
            ) from None
        if what == "error":
            raise ServerError(f"{model}: {value}")
        yield value
    finally:
        receiver.close()
        _stop(process)


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    """End the server's process group (its forked workers too), then reap the server."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(process, sent)
        process.join(STOP_TIMEOUT_S)
        if not process.is_alive():
            return


def _signal_group(process: multiprocessing.process.BaseProcess, sent: signal.Signals) -> None:
    """Send ``sent`` to the group the server leads; to the server alone if it has not made
    its group yet (it ends before it can fork)."""
    if process.pid is None:
        return
    try:
        if not hasattr(os, "killpg"):
            raise ProcessLookupError  # no process groups here: the server alone
        os.killpg(process.pid, sent)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, sent)
