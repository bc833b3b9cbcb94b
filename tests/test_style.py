"""The code base stays ruff-clean (rules in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from helpers import SUITE_ROOT


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (test extra)")
def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        ["ruff", "check", "--output-format=concise", "."],
        cwd=SUITE_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
