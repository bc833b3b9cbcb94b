"""The mock and live networks: same bodies, mock in every start method, no remote socket."""

from __future__ import annotations

import _socket
import multiprocessing
import socket
import time
from concurrent.futures import ProcessPoolExecutor

import pytest
import requests

from parbench import network
from parbench.network import bodies, guard

URL = "https://images.unsplash.com/photo-1509718443690-d8e2fb3474b7"


def fetch(url: str) -> tuple[bytes, dict]:
    with requests.get(url, stream=True, timeout=10) as response:
        response.raise_for_status()
        return b"".join(response.iter_content(1024)), dict(response.headers)


def worker_view(url: str) -> tuple[bool, str, int]:
    """In a worker: whether the guard is on, and the digest and size of a fetched body."""
    body, headers = fetch(url)
    return guard.installed(), headers[network.DIGEST_HEADER], len(body)


@pytest.mark.parametrize("mode", network.MODES)
def test_both_modes_serve_the_same_checked_body(mode: str) -> None:
    settings = network.NetworkSettings(mode=mode, latency=0.0, body_bytes=5000)
    with network.serving(settings), network.workload_context() as context:
        body, headers = fetch(context.url(URL))
    path = "/photo-1509718443690-d8e2fb3474b7"
    assert body == bodies.body(path, 5000)
    assert headers[network.DIGEST_HEADER] == bodies.digest(path, 5000)
    assert headers["Content-Length"] == "5000"


@pytest.mark.parametrize("start_method", multiprocessing.get_all_start_methods())
def test_mock_holds_in_process_workers(
    start_method: str, mock_network: network.NetworkSettings
) -> None:
    context = multiprocessing.get_context(start_method)
    with ProcessPoolExecutor(
        2, mp_context=context, initializer=network.prepare_worker, initargs=(mock_network,)
    ) as pool:
        views = list(pool.map(worker_view, [URL] * 4))
    expected = bodies.digest("/photo-1509718443690-d8e2fb3474b7", mock_network.body_bytes)
    assert views == [(True, expected, mock_network.body_bytes)] * 4


def test_mock_latency_is_a_real_wait(mock_network: network.NetworkSettings) -> None:
    """A request waits its latency in a sleep: never less wall time than the latency, and
    that wait costs no CPU (the GIL is released as a socket's wait releases it)."""
    requests_made = 5
    wall_started, cpu_started = time.perf_counter(), time.thread_time()
    for _ in range(requests_made):
        fetch(URL)
    wall = time.perf_counter() - wall_started
    cpu = time.thread_time() - cpu_started
    assert wall >= requests_made * mock_network.latency
    assert wall - cpu >= requests_made * mock_network.latency * 0.9


def test_mock_keeps_no_history(mock_network: network.NetworkSettings) -> None:
    for _ in range(50):
        fetch(URL)
    assert len(network._mock._mock.calls) <= 1


def test_mock_refuses_a_request_it_cannot_serve(mock_network: network.NetworkSettings) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.post(URL, timeout=5)


def test_guard_refuses_remote_addresses_before_any_packet(monkeypatch: pytest.MonkeyPatch):
    attempts = []
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: attempts.append(address))
    guard.install()
    try:
        with (
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
            pytest.raises(
                guard.OutboundConnectionRefused, match="no connection may leave this machine"
            ),
        ):
            sock.connect(("203.0.113.7", 80))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.connect(("127.0.0.1", 9))
    finally:
        guard.uninstall()
    assert attempts == [("127.0.0.1", 9)]
    assert not guard.installed()


def test_a_guard_put_back_after_it_was_removed_passes_connections_through() -> None:
    # As a test's monkeypatch does: it saves the guarded methods while the guard is on
    # and puts them back after the guard is off.
    before = socket.socket.connect, socket.socket.connect_ex
    guard.install()
    saved = socket.socket.connect, socket.socket.connect_ex
    guard.uninstall()
    socket.socket.connect, socket.socket.connect_ex = saved
    try:
        assert not guard.installed()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            assert sock.connect_ex(("127.0.0.1", 9)) != 0  # nothing listens: refused
        guard.install()  # and it can be put on again, without nesting on itself
        with (
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
            pytest.raises(guard.OutboundConnectionRefused),
        ):
            sock.connect_ex(("203.0.113.7", 80))
        guard.uninstall()
        assert socket.socket.connect is _socket.socket.connect
    finally:
        guard.uninstall()
        socket.socket.connect, socket.socket.connect_ex = before


@pytest.mark.parametrize(
    ("address", "local"),
    [
        (("127.0.0.1", 1), True),
        (("::1", 1, 0, 0), True),
        (("localhost", 1), True),
        ("/tmp/socket", True),
        (("10.0.0.1", 1), False),
        (("example.com", 80), False),
    ],
)
def test_is_local(address: object, local: bool) -> None:
    assert guard.is_local(address) is local


def test_serving_mock_guards_only_while_it_serves() -> None:
    assert not guard.installed()
    with network.serving(network.NetworkSettings()):
        assert guard.installed()
    assert not guard.installed()


def test_live_server_process_is_gone_after_serving() -> None:
    settings = network.NetworkSettings(mode="live", latency=0.0, body_bytes=100)
    with network.serving(settings), network.workload_context() as context:
        base = context.url("https://x.test/")
        assert base.startswith("http://127.0.0.1:")
        assert [p.name for p in multiprocessing.active_children()] == ["parbench-live-server"]
        fetch(base + "probe")
    assert multiprocessing.active_children() == []
    with network.workload_context() as context:
        assert context.url(URL) == URL and context.base_url is None
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "probe", timeout=2)


def test_live_server_stops_when_the_block_raises() -> None:
    settings = network.NetworkSettings(mode="live", latency=0.0, body_bytes=100)
    with pytest.raises(KeyError), network.serving(settings):
        raise KeyError("a failing benchmark")
    assert multiprocessing.active_children() == []
