"""How many rounds a case is timed for: pytest-benchmark's own settings, or
``--parbench-quick``'s where the run did not set them.

``--parbench-quick`` asks for few rounds (``options.QUICK_MIN_ROUNDS``) and a short
time a benchmark (``options.QUICK_MAX_TIME_S``), in place of pytest-benchmark's
defaults. A ``--benchmark-min-rounds`` or ``--benchmark-max-time`` that the run gives
(on its command line, in ``PYTEST_ADDOPTS`` or in the ini file's ``addopts``) wins over
it. What was used is recorded in each benchmark's ``extra_info`` (``min_rounds`` and
``max_time_s``, from the runner's ``Plan``), since
pytest-benchmark's own ``options`` there say what the options were, not what the
parbench runner did with them.
"""

from __future__ import annotations

import argparse
import os
import shlex
from dataclasses import dataclass

import pytest

from parbench.measure import options

MIN_ROUNDS, MAX_TIME = "--benchmark-min-rounds", "--benchmark-max-time"


@dataclass(frozen=True)
class Rounds:
    """The round settings a run's cases use."""

    min_rounds: int
    max_time: float


def given(config: pytest.Config) -> set[str]:
    """Which of ``MIN_ROUNDS`` and ``MAX_TIME`` the run gave, wherever pytest reads
    arguments from."""
    parser = argparse.ArgumentParser(add_help=False)
    for flag in (MIN_ROUNDS, MAX_TIME):
        parser.add_argument(flag)
    arguments = [
        *config.getini("addopts"),
        *shlex.split(os.environ.get("PYTEST_ADDOPTS", "")),
        *config.invocation_params.args,
    ]
    found, _ = parser.parse_known_args([str(a) for a in arguments])
    return {flag for flag in (MIN_ROUNDS, MAX_TIME) if getattr(found, flag[2:].replace("-", "_"))}


def chosen(config: pytest.Config, quick: bool) -> Rounds:
    """The run's round settings (see the module's docstring)."""
    named = given(config)
    min_rounds = int(config.getoption("benchmark_min_rounds"))
    max_time = float(config.getoption("benchmark_max_time"))
    if quick and MIN_ROUNDS not in named:
        min_rounds = options.QUICK_MIN_ROUNDS
    if quick and MAX_TIME not in named:
        max_time = min(max_time, options.QUICK_MAX_TIME_S)
    return Rounds(min_rounds, max_time)
