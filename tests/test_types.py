"""The package type-checks clean under mypy (settings in pyproject.toml: strict for the
pure modules, the analysis and the saved format)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import SUITE_ROOT


def test_mypy_finds_nothing() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (test extra)")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "src/parbench"],
        cwd=SUITE_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
