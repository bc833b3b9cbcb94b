"""The open-loop load generator: its schedule, latency counted from the due time (a stall
shows in every request due during it), bounds on what it keeps outstanding and waits."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from parbench.latency import load
from parbench.measure import leftovers

from helpers import started_since

STALL_S = 0.3
RATE = 50.0


class OneAtATime:
    """A loopback server answering one request at a time in one thread; the request for
    ``/stall`` (by number) blocks it for ``STALL_S``; ``silent`` never answers at all."""

    def __init__(self, stall: int | None = None, silent: bool = False) -> None:
        self.listening = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.listening.settimeout(0.1)
        self.port = self.listening.getsockname()[1]
        self.stall, self.silent = stall, silent
        self.stopping = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listening.accept()
            except TimeoutError:
                continue
            if self.silent:
                self.held.append(connection)
                continue
            with connection:
                request = connection.recv(4096)
                number = int(request.split(b" ")[1].lstrip(b"/"))
                if number == self.stall:
                    time.sleep(STALL_S)
                connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[OneAtATime]:
    serving = OneAtATime(**getattr(request, "param", {}))
    serving.thread.start()
    yield serving
    serving.stopping.set()
    serving.thread.join(5)
    for held in serving.held:
        held.close()
    serving.listening.close()


def test_schedule_is_one_request_every_one_over_rate() -> None:
    assert load.schedule(4.0, 3) == [0.0, 0.25, 0.5]
    assert load.schedule(10.0, 0) == []
    with pytest.raises(ValueError, match="rate above 0"):
        load.schedule(0.0, 3)


def test_latency_is_counted_from_the_due_time() -> None:
    assert load.latency(due=1.0, finished=1.25) == 0.25


@pytest.mark.parametrize("server", [{"stall": 5}], indirect=True)
def test_a_stall_delays_every_request_due_during_it(server: OneAtATime) -> None:
    offsets = load.schedule(RATE, 30)
    samples = asyncio.run(load.open_loop(server.port, offsets, timeout=5.0))
    assert [s.due_s for s in samples] == pytest.approx(offsets)
    assert all(s.error is None for s in samples)
    # Requests 6.. are due while request 5 holds the server; each waits for the stall's end,
    # so its latency from its due time is at least what was left of the stall then. A
    # closed-loop client would have sent none of them until request 5 was answered.
    stalled_from = samples[5].due_s
    for sample in samples[6:]:
        left = stalled_from + STALL_S - sample.due_s
        if left > 0:
            assert sample.latency_s >= left * 0.9
    delayed = [s for s in samples[6:] if s.latency_s >= STALL_S / 3]
    assert len(delayed) >= 5


@pytest.mark.parametrize("server", [{"silent": True}], indirect=True)
def test_a_server_that_never_answers_times_out_every_request(server: OneAtATime) -> None:
    samples = asyncio.run(load.open_loop(server.port, load.schedule(RATE, 4), timeout=0.2))
    assert [s.latency_s for s in samples] == [None] * 4
    assert all(s.error == "timeout: no answer within 0.2 s" for s in samples)


@pytest.mark.parametrize("server", [{"silent": True}], indirect=True)
def test_past_its_limit_outstanding_a_request_is_not_sent_but_counted(
    server: OneAtATime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "MAX_OUTSTANDING", 2)
    samples = asyncio.run(load.open_loop(server.port, load.schedule(RATE, 5), timeout=1.0))
    not_sent = [s for s in samples if s.error and s.error.startswith(load.NOT_SENT)]
    assert len(not_sent) == 3
    assert all(s.latency_s is None for s in samples)


def test_a_refused_connection_is_an_error_not_a_crash() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    [sample] = asyncio.run(load.open_loop(port, [0.0], timeout=1.0))
    assert sample.latency_s is None
    assert sample.error.startswith("ConnectionRefusedError")


def test_closed_loop_counts_answers_in_each_slice(server: OneAtATime) -> None:
    found = asyncio.run(load.closed_loop(server.port, 4, slices=3, slice_s=0.1, timeout=2.0))
    assert len(found.answered) == 3
    assert sum(found.answered) > 0
    assert found.rates == tuple(n / 0.1 for n in found.answered)


def test_the_generator_process_runs_commands_and_is_gone_after(server: OneAtATime) -> None:
    before = leftovers.snapshot()
    with load.generator() as generator:
        samples = generator.open_loop(server.port, RATE, 5, timeout=2.0)
        found = generator.saturate(server.port, 2, 2, 0.05, timeout=2.0)
    assert len(samples) == 5 and all(s.error is None for s in samples)
    assert len(found.answered) == 2
    assert started_since(before) == []
