"""The workload contract, and loading workloads by name, dotted path or file path.

A workload is a module with:

- ``KIND``: ``"io"``, ``"cpu"`` or ``"mixed"``, what its author expects it to be.
- ``tasks(size) -> list``, or ``tasks(size, context)``: the inputs of one batch, 1 to
  ``MAX_TASKS`` of them (a list, or another sequence); ``size`` scales the batch. Called
  once per measured round, in the main process. ``context`` (``parbench.contract.context.Context``)
  is what the suite gives a workload: where its URLs go, the network's latency, a
  request's timeout and body limit, and an output folder of its own. What ``run``
  needs of it goes into the tasks, which reach every worker as they are.
- ``run(task)``: does one task. Module-level, so that every strategy, process pools
  included, can call it; tasks and results must be picklable.
- optional ``arun(task)``: an ``async def`` that does what ``run`` does, for the asyncio
  strategy, which awaits it on an event loop in the main process. A module whose ``arun``
  cannot work here (a package it needs is missing) says why in ``ARUN_UNAVAILABLE``, a
  string, with what to install; asyncio is then skipped with that reason.
- optional ``check(tasks, results)``: raises if the results are wrong.
- optional ``setup()`` / ``teardown()``: called around all rounds of one benchmark, in
  the main process (output folders, servers). ``setup()`` may instead return a context
  manager (a ``contextlib.contextmanager`` function), whose exit is the teardown.
- optional ``cleanup(tasks)``: releases what one ``tasks()`` call made, after its
  results were checked, so that long runs keep disk and memory flat.
- optional ``IN_DEFAULT_RUN``: ``False`` leaves a built-in workload out of a run that
  names no ``--parbench-workloads`` (it runs when named).
- optional ``SIZES``: ``{"quick": n, "default": n, "article": n}``; sizes for the
  ``--parbench-size`` presets, 1 to ``MAX_SIZE``. Without it, every preset is size 1.

A module that fails to import, or breaks the contract, is a ``WorkloadError`` whose
message is one line naming the workload and what is wrong.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from parbench.contract.context import Context
from parbench.errors import ParbenchError

KINDS = ("io", "cpu", "mixed")
SIZE_PRESETS = ("quick", "default", "article")
BUILTIN_PACKAGE = "parbench.workloads"
#: The largest size passed to ``tasks(size)``: ten times the article's (factorial's 100000).
MAX_SIZE = 1_000_000
#: The most tasks a batch may hold: twice the article's 500,000 factorials. Every pool's
#: ``map`` holds a future per chunk, about 2 KiB each: 2 GiB at chunksize 1.
MAX_TASKS = 1_000_000


class WorkloadError(ParbenchError, ValueError):
    """A workload could not be found, or does not follow the contract."""


@dataclass(frozen=True)
class Workload:
    """A loaded workload module, checked against the contract."""

    name: str
    module: ModuleType

    @property
    def source_hash(self) -> str | None:
        """The sha256 of the module's source (hex), or ``None`` where it cannot be read
        (a module without a source file): saved with each case, so that a comparison of
        two runs can tell when the work itself changed."""
        try:
            source = inspect.getsource(self.module)
        except (OSError, TypeError):
            return None
        return hashlib.sha256(source.encode("utf-8")).hexdigest()

    @property
    def kind(self) -> str:
        return self.module.KIND

    @property
    def run(self) -> Callable[[Any], Any]:
        return self.module.run

    @property
    def arun(self) -> Callable[[Any], Awaitable[Any]] | None:
        """The async variant of ``run``, or ``None`` where the module has none."""
        return getattr(self.module, "arun", None)

    def why_no_arun(self) -> str | None:
        """Why ``arun`` cannot run this workload's tasks here, or ``None`` when it can."""
        unavailable = getattr(self.module, "ARUN_UNAVAILABLE", None)
        if unavailable:
            return f"workload {self.name}: {unavailable}"
        if self.arun is None:
            return f"workload {self.name} has no arun(task)"
        return None

    @property
    def takes_context(self) -> bool:
        """Whether the module's ``tasks`` takes the context as a second argument."""
        return _positional(self.module.tasks) >= 2

    def tasks(self, size: int, context: Context | None = None) -> list[Any]:
        """The batch ``tasks(size)`` (or ``tasks(size, context)``) makes, as a list. The
        suite always gives a context; only a workload that takes none can do without.

        Raises ``WorkloadError`` if ``tasks`` raises, or returns anything but a sequence
        of 1 to ``MAX_TASKS`` tasks.
        """
        try:
            made = (
                self.module.tasks(size, context) if self.takes_context else self.module.tasks(size)
            )
        except Exception as error:
            raise self._error(f"tasks({size}) raised {describe(error)}") from error
        if isinstance(made, (str, bytes, bytearray)) or not isinstance(made, Sequence):
            raise self._error(
                f"tasks({size}) returned a {type(made).__name__}, not a list of tasks"
            )
        if not 1 <= len(made) <= MAX_TASKS:
            raise self._error(
                f"tasks({size}) made {len(made):,} tasks; a batch holds 1 to {MAX_TASKS:,}"
            )
        return list(made)

    def _error(self, problem: str) -> WorkloadError:
        return WorkloadError(f"workload {self.name!r} ({self.module.__file__}): {problem}")

    def size(self, preset: str) -> int:
        """The size that ``preset`` (one of ``SIZE_PRESETS``) means for this workload."""
        return getattr(self.module, "SIZES", {}).get(preset, 1)

    def check(self, tasks: list[Any], results: list[Any]) -> None:
        """Raise ``AssertionError`` unless ``results`` answer ``tasks`` one for one."""
        if len(results) != len(tasks):
            raise AssertionError(f"{self.name}: {len(tasks)} tasks gave {len(results)} results")
        check = getattr(self.module, "check", None)
        if check is not None:
            check(tasks, results)

    def cleanup(self, tasks: list[Any]) -> None:
        cleanup = getattr(self.module, "cleanup", None)
        if cleanup is not None:
            cleanup(tasks)

    @contextlib.contextmanager
    def setup(self) -> Iterator[None]:
        """Hold the workload's setup for the block; its teardown runs however it ends."""
        setup = getattr(self.module, "setup", None)
        teardown = getattr(self.module, "teardown", None)
        held: Any = setup() if setup is not None else None
        if hasattr(held, "__enter__"):
            with held:
                yield
            return
        try:
            yield
        finally:
            if teardown is not None:
                teardown()


def builtin_names() -> list[str]:
    """Names of the workloads shipped in ``workloads/``, sorted; a module whose name starts
    with ``_`` is a helper shared by workloads, not one itself."""
    package = importlib.import_module(BUILTIN_PACKAGE)
    modules = pkgutil.iter_modules(package.__path__)
    return sorted(info.name for info in modules if not info.name.startswith("_"))


def default_names() -> list[str]:
    """The built-in workloads a run measures when it names none: those that do not set
    ``IN_DEFAULT_RUN = False``."""
    return [
        name
        for name in builtin_names()
        if getattr(load(name).module, "IN_DEFAULT_RUN", True) is not False
    ]


def load(spec: str) -> Workload:
    """Load a workload from a built-in name, a dotted module name or a ``.py`` file path.

    A file's folder is put on ``sys.path`` and the file imported by its stem, so that
    process workers (which import ``run`` by module name) find it too.
    """
    if spec in builtin_names():
        return _validated(spec, _imported(spec, f"{BUILTIN_PACKAGE}.{spec}"))
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = _workload_file(spec)
        return _validated(path.stem, _imported(spec, path.stem, path))
    return _validated(spec, _imported(spec, spec))


def _workload_file(spec: str) -> Path:
    path = Path(spec).resolve()
    if not path.is_file():
        raise WorkloadError(f"no workload file at {spec}")
    if path.suffix != ".py" or "." in path.stem:
        raise WorkloadError(f"{spec}: a workload file is named <module name>.py, e.g. my_work.py")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return path


def _imported(spec: str, module_name: str, path: Path | None = None) -> ModuleType:
    """Import ``module_name`` (which must be the file at ``path``, when given)."""
    try:
        found = importlib.util.find_spec(module_name)
    except (ModuleNotFoundError, ValueError):
        found = None
    except (Exception, SystemExit) as error:  # a parent package failed to import
        raise _import_failed(spec, error) from None
    if found is None:
        raise WorkloadError(
            f"unknown workload {spec!r}: not built in ({', '.join(builtin_names())}), "
            "not an importable module, not a .py file"
        )
    if path is not None and (found.origin is None or Path(found.origin).resolve() != path):
        raise WorkloadError(
            f"{spec}: its module name {module_name!r} is taken by {found.origin}; rename the file"
        )
    try:
        return importlib.import_module(module_name)
    except (Exception, SystemExit) as error:
        raise _import_failed(spec, error) from None


def _import_failed(spec: str, error: BaseException) -> WorkloadError:
    return WorkloadError(f"workload {spec!r} failed to import: {describe(error)}")


def describe(error: BaseException) -> str:
    """``error`` on one line, with where it was raised: ``Type: message (file, line n)``."""
    text, where = str(error), None
    if isinstance(error, SyntaxError):
        text, where = error.msg, (error.filename, error.lineno)
    elif frames := traceback.extract_tb(error.__traceback__):
        where = (frames[-1].filename, frames[-1].lineno)
    message = " ".join(f"{type(error).__name__}: {text}".split()) if text else type(error).__name__
    return f"{message} ({where[0]}, line {where[1]})" if where else message


def _positional(function: Callable[..., Any]) -> int:
    """How many positional arguments ``function`` takes (-1 where it cannot be told)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return -1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in kinds for p in parameters)


def _validated(name: str, module: ModuleType) -> Workload:
    problems = []
    if getattr(module, "KIND", None) not in KINDS:
        problems.append(f"KIND must be one of {', '.join(KINDS)}")
    for function in ("tasks", "run"):
        if not callable(getattr(module, function, None)):
            problems.append(f"it needs a function {function}()")
    if callable(getattr(module, "tasks", None)) and _positional(module.tasks) in (0, 3, 4, 5):
        problems.append("tasks() must take (size) or (size, context)")
    if getattr(module, "arun", None) is not None and not inspect.iscoroutinefunction(module.arun):
        problems.append("arun() must be an async def function")
    sizes = getattr(module, "SIZES", {})
    if not isinstance(sizes, dict) or not all(
        preset in SIZE_PRESETS and isinstance(n, int) and 1 <= n <= MAX_SIZE
        for preset, n in sizes.items()
    ):
        problems.append(
            f"SIZES must map presets ({', '.join(SIZE_PRESETS)}) to whole numbers from 1 to "
            f"{MAX_SIZE:,}"
        )
    if problems:
        raise WorkloadError(f"workload {name!r} ({module.__file__}): " + "; ".join(problems))
    return Workload(name=name, module=module)
