"""CPU topology, with mocked machines: cores, hardware threads, affinity and cgroup quotas."""

from __future__ import annotations

from pathlib import Path

import pytest

from parbench.measure import environment, machine
from parbench.network import NetworkSettings


def fake_sysfs(root: Path, cores: int, threads_per_core: int) -> Path:
    """A /sys with ``cores`` cores of ``threads_per_core`` hardware threads each, numbered
    as Linux numbers them (cpu0..cpuN-1 are the first thread of each core)."""
    for cpu in range(cores * threads_per_core):
        topology = root / "devices" / "system" / "cpu" / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        (topology / "physical_package_id").write_text("0\n")
        (topology / "core_id").write_text(f"{cpu % cores}\n")
    return root


def fake_cgroup(root: Path, lines: list[str], files: dict[str, str]) -> tuple[Path, Path]:
    """A /proc/self/cgroup of ``lines`` and a cgroup tree holding ``files``."""
    procfs, cgroupfs = root / "proc", root / "cgroup"
    (procfs / "self").mkdir(parents=True)
    (procfs / "self" / "cgroup").write_text("\n".join(lines) + "\n")
    for name, text in files.items():
        (cgroupfs / name).parent.mkdir(parents=True, exist_ok=True)
        (cgroupfs / name).write_text(text)
    return procfs, cgroupfs


def test_two_cores_without_hardware_threads(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path, cores=2, threads_per_core=1)
    topology = machine.Topology(2, 2, 2, machine.cores_of({0, 1}, sysfs), None)
    assert (topology.usable_cpus, topology.usable_cores) == (2, 2)
    assert not topology.hardware_threads
    assert topology.describe() == "2 cores, no hardware threads, 2 usable"


def test_eight_cores_with_two_hardware_threads_each(tmp_path: Path) -> None:
    sysfs = fake_sysfs(tmp_path, cores=8, threads_per_core=2)
    every = machine.Topology(16, 8, 16, machine.cores_of(range(16), sysfs), None)
    assert (every.usable_cpus, every.usable_cores) == (16, 8)
    assert every.describe() == "8 cores, 16 hardware threads, 16 usable (8 of them cores)"
    # Pinned to both threads of cores 0-3: eight CPUs, four cores.
    pinned = machine.Topology(16, 8, 8, machine.cores_of({0, 1, 2, 3, 8, 9, 10, 11}, sysfs), None)
    assert (pinned.usable_cpus, pinned.usable_cores) == (8, 4)
    # Pinned to the first thread of eight cores: eight CPUs, eight cores.
    spread = machine.Topology(16, 8, 8, machine.cores_of(range(8), sysfs), None)
    assert spread.usable_cores == 8


def test_a_cgroup_v2_quota_of_one_and_a_half_cpus(tmp_path: Path) -> None:
    procfs, cgroupfs = fake_cgroup(
        tmp_path,
        ["0::/ci/job"],
        {
            "cpu.max": "max 100000\n",
            "ci/cpu.max": "400000 100000\n",
            "ci/job/cpu.max": "150000 100000\n",
        },
    )
    quota = machine.cgroup_quota(procfs, cgroupfs)
    assert quota == 1.5
    topology = machine.Topology(8, 4, 8, 4, quota)
    assert (topology.usable_cpus, topology.usable_cores) == (1.5, 1.5)
    assert topology.describe() == "4 cores, 8 hardware threads, 1.5 usable (a CPU quota)"


def test_the_tightest_quota_of_the_cgroup_and_its_ancestors_applies(tmp_path: Path) -> None:
    procfs, cgroupfs = fake_cgroup(
        tmp_path,
        ["0::/outer/inner"],
        {"outer/cpu.max": "50000 100000\n", "outer/inner/cpu.max": "max 100000\n"},
    )
    assert machine.cgroup_quota(procfs, cgroupfs) == 0.5


def test_a_cgroup_v1_quota(tmp_path: Path) -> None:
    procfs, cgroupfs = fake_cgroup(
        tmp_path,
        ["4:memory:/x", "3:cpu,cpuacct:/docker/abc"],
        {
            "cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "150000\n",
            "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
        },
    )
    assert machine.cgroup_quota(procfs, cgroupfs) == 1.5


@pytest.mark.parametrize(
    ("lines", "files"),
    [
        (["0::/"], {"cpu.max": "max 100000\n"}),
        (["1:cpu:/"], {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}),
        (["0::/gone"], {}),
        (["0::/"], {"cpu.max": "garbage\n"}),
    ],
)
def test_no_quota_or_an_unreadable_one_is_none(tmp_path: Path, lines, files) -> None:
    assert machine.cgroup_quota(*fake_cgroup(tmp_path, lines, files)) is None


def test_no_procfs_means_no_quota_and_no_sysfs_means_cores_unknown(tmp_path: Path) -> None:
    assert machine.cgroup_quota(tmp_path / "nothing", tmp_path / "nothing") is None
    assert machine.cores_of({0, 1}, tmp_path) is None


def test_unknown_physical_cores_degrade_to_the_logical_count(monkeypatch) -> None:
    monkeypatch.setattr(machine.psutil, "cpu_count", lambda logical=True: 4 if logical else None)
    monkeypatch.setattr(machine, "affinity_set", lambda: {0, 1, 2, 3})
    monkeypatch.setattr(machine, "cores_of", lambda cpus: None)
    monkeypatch.setattr(machine, "cgroup_quota", lambda: None)
    machine.detect.cache_clear()
    try:
        topology = machine.detect()
    finally:
        machine.detect.cache_clear()
    assert (topology.physical, topology.usable_cpus, topology.usable_cores) == (None, 4, 4)
    assert topology.describe() == "4 logical CPUs (physical cores unknown), 4 usable"


def test_this_machine_is_described_consistently() -> None:
    topology = machine.detect()
    assert 1 <= topology.usable_cores <= topology.usable_cpus <= topology.logical
    facts = environment.run_facts(NetworkSettings())
    assert facts["logical_cpus"] == topology.logical
    assert facts["usable_cpus"] == topology.usable_cpus
