"""The workload contract, and loading workloads by name, dotted path or file path.

A workload is a module with:

- ``KIND``: ``"io"``, ``"cpu"`` or ``"mixed"``, what its author expects it to be.
- ``tasks(size) -> list``: the inputs of one batch; ``size`` scales the batch. Called
  once per measured round, in the main process.
- ``run(task)``: does one task. Module-level, so that every strategy, process pools
  included, can call it; tasks and results must be picklable.
- optional ``check(tasks, results)``: raises if the results are wrong.
- optional ``setup()`` / ``teardown()``: called around all rounds of one benchmark, in
  the main process (output folders, servers). ``setup()`` may instead return a context
  manager (a ``contextlib.contextmanager`` function), whose exit is the teardown.
- optional ``cleanup(tasks)``: releases what one ``tasks()`` call made, after its
  results were checked, so that long runs keep disk and memory flat.
- optional ``SIZES``: ``{"quick": n, "default": n, "article": n}``; sizes for the
  ``--size`` presets. Without it, every preset is size 1.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

KINDS = ("io", "cpu", "mixed")
SIZE_PRESETS = ("quick", "default", "article")
BUILTIN_PACKAGE = "workloads"


class WorkloadError(ValueError):
    """A workload could not be found, or does not follow the contract."""


@dataclass(frozen=True)
class Workload:
    """A loaded workload module, checked against the contract."""

    name: str
    module: ModuleType

    @property
    def kind(self) -> str:
        return self.module.KIND

    @property
    def run(self) -> Callable[[Any], Any]:
        return self.module.run

    def tasks(self, size: int) -> list[Any]:
        return list(self.module.tasks(size))

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
        held = setup() if setup is not None else None
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


def load(spec: str) -> Workload:
    """Load a workload from a built-in name, a dotted module name or a ``.py`` file path.

    A file's folder is put on ``sys.path`` and the file imported by its stem, so that
    process workers (which import ``run`` by module name) find it too.
    """
    if spec in builtin_names():
        return _validated(spec, importlib.import_module(f"{BUILTIN_PACKAGE}.{spec}"))
    if spec.endswith(".py") or "/" in spec or "\\" in spec:
        path = Path(spec).resolve()
        if not path.is_file():
            raise WorkloadError(f"no workload file at {spec}")
        folder = str(path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module_name = path.stem
    else:
        module_name = spec
    try:
        if importlib.util.find_spec(module_name) is None:
            raise ModuleNotFoundError(module_name)
    except (ModuleNotFoundError, ValueError):
        raise WorkloadError(
            f"unknown workload {spec!r}: not built in ({', '.join(builtin_names())}), "
            "not an importable module, not a .py file"
        ) from None
    return _validated(module_name, importlib.import_module(module_name))


def _validated(name: str, module: ModuleType) -> Workload:
    problems = []
    if getattr(module, "KIND", None) not in KINDS:
        problems.append(f"KIND must be one of {', '.join(KINDS)}")
    for function in ("tasks", "run"):
        if not callable(getattr(module, function, None)):
            problems.append(f"it needs a function {function}()")
    sizes = getattr(module, "SIZES", {})
    if not isinstance(sizes, dict) or not all(
        preset in SIZE_PRESETS and isinstance(n, int) and n > 0 for preset, n in sizes.items()
    ):
        problems.append(f"SIZES must map presets ({', '.join(SIZE_PRESETS)}) to positive ints")
    if problems:
        raise WorkloadError(f"workload {name!r} ({module.__file__}): " + "; ".join(problems))
    return Workload(name=name, module=module)
