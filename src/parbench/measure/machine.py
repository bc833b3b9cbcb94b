"""What CPUs this run may use: logical CPUs, physical cores, affinity and a cgroup quota.

The ideal speedup of CPU-bound work counts the physical cores this process may use; what
hardware threads add on top is bounded by the logical CPUs it may use; and a container's
CPU quota caps both. ``detect()`` reads all of it once. psutil answers the machine-wide
counts; the affinity set, the core each CPU belongs to and the quota come from the
operating system, and each part degrades to ``None`` (unknown) where it cannot be read.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from parbench.report import render


@dataclass(frozen=True)
class Topology:
    """The CPUs of this machine and the share of them this process may use.

    ``logical``: hardware threads the machine has. ``physical``: its physical cores, or
    ``None`` where unknown. ``affinity``: logical CPUs this process may be scheduled on.
    ``affinity_cores``: physical cores among those, or ``None`` where unknown.
    ``quota``: the cgroup CPU quota in CPUs (1.5 means 150 ms of CPU per 100 ms), or
    ``None`` where there is none.
    """

    logical: int
    physical: int | None
    affinity: int
    affinity_cores: int | None
    quota: float | None

    @property
    def usable_cpus(self) -> float:
        """Logical CPUs this process can keep busy at once: affinity, capped by the quota."""
        return min(float(self.affinity), self.quota if self.quota is not None else math.inf)

    @property
    def usable_cores(self) -> float:
        """Physical cores this process can keep busy at once: the ideal for CPU work."""
        cores = self.affinity_cores if self.affinity_cores is not None else self.affinity
        return min(float(cores), self.usable_cpus)

    @property
    def hardware_threads(self) -> bool:
        """Whether cores run more than one hardware thread each."""
        return self.physical is not None and self.logical > self.physical

    def describe(self) -> str:
        """``8 cores, 16 hardware threads, 16 usable`` and the like, in one phrase."""
        return render.describe_cpus(
            self.logical, self.physical, self.usable_cpus, self.usable_cores, self.quota
        )


def affinity_set() -> set[int]:
    """The logical CPUs this process may run on (all of them where affinity is unknown)."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    try:
        return set(psutil.Process().cpu_affinity() or ())
    except (AttributeError, psutil.Error):
        return set(range(psutil.cpu_count() or os.cpu_count() or 1))


def cores_of(cpus: Iterable[int], sysfs: Path = Path("/sys")) -> int | None:
    """How many physical cores the logical ``cpus`` belong to (Linux sysfs), or ``None``."""
    cores = set()
    for cpu in cpus:
        topology = sysfs / "devices" / "system" / "cpu" / f"cpu{cpu}" / "topology"
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return None
        cores.add((package, core))
    return len(cores) or None


def cgroup_quota(
    procfs: Path = Path("/proc"), cgroupfs: Path = Path("/sys/fs/cgroup")
) -> float | None:
    """The tightest CPU quota, in CPUs, of this process's cgroup and its ancestors.

    cgroup v2 (``cpu.max``: ``"150000 100000"`` or ``"max 100000"``) and v1
    (``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``, -1 for none). ``None`` where no
    quota is set or none can be read.
    """
    try:
        lines = (procfs / "self" / "cgroup").read_text().splitlines()
    except OSError:
        return None
    quotas = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hierarchy == "0" and controllers == "":
            quotas += _quotas(cgroupfs, path, _v2_quota)
        elif "cpu" in controllers.split(","):
            for mount in (controllers, "cpu", "cpu,cpuacct"):
                if (cgroupfs / mount).is_dir():
                    quotas += _quotas(cgroupfs / mount, path, _v1_quota)
                    break
    return min(quotas) if quotas else None


def _quotas(root: Path, path: str, read: Callable[[Path], float | None]) -> list[float]:
    """The quotas set on ``root/path`` and each ancestor up to ``root`` (in a container
    the path may name the host's hierarchy, so ``root`` itself is always read)."""
    folders = [root]
    for part in [p for p in path.strip("/").split("/") if p]:
        folders.append(folders[-1] / part)
    return [q for q in (read(folder) for folder in folders) if q is not None]


def _v2_quota(folder: Path) -> float | None:
    try:
        limit, period = (folder / "cpu.max").read_text().split()
    except (OSError, ValueError):
        return None
    return None if limit == "max" else _ratio(limit, period)


def _v1_quota(folder: Path) -> float | None:
    try:
        limit = (folder / "cpu.cfs_quota_us").read_text().strip()
        period = (folder / "cpu.cfs_period_us").read_text().strip()
    except OSError:
        return None
    return None if limit.startswith("-") else _ratio(limit, period)


def _ratio(limit: str, period: str) -> float | None:
    try:
        value = int(limit) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


@functools.cache
def detect() -> Topology:
    """This machine's topology, read once per process."""
    cpus = affinity_set()
    logical = psutil.cpu_count(logical=True) or os.cpu_count() or len(cpus) or 1
    physical = psutil.cpu_count(logical=False)
    cores = cores_of(cpus)
    if cores is None and len(cpus) >= logical:
        cores = physical
    return Topology(logical, physical, len(cpus) or 1, cores, cgroup_quota())
