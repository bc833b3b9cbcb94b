"""SIGTERM and SIGHUP stop a run the way Ctrl-C does, and every such signal is counted.

Python turns SIGINT into ``KeyboardInterrupt``, which pytest and the runner answer by
stopping the pools, the live server and the run's temporary folder, and by saving
nothing. SIGTERM and SIGHUP would kill the process outright and leak all of that, so
while a run is configured they raise ``Terminated``, a ``KeyboardInterrupt``, in the
main thread of the main process. A signal the user chose to ignore (``nohup``) stays
ignored, and another handler already in place is left alone.

Every signal that arrives while the handlers are installed is recorded (``received``),
SIGINT included, before its exception is raised. A second signal can land anywhere,
even inside the code that handles the first (pytest's own included), and a library may
swallow the exception: the record is what tells a run that was interrupted from one
that ended whole, whatever became of the exceptions.

Where stopping half-way would leave things that cannot be stopped (a dask cluster
whose start is cut short keeps its event loop thread, sockets and worker processes, and
prints their errors), the start runs in ``deferred()``: a signal is recorded and held,
and raised as its own exception once the block ends, so that what the block started
is in hand to be stopped. Such a block must end by itself in bounded time.

Forked processes (process-pool workers under fork) inherit Python's signal handlers.
They get the default action back right after the fork, so that terminating a worker
still kills it at once, even in the middle of C code, instead of raising in it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

#: What ``signal.signal`` takes and returns: a function, SIG_DFL or SIG_IGN, or None.
Handler = Callable[[int, FrameType | None], Any] | int | None

#: The signals that interrupt a run; SIGHUP does not exist on Windows.
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

_reset_at_fork = False
_received: list[str] = []
#: How many ``deferred`` blocks are running, and the signals they hold.
_deferring = 0
_held: list[int] = []


class Terminated(KeyboardInterrupt):
    """The run was asked to stop by SIGTERM or SIGHUP; handled exactly as Ctrl-C."""


def _exception(signum: int) -> KeyboardInterrupt:
    """What ``signum`` raises: Ctrl-C's own ``KeyboardInterrupt``, or ``Terminated``."""
    if signum == signal.SIGINT:
        return KeyboardInterrupt()
    return Terminated(f"stopped by {signal.Signals(signum).name}")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signal.Signals(signum).name)
    if _deferring:
        _held.append(signum)
        return
    raise _exception(signum)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold back the interrupts that arrive while the block runs; once it has ended,
    raise the first, as its handler would have, in place of anything the block raised.
    The block must end by itself in bounded time. Only signals whose handlers
    ``install`` put in place are held."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _held:
            first = _held[0]
            _held.clear()
            # What the block raised was the interrupt's doing (a cluster whose workers
            # Ctrl-C also reached): the interrupt is what the user needs to see.
            raise _exception(first) from None


def _default_in_child() -> None:
    _received.clear()
    _held.clear()
    for signum in SIGNALS:
        if signal.getsignal(signum) is _interrupt:
            signal.signal(signum, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is _interrupt:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def received() -> tuple[str, ...]:
    """The names of the signals received since ``install``, in order (``SIGINT``, ...)."""
    return tuple(_received)


def install() -> dict[int, Handler]:
    """Make SIGTERM and SIGHUP raise ``Terminated`` in this process, where they still have
    their default action, and record these and SIGINT (where Python's own handler is in
    place) from now on; returns the handlers replaced, for ``restore``.

    Does nothing outside the main thread, where Python cannot set signal handlers.
    """
    global _reset_at_fork
    if threading.current_thread() is not threading.main_thread():
        return {}
    if not _reset_at_fork and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_default_in_child)
        _reset_at_fork = True
    _received.clear()
    replaced: dict[int, Handler] = {}
    for signum in SIGNALS:
        if signal.getsignal(signum) is signal.SIG_DFL:
            replaced[signum] = signal.signal(signum, _interrupt)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        replaced[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    return replaced


def restore(replaced: dict[int, Handler]) -> None:
    """Put back the handlers that ``install`` replaced."""
    for signum, handler in replaced.items():
        signal.signal(signum, handler)
