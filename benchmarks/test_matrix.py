"""Every selected workload under every selected strategy, worker count and pool variant.

The matrix comes from the command line (``pytest --help``, group "parbench"); each case
is timed by pytest-benchmark and every round's results are checked by the workload.
"""


def test_batch(benchmark, parbench_case, parbench_measure):
    results = parbench_measure(benchmark, parbench_case)
    assert len(results) == parbench_case.tasks
