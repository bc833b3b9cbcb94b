"""Saved runs: pytest-benchmark JSON read back into measurements, checked as it is read.

A saved run is a pytest-benchmark JSON file (``--benchmark-json``, ``--benchmark-save``).
The keys parbench adds to it, where each lives, its schema's changelog and the migration
from the previous schema are ``parbench.data.record``'s; this module reads them:

- each benchmark's ``extra_info`` (``record.BENCHMARK_FIELDS``) and, in a document of
  schema 3 or later, the run-wide facts in ``machine_info["parbench"]`` (``record.RUN_FIELDS``),
  copied into each ``Measurement``; a benchmark's ``stats`` gives its ``median`` and,
  saved with ``--benchmark-save-data``, every round's time (``data``).
- the document's ``parbench_run``, whether its session completed:
  ``{"complete": bool, "exit_status": int, "failed": [benchmark names]}``. A document
  without it predates that record: its completeness is unknown.

Every key is required. A key that is missing, null where it may not be, of the wrong type
or out of range (a NaN or zero median, a worker count written as a string, zero tasks)
is a ``RunError`` naming the file, the benchmark (or ``machine_info.parbench``) and the
key. The ranges are those a run can have been made with: a worker count, a latency or a
body size beyond what the options allow (``MAX_WORKERS``, ``MAX_LATENCY_S``,
``MAX_BODY_BYTES``), more tasks than a batch may hold, more CPUs in use than the
machine has. A run's figures must agree with each other: its ``median`` is the median
of its rounds (``data``), and ``rounds`` their count; a file edited or damaged so that
they do not is refused, since a verdict or a gate would believe one and not the other. A
document of schema 1 or 2 is migrated (``record.migrate``), and one of schema 3 lacks the
keys added since (``record.lacking``): what it did not have to write reads as ``None``.
One of a newer schema, or saved before schemas existed, is refused with what to do about
it.

A run is named by a file path, by a pytest-benchmark storage id (``0003``, looked up
under ``.benchmarks/``) or by ``latest``, the newest complete run there.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

from parbench.data import record
from parbench.data.checks import ROUND_TIME, TEXT, Check, round_times
from parbench.data.record import GRANULARITY_ROLES, RUN_KEY, SCHEMA
from parbench.errors import ParbenchError

__all__ = ["GRANULARITY_ROLES", "RUN_KEY", "SCHEMA"]

DEFAULT_STORAGE = Path(".benchmarks")
# The strategy every speedup divides by.
BASELINE = "serial"
# At most this many benchmarks are named in one message, to keep it one line.
NAMED = 10
# The extra_info key of the latency benchmarks (read by ``parbench.latency.saved``): a run
# of those alone is a run, with no measurements of its own.
LATENCY_KEY = "parbench_latency"
#: How far a stored median may be from its rounds' median (the float's own precision).
MEDIAN_TOLERANCE = 1e-9
# Where a fact is kept in a document of this schema, for messages.
RUN_FACTS_PREFIX = f"machine_info.{record.RUN_FACTS_KEY}."
# The saved keys whose ``Measurement`` attribute is named otherwise; the rest share names.
RENAMED = {"cpu_seconds_main_process": "cpu_seconds"}
# Together they make ``Measurement.python``, e.g. "CPython 3.11.7".
PYTHON_FIELDS = ("python_implementation", "python_version")


class RunError(ParbenchError):
    """A run could not be found or read; the message names the file and the problem."""


class Torn(RunError):
    """A saved file is empty or not whole JSON, as a write cut short leaves one."""


@dataclass(frozen=True)
class Measurement:
    """One benchmark of a saved run, with what parbench recorded about it (and the run's
    facts, the same in each of its measurements). What each holds: ``record``'s fields.
    ``None`` where unknown: where the platform does not report it, or in a run of a
    schema that did not record it."""

    name: str
    workload: str
    kind: str
    size: int
    tasks: int
    strategy: str
    workers: int
    chunksize: int
    chunk_policy: str
    chunked: bool
    start_method: str | None
    pool: str
    network: str
    latency_s: float
    body_bytes: int
    median: float
    rounds: tuple[float, ...]
    cpu_seconds: float | None
    gil_enabled: bool
    usable_cpus: float
    python: str
    # What the untimed probe measured the workload to be: "io", "cpu" or "mixed".
    probed_kind: str | None
    # Medians over the sampled timed rounds of warm cases, for the run's whole process
    # tree: CPU seconds per wall second (CPUs kept busy); CPU plus run-queue wait per wall
    # second (CPUs wanted); and run-queue wait per wall second (ready but not running).
    # The last two are None where the platform does not report run-queue waits.
    cpu_per_wall: float | None
    runnable_per_wall: float | None
    wait_share: float | None
    # CPU seconds per wall second not spent waiting for a CPU, at most 1 (the median of
    # each round's ratio; see cpustat.Usage.computing): serial's CPU share however busy
    # the machine. None where run-queue waits are not reported.
    cpu_per_unqueued_wall: float | None
    # CPUs that everything else on the machine kept busy while the case ran (a total over
    # the sampled rounds).
    others_per_wall: float | None
    # For serial cases: "before" or "after" the workload's other cases.
    baseline_pass: str | None
    logical_cpus: int
    physical_cores: int | None
    usable_cores: float
    cpu_quota: float | None
    # The part of a --parbench-granularity run the case measured (GRANULARITY_ROLES), or None.
    granularity: str | None
    # A case other than serial: the serial round taken beside each of its rounds, in the
    # same order (``()`` for serial, or where saved without rounds); why it stopped taking
    # rounds ("settled", "budget" or "max_pairs"); and the seconds it and its workload
    # were allowed (None where unlimited).
    serial_rounds: tuple[float, ...] = ()
    # The CPUs the tree kept busy in each sampled round, in order; ``cpu_per_wall`` is
    # their median (None where unmeasured, and in runs of schema 3 or before).
    cpu_per_wall_rounds: tuple[float, ...] | None = None
    stopped: str | None = None
    budget_s: float | None = None
    workload_budget_s: float | None = None
    # The case's process tree at its peak, in an untimed round (``parbench.measure.memory``): its
    # resident bytes, its footprint (shared pages once) and its processes.
    memory_resident_bytes: int | None = None
    memory_footprint_bytes: int | None = None
    memory_processes: int | None = None
    # The sha256 of the workload module's source: a change says the work itself changed.
    workload_source_hash: str | None = None
    size_preset: str | None = None
    # The round settings of the run, and how many rounds' results were checked.
    min_rounds: int | None = None
    max_time_s: float | None = None
    rounds_checked: int | None = None
    free_threaded_build: bool | None = None
    platform: str | None = None
    # The network's own cost a request, measured once a run (None where unmeasured).
    network_overhead_wall_s: float | None = None
    network_overhead_cpu_s: float | None = None

    @property
    def baseline_key(self) -> tuple[str, int, str, float, int]:
        """Measurements with the same key share one serial baseline."""
        return (self.workload, self.size, self.network, self.latency_s, self.body_bytes)


@dataclass(frozen=True)
class Completeness:
    """What a saved run says of its session; ``complete`` is None where it does not say."""

    complete: bool | None
    exit_status: int | None = None
    failed: tuple[str, ...] = ()


UNRECORDED = Completeness(None)


@dataclass(frozen=True)
class Run:
    """A saved run: where it came from, its machine facts and its measurements.

    ``skipped`` names the newer files passed over to find this one (``latest``), each
    with why: ``PATH: incomplete run ...`` or ``PATH: is empty``.
    """

    source: str
    machine: dict[str, Any]
    measurements: tuple[Measurement, ...]
    completeness: Completeness = UNRECORDED
    skipped: tuple[str, ...] = ()

    @property
    def has_rounds(self) -> bool:
        return all(m.rounds for m in self.measurements)

    @property
    def warnings(self) -> list[str]:
        """One line each for what a reader of this run should be told."""
        found = []
        if self.skipped:
            found.append(
                f"latest: skipped {len(self.skipped)} newer run(s) that are not whole "
                f"({'; '.join(self.skipped)}); using {self.source}"
            )
        if self.completeness.complete is None:
            found.append(
                f"{self.source}: does not record whether its session completed (saved "
                "before parbench marked whole runs), so it may be partial"
            )
        elif not self.completeness.complete:
            found.append(f"{self.source}: {describe_incomplete(self.completeness)}")
        return found


def describe_incomplete(completeness: Completeness) -> str:
    """``incomplete run (exit status 1); failed: a, b``."""
    names = listed(completeness.failed) if completeness.failed else "none recorded"
    return f"incomplete run (exit status {completeness.exit_status}); failed: {names}"


def listed(names: Sequence[str]) -> str:
    """``a, b, c``; past ``NAMED``, ``... and 12 more``, to keep a message on one line."""
    text = ", ".join(names[:NAMED])
    return text + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")


def _shown(value: Any) -> str:
    """A value as its JSON, cut short to keep a message on one line."""
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Reader:
    """Validated reads; errors begin with ``where`` (the file, and the benchmark)."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, problem: str) -> NoReturn:
        raise RunError(f"{self.where}: {problem}")

    def read(
        self,
        mapping: Mapping[str, Any],
        prefix: str,
        key: str,
        check: Check,
        nullable: bool = False,
    ) -> Any:
        """``mapping[key]`` (``prefix.key`` in messages), validated by ``check``."""
        if key not in mapping:
            self.fail(f"{prefix}{key} is missing")
        value = mapping[key]
        if value is None:
            if nullable:
                return None
            self.fail(f"{prefix}{key} is null")
        if not check.accepts(value):
            self.fail(f"{prefix}{key} is {_shown(value)}; expected {check.expected}")
        return value

    def fields(
        self,
        mapping: Mapping[str, Any],
        prefix: str,
        fields: Mapping[str, record.Field],
        unknown: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Every key of ``fields`` in ``mapping``; those in ``unknown`` may be null too."""
        return {
            key: self.read(mapping, prefix, key, spec.check, spec.nullable or key in unknown)
            for key, spec in fields.items()
        }

    def facts(
        self, mapping: Mapping[str, Any], prefix: str, unknown: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """A run's facts (``record.RUN_FIELDS``), refused where its CPU counts contradict
        each other (more in use than there are)."""
        values = self.fields(mapping, prefix, record.RUN_FIELDS, unknown)
        logical = values["logical_cpus"]
        for name in ("usable_cpus", "physical_cores", "usable_cores"):
            if values[name] is not None and values[name] > logical:
                self.fail(
                    f"{prefix}{name} is {_shown(values[name])}, more than the machine's "
                    f"{logical} logical CPUs ({prefix}logical_cpus)"
                )
        return values


class _Entry(_Reader):
    """Validated reads from one benchmark entry; errors name the file and the benchmark."""

    def __init__(self, entry: Any, index: int, source: str) -> None:
        super().__init__(f"{source}: benchmark #{index + 1}")
        self.source = source
        if not isinstance(entry, dict):
            self.fail(f"is {_shown(entry)}; expected an object")
        self.entry = entry
        name = entry.get("param")
        if not (isinstance(name, str) and name):
            name = self.read(entry, "", "name", TEXT)
        self.name: str = name
        self.where = f"{source}: benchmark {name if name.isprintable() else _shown(name)}"
        # pytest-benchmark writes an empty extra_info for benchmarks that are not parbench's.
        self.info = self.section("extra_info") if "extra_info" in entry else {}

    def section(self, key: str) -> dict[str, Any]:
        value = self.entry.get(key)
        if not isinstance(value, dict):
            found = "missing" if value is None else _shown(value)
            self.fail(f"{key} is {found}; expected an object")
        return value

    def rounds(self, mapping: dict[str, Any], prefix: str, key: str) -> tuple[float, ...]:
        """Every round's time in ``mapping[key]``, or ``()`` where saved without them."""
        data = mapping.get(key)
        if data is None:
            return ()
        if not isinstance(data, list) or not data:
            self.fail(f"{prefix}{key} is {_shown(data)}; expected a list of round times")
        if not round_times(data):
            index = next(i for i, v in enumerate(data) if not ROUND_TIME.accepts(v))
            self.fail(
                f"{prefix}{key}[{index}] is {_shown(data[index])}; expected {ROUND_TIME.expected}"
            )
        return tuple(map(float, data))

    def counted(self, stats: dict[str, Any], rounds: tuple[float, ...]) -> None:
        """Refuse a stored round count that is not the number of rounds kept."""
        count = stats.get("rounds", len(rounds))
        if rounds and count != len(rounds):
            self.fail(f"stats.rounds is {_shown(count)}, but stats.data holds {len(rounds)} rounds")

    def agree(self, median: float, rounds: tuple[float, ...]) -> None:
        """Refuse a stored ``median`` that is not the median of its ``rounds``."""
        if not rounds:
            return
        found = statistics.median(rounds)
        if not math.isclose(median, found, rel_tol=MEDIAN_TOLERANCE):
            self.fail(
                f"stats.median is {median:.6g} s, but the median of its {len(rounds)} rounds "
                f"(stats.data) is {found:.6g} s: the file was changed or damaged"
            )

    def schema(self) -> int | None:
        """The schema of this entry's ``extra_info``; ``None`` if parbench did not make it."""
        info = self.info
        if record.SCHEMA_KEY not in info:
            if "workload" in info and "strategy" in info:
                raise RunError(
                    f"{self.source}: saved by an older parbench, before saved runs carried "
                    "a schema version; re-run its benchmarks to read it with this one"
                )
            return None
        schema = info[record.SCHEMA_KEY]
        if type(schema) is not int or schema not in (*record.MIGRATED_SCHEMAS, SCHEMA):
            known = ", ".join(str(s) for s in (*record.MIGRATED_SCHEMAS, SCHEMA))
            problem = (
                f"newer than this parbench reads ({SCHEMA}): upgrade parbench to read it"
                if type(schema) is int and schema > SCHEMA
                else f"not a schema this parbench knows (it reads {known})"
            )
            self.fail(f"extra_info.schema {_shown(schema)} is {problem}")
        return schema


def _measurement(entry: _Entry, schema: int, facts: Mapping[str, Any] | None) -> Measurement:
    """The measurement in one parbench benchmark entry of ``schema``; ``facts``: its run's,
    read from ``machine_info`` (``None`` where the entry's schema kept them in each entry)."""
    read = entry
    if facts is None:
        migrated = record.migrate(read.info)
        facts = read.facts(migrated.facts, "extra_info.", migrated.unknown)
        values = read.fields(
            migrated.info, "extra_info.", record.BENCHMARK_FIELDS, migrated.unknown
        )
    else:
        unknown = record.lacking(schema)
        info = {**read.info, **dict.fromkeys(unknown)}
        values = read.fields(info, "extra_info.", record.BENCHMARK_FIELDS, unknown)
    if values["baseline_pass"] is not None and values["strategy"] != BASELINE:
        read.fail(
            f"extra_info.baseline_pass is {_shown(values['baseline_pass'])}; expected null "
            "for a case that is not serial"
        )
    stats = read.section("stats")
    median = read.read(stats, "stats.", "median", ROUND_TIME)
    rounds = read.rounds(stats, "stats.", "data")
    read.counted(stats, rounds)
    read.agree(median, rounds)
    serial_rounds = tuple(values.pop("serial_rounds") or ())
    busy_rounds = values.pop("cpu_per_wall_rounds")
    if serial_rounds and rounds and len(serial_rounds) != len(rounds):
        read.fail(
            f"extra_info.serial_rounds holds {len(serial_rounds)} rounds; expected one "
            f"beside each of the case's {len(rounds)}"
        )
    attributes = {RENAMED.get(key, key): value for key, value in {**facts, **values}.items()}
    python = " ".join(attributes.pop(key) for key in PYTHON_FIELDS)
    return Measurement(
        name=read.name,
        median=median,
        rounds=rounds,
        serial_rounds=serial_rounds,
        cpu_per_wall_rounds=None if busy_rounds is None else tuple(busy_rounds),
        python=python,
        **attributes,
    )


def _completeness(document: dict[str, Any], source: str) -> Completeness:
    if RUN_KEY not in document:
        return UNRECORDED
    found = document[RUN_KEY]
    if not isinstance(found, dict):
        raise RunError(f"{source}: {RUN_KEY} is {_shown(found)}; expected an object")
    values = _Reader(source).fields(found, f"{RUN_KEY}.", record.SESSION_FIELDS)
    return Completeness(values["complete"], values["exit_status"], tuple(values["failed"]))


def _run_facts(machine: dict[str, Any], source: str) -> dict[str, Any]:
    """The run-wide facts a document of this schema keeps in ``machine_info``."""
    reader = _Reader(source)
    facts = machine.get(record.RUN_FACTS_KEY)
    if not isinstance(facts, dict):
        found = "missing" if facts is None else _shown(facts)
        reader.fail(f"{RUN_FACTS_PREFIX.rstrip('.')} is {found}; expected an object")
    reader.read(facts, RUN_FACTS_PREFIX, record.SCHEMA_KEY, record.FACTS_SCHEMAS)
    return reader.facts(facts, RUN_FACTS_PREFIX)


def from_json(document: Any, source: str) -> Run:
    """A run from a parsed pytest-benchmark JSON document (see the module's docstring)."""
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise RunError(f"{source}: not a pytest-benchmark file (no 'benchmarks' list)")
    machine = document.get("machine_info", {})
    if not isinstance(machine, dict):
        raise RunError(f"{source}: machine_info is {_shown(machine)}; expected an object")
    completeness = _completeness(document, source)
    entries = [_Entry(b, i, source) for i, b in enumerate(document["benchmarks"])]
    schemas = [entry.schema() for entry in entries]
    known = [schema for schema in schemas if schema is not None]
    facts = _run_facts(machine, source) if max(known, default=0) >= record.FACTS_SCHEMA else None
    measurements = tuple(
        _measurement(entry, schema, facts if schema >= record.FACTS_SCHEMA else None)
        for entry, schema in zip(entries, schemas, strict=True)
        if schema is not None
    )
    if not measurements and not any(LATENCY_KEY in entry.info for entry in entries):
        raise RunError(f"{source}: holds no parbench benchmarks")
    repeated = [n for n, count in Counter(m.name for m in measurements).items() if count > 1]
    if repeated:
        raise RunError(f"{source}: holds benchmark {repeated[0]} more than once")
    return Run(source, machine, measurements, completeness)


def resolve(spec: str, storage: Path = DEFAULT_STORAGE) -> Path:
    """The file a run spec names: a path, or a storage id such as ``0003``."""
    path = Path(spec)
    try:
        named_a_file = path.suffix == ".json" or path.exists()
        if named_a_file and path.is_dir():
            raise RunError(f"{spec}: is a folder; name a saved run's .json file, an id or 'latest'")
        if named_a_file and not path.is_file():
            problem = "no such file" if not path.exists() else "not a regular file"
            raise RunError(f"{spec}: {problem}")
    except OSError as error:
        raise RunError(f"{spec}: cannot be looked up ({error.strerror})") from None
    if named_a_file:
        return path
    saved = _saved(storage)
    matches = [p for p in saved if p.name.split("_", 1)[0] == spec.zfill(4)]
    if len(matches) != 1:
        known = ", ".join(sorted(p.name.split("_", 1)[0] for p in saved)) or "none"
        problem = "no saved run" if not matches else f"{len(matches)} saved runs"
        raise RunError(f"{spec}: {problem} with that id under {storage}/ (ids there: {known})")
    return matches[0]


def saved_runs(storage: Path = DEFAULT_STORAGE) -> list[Path]:
    """Every run saved under ``storage``, newest first.

    Each interpreter has its own folder and counter: the newest is the last written.
    """
    return sorted(_saved(storage), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def _saved(storage: Path) -> list[Path]:
    return list(storage.glob("*/[0-9][0-9][0-9][0-9]_*.json"))


def read(path: Path) -> Run:
    """The run saved in the file ``path``."""
    return from_json(_document(path), str(path))


def _document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RunError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise RunError(f"{path}: not a text file (not UTF-8)") from None
    if not text.strip():
        raise Torn(f"{path}: is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise Torn(f"{path}: not valid JSON, truncated? ({error})") from None
    except (ValueError, RecursionError) as error:
        raise RunError(f"{path}: not JSON that can be read ({error})") from None


def latest(storage: Path = DEFAULT_STORAGE) -> Run:
    """The newest complete run under ``storage``; newer files that are incomplete runs,
    empty or not whole JSON (``Torn``) are named in its ``skipped``, with why. A run
    that does not record its completeness counts as complete; a file that is whole JSON
    but not a valid run is an error, not skipped."""
    skipped: list[str] = []
    for path in saved_runs(storage):
        try:
            run = read(path)
        except Torn as error:
            skipped.append(str(error))
            continue
        if run.completeness.complete is not False:
            return replace(run, skipped=tuple(skipped))
        skipped.append(f"{path}: {describe_incomplete(run.completeness)}")
    if skipped:
        raise RunError(
            f"latest: no whole run saved under {storage}/; passed over: {listed(skipped)}"
        )
    raise RunError(f"latest: no saved runs under {storage}/ (save with --benchmark-save)")


def load(spec: str, storage: Path = DEFAULT_STORAGE) -> Run:
    """Read the run that ``spec`` names: a path, a storage id, or ``latest``."""
    if spec == "latest" and not Path(spec).exists():
        return latest(storage)
    return read(resolve(spec, storage))
