"""The saved format's keys, written and read in one place: what parbench adds to a
pytest-benchmark JSON document, which values each key may hold, and how a document of
the previous schema is brought up to this one.

Where each key lives (pytest-benchmark's own keys are left as it writes them):

- ``machine_info["parbench"]`` (``RUN_FACTS_KEY``): the facts that are the same for every
  benchmark of a run, ``RUN_FIELDS``: the interpreter, the CPUs the run may use and the
  network it talked to. Written once per document (``run_info``), through
  pytest-benchmark's hook ``pytest_benchmark_update_machine_info``; facts only, no
  measurement, since pytest-benchmark warns when a run it compares with has others.
- each benchmark's ``extra_info``: ``schema`` and ``BENCHMARK_FIELDS``. ``benchmark_info``
  writes the case's description as it starts, with every measured key null;
  ``measured`` fills those in as they are measured.
- the document's ``parbench_run`` (``RUN_KEY``): whether its session completed
  (``parbench.measure.saving``).

Every key is always written, null where unknown, and required on read: a missing key is
an error naming the file, the benchmark and the key, never a silent null. Only the keys
marked nullable may be null.

Changelog of ``SCHEMA``:

- 4: each case saves the CPUs its process tree kept busy in each sampled round
  (``cpu_per_wall_rounds``), beside their median: a round in which threads kept more than
  one CPU busy shows that they ran Python in parallel, however busy the machine was
  otherwise. A schema 3 document is read as it is, that key unknown (null).
- 3: the run-wide facts (interpreter, CPUs, network settings) are written once, in
  ``machine_info["parbench"]``, instead of in every benchmark; every key is written, null
  where unknown, and required on read; new: ``workload_source_hash`` (the sha256 of the
  workload module's source) per benchmark; gone: ``cpu_count`` (the same as
  ``logical_cpus``). A schema 2 document is read through ``migrate``: its run-wide facts
  from each benchmark's own ``extra_info``, and every key schema 2 did not have to write
  read as unknown (null).
- 2: every case other than serial holds the serial rounds taken beside its own
  (``serial_rounds``).
- 1: serial was measured apart from the other cases, and each case kept the time of a
  reference loop (``reference_loop_s``). Read through ``migrate`` as schema 2 is: it has no
  ``serial_rounds``, ``stopped`` or budgets (null), and its ``reference_loop_s`` is left
  unread. With no rounds paired with serial, its speedups are figures from medians taken
  apart, and decide nothing (``parbench.analysis.verdict``); its times compare with any
  later run's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parbench.contract import workload
from parbench.data.checks import (
    DURATION,
    FLAG,
    KINDS,
    MAX_CPUS,
    NON_NEGATIVE,
    ROUND_TIME,
    SHA256,
    TEXT,
    Check,
    between,
    finite,
    one_of,
    positive,
    round_times,
    whole,
)
from parbench.data.limits import MAX_BODY_BYTES, MAX_LATENCY_S, MAX_WORKERS

SCHEMA = 4
# The first schema that keeps the run-wide facts in ``machine_info`` (``RUN_FACTS_KEY``);
# ``migrate`` reads those before it.
FACTS_SCHEMA = 3
#: The schemas read besides this one: a benchmark's keys that its schema lacked
#: (``lacking``) read as unknown.
MIGRATED_SCHEMAS = (1, 2, 3)
SCHEMA_KEY = "schema"
RUN_FACTS_KEY = "parbench"
RUN_KEY = "parbench_run"
# The parts of a ``--parbench-granularity`` run (``parbench.measure.granularity``) a case can
# belong to.
GRANULARITY_ROLES = ("start_up", "per_task", "payload", "sweep")
STOPPED = ("settled", "budget", "max_pairs")
CPUS_BUSY_ROUNDS = Check(
    lambda v: isinstance(v, list) and v != [] and all(finite(x) and 0 <= x <= MAX_CPUS for x in v),
    "a list of CPUs kept busy (finite numbers of 0 or more)",
)
SERIAL_ROUNDS = Check(
    lambda v: isinstance(v, list) and v != [] and round_times(v),
    f"a list of round times ({ROUND_TIME.expected})",
)


@dataclass(frozen=True)
class Field:
    """A saved key's check; ``nullable`` where it may be legitimately unknown."""

    check: Check
    nullable: bool = False


# A benchmark's extra_info: what the case is, known before it runs (``benchmark_info``).
DESCRIBED: dict[str, Field] = {
    "workload": Field(TEXT),
    "kind": Field(KINDS),
    "size": Field(whole(0, workload.MAX_SIZE)),
    "size_preset": Field(TEXT),
    "tasks": Field(whole(1, workload.MAX_TASKS)),
    "strategy": Field(TEXT),
    "workers": Field(whole(1, MAX_WORKERS)),
    "chunksize": Field(whole(1, workload.MAX_TASKS)),
    "chunk_policy": Field(TEXT),
    "chunked": Field(FLAG),
    "start_method": Field(TEXT, nullable=True),
    "pool": Field(one_of("warm", "cold")),
    # What the untimed probe measured the workload to be.
    "probed_kind": Field(KINDS, nullable=True),
    # For serial cases: "before" or "after" the workload's other cases.
    "baseline_pass": Field(one_of("before", "after"), nullable=True),
    "granularity": Field(one_of(*GRANULARITY_ROLES), nullable=True),
    # Null where the module's source cannot be read (``Workload.source_hash``).
    "workload_source_hash": Field(SHA256, nullable=True),
    # Per case, not per run: an extension imported mid-run can turn the GIL back on.
    "gil_enabled": Field(FLAG),
    "min_rounds": Field(whole(1)),
    "max_time_s": Field(DURATION),
    # The network's own cost a request, measured once a run before its first case: a
    # measurement, so not among the run's facts, which pytest-benchmark compares between
    # runs. Null where no workload of the run used the network.
    "network_overhead_wall_s": Field(DURATION, nullable=True),
    "network_overhead_cpu_s": Field(DURATION, nullable=True),
}
# A benchmark's extra_info: what measuring the case found, null until then and where the
# platform does not report it (``measured``).
MEASURED: dict[str, Field] = {
    "serial_rounds": Field(SERIAL_ROUNDS, nullable=True),
    "stopped": Field(one_of(*STOPPED), nullable=True),
    "budget_s": Field(DURATION, nullable=True),
    "workload_budget_s": Field(DURATION, nullable=True),
    "memory_resident_bytes": Field(whole(1), nullable=True),
    "memory_footprint_bytes": Field(whole(1), nullable=True),
    "memory_processes": Field(whole(1), nullable=True),
    "cpu_seconds_main_process": Field(DURATION, nullable=True),
    "cpu_per_wall": Field(NON_NEGATIVE, nullable=True),
    # The CPUs the tree kept busy in each sampled round, in order (``cpu_per_wall`` is
    # their median).
    "cpu_per_wall_rounds": Field(CPUS_BUSY_ROUNDS, nullable=True),
    "runnable_per_wall": Field(NON_NEGATIVE, nullable=True),
    "wait_share": Field(NON_NEGATIVE, nullable=True),
    "cpu_per_unqueued_wall": Field(NON_NEGATIVE, nullable=True),
    "others_per_wall": Field(NON_NEGATIVE, nullable=True),
    "rounds_checked": Field(whole(1), nullable=True),
}
BENCHMARK_FIELDS: dict[str, Field] = {**DESCRIBED, **MEASURED}
# machine_info["parbench"]: the same for every benchmark of a run (``run_info``).
RUN_FIELDS: dict[str, Field] = {
    "python_implementation": Field(TEXT),
    "python_version": Field(TEXT),
    "free_threaded_build": Field(FLAG),
    "platform": Field(TEXT),
    "logical_cpus": Field(whole(1, MAX_CPUS)),
    "physical_cores": Field(whole(1, MAX_CPUS), nullable=True),
    "usable_cpus": Field(positive(MAX_CPUS)),
    "usable_cores": Field(positive(MAX_CPUS)),
    "cpu_quota": Field(positive(MAX_CPUS), nullable=True),
    "network": Field(one_of("mock", "live")),
    "latency_s": Field(between(0, MAX_LATENCY_S, "seconds")),
    "body_bytes": Field(whole(0, MAX_BODY_BYTES)),
}
# The document's record of its session, under RUN_KEY (``session_info``).
SESSION_FIELDS: dict[str, Field] = {
    "complete": Field(FLAG),
    "exit_status": Field(whole(0)),
    "failed": Field(
        Check(
            lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
            "a list of benchmark names",
        )
    ),
}
# The keys each schema added to a benchmark's ``extra_info`` since ``FACTS_SCHEMA``.
ADDED = {4: frozenset({"cpu_per_wall_rounds"})}
FACTS_SCHEMAS = Check(
    lambda v: type(v) is int and FACTS_SCHEMA <= v <= SCHEMA,
    f"{FACTS_SCHEMA} to {SCHEMA}, the schemas that keep the run's facts there",
)
# What schema 2's reader required of every benchmark; ``migrate`` reads any other key a
# schema 2 document lacks as unknown.
REQUIRED_IN_PREVIOUS = frozenset(
    {
        *(key for key in DESCRIBED if not DESCRIBED[key].nullable),
        *(key for key in RUN_FIELDS if not RUN_FIELDS[key].nullable),
    }
    - {"size_preset", "workload_source_hash", "min_rounds", "max_time_s"}
    - {"free_threaded_build", "platform"}
)


def _exactly(given: Mapping[str, Any], fields: Mapping[str, Field], where: str) -> None:
    """Refuse a writer's call that leaves out a key or names one the format lacks."""
    missing, unknown = set(fields) - set(given), set(given) - set(fields)
    if missing or unknown:
        raise TypeError(
            f"{where}: missing {sorted(missing) or 'none'}, unknown {sorted(unknown) or 'none'}"
        )


def benchmark_info(**described: Any) -> dict[str, Any]:
    """A case's whole ``extra_info`` as it starts: ``schema``, every key of ``DESCRIBED``
    (all required), and every key of ``MEASURED`` null."""
    _exactly(described, DESCRIBED, "benchmark_info")
    return {SCHEMA_KEY: SCHEMA, **described, **dict.fromkeys(MEASURED)}


def measured(**values: Any) -> dict[str, Any]:
    """What measuring a case found, as ``extra_info`` keys (any of ``MEASURED``)."""
    unknown = set(values) - set(MEASURED)
    if unknown:
        raise TypeError(f"measured: keys the saved format lacks: {sorted(unknown)}")
    return dict(values)


def run_info(**facts: Any) -> dict[str, Any]:
    """A run's ``machine_info["parbench"]``: ``schema`` and every key of ``RUN_FIELDS``."""
    _exactly(facts, RUN_FIELDS, "run_info")
    return {SCHEMA_KEY: SCHEMA, **facts}


def session_info(complete: bool, exit_status: int, failed: list[str]) -> dict[str, Any]:
    """A document's ``parbench_run``: whether its session completed, pytest's exit status
    and the benchmarks that failed."""
    return {"complete": complete, "exit_status": exit_status, "failed": failed}


@dataclass(frozen=True)
class Migrated:
    """A benchmark's keys as this schema has them: its ``extra_info`` keys, its run-wide
    facts, and the keys the document's schema did not have to write (read as unknown)."""

    info: Mapping[str, Any]
    facts: Mapping[str, Any]
    unknown: frozenset[str]


def lacking(schema: int) -> frozenset[str]:
    """The keys of a benchmark's ``extra_info`` that a document of ``schema`` (from
    ``FACTS_SCHEMA`` on) lacks: those added since, read as unknown."""
    return frozenset(key for added, keys in ADDED.items() if added > schema for key in keys)


def migrate(info: Mapping[str, Any]) -> Migrated:
    """A schema 1 or 2 benchmark's ``extra_info`` as this schema has it: the run-wide facts
    from the benchmark itself, and every key schema 2 did not require, where absent, null
    (schema 1 required the same keys, and lacked only nullable ones)."""
    unknown = frozenset(
        key
        for key in (*BENCHMARK_FIELDS, *RUN_FIELDS)
        if key not in REQUIRED_IN_PREVIOUS and info.get(key) is None
    )
    filled = {**info, **dict.fromkeys(unknown)}
    return Migrated(
        {key: filled[key] for key in BENCHMARK_FIELDS if key in filled},
        {key: filled[key] for key in RUN_FIELDS if key in filled},
        unknown,
    )
