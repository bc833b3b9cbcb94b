"""SIGTERM and SIGHUP interrupt a run as Ctrl-C does, in the main process only."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from multiprocessing.synchronize import Event

import pytest

from parbench.measure import interrupts


@pytest.fixture
def installed() -> Iterator[dict[int, object]]:
    """The handlers installed over the default actions; everything put back afterwards."""
    previous = {signum: signal.signal(signum, signal.SIG_DFL) for signum in interrupts.SIGNALS}
    replaced = interrupts.install()
    try:
        yield replaced
    finally:
        interrupts.restore(replaced)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_the_signal_raises_a_keyboard_interrupt(installed: dict, name: str) -> None:
    signum = getattr(signal, name)
    # Were the handler missing, the signal would end this test process.
    assert signal.getsignal(signum) not in (signal.SIG_DFL, signal.SIG_IGN)
    with pytest.raises(interrupts.Terminated, match=f"stopped by {name}") as raised:
        os.kill(os.getpid(), signum)
        time.sleep(5)
    assert isinstance(raised.value, KeyboardInterrupt)
    assert interrupts.received() == (name,)


def test_every_signal_is_recorded_even_where_its_exception_is_swallowed(installed: dict) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGINT):
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)
        except KeyboardInterrupt:
            pass
    assert interrupts.received() == ("SIGINT", "SIGTERM", "SIGINT")


def test_restore_puts_the_default_action_back(installed: dict) -> None:
    assert set(installed) == {*interrupts.SIGNALS, signal.SIGINT}
    interrupts.restore(installed)
    assert all(signal.getsignal(s) is signal.SIG_DFL for s in interrupts.SIGNALS)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        replaced = interrupts.install()
        interrupts.restore(replaced)
        assert signal.SIGHUP not in replaced
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


def wait_for_the_signal(ready: Event) -> None:
    ready.set()
    time.sleep(30)


def test_a_forked_worker_dies_by_the_signal_itself(installed: dict) -> None:
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    worker = context.Process(target=wait_for_the_signal, args=(ready,))
    worker.start()
    try:
        assert ready.wait(10)
        os.kill(worker.pid, signal.SIGTERM)
        worker.join(10)
        # Killed by the signal (-15); an inherited handler would have raised (exit code 1).
        assert worker.exitcode == -signal.SIGTERM
    finally:
        worker.kill()
        worker.join()


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_deferred_block_holds_the_signal_and_raises_it_when_it_ends(
    installed: dict, name: str
) -> None:
    signum = getattr(signal, name)
    finished = []
    with pytest.raises(KeyboardInterrupt) as raised, interrupts.deferred():
        os.kill(os.getpid(), signum)
        time.sleep(0.2)
        finished.append(True)
        # What the block raises after the signal is the signal's doing: not shown.
        raise RuntimeError("Nanny failed to start")
    assert finished == [True]
    assert type(raised.value) is (KeyboardInterrupt if name == "SIGINT" else interrupts.Terminated)
    assert raised.value.__suppress_context__
    assert interrupts.received() == (name,)
    # Outside the block, a signal raises at once again.
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signum)
        time.sleep(5)
