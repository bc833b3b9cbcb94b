"""The files workloads: every strategy writes and reads back the same bytes, reads come
from where the name says, and nothing stays on disk, even when the disk refuses."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import psutil
import pytest
from test_suite_runs import CLEAN, passed, run_suite

from parbench import network
from parbench.contract import workload
from parbench.measure import runner
from parbench.workloads import _files

from helpers import POOLS, make_case

FILES = ["files_cached", "files_uncached"]
SETTINGS = network.NetworkSettings()


def expected_results(count: int, size: int = _files.FILE_BYTES) -> list[_files.ReadBack]:
    """What ``count`` files of ``size`` bytes read back as, computed without touching a disk."""
    expected = []
    for seed in range(count):
        header, filler = _files.contents(seed, size)
        data = header + bytes(filler)
        expected.append(_files.ReadBack(len(data), hashlib.sha256(data).hexdigest()))
    return expected


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize(("strategy", "pool"), POOLS)
def test_every_strategy_reads_back_what_it_wrote_and_leaves_nothing(
    name: str, strategy: str, pool: dict, scratch: Path
) -> None:
    case = make_case(name, strategy, **pool)
    results = runner.run_once(case, SETTINGS)
    assert results == expected_results(case.task_count)
    assert list(scratch.iterdir()) == []


def device_reads_while(from_device: bool, count: int = 3) -> int:
    """Bytes this process fetched from storage while writing and reading back ``count`` files."""
    tasks = _files.tasks(count, from_device=from_device)
    try:
        before = psutil.Process().io_counters().read_bytes
        for task in tasks:
            _files.run(task)
        return psutil.Process().io_counters().read_bytes - before
    finally:
        _files.cleanup(tasks)


@pytest.mark.skipif(
    not hasattr(psutil.Process, "io_counters") or not hasattr(os, "posix_fadvise"),
    reason="needs per-process storage counters and os.posix_fadvise (Linux)",
)
def test_uncached_reads_come_from_the_device_and_cached_ones_do_not(scratch: Path) -> None:
    if _files.device_reads_unavailable(str(scratch)):
        pytest.skip(_files.device_reads_unavailable(str(scratch)))
    assert device_reads_while(from_device=True) >= 3 * _files.FILE_BYTES
    assert device_reads_while(from_device=False) < _files.FILE_BYTES


def test_file_size_is_settable(scratch: Path) -> None:
    tasks = _files.tasks(2, from_device=False, file_bytes=1000)
    results = [_files.run(task) for task in tasks]
    _files.check(tasks, results)
    assert results == expected_results(2, 1000)
    assert [os.path.getsize(task.path) for task in tasks] == [1000, 1000]
    assert Path(tasks[1].path).read_bytes()[:8] == (1).to_bytes(8, "big")
    _files.cleanup(tasks)
    assert list(scratch.iterdir()) == []


def test_check_refuses_a_file_cut_short(scratch: Path) -> None:
    tasks = _files.tasks(2, from_device=False, file_bytes=1000)
    results = [_files.run(task) for task in tasks]
    os.truncate(tasks[1].path, 999)
    with pytest.raises(AssertionError, match=r"task 1: .*holds 999 bytes"):
        _files.check(tasks, results)
    _files.cleanup(tasks)


@pytest.mark.parametrize("strategy", ["serial", "threads"])
def test_a_full_disk_names_the_file_and_leaves_nothing(
    strategy: str, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # Serial and thread workers run in this process, where the patch holds.
    monkeypatch.setattr(os, "write", full)
    with pytest.raises(runner.BatchFailed) as failure:
        runner.run_once(make_case("files_cached", strategy), SETTINGS)
    monkeypatch.undo()
    message = str(failure.value)
    assert "No space left on device (set TMPDIR to write elsewhere)" in message
    assert f"{scratch}{os.sep}{_files.TEMP_PREFIX}" in message and ".bin'" in message
    assert "\n" not in message
    assert list(scratch.iterdir()) == []


def test_a_read_only_folder_names_the_path(read_only_scratch: Path) -> None:
    refused = rf"write elsewhere\): '{read_only_scratch}{os.sep}"
    with pytest.raises(PermissionError, match=refused):
        _files.tasks(2, from_device=False)
    assert list(read_only_scratch.iterdir()) == []


def test_uncached_refuses_without_posix_fadvise(
    scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case("files_uncached", "serial")
    monkeypatch.delattr(os, "posix_fadvise", raising=False)
    with pytest.raises(
        workload.WorkloadError,
        match=r"files_uncached cannot run: .*no os\.posix_fadvise.*leave files_uncached out",
    ):
        runner.run_once(case, SETTINGS)
    assert list(scratch.iterdir()) == []


@pytest.mark.skipif(
    not any(
        p.mountpoint == "/dev/shm" and p.fstype == "tmpfs" for p in psutil.disk_partitions(True)
    ),
    reason="needs /dev/shm on tmpfs",
)
def test_uncached_refuses_a_folder_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", "/dev/shm")
    with pytest.raises(
        RuntimeError, match=r"/dev/shm is on tmpfs.*set TMPDIR to a folder on a disk"
    ):
        _files.tasks(1, from_device=True)


def test_the_suite_runs_both_and_names_the_mode(tmp_path: Path) -> None:
    result = run_suite(
        "--parbench-quick",
        "--benchmark-disable",
        "-v",
        "--parbench-workloads=files_cached,files_uncached",
        tmp_path=tmp_path,
    )
    ran = re.findall(r"test_batch\[(\w+)-x\d+-(\w+)[^\]]*\] PASSED", result.stdout)
    assert passed(result) == len(ran)
    assert {(name, "processes") for name in FILES} <= set(ran)
    assert CLEAN in result.stdout
    assert list((tmp_path / "tmp").iterdir()) == []

    saved = tmp_path / "run.json"
    result = run_suite(
        "--benchmark-only",
        "--parbench-workloads=files_uncached",
        "--parbench-strategies=serial",
        "--benchmark-min-rounds=1",
        "--benchmark-max-time=0.01",
        f"--benchmark-json={saved}",
        tmp_path=tmp_path,
    )
    assert passed(result) == 1
    (benchmark,) = json.loads(saved.read_text())["benchmarks"]
    assert benchmark["param"] == "files_uncached-x16-serial"
    assert benchmark["extra_info"]["workload"] == "files_uncached"
    assert list((tmp_path / "tmp").iterdir()) == []
