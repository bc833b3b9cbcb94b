"""Every server model answers with its handler's bytes, says clearly what went wrong
(a handler that raises, a port in use, a handler that cannot load), and leaves nothing
running; a user's handler plugs in by the contract."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

import psutil
import pytest

from parbench.latency import handlers, load, servers, session, settings
from parbench.measure import leftovers

from helpers import started_since

MODELS = [
    pytest.param(
        name,
        marks=pytest.mark.skipif(
            model.unavailable() is not None, reason=f"{name}: {model.unavailable()}"
        ),
    )
    for name, model in servers.MODELS.items()
]
REVERSING = """
def handle(path):
    if path == "/boom":
        raise ValueError("boom")
    if path == "/text":
        return "not bytes"
    return path.encode()[::-1]
"""


def get(port: int, path: str) -> tuple[int, bytes]:
    async def fetch() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        head, _, body = response.partition(b"\r\n\r\n")
        return int(head.split()[1]), body

    return asyncio.run(fetch())


@pytest.fixture
def reversing(tmp_path: Path) -> str:
    path = tmp_path / "reversing_handler.py"
    path.write_text(REVERSING)
    return str(path)


@pytest.mark.parametrize("model", MODELS)
def test_each_model_answers_with_the_handlers_bytes_and_says_why_it_failed(
    model: str, reversing: str
) -> None:
    before = leftovers.snapshot()
    with servers.serving(model, reversing, workers=2) as port:
        assert get(port, "/abc") == (200, b"cba/")
        assert get(port, "/boom") == (
            500,
            b"handler reversing_handler raised ValueError: boom (%s, line 4)" % reversing.encode(),
        )
        assert get(port, "/text") == (500, b"handler reversing_handler returned str, not bytes")
    assert started_since(before) == []


def test_prefork_workers_end_with_the_server(reversing: str) -> None:
    with servers.serving("prefork", reversing, workers=3) as port:
        assert get(port, "/x")[0] == 200
        [server] = [
            p for p in psutil.Process().children() if p.pid != psutil.Process().pid and p.children()
        ]
        workers = server.children()
        assert len(workers) == 3
    _, alive = psutil.wait_procs([server, *workers], timeout=5)
    assert alive == []


def test_a_port_in_use_is_one_clear_line() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with (
            pytest.raises(servers.ServerError) as caught,
            servers.serving("thread-per-request", "waiting", port=port),
        ):
            pass
    assert str(caught.value) == (
        f"thread-per-request: port {port} on 127.0.0.1 is in use; give another port, "
        "or 0 for any free one"
    )


def test_a_handler_that_cannot_load_is_one_clear_line(tmp_path: Path) -> None:
    broken = tmp_path / "no_handle.py"
    broken.write_text("X = 1\n")
    with pytest.raises(handlers.HandlerError, match=r"it needs a function handle\(path\)"):
        handlers.load(str(broken))
    with pytest.raises(handlers.HandlerError, match="unknown handler 'no_such_module_here'"):
        handlers.load("no_such_module_here")
    refused = pytest.raises(servers.ServerError, match=r"asyncio: handler 'no_handle' .*handle")
    with refused, servers.serving("asyncio", str(broken)):
        pass


def test_a_server_that_never_answers_is_one_clear_line(tmp_path: Path) -> None:
    stuck = tmp_path / "stuck.py"
    stuck.write_text("import time\ndef handle(path):\n    time.sleep(3600)\n")
    case = settings.ServerCase("thread-pool", "stuck", str(stuck), 2, None)
    before = leftovers.snapshot()
    with contextlib.ExitStack() as stack:
        bench = session.Servers(stack, settings.QUICK)
        with pytest.raises(servers.ServerError) as caught:
            bench.saturation(case)
    assert str(caught.value) == (
        "thread-pool serving stuck answered none of its requests: no answer within 2 s"
    )
    assert started_since(before) == []


def test_the_asyncio_server_awaits_ahandle_and_blocks_on_handle() -> None:
    assert handlers.load("waiting").is_async
    assert not handlers.load("holding").is_async


def test_threads_serve_a_waiting_handler_far_faster_than_one_thread() -> None:
    """16 threads each sleeping 10 ms a request can answer up to 16x as many requests a
    second as one: at least 4x even on a busy machine."""
    rates = {}
    with load.generator() as generator:
        for workers in (1, 16):
            with servers.serving("thread-pool", "waiting", workers=workers) as port:
                found = generator.saturate(port, 32, slices=4, slice_s=0.25, timeout=5)
            rates[workers] = sum(found.answered)
    assert rates[1] > 0
    assert rates[16] >= 4 * rates[1]
