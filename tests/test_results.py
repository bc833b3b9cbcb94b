"""The saved-run format: what the runner writes reads back, and nothing else does."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from parbench import network
from parbench.data import record, results
from parbench.measure import cpustat, environment, runner

from helpers import SUITE_ROOT, make_case, run_document
from helpers import benchmark_entry as entry

NAME = "sleep-x1-threads-16w"


def read(document: dict, source: str = "run.json") -> results.Run:
    """The document as a reader meets it: through JSON text."""
    return results.from_json(json.loads(json.dumps(document)), source)


def threads_run(facts: dict[str, Any] | None = None, **changes: Any) -> dict:
    """A serial and a threads benchmark; ``changes`` edit the threads one's extra_info,
    ``facts`` the run's (a value of ``...`` removes the key)."""
    document = run_document(
        entry("sleep", "serial", 0.8, kind="io"), entry("sleep", "threads", 0.05, workers=16)
    )
    edits = [
        (document["benchmarks"][1]["extra_info"], changes),
        (document["machine_info"][record.RUN_FACTS_KEY], facts or {}),
    ]
    for mapping, edited in edits:
        for key, value in edited.items():
            if value is ...:
                del mapping[key]
            else:
                mapping[key] = value
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
    overhead = network.Overhead(0.001, 0.0005)
    info = runner.extra_info(case, runner.Plan(min_rounds=3, max_time=0.5), overhead)
    assert all(info[key] is None for key in record.MEASURED)
    rounds = [0.0021, 0.002, 0.0022]
    info.update(
        record.measured(
            serial_rounds=[0.001] * 3,
            stopped="settled",
            rounds_checked=4,
            **runner.parallelism(
                [cpustat.Usage(wall=0.1, cpu=0.18, wait=0.01), cpustat.Usage(0.1, 0.1, 0.0)]
            ),
        )
    )
    saved = {"name": f"test_batch[{case.id}]", "param": case.id, "extra_info": info}
    saved["stats"] = {"median": 0.0021, "data": rounds}
    document = run_document(saved)
    facts = environment.run_facts(network.NetworkSettings())
    document["machine_info"][record.RUN_FACTS_KEY] = facts
    [measurement] = read(document).measurements
    assert info["schema"] == facts["schema"] == record.SCHEMA
    # Every key written reads back as the attribute of the same name.
    for key in {*record.BENCHMARK_FIELDS, *record.RUN_FIELDS} - {
        "serial_rounds",
        "cpu_per_wall_rounds",
        *results.RENAMED,
        *results.PYTHON_FIELDS,
    }:
        written = info[key] if key in info else facts[key]
        assert getattr(measurement, key) == written, key
    assert measurement.serial_rounds == (0.001,) * 3
    assert measurement.cpu_per_wall_rounds == (1.8, 1.0)
    assert measurement.cpu_per_wall == 1.4
    assert measurement.cpu_seconds is None
    assert (measurement.name, measurement.median, measurement.rounds) == (
        case.id,
        0.0021,
        tuple(rounds),
    )
    assert measurement.workload_source_hash == case.workload.source_hash
    assert len(measurement.workload_source_hash or "") == 64
    assert (measurement.min_rounds, measurement.max_time_s) == (3, 0.5)
    assert measurement.network_overhead_wall_s == 0.001
    assert measurement.logical_cpus == os.cpu_count()
    assert 0 < measurement.usable_cores <= measurement.usable_cpus
    assert measurement.python.startswith("CPython 3.")


def test_every_key_of_the_format_is_read_and_checked() -> None:
    document = threads_run()
    assert set(document["benchmarks"][1]["extra_info"]) == {"schema", *BAD}
    assert set(document["machine_info"][record.RUN_FACTS_KEY]) == {"schema", *RUN_BAD}


def test_a_writer_must_give_every_key_the_format_has() -> None:
    with pytest.raises(TypeError, match=r"missing \['workload_source_hash'\], unknown none"):
        record.benchmark_info(
            **{key: None for key in record.DESCRIBED if key != "workload_source_hash"}
        )
    with pytest.raises(TypeError, match=r"lacks: \['cpu_count'\]"):
        record.measured(cpu_count=2)


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
# Values each key of a benchmark must refuse, beyond missing and (where required) null.
BAD: dict[str, list[Any]] = {
    "workload": ["", 3, ["sleep"]],
    "kind": ["gpu", "IO", 1],
    "size": [-1, 1.5, "1", True, 10**7],
    "size_preset": ["", 1],
    "tasks": [0, -1, 2.0, "16", False, 10**7],
    "strategy": ["", 1],
    # Beyond what --parbench-workers allows (256), however large.
    "workers": [0, -2, 2.5, "16", True, NAN, 257, 10**30],
    "chunksize": [0, "1", 1.0, 10**7],
    "chunk_policy": ["", 1],
    "chunked": [1, "true"],
    "start_method": [1, ""],
    "pool": ["hot", True],
    "cpu_seconds_main_process": [-1, NAN, INF, "0", 1e300],
    "gil_enabled": [1, "yes"],
    "probed_kind": ["gpu", 0],
    "cpu_per_wall": [NAN, -0.5, "1"],
    "cpu_per_wall_rounds": [[], 1.5, [1.5, NAN], [-0.1], ["1"], [True], [1e300]],
    "runnable_per_wall": [INF, -1],
    "wait_share": ["0.1", NAN],
    "cpu_per_unqueued_wall": [-0.5, "1", INF],
    "others_per_wall": [-0.1, "0.1", NAN],
    "serial_rounds": [[], "0.8", [0.8, NAN], [0]],
    "stopped": ["done", 1],
    "budget_s": [-1, "20", NAN],
    "workload_budget_s": [-1, INF],
    "baseline_pass": ["during", 1],
    "granularity": ["warm_up", 1, ""],
    "workload_source_hash": ["", "abc", "A" * 64, 1],
    "min_rounds": [0, "4", 1.5],
    "max_time_s": [-1, NAN, "1"],
    "rounds_checked": [0, 2.5, "9"],
    "network_overhead_wall_s": [-1, NAN, "0.001"],
    "network_overhead_cpu_s": [-1, INF],
    "memory_resident_bytes": [0, 1.5, "1"],
    "memory_footprint_bytes": [0, -1, True],
    "memory_processes": [0, 2.0, "3"],
}
# Values each of the run's facts must refuse.
RUN_BAD: dict[str, list[Any]] = {
    "python_implementation": ["", 3],
    "python_version": ["", 3.11],
    "free_threaded_build": [0, "no"],
    "platform": ["", 1],
    "network": ["internet", 0],
    "latency_s": [-0.1, NAN, INF, "0.05", False, 1e7, 61],
    "body_bytes": [-1, 1.5, "200kB", 10**12],
    "usable_cpus": [0, -2, NAN, INF, "2", True, 10**400],
    "logical_cpus": [0, 1.5, "2", True, 10**30],
    "physical_cores": [0, "1", 1.5, 10**30],
    "usable_cores": [0, NAN, INF, "1"],
    "cpu_quota": [0, -1, INF, NAN],
}
FACTS = f"machine_info.{record.RUN_FACTS_KEY}"


@pytest.mark.parametrize(
    ("key", "value"), [(key, value) for key, values in BAD.items() for value in values]
)
def test_a_malformed_field_names_the_file_the_benchmark_and_the_field(key: str, value) -> None:
    message = refused(threads_run(**{key: value}), "saved/run.json")
    assert message.startswith(f"saved/run.json: benchmark {NAME}: extra_info.{key} is ")
    assert "; expected " in message


@pytest.mark.parametrize(
    ("key", "value"), [(key, value) for key, values in RUN_BAD.items() for value in values]
)
def test_a_malformed_fact_of_the_run_names_the_file_and_the_fact(key: str, value) -> None:
    message = refused(threads_run({key: value}), "saved/run.json")
    assert message.startswith(f"saved/run.json: {FACTS}.{key} is ")
    assert "; expected " in message


@pytest.mark.parametrize("key", sorted(BAD))
def test_a_missing_key_names_the_file_the_benchmark_and_the_key(key: str) -> None:
    assert refused(threads_run(**{key: ...})) == (
        f"run.json: benchmark {NAME}: extra_info.{key} is missing"
    )
    if record.BENCHMARK_FIELDS[key].nullable:
        [_, threads] = read(threads_run(**{key: None})).measurements
        assert getattr(threads, results.RENAMED.get(key, key)) in (None, ())
    else:
        assert refused(threads_run(**{key: None})).endswith(f"extra_info.{key} is null")


@pytest.mark.parametrize("key", sorted(RUN_BAD))
def test_a_missing_fact_of_the_run_names_the_file_and_the_fact(key: str) -> None:
    assert refused(threads_run({key: ...})) == f"run.json: {FACTS}.{key} is missing"
    if record.RUN_FIELDS[key].nullable:
        [_, threads] = read(threads_run({key: None})).measurements
        assert getattr(threads, key) is None
    else:
        assert refused(threads_run({key: None})) == f"run.json: {FACTS}.{key} is null"


def test_a_run_without_its_facts_is_refused() -> None:
    document = threads_run()
    del document["machine_info"][record.RUN_FACTS_KEY]
    assert refused(document) == f"run.json: {FACTS} is missing; expected an object"
    assert refused(threads_run({"schema": 2})) == (
        f"run.json: {FACTS}.schema is 2; expected 3 to {record.SCHEMA}, the schemas that "
        "keep the run's facts there"
    )


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
    message = refused(threads_run({"logical_cpus": 2, field: value}))
    assert message == (
        f"run.json: {FACTS}.{field} is {value}, more than the machine's 2 logical CPUs "
        f"({FACTS}.logical_cpus)"
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


SCHEMA_2_RUN = SUITE_ROOT / "tests" / "data" / "schema2_run.json"


def schema_2_document() -> dict:
    """A run saved by the previous release (schema 2): ``pytest benchmarks/
    --parbench-quick --parbench-workloads factorial``, serial's rounds left out."""
    return json.loads(SCHEMA_2_RUN.read_text())


def test_a_run_of_the_previous_schema_still_reads() -> None:
    document = schema_2_document()
    run = read(document, "old.json")
    assert [m.strategy for m in run.measurements] == ["serial", "processes", "processes", "threads"]
    processes = run.measurements[1]
    info = document["benchmarks"][1]["extra_info"]
    # Its run-wide facts come from each benchmark, as schema 2 wrote them.
    assert (processes.logical_cpus, processes.network, processes.latency_s) == (
        info["logical_cpus"],
        "mock",
        0.05,
    )
    assert processes.python == "CPython 3.11.7"
    assert (processes.min_rounds, processes.rounds_checked) == (4, 5)
    assert len(processes.serial_rounds) == len(processes.rounds) == 4
    # What schema 2 did not write reads as unknown.
    assert processes.workload_source_hash is None
    assert run.measurements[0].serial_rounds == ()
    assert run.completeness == results.Completeness(True, 0, ())


def test_a_previous_schema_reads_as_unknown_only_what_it_did_not_require() -> None:
    document = schema_2_document()
    for key in ("platform", "free_threaded_build", "min_rounds", "size_preset", "cpu_per_wall"):
        del document["benchmarks"][1]["extra_info"][key]
    processes = read(document).measurements[1]
    assert (processes.platform, processes.free_threaded_build) == (None, None)
    assert (processes.min_rounds, processes.size_preset, processes.cpu_per_wall) == (None,) * 3
    for key in ("workers", "usable_cpus", "python_version"):
        document = schema_2_document()
        del document["benchmarks"][1]["extra_info"][key]
        assert refused(document).endswith(f"extra_info.{key} is missing")


def test_a_run_of_schema_1_reads_without_pairs() -> None:
    # Schema 1: serial measured apart, a reference loop's time per case, no serial rounds.
    document = schema_2_document()
    for saved in document["benchmarks"]:
        info = saved["extra_info"]
        info["schema"] = 1
        info["reference_loop_s"] = 0.0123
        for key in ("serial_rounds", "stopped", "budget_s", "workload_budget_s"):
            info.pop(key, None)
    measurements = read(document).measurements
    assert [m.serial_rounds for m in measurements] == [()] * len(measurements)
    assert {m.stopped for m in measurements} == {None}
    document["benchmarks"][0]["extra_info"]["schema"] = 0
    assert refused(document).endswith("not a schema this parbench knows (it reads 1, 2, 3, 4)")


def test_a_run_of_schema_3_reads_without_the_rounds_cpu_use() -> None:
    # Schema 3 kept the run's facts where this one does, and no CPU use per round.
    document = threads_run()
    document["machine_info"][record.RUN_FACTS_KEY]["schema"] = 3
    for saved in document["benchmarks"]:
        saved["extra_info"]["schema"] = 3
        del saved["extra_info"]["cpu_per_wall_rounds"]
    threads = read(document).measurements[1]
    assert threads.cpu_per_wall_rounds is None
    assert threads.workers == 16
    # A key that schema 3 wrote is still required of it.
    del document["benchmarks"][1]["extra_info"]["cpu_per_wall"]
    assert refused(document).endswith("extra_info.cpu_per_wall is missing")
    # And this schema's own key is required of a document of this schema.
    document = threads_run()
    del document["benchmarks"][1]["extra_info"]["cpu_per_wall_rounds"]
    assert refused(document).endswith("extra_info.cpu_per_wall_rounds is missing")
