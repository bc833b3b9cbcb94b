"""--parbench-quick shortens what the run left to pytest-benchmark's defaults, never what
it set itself, and every saved benchmark says what was used."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from parbench.measure import options, rounds

from helpers import SUITE_ROOT, run_pytest


def saved_rounds(tmp_path: Path, *arguments: str) -> list[tuple[int, dict]]:
    """Each saved benchmark's round count and recorded settings, from a quick run of one
    serial case."""
    result = run_pytest(
        sys.executable,
        SUITE_ROOT,
        [
            "benchmarks",
            "--benchmark-only",
            "--parbench-quick",
            "--parbench-workloads=trivial",
            "--parbench-strategies=serial",
            f"--benchmark-json={tmp_path / 'run.json'}",
            *arguments,
        ],
        tmp_path / "tmp",
        240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    document = json.loads((tmp_path / "run.json").read_text())
    return [
        (
            b["stats"]["rounds"],
            {key: b["extra_info"][key] for key in ("min_rounds", "max_time_s")},
        )
        for b in document["benchmarks"]
    ]


def test_an_explicit_min_rounds_wins_over_quick(tmp_path: Path) -> None:
    found = saved_rounds(tmp_path, "--benchmark-min-rounds=7")
    assert found
    for count, recorded in found:
        assert recorded == {"min_rounds": 7, "max_time_s": options.QUICK_MAX_TIME_S}
        assert count >= 7


def test_quick_sets_what_the_run_left_unset_and_says_so(tmp_path: Path) -> None:
    found = saved_rounds(tmp_path, "--benchmark-max-time=0.05")
    assert found
    for count, recorded in found:
        assert recorded == {"min_rounds": options.QUICK_MIN_ROUNDS, "max_time_s": 0.05}
        assert count >= options.QUICK_MIN_ROUNDS


@pytest.mark.parametrize(
    ("addopts", "ini", "arguments", "expected"),
    [
        ("", "", ["--benchmark-min-rounds", "9"], (9, 0.25)),
        ("--benchmark-min-rounds 9", "", [], (9, 0.25)),
        ("", "--benchmark-max-time=0.1", [], (4, 0.1)),
        ("", "", [], (4, 0.25)),
    ],
)
def test_a_setting_counts_as_given_wherever_pytest_reads_it(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    addopts: str,
    ini: str,
    arguments: list[str],
    expected: tuple[int, float],
) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", addopts)
    pytester.makeini(f"[pytest]\naddopts = {ini}\n")
    config = pytester.parseconfig(*arguments)
    settings = rounds.chosen(config, quick=True)
    assert (settings.min_rounds, settings.max_time) == expected
