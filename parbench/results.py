"""Saved runs: pytest-benchmark JSON files read back into parbench measurements.

A run is named by a file path, by a pytest-benchmark storage id (``0003``, looked up
under ``.benchmarks/``) or by ``latest``. Anything that is not a readable run raises
``RunError`` with the file and the problem in one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_STORAGE = Path(".benchmarks")


class RunError(Exception):
    """A run could not be found or read; the message names the file and the problem."""


@dataclass(frozen=True)
class Measurement:
    """One benchmark of a saved run, with what parbench recorded about it."""

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
    probed_kind: str | None = None
    # Medians over the timed rounds, for the threads of the main process: CPU seconds per
    # wall second; CPU plus run-queue wait per wall second (how many threads wanted a CPU);
    # and run-queue wait per wall second (time spent ready but not running). The last two
    # are None where the platform does not report run-queue waits.
    cpu_per_wall: float | None = None
    runnable_per_wall: float | None = None
    wait_share: float | None = None
    # CPUs that everything else on the machine kept busy while the case ran.
    others_per_wall: float | None = None
    # For serial cases: "before" or "after" the workload's other cases.
    baseline_pass: str | None = None
    logical_cpus: int = 1
    physical_cores: int | None = None
    usable_cores: float = 1.0
    cpu_quota: float | None = None

    @property
    def baseline_key(self) -> tuple:
        """Measurements with the same key share one serial baseline."""
        return (self.workload, self.size, self.network, self.latency_s, self.body_bytes)

    @classmethod
    def from_json(cls, benchmark: dict[str, Any]) -> Measurement | None:
        """The measurement in one benchmark entry, or ``None`` if parbench did not make it."""
        info = benchmark.get("extra_info") or {}
        if "workload" not in info or "strategy" not in info:
            return None
        stats = benchmark["stats"]
        return cls(
            name=benchmark.get("param") or benchmark["name"],
            workload=info["workload"],
            kind=info["kind"],
            size=info["size"],
            tasks=info["tasks"],
            strategy=info["strategy"],
            workers=info["workers"],
            chunksize=info["chunksize"],
            chunk_policy=str(info.get("chunk_policy", info["chunksize"])),
            chunked=info.get("chunked", info["strategy"] == "processes"),
            start_method=info.get("start_method"),
            pool=info.get("pool", "warm"),
            network=info.get("network", "mock"),
            latency_s=info.get("latency_s", 0.0),
            body_bytes=info.get("body_bytes", 0),
            median=stats["median"],
            rounds=tuple(stats.get("data") or ()),
            cpu_seconds=info.get("cpu_seconds_main_process"),
            gil_enabled=info.get("gil_enabled", True),
            usable_cpus=info.get("usable_cpus") or info.get("cpu_count") or 1,
            python=f"{info.get('python_implementation', '')} {info.get('python_version', '')}",
            probed_kind=info.get("probed_kind"),
            cpu_per_wall=info.get("cpu_per_wall"),
            runnable_per_wall=info.get("runnable_per_wall"),
            wait_share=info.get("wait_share"),
            others_per_wall=info.get("others_per_wall"),
            baseline_pass=info.get("baseline_pass"),
            logical_cpus=info.get("logical_cpus") or info.get("cpu_count") or 1,
            physical_cores=info.get("physical_cores"),
            usable_cores=info.get("usable_cores") or info.get("usable_cpus") or 1,
            cpu_quota=info.get("cpu_quota"),
        )


@dataclass(frozen=True)
class Run:
    """A saved run: where it came from, its machine facts and its measurements."""

    source: str
    machine: dict[str, Any]
    measurements: tuple[Measurement, ...]

    @property
    def has_rounds(self) -> bool:
        return all(m.rounds for m in self.measurements)


def from_json(document: Any, source: str) -> Run:
    """A run from a parsed pytest-benchmark JSON document."""
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise RunError(f"{source}: not a pytest-benchmark file (no 'benchmarks' list)")
    try:
        found = [Measurement.from_json(b) for b in document["benchmarks"]]
    except (KeyError, TypeError, AttributeError) as error:
        raise RunError(f"{source}: a benchmark entry is malformed ({error!r})") from None
    measurements = tuple(m for m in found if m is not None)
    if not measurements:
        raise RunError(f"{source}: holds no parbench benchmarks")
    return Run(source, document.get("machine_info") or {}, measurements)


def resolve(spec: str, storage: Path = DEFAULT_STORAGE) -> Path:
    """The file a run spec names: a path, a storage id such as ``0003``, or ``latest``."""
    path = Path(spec)
    if path.suffix == ".json" or path.exists():
        if not path.is_file():
            raise RunError(f"{spec}: no such file")
        return path
    saved = sorted(storage.glob("*/[0-9][0-9][0-9][0-9]_*.json"), key=lambda p: p.name)
    if spec == "latest":
        if not saved:
            raise RunError(f"latest: no saved runs under {storage}/ (save with --benchmark-save)")
        # Each interpreter has its own folder and counter: the newest is the last written.
        return max(saved, key=lambda p: p.stat().st_mtime_ns)
    matches = [p for p in saved if p.name.split("_", 1)[0] == spec.zfill(4)]
    if len(matches) != 1:
        known = ", ".join(p.name.split("_", 1)[0] for p in saved) or "none"
        problem = "no saved run" if not matches else f"{len(matches)} saved runs"
        raise RunError(f"{spec}: {problem} with that id under {storage}/ (ids there: {known})")
    return matches[0]


def load(spec: str, storage: Path = DEFAULT_STORAGE) -> Run:
    """Read the run that ``spec`` names (see ``resolve``)."""
    path = resolve(spec, storage)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RunError(f"{path}: cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise RunError(f"{path}: not a text file (not UTF-8)") from None
    if not text.strip():
        raise RunError(f"{path}: is empty")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RunError(f"{path}: not valid JSON, truncated? ({error})") from None
    return from_json(document, str(path))
