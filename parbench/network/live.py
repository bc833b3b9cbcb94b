"""The live network: a real HTTP server on 127.0.0.1, in a process of its own.

Its own process, so that serving does not compete for the client's GIL. It serves the
same bodies as the mock, after the same latency, with real sockets.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

from parbench.network import bodies

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0


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


def _serve(latency: float, body_bytes: int, digest_header: str, ready: Connection) -> None:
    server = _Server(latency, body_bytes, digest_header)
    ready.send(server.server_address[1])
    ready.close()
    server.serve_forever()


@contextlib.contextmanager
def live_server(latency: float, body_bytes: int, digest_header: str) -> Iterator[str]:
    """Serve on a free loopback port until the block ends; yields the base URL.

    The server process is stopped on the way out however the block ends.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve,
        args=(latency, body_bytes, digest_header, sender),
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
