"""SIGTERM and SIGHUP stop a run the way Ctrl-C does.

Python turns SIGINT into ``KeyboardInterrupt``, which pytest and the runner answer by
stopping the pools, the live server and the run's temporary folder, and by saving
nothing. SIGTERM and SIGHUP would kill the process outright and leak all of that, so
while a run is configured they raise ``Terminated``, a ``KeyboardInterrupt``, in the
main thread of the main process. A signal the user chose to ignore (``nohup``) stays
ignored, and another handler already in place is left alone.

Forked processes (process-pool workers under fork) inherit Python's signal handlers.
They get the default action back right after the fork, so that terminating a worker
still kills it at once, even in the middle of C code, instead of raising in it.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

#: The signals that interrupt a run; SIGHUP does not exist on Windows.
SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

_reset_at_fork = False


class Terminated(KeyboardInterrupt):
    """The run was asked to stop by SIGTERM or SIGHUP; handled exactly as Ctrl-C."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"stopped by {signal.Signals(signum).name}")


def _default_in_child() -> None:
    for signum in SIGNALS:
        if signal.getsignal(signum) is _interrupt:
            signal.signal(signum, signal.SIG_DFL)


def install() -> dict[int, object]:
    """Make SIGTERM and SIGHUP raise ``Terminated`` in this process, where they still have
    their default action; returns the handlers replaced, for ``restore``.

    Does nothing outside the main thread, where Python cannot set signal handlers.
    """
    global _reset_at_fork
    if threading.current_thread() is not threading.main_thread():
        return {}
    if not _reset_at_fork and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_default_in_child)
        _reset_at_fork = True
    replaced = {}
    for signum in SIGNALS:
        if signal.getsignal(signum) is signal.SIG_DFL:
            replaced[signum] = signal.signal(signum, _interrupt)
    return replaced


def restore(replaced: dict[int, object]) -> None:
    """Put back the handlers that ``install`` replaced."""
    for signum, handler in replaced.items():
        signal.signal(signum, handler)
