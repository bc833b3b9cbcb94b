"""Request handlers: what a server under test does for each request, and the contract a
user's own handler follows.

A handler is a module with:

- ``handle(path: str) -> bytes``: the body of the response to a ``GET`` of ``path``. It
  is module-level, so that every server model can import it by module name: threads,
  pre-forked processes, sub-interpreters. An exception it raises is answered with
  ``500`` and one line naming it; the load generator counts it as an error.
- optional ``async def ahandle(path: str) -> bytes``: what the asyncio server awaits.
  Without it the asyncio server calls ``handle`` in its event loop, as a synchronous
  endpoint in an async framework would, blocking the loop while it runs.

Built in: ``waiting`` (a sleep, as a call to another service), ``holding`` (pure Python,
holding the GIL), ``releasing`` (SHA-256, which releases the GIL) and ``mixed`` (half
waiting, half holding). A user's handler is named by its dotted module name or by the
path of its ``.py`` file, as a workload is.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from parbench.contract.workload import describe
from parbench.errors import ParbenchError

BUILTIN_PACKAGE = "parbench.latency.handlers"
BUILTIN = ("waiting", "holding", "releasing", "mixed")


class HandlerError(ParbenchError, ValueError):
    """A handler could not be loaded; the message names it and what is wrong."""


@dataclass(frozen=True)
class Handler:
    """A loaded handler: its short ``name``, the ``spec`` that names it (what a server
    process loads it by) and its module."""

    name: str
    spec: str
    module: ModuleType

    @property
    def is_async(self) -> bool:
        return getattr(self.module, "ahandle", None) is not None


def load(spec: str) -> Handler:
    """The handler ``spec`` names: a built-in name, a dotted module name or a ``.py`` path.

    Raises ``HandlerError`` with one line: no such handler, it fails to import, or it
    breaks the contract.
    """
    if spec in BUILTIN:
        return _validated(spec, spec, importlib.import_module(f"{BUILTIN_PACKAGE}.{spec}"))
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = Path(spec).resolve()
        if not path.is_file() or path.suffix != ".py" or "." in path.stem:
            raise HandlerError(
                f"handler {spec!r}: no such file; a handler file is named <module name>.py"
            )
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        return _validated(path.stem, str(path), _imported(spec, path.stem))
    return _validated(spec, spec, _imported(spec, spec))


@functools.cache
def cached(spec: str) -> Handler:
    """``load(spec)``, once per process: what a server process or worker calls per request."""
    return load(spec)


def call(spec: str, path: str) -> bytes:
    """The handler ``spec``'s answer to ``path``: module-level, so that a pool of processes
    or sub-interpreters can run it by name."""
    return cached(spec).module.handle(path)


def repeat(spec: str, seconds: float, switch_interval: float | None = None) -> int:
    """Call the handler ``spec`` again and again for ``seconds``; returns how many calls
    finished. The background work of the responsiveness benchmarks, run in a worker.
    ``switch_interval`` is set in the worker's interpreter first, where given."""
    if switch_interval is not None:
        sys.setswitchinterval(switch_interval)
    handle = cached(spec).module.handle
    end = time.perf_counter() + seconds
    done = 0
    while time.perf_counter() < end:
        handle("/background")
        done += 1
    return done


def _imported(spec: str, module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            raise HandlerError(
                f"unknown handler {spec!r}: not built in ({', '.join(BUILTIN)}), "
                "not an importable module, not a .py file"
            ) from None
        raise HandlerError(f"handler {spec!r} failed to import: {describe(error)}") from None
    except (Exception, SystemExit) as error:
        raise HandlerError(f"handler {spec!r} failed to import: {describe(error)}") from None


def _validated(name: str, spec: str, module: ModuleType) -> Handler:
    problems = []
    if not callable(getattr(module, "handle", None)):
        problems.append("it needs a function handle(path) -> bytes")
    elif inspect.iscoroutinefunction(module.handle):
        problems.append("handle() must be a plain def function (put the async one in ahandle)")
    ahandle = getattr(module, "ahandle", None)
    if ahandle is not None and not inspect.iscoroutinefunction(ahandle):
        problems.append("ahandle() must be an async def function")
    if problems:
        raise HandlerError(f"handler {name!r} ({module.__file__}): " + "; ".join(problems))
    return Handler(name=name, spec=spec, module=module)
