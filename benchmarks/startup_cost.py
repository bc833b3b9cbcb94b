"""What parbench costs a pytest run that uses none of it: the same tiny run of pytest with
the plugin and without it (``-p no:parbench``), and ``import parbench.measure.plugin`` beside
``import pytest``, each in a fresh interpreter.

Not collected with the matrix (its name does not start with ``test_``); run it alone:
``pytest benchmarks/startup_cost.py --benchmark-only``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROUNDS = 10
TIMEOUT_S = 60


def _run(command: list[str], folder: Path) -> None:
    subprocess.run(command, cwd=folder, check=True, capture_output=True, timeout=TIMEOUT_S)


@pytest.mark.parametrize("plugin", ["with parbench", "without parbench"])
def test_unrelated_pytest_run(benchmark: Any, tmp_path: Path, plugin: str) -> None:
    (tmp_path / "test_tiny.py").write_text("def test_tiny():\n    assert True\n")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_tiny.py"]
    if plugin == "without parbench":
        command[3:3] = ["-p", "no:parbench"]
    benchmark.pedantic(_run, args=(command, tmp_path), rounds=ROUNDS, warmup_rounds=1)


@pytest.mark.parametrize("module", ["pytest", "parbench.measure.plugin"])
def test_import(benchmark: Any, tmp_path: Path, module: str) -> None:
    command = [sys.executable, "-c", f"import {module}"]
    benchmark.pedantic(_run, args=(command, tmp_path), rounds=ROUNDS, warmup_rounds=1)
