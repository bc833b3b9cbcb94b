"""Sub-interpreters: an ``InterpreterPoolExecutor``, each worker an interpreter with its
own GIL in a thread of the main process (PEP 734).

The standard library has it from Python 3.14; on 3.13 the ``interpreters-pep-734``
backport provides it (``pip install 'parbench[interpreters]'``). Elsewhere the strategy
is unavailable and its benchmarks are skipped, saying why; nothing stands in for it.
"""

from __future__ import annotations

import functools
import importlib
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from types import ModuleType
from typing import Any

from parbench.contract.workload import Workload
from parbench.strategies import PoolSpec, Strategy

INSTALL_HINT = "pip install 'parbench[interpreters]'"


PROBE_TIMEOUT_S = 10.0
# One task whose result must be pickled across interpreters (an int over 64 bits): the
# 3.13 backport was seen to hang on exactly that, forever, with its threads spinning.
PROBE = """
import math
from {module} import InterpreterPoolExecutor
with InterpreterPoolExecutor(1) as pool:
    assert pool.submit(math.factorial, 30).result() == math.factorial(30)
"""


def _executor_module() -> str | None:
    """Where ``InterpreterPoolExecutor`` comes from here, or ``None`` if nowhere."""
    for module in ("concurrent.futures", "interpreters_backport.concurrent.futures"):
        try:
            if hasattr(importlib.import_module(module), "InterpreterPoolExecutor"):
                return module
        except ImportError:
            continue
    return None


def _executor_class() -> type[Executor]:
    return importlib.import_module(_executor_module() or "").InterpreterPoolExecutor


def _interpreters() -> ModuleType:
    try:
        from concurrent import interpreters  # type: ignore[attr-defined]  # Python 3.14+
    except ImportError:
        from interpreters_backport import interpreters
    return interpreters


@functools.cache
def _unavailable() -> str | None:
    """Why no sub-interpreter pool can run here: none exists, or the one that exists fails
    the probe (run in a child process, so that a hang is contained and killed)."""
    version = ".".join(map(str, sys.version_info[:3]))
    module = _executor_module()
    if module is None:
        return (
            f"sub-interpreters need Python 3.14, or 3.13 with the interpreters-pep-734 "
            f"backport ({INSTALL_HINT}); this is Python {version} without them"
        )
    probe = PROBE.format(module=module)
    try:
        subprocess.run(
            [sys.executable, "-c", probe], check=True, capture_output=True, timeout=PROBE_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return (
            f"{module}.InterpreterPoolExecutor on Python {version} hangs returning a result "
            f"that must be pickled (factorial(30) did not come back in {PROBE_TIMEOUT_S:g} s)"
        )
    except subprocess.CalledProcessError as error:
        last = (error.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        return f"{module}.InterpreterPoolExecutor fails on Python {version}: {last}"
    return None


def prepare(path: list[str], initializer: Callable[..., None] | None, initargs: tuple) -> None:
    """Runs in each new sub-interpreter: the main process's import path, then the pool's
    own initializer. A sub-interpreter starts from the default path, so without this it
    would not find a workload imported from a file or the source tree."""
    sys.path[:] = path
    if initializer is not None:
        initializer(*initargs)


def _make(spec: PoolSpec) -> Executor:
    executor_class: Any = _executor_class()
    return executor_class(
        max_workers=spec.workers,
        initializer=prepare,
        initargs=(list(sys.path), spec.initializer, spec.initargs),
    )


def _incompatible(workload: Workload) -> str | None:
    """Why ``workload`` cannot run in a sub-interpreter (its module, or a C extension it
    imports, will not load there), or ``None`` when it can."""
    interpreter = _interpreters().create()
    try:
        interpreter.exec(
            f"import sys\nsys.path[:] = {list(sys.path)!r}\n"
            f"import parbench.network, {workload.module.__name__}\n"
        )
    except Exception as error:
        last = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        return f"{workload.name} cannot run in a sub-interpreter: {last}"
    finally:
        interpreter.close()
    return None


STRATEGY = Strategy(
    name="interpreters",
    summary="a pool of sub-interpreters in the main process, each with its own GIL",
    make_executor=_make,
    unavailable=_unavailable,
    incompatible=_incompatible,
)
