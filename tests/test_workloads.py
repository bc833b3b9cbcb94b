"""Each workload gives the same, correct results under each strategy, and its check bites."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from parbench import network, runner, workload

from helpers import make_case

BUILTINS = [
    "download",
    "factorial",
    "files_cached",
    "files_uncached",
    "gil_releasing",
    "pure_python",
    "sleep",
    "sqlite_lookup",
    "sqlite_scan",
]
POOLS = [
    ("serial", {}),
    ("threads", {"workers": 4}),
    ("processes", {"workers": 2, "start_method": "fork"}),
    ("processes", {"workers": 2, "start_method": "spawn", "chunksize": 3, "cold": True}),
]


def comparable(name: str, results: list) -> list:
    """Results with what legitimately differs between batches (download folders) removed."""
    if name == "download":
        return [(r.url, Path(r.path).name, r.written, r.server_digest) for r in results]
    return results


def test_builtin_workloads_are_those_of_the_suite() -> None:
    assert workload.builtin_names() == BUILTINS


@pytest.mark.parametrize("name", BUILTINS)
def test_every_strategy_gives_the_serial_results(
    name: str, mock_network: network.NetworkSettings
) -> None:
    outcomes = []
    for strategy, pool in POOLS:
        results = runner.run_once(make_case(name, strategy, **pool), mock_network)
        outcomes.append(comparable(name, results))
    assert all(outcome == outcomes[0] for outcome in outcomes[1:])
    assert len(outcomes[0]) == make_case(name, "serial").tasks


@pytest.mark.parametrize("name", BUILTINS)
def test_check_rejects_results_out_of_order(name: str, mock_network: network.NetworkSettings):
    loaded = workload.load(name)
    with loaded.setup():
        tasks = loaded.tasks(loaded.size("quick"))
        results = [loaded.run(task) for task in tasks]
        loaded.check(tasks, results)
        shuffled = results[1:] + results[:1]
        if name == "download":
            Path(results[0].path).write_bytes(b"torn")
            shuffled = results
        with pytest.raises(AssertionError):
            loaded.check(tasks, shuffled)
        with pytest.raises(AssertionError, match="tasks gave"):
            loaded.check(tasks, results[:-1])
        loaded.cleanup(tasks)


def test_factorial_is_the_articles_list() -> None:
    factorial = workload.load("factorial")
    assert factorial.size("article") == 100_000
    tasks = factorial.tasks(factorial.size("article"))
    assert len(tasks) == 500_000
    assert tasks[:6] == [10, 20, 30, 40, 50, 10]
    assert factorial.run(50) == math.factorial(50)


def test_kinds_are_declared() -> None:
    kinds = {name: workload.load(name).kind for name in BUILTINS}
    assert kinds == {
        "download": "io",
        "factorial": "cpu",
        "files_cached": "io",
        "files_uncached": "io",
        "gil_releasing": "cpu",
        "pure_python": "cpu",
        "sleep": "io",
        "sqlite_lookup": "io",
        "sqlite_scan": "io",
    }


def test_user_workload_from_a_file(tmp_path: Path) -> None:
    source = tmp_path / "triple.py"
    source.write_text(
        "KIND = 'cpu'\ndef tasks(size):\n    return list(range(size))\n"
        "def run(n):\n    return 3 * n\n"
    )
    loaded = workload.load(str(source))
    assert loaded.name == "triple"
    assert loaded.size("default") == 1
    assert [loaded.run(task) for task in loaded.tasks(4)] == [0, 3, 6, 9]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def tasks(size):\n    return []\ndef run(t):\n    return t\n", "KIND must be"),
        ("KIND = 'io'\ndef run(t):\n    return t\n", "needs a function tasks"),
        (
            "KIND = 'io'\nSIZES = {'huge': 1}\ndef tasks(s):\n    return []\n"
            "def run(t):\n    return t\n",
            "SIZES must map",
        ),
    ],
)
def test_contract_breaches_are_named(tmp_path: Path, source: str, problem: str) -> None:
    path = tmp_path / f"broken_{abs(hash(source))}.py"
    path.write_text(source)
    with pytest.raises(workload.WorkloadError, match=problem):
        workload.load(str(path))


def test_unknown_workload_lists_the_builtins() -> None:
    with pytest.raises(workload.WorkloadError, match="download, factorial"):
        workload.load("no_such_workload_here")


def test_setup_and_teardown_functions_wrap_a_benchmark(tmp_path: Path) -> None:
    source = tmp_path / "with_teardown.py"
    source.write_text(
        "KIND = 'io'\nevents = []\n"
        "def setup():\n    events.append('setup')\n"
        "def teardown():\n    events.append('teardown')\n"
        "def tasks(size):\n    return [1]\n"
        "def run(n):\n    return n\n"
    )
    loaded = workload.load(str(source))
    with pytest.raises(KeyError), loaded.setup():
        assert loaded.module.events == ["setup"]
        raise KeyError("a failing benchmark")
    assert loaded.module.events == ["setup", "teardown"]


def test_sleep_waits_the_networks_latency() -> None:
    sleep = workload.load("sleep")
    with network.serving(network.NetworkSettings(latency=0.02)):
        assert sleep.tasks(3) == [(0, 0.02), (1, 0.02), (2, 0.02)]
    assert sleep.run((7, 0.0)) == 7
