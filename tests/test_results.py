"""The saved-run format: what the runner writes reads back, and nothing else does."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from parbench import network
from parbench.data import results
from parbench.measure import runner

from helpers import benchmark_entry as entry
from helpers import make_case, run_document

NAME = "sleep-x1-threads-16w"


def read(document: dict, source: str = "run.json") -> results.Run:
    """The document as a reader meets it: through JSON text."""
    return results.from_json(json.loads(json.dumps(document)), source)


def threads_run(**changes: Any) -> dict:
    """A serial and a threads benchmark; ``changes`` edit the threads one's extra_info
    (a value of ``...`` removes the key)."""
    document = run_document(
        entry("sleep", "serial", 0.8, kind="io"), entry("sleep", "threads", 0.05, workers=16)
    )
    info = document["benchmarks"][1]["extra_info"]
    for key, value in changes.items():
        if value is ...:
            del info[key]
        else:
            info[key] = value
    return document


def refused(document: dict, source: str = "run.json") -> str:
    """The one-line error reading ``document`` gives."""
    with pytest.raises(results.RunError) as error:
        read(document, source)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_what_the_runner_records_reads_back() -> None:
    case = make_case("factorial", "processes", workers=2, start_method="spawn", chunksize=4)
    info = runner.extra_info(case, network.NetworkSettings(), network.Overhead(0.001, 0.0005))
    rounds = [0.0021, 0.002, 0.0022]
    saved = {"name": f"test_batch[{case.id}]", "param": case.id, "extra_info": info}
    saved["stats"] = {"median": 0.0021, "data": rounds}
    [measurement] = read(run_document(saved)).measurements
    assert info["schema"] == results.SCHEMA
    assert (measurement.name, measurement.workload, measurement.strategy) == (
        case.id,
        "factorial",
        "processes",
    )
    assert (measurement.workers, measurement.chunksize, measurement.start_method) == (2, 4, "spawn")
    assert (measurement.tasks, measurement.median, measurement.rounds) == (
        case.task_count,
        0.0021,
        tuple(rounds),
    )
    assert measurement.logical_cpus == os.cpu_count()
    assert 0 < measurement.usable_cores <= measurement.usable_cpus
    assert measurement.python.startswith("CPython 3.")


def test_every_field_of_the_format_is_read() -> None:
    document = threads_run()
    written = set(document["benchmarks"][1]["extra_info"])
    read_fields = {spec.key for spec in results.FIELDS.values()} | set(results.PYTHON_FIELDS)
    assert read_fields <= written
    assert set(BAD) == read_fields


def test_a_run_saved_before_the_schema_is_refused_with_what_to_do() -> None:
    message = refused(threads_run(schema=...))
    assert message.startswith("run.json: saved by an older parbench")
    assert "re-run its benchmarks" in message


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        (results.SCHEMA + 1, f"is newer than this parbench reads ({results.SCHEMA}): upgrade"),
        (0, "is not a schema this parbench knows"),
        ("1", "is not a schema this parbench knows"),
        (1.0, "is not a schema this parbench knows"),
        (True, "is not a schema this parbench knows"),
        (None, "is not a schema this parbench knows"),
    ],
)
def test_an_unknown_or_newer_schema_is_refused(schema: Any, problem: str) -> None:
    message = refused(threads_run(schema=schema))
    assert message.startswith(f"run.json: benchmark {NAME}: extra_info.schema ")
    assert problem in message


NAN, INF = math.nan, math.inf
# Values each field must refuse, beyond missing and (for required fields) null.
BAD: dict[str, list[Any]] = {
    "workload": ["", 3, ["sleep"]],
    "kind": ["gpu", "IO", 1],
    "size": [-1, 1.5, "1", True, 10**7],
    "tasks": [0, -1, 2.0, "16", False, 10**7],
    "strategy": ["", 1],
    # Beyond what --parbench-workers allows (256), however large.
    "workers": [0, -2, 2.5, "16", True, NAN, 257, 10**30],
    "chunksize": [0, "1", 1.0, 10**7],
    "chunk_policy": ["", 1],
    "chunked": [1, "true"],
    "start_method": [1, ""],
    "pool": ["hot", True],
    "network": ["internet", 0],
    "latency_s": [-0.1, NAN, INF, "0.05", False, 1e7, 61],
    "body_bytes": [-1, 1.5, "200kB", 10**12],
    "cpu_seconds_main_process": [-1, NAN, INF, "0", 1e300],
    "gil_enabled": [1, "yes"],
    "usable_cpus": [0, -2, NAN, INF, "2", True, 10**400],
    "python_implementation": ["", 3],
    "python_version": ["", 3.11],
    "probed_kind": ["gpu", 0],
    "cpu_per_wall": [NAN, -0.5, "1"],
    "runnable_per_wall": [INF, -1],
    "wait_share": ["0.1", NAN],
    "cpu_per_unqueued_wall": [-0.5, "1", INF],
    "others_per_wall": [-0.1, "0.1", NAN],
    "stopped": ["done", 1],
    "budget_s": [-1, "20", NAN],
    "workload_budget_s": [-1, INF],
    "baseline_pass": ["during", 1],
    "logical_cpus": [0, 1.5, "2", True, 10**30],
    "physical_cores": [0, "1", 1.5, 10**30],
    "usable_cores": [0, NAN, INF, "1"],
    "cpu_quota": [0, -1, INF, NAN],
    "granularity": ["warm_up", 1, ""],
    "memory_resident_bytes": [0, 1.5, "1"],
    "memory_footprint_bytes": [0, -1, True],
    "memory_processes": [0, 2.0, "3"],
}
NULLABLE = {spec.key for spec in results.FIELDS.values() if spec.nullable}


@pytest.mark.parametrize(
    ("key", "value"), [(key, value) for key, values in BAD.items() for value in values]
)
def test_a_malformed_field_names_the_file_the_benchmark_and_the_field(key: str, value) -> None:
    message = refused(threads_run(**{key: value}), "saved/run.json")
    assert message.startswith(f"saved/run.json: benchmark {NAME}: extra_info.{key} is ")
    assert "; expected " in message


@pytest.mark.parametrize("key", sorted(BAD))
def test_a_missing_field_is_refused_unless_it_may_be_unknown(key: str) -> None:
    for removed, shown in ((..., "missing"), (None, "null")):
        document = threads_run(**{key: removed})
        if key in NULLABLE:
            [_, threads] = read(document).measurements
            attribute = next(a for a, spec in results.FIELDS.items() if spec.key == key)
            assert getattr(threads, attribute) is None
        else:
            assert refused(document).endswith(f"benchmark {NAME}: extra_info.{key} is {shown}")


def test_only_serial_cases_have_a_baseline_pass() -> None:
    message = refused(threads_run(baseline_pass="after"))
    assert message.endswith(
        'extra_info.baseline_pass is "after"; expected null for a case that is not serial'
    )


@pytest.mark.parametrize(
    ("stats", "problem"),
    [
        ({"median": NAN, "data": [0.05]}, "stats.median is NaN"),
        ({"median": 0, "data": [0.05]}, "stats.median is 0"),
        ({"median": -0.05}, "stats.median is -0.05"),
        ({"median": "0.05"}, 'stats.median is "0.05"'),
        ({"median": True}, "stats.median is true"),
        # Beyond a nanosecond to eleven days, ratios of times could overflow to infinity.
        ({"median": 5e-324}, "stats.median is 5e-324; expected seconds from 1e-09 to 1e+06"),
        ({"median": 1e300}, "stats.median is 1e+300"),
        ({"median": 0.05, "data": [0.05, 2e6]}, "stats.data[1] is 2000000.0"),
        ({"median": 0.05, "data": [0.05, NAN, 0.05]}, "stats.data[1] is NaN"),
        ({"data": [0.05]}, "stats.median is missing"),
        ({"median": 0.05, "data": []}, "stats.data is []"),
        ({"median": 0.05, "data": "0.05"}, 'stats.data is "0.05"'),
        ({"median": 0.05, "data": [0.05, NAN]}, "stats.data[1] is NaN"),
        ({"median": 0.05, "data": [0.05, 0.04, 0]}, "stats.data[2] is 0"),
        ({"median": 0.05, "data": [INF]}, "stats.data[0] is Infinity"),
        ({"median": 0.05, "data": ["0.05"]}, 'stats.data[0] is "0.05"'),
        ({"median": 0.05, "data": [False]}, "stats.data[0] is false"),
        ({"median": 0.05, "data": [10**400]}, "stats.data[0] is 1000000"),
    ],
)
def test_malformed_timings_are_refused(stats: dict, problem: str) -> None:
    document = threads_run()
    document["benchmarks"][1]["stats"] = stats
    assert problem in refused(document)


def test_rounds_may_be_absent_but_are_then_untestable() -> None:
    document = threads_run()
    del document["benchmarks"][1]["stats"]["data"]
    run = read(document)
    assert run.measurements[1].rounds == () and not run.has_rounds


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["benchmarks"].append(3), "run.json: benchmark #3: is 3; expected an object"),
        (lambda d: d["benchmarks"][1].update(stats=[]), f"{NAME}: stats is []; expected an object"),
        (lambda d: d["benchmarks"][1].pop("stats"), f"{NAME}: stats is missing"),
        (lambda d: d["benchmarks"][1].update(extra_info=[]), "extra_info is []"),
        (
            lambda d: d["benchmarks"][1].update(param=None, name=None),
            "benchmark #2: name is null",
        ),
        (lambda d: d.update(machine_info=[]), "run.json: machine_info is []"),
        (
            lambda d: d["benchmarks"].append(d["benchmarks"][1]),
            f"run.json: holds benchmark {NAME} more than once",
        ),
    ],
)
def test_malformed_entries_are_refused(change, problem: str) -> None:
    document = threads_run()
    change(document)
    assert problem in refused(document)


def test_completeness_is_read_from_the_run_record() -> None:
    assert read(run_document(entry("sleep", "serial", 0.8))).completeness == results.Completeness(
        True, 0, ()
    )
    incomplete = read(run_document(entry("sleep", "serial", 0.8), complete=False, failed=["a"]))
    assert incomplete.completeness == results.Completeness(False, 1, ("a",))
    assert incomplete.warnings == ["run.json: incomplete run (exit status 1); failed: a"]
    unrecorded = read(run_document(entry("sleep", "serial", 0.8), complete=None))
    assert unrecorded.completeness.complete is None
    [warning] = unrecorded.warnings
    assert warning.startswith("run.json: does not record whether its session completed")


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ([], "parbench_run is []; expected an object"),
        ({"exit_status": 0, "failed": []}, "parbench_run.complete is missing"),
        ({"complete": "yes", "exit_status": 0, "failed": []}, 'parbench_run.complete is "yes"'),
        ({"complete": False, "failed": []}, "parbench_run.exit_status is missing"),
        ({"complete": False, "exit_status": "1", "failed": []}, "parbench_run.exit_status is"),
        ({"complete": False, "exit_status": 1, "failed": "a"}, 'parbench_run.failed is "a"'),
        ({"complete": False, "exit_status": 1, "failed": [1]}, "parbench_run.failed is [1]"),
    ],
)
def test_a_malformed_run_record_is_refused(record: Any, problem: str) -> None:
    document = run_document(entry("sleep", "serial", 0.8))
    document["parbench_run"] = record
    assert refused(document).startswith(f"run.json: {problem}")


def test_many_failures_are_named_on_one_line() -> None:
    failed = [f"case-{i}" for i in range(25)]
    run = read(run_document(entry("sleep", "serial", 0.8), complete=False, failed=failed))
    assert run.warnings[0].endswith(
        "failed: case-0, case-1, case-2, case-3, case-4, case-5, "
        "case-6, case-7, case-8, case-9 and 15 more"
    )


def save(storage: Path, name: str, when: int, **document: Any) -> Path:
    path = storage / "Linux-CPython-3.11-64bit" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run_document(entry("sleep", "serial", 0.8), **document)))
    os.utime(path, ns=(when * 10**9, when * 10**9))
    return path


def test_latest_is_the_newest_complete_run(tmp_path: Path) -> None:
    save(tmp_path, "0001_a.json", 1)
    complete = save(tmp_path, "0002_b.json", 2)
    partial = save(tmp_path, "0003_c.json", 3, complete=False, failed=["sleep-x1-serial"])
    run = results.load("latest", tmp_path)
    assert run.source == str(complete)
    why = f"{partial}: incomplete run (exit status 1); failed: sleep-x1-serial"
    assert run.skipped == (why,)
    assert run.warnings == [
        f"latest: skipped 1 newer run(s) that are not whole ({why}); using {complete}"
    ]
    # A run that does not say whether it completed is not skipped, but warned about.
    unrecorded = save(tmp_path, "0004_d.json", 4, complete=None)
    assert results.load("latest", tmp_path).source == str(unrecorded)


def test_latest_skips_a_torn_file_and_says_so(tmp_path: Path) -> None:
    whole = save(tmp_path, "0001_a.json", 1)
    empty = save(tmp_path, "0002_b.json", 2)
    empty.write_text("")
    os.utime(empty, ns=(2 * 10**9, 2 * 10**9))
    torn = save(tmp_path, "0003_c.json", 3)
    torn.write_text(torn.read_text()[:100])
    os.utime(torn, ns=(3 * 10**9, 3 * 10**9))
    run = results.load("latest", tmp_path)
    assert run.source == str(whole)
    [warning] = run.warnings
    assert warning.startswith(
        f"latest: skipped 2 newer run(s) that are not whole ({torn}: not valid JSON, truncated?"
    )
    assert f"; {empty}: is empty); using {whole}" in warning


def test_latest_never_skips_a_whole_file_that_is_not_a_valid_run(tmp_path: Path) -> None:
    save(tmp_path, "0001_a.json", 1)
    broken = save(tmp_path, "0002_b.json", 2)
    broken.write_text('{"benchmarks": 1}')
    with pytest.raises(results.RunError, match=f"^{broken}: not a pytest-benchmark file"):
        results.load("latest", tmp_path)


def test_latest_with_only_incomplete_runs_is_an_error(tmp_path: Path) -> None:
    save(tmp_path, "0001_a.json", 1, complete=False)
    with pytest.raises(
        results.RunError,
        match=r"no whole run saved under .*; passed over: .*0001_a.json: incomplete",
    ):
        results.load("latest", tmp_path)


def test_a_folder_or_an_impossible_name_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(results.RunError, match=f"^{tmp_path}: is a folder; name a saved run"):
        results.load(str(tmp_path))
    with pytest.raises(results.RunError, match=r"cannot be looked up \(File name too long"):
        results.load("x" * 5000)


def test_a_worker_count_beyond_the_options_limit_names_the_field_and_the_limit() -> None:
    message = refused(threads_run(workers=10**30), "saved/run.json")
    assert message == (
        f"saved/run.json: benchmark {NAME}: extra_info.workers is "
        "1000000000000000000000000000000; expected a whole number from 1 to 256"
    )


@pytest.mark.parametrize(
    ("field", "value"), [("usable_cpus", 4), ("physical_cores", 3), ("usable_cores", 2.5)]
)
def test_cpu_counts_above_the_machines_are_refused(field: str, value: float) -> None:
    message = refused(threads_run(logical_cpus=2, **{field: value}))
    assert message.endswith(
        f"extra_info.{field} is {value}, more than the machine's 2 logical CPUs "
        "(extra_info.logical_cpus)"
    )


def test_a_median_that_disagrees_with_its_rounds_is_refused() -> None:
    document = threads_run()
    stats = document["benchmarks"][1]["stats"]
    # Every round made 1.5 times slower, the median left as it was.
    stats["data"] = [t * 1.5 for t in stats["data"]]
    message = refused(document)
    assert message == (
        f"run.json: benchmark {NAME}: stats.median is 0.05 s, but the median of its 8 "
        "rounds (stats.data) is 0.075 s: the file was changed or damaged"
    )


def test_a_round_count_that_disagrees_with_its_rounds_is_refused() -> None:
    document = threads_run()
    document["benchmarks"][1]["stats"]["rounds"] = 9
    assert refused(document).endswith("stats.rounds is 9, but stats.data holds 8 rounds")
