"""The benchmark matrix as a pytest test: every selected workload under every selected
strategy, worker count and pool variant.

The plugin collects this module whenever ``--parbench-workloads`` is given without test paths,
in any project; the repository's ``benchmarks/test_matrix.py`` collects the same test.
Each case is timed by pytest-benchmark and every round's results are checked by the
workload.
"""

from typing import Any


def test_batch(benchmark: Any, parbench_case: Any, parbench_measure: Any) -> None:
    results = parbench_measure(benchmark, parbench_case)
    assert len(results) == parbench_case.task_count
