"""The latency benchmarks as pytest tests: servers under open-loop load, and a main-thread
ticker beside background work. ``benchmarks/test_servers.py`` and
``benchmarks/test_responsiveness.py`` collect them; the plugin runs them when named
(``--parbench-latency-suite``). Each runs its case once, timed by pytest-benchmark, and
keeps every sample in the benchmark's ``extra_info`` (``parbench.latency.saved``).
"""

from typing import Any

import pytest

TESTS = {"servers": "test_server", "responsiveness": "test_responsiveness"}


@pytest.mark.parbench_latency("servers")
def test_server(benchmark: Any, parbench_server_case: Any, parbench_latency_measure: Any) -> None:
    info = parbench_latency_measure(benchmark, parbench_server_case)
    assert info["slice_rates"]


@pytest.mark.parbench_latency("responsiveness")
def test_responsiveness(
    benchmark: Any, parbench_tick_case: Any, parbench_latency_measure: Any
) -> None:
    info = parbench_latency_measure(benchmark, parbench_tick_case)
    assert info["lags_s"]
