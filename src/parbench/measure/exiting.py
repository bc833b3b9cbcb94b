"""The interpreter's exit, bounded: a thread a task left running does not hold it forever.

Python's exit waits for every non-daemon thread to end. A task that starts one that
never ends (run serially, in a thread pool or on the event loop, all in the main
process) would hang the run after its last line, with nothing said. ``BoundedExit``, a
pytest plugin, waits at exit at most ``EXIT_TIMEOUT_S`` for the non-daemon threads
started since it was made; then, if any still runs, it names them in one line on
standard error and ends the process at once (``os._exit``) with the session's exit
status. (Process workers are bounded by their pool: ``strategies.processes``.)
"""

from __future__ import annotations

import os
import sys
import threading
import time

EXIT_TIMEOUT_S = 5.0


#: The plugin of the latest session in this process, whose wait the exit runs.
_latest: BoundedExit | None = None


def _at_exit() -> None:
    if _latest is not None:
        _latest.wait()


class BoundedExit:
    """Plugin: bounds the wait at exit for the threads started from now on (see the
    module's docstring). A process that runs several sessions (pytest's own tests of
    plugins) registers one wait at exit, that of its latest session."""

    def __init__(self) -> None:
        global _latest
        self.before = {thread.ident for thread in threading.enumerate()}
        self.status = 0
        if _latest is None:
            # Private but present from 3.9 on: called as the interpreter's exit begins,
            # before it waits for non-daemon threads (concurrent.futures uses it so).
            register = getattr(threading, "_register_atexit", None)
            if register is not None:
                register(_at_exit)
        _latest = self

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        self.status = int(exitstatus)

    def stray(self) -> list[threading.Thread]:
        """Non-daemon threads started since this plugin was made, still running."""
        return [
            thread
            for thread in threading.enumerate()
            if not thread.daemon
            and thread is not threading.main_thread()
            and thread.ident not in self.before
            and thread.is_alive()
        ]

    def wait(self) -> None:
        deadline = time.monotonic() + EXIT_TIMEOUT_S
        for thread in self.stray():
            thread.join(max(0.0, deadline - time.monotonic()))
        left = self.stray()
        if not left:
            return
        names = ", ".join(thread.name for thread in left)
        sys.stdout.flush()
        print(
            f"parbench: {len(left)} thread(s) that a task started still running "
            f"{EXIT_TIMEOUT_S:g} s after the run ended ({names}); exiting without them",
            file=sys.stderr,
            flush=True,
        )
        os._exit(self.status)
