"""Each workload gives the same, correct results under each strategy, and its check bites."""

from __future__ import annotations

import math
import re
import uuid
from pathlib import Path

import pytest

from parbench import network
from parbench.contract import workload
from parbench.measure import runner

from helpers import make_case

BUILTINS = [
    "download",
    "factorial",
    "files_cached",
    "files_uncached",
    "gil_releasing",
    "payload",
    "pure_python",
    "sleep",
    "sqlite_lookup",
    "sqlite_scan",
    "trivial",
    "work_hashlib",
    "work_python",
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
    # The disk and database workloads, and those of --parbench-granularity, are named to run; the
    # rest run by default.
    opt_in = {"files_cached", "files_uncached", "sqlite_lookup", "sqlite_scan"}
    opt_in |= {"payload", "trivial", "work_hashlib", "work_python"}
    assert workload.default_names() == [name for name in BUILTINS if name not in opt_in]


@pytest.mark.parametrize("name", BUILTINS)
def test_every_strategy_gives_the_serial_results(
    name: str, mock_network: network.NetworkSettings
) -> None:
    outcomes = []
    for strategy, pool in POOLS:
        results = runner.run_once(make_case(name, strategy, **pool), mock_network)
        outcomes.append(comparable(name, results))
    assert all(outcome == outcomes[0] for outcome in outcomes[1:])
    assert len(outcomes[0]) == make_case(name, "serial").task_count


@pytest.mark.parametrize("name", BUILTINS)
def test_check_rejects_results_out_of_order(name: str, mock_network: network.NetworkSettings):
    loaded = workload.load(name)
    with loaded.setup(), network.workload_context() as context:
        tasks = loaded.tasks(loaded.size("quick"), context)
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
        "payload": "cpu",
        "pure_python": "cpu",
        "sleep": "io",
        "sqlite_lookup": "io",
        "sqlite_scan": "io",
        "trivial": "cpu",
        "work_hashlib": "cpu",
        "work_python": "cpu",
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
    with (
        network.serving(network.NetworkSettings(latency=0.02)),
        network.workload_context() as context,
    ):
        assert sleep.tasks(3, context) == [(0, 0.02), (1, 0.02), (2, 0.02)]
    assert sleep.run((7, 0.0)) == 7


def workload_file(folder: Path, name: str, source: str) -> Path:
    """``source`` written to ``folder/name.py`` (unique names: modules are cached by name)."""
    path = folder / f"{name}_{uuid.uuid4().hex[:8]}.py"
    path.write_text(source)
    return path


MAKES = "KIND = 'cpu'\ndef run(t):\n    return t\ndef tasks(size):\n"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("    return []", r"tasks\(3\) made 0 tasks; a batch holds 1 to 1,000,000"),
        (
            "    return range(1_000_001)",
            r"tasks\(3\) made 1,000,001 tasks; a batch holds 1 to 1,000,000",
        ),
        ("    return (n for n in range(size))", r"tasks\(3\) returned a generator, not a list"),
        ("    return size", r"tasks\(3\) returned a int, not a list"),
        ("    return None", r"tasks\(3\) returned a NoneType, not a list"),
        ("    return 'abc'", r"tasks\(3\) returned a str, not a list"),
        ("    return {1, 2}", r"tasks\(3\) returned a set, not a list"),
        (
            "    raise ValueError('no batch\\ntoday')",
            r"tasks\(3\) raised ValueError: no batch today \(.*\.py, line 5\)$",
        ),
    ],
)
def test_a_batch_of_anything_but_1_to_max_tasks_is_refused_naming_the_workload(
    tmp_path: Path, body: str, problem: str
) -> None:
    loaded = workload.load(str(workload_file(tmp_path, "batch", MAKES + body + "\n")))
    with pytest.raises(workload.WorkloadError) as refused:
        loaded.tasks(3)
    message = str(refused.value)
    assert message.startswith(f"workload {loaded.name!r} ({loaded.module.__file__}): ")
    assert re.search(problem, message), message


def test_any_sequence_of_tasks_is_a_batch(tmp_path: Path) -> None:
    loaded = workload.load(
        str(workload_file(tmp_path, "ranged", MAKES + "    return range(size)\n"))
    )
    assert loaded.tasks(3) == [0, 1, 2]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            "KIND = 'cpu'\ndef tasks(size)\n    return [1]\n",
            r"failed to import: SyntaxError: expected ':' \(.*\.py, line 2\)$",
        ),
        (
            "KIND = 'cpu'\nif True:\nreturn 1\n",
            r"failed to import: IndentationError: expected an indented block .*line 3\)$",
        ),
        (
            "import os\nraise RuntimeError('no\\nimport')\n",
            r"failed to import: RuntimeError: no import \(.*\.py, line 2\)$",
        ),
        ("import sys\nsys.exit(3)\n", r"failed to import: SystemExit: 3 \(.*\.py, line 2\)$"),
        ("import sys\nsys.exit()\n", r"failed to import: SystemExit \(.*\.py, line 2\)$"),
        (
            "import no_such_dependency_here\n",
            r"failed to import: ModuleNotFoundError: No module named 'no_such_dependency_here'",
        ),
    ],
)
def test_a_workload_that_fails_to_import_is_named_on_one_line(
    tmp_path: Path, source: str, problem: str
) -> None:
    path = workload_file(tmp_path, "failing", source)
    with pytest.raises(workload.WorkloadError) as refused:
        workload.load(str(path))
    message = str(refused.value)
    assert message.startswith(f"workload {str(path)!r} failed to import: "), message
    assert re.search(problem, message), message
    assert "\n" not in message


def test_a_package_that_fails_to_import_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / f"broken_package_{uuid.uuid4().hex[:8]}"
    package.mkdir()
    (package / "__init__.py").write_text("raise ImportError('the package is broken')\n")
    (package / "work.py").write_text(MAKES + "    return [1]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(workload.WorkloadError, match="ImportError: the package is broken"):
        workload.load(f"{package.name}.work")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("json.py", r"json\.py: its module name 'json' is taken by .*json/__init__\.py; rename"),
        ("my.work.py", r"my\.work\.py: a workload file is named <module name>\.py"),
        ("work.txt", r"work\.txt: a workload file is named <module name>\.py"),
    ],
)
def test_a_workload_file_that_cannot_be_imported_by_its_name_is_refused(
    tmp_path: Path, name: str, problem: str
) -> None:
    path = tmp_path / name
    path.write_text(MAKES + "    return [1]\n")
    with pytest.raises(workload.WorkloadError, match=problem):
        workload.load(str(path))


def test_sizes_above_the_maximum_are_refused(tmp_path: Path) -> None:
    source = f"SIZES = {{'default': {workload.MAX_SIZE + 1}}}\n" + MAKES + "    return [1]\n"
    with pytest.raises(workload.WorkloadError, match=r"SIZES must map .* to whole numbers from 1"):
        workload.load(str(workload_file(tmp_path, "sized", source)))


@pytest.mark.parametrize("name", ["work_python", "work_hashlib"])
def test_a_sweep_batch_holds_the_same_work_at_every_task_size(name: str) -> None:
    loaded = workload.load(name)
    assert [len(loaded.tasks(size)) for size in (1, 10, 100, 1_000, 100_000)] == [
        10_000,
        10_000,
        2_000,
        200,
        2,
    ]
    small, large = loaded.tasks(100)[0], loaded.tasks(1_000)[0]
    work = (lambda task: task) if name == "work_python" else (lambda task: task[1])
    # Ten times the task size is about ten times the work (calibrated once a process).
    assert 9 <= work(large) / work(small) <= 11
