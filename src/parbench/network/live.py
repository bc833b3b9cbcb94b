"""The live network: a real HTTP server on 127.0.0.1, in a process of its own.

Its own process, so that serving does not compete for the client's GIL. It serves the
same bodies as the mock, after the same latency, with real sockets. It is stopped when
the block that started it ends, and stops by itself within a second or so of its
parent's death, however the parent died (SIGKILL, ``os._exit``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

from parbench.network import bodies

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
PARENT_POLL_S = 0.2


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Sixteen workers connect at once; the default backlog of 5 would drop some SYNs and
    # add a one-second retransmit to the measured time.
    request_queue_size = 128

    def __init__(self, latency: float, body_bytes: int, digest_header: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.body_bytes = body_bytes
        self.digest_header = digest_header


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        body = bodies.body(path, self.server.body_bytes)
        time.sleep(self.server.latency)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.send_header(self.server.digest_header, bodies.digest(path, self.server.body_bytes))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Serve quietly: a line per request would drown pytest's output."""


def _stop_when_orphaned(server: _Server, parent: int) -> None:
    """Shut ``server`` down once this process's parent is no longer ``parent``.

    A process whose parent dies is re-parented (to init or a subreaper), which changes
    ``os.getppid()``; unlike a pipe from the parent, this holds even when the parent's
    forked workers outlive it with copies of its file descriptors.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    server.shutdown()


def _serve(
    latency: float, body_bytes: int, digest_header: str, ready: Connection, parent: int
) -> None:
    server = _Server(latency, body_bytes, digest_header)
    threading.Thread(target=_stop_when_orphaned, args=(server, parent), daemon=True).start()
    ready.send(server.server_address[1])
    ready.close()
    server.serve_forever()
    server.server_close()


@contextlib.contextmanager
def live_server(latency: float, body_bytes: int, digest_header: str) -> Iterator[str]:
    """Serve on a free loopback port until the block ends; yields the base URL.

    The server process is stopped on the way out however the block ends.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve,
        args=(latency, body_bytes, digest_header, sender, os.getpid()),
        name="parbench-live-server",
        daemon=True,
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(START_TIMEOUT_S):
            raise RuntimeError(f"the live HTTP server did not start within {START_TIMEOUT_S} s")
        try:
            port = receiver.recv()
        except EOFError:
            process.join(STOP_TIMEOUT_S)
            raise RuntimeError(
                f"the live HTTP server exited before serving (exit code {process.exitcode})"
            ) from None
        yield f"http://127.0.0.1:{port}"
    finally:
        receiver.close()
        process.terminate()
        process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()
