"""Disk files, shared by ``files_cached`` and ``files_uncached``: write a file, flush it to
the device with ``os.fsync``, read it back and return a digest of what was read.

Each batch gets a fresh folder from ``tempfile`` (so ``TMPDIR`` chooses where), removed
with everything in it by ``cleanup``. Where reads must come from the device, each file's
pages are dropped from the page cache (``posix_fadvise(POSIX_FADV_DONTNEED)``) after the
fsync and before the read; where that cannot be done, or where the folder is held in
memory (tmpfs) so that there is no device, ``tasks`` refuses rather than read from the
cache unannounced.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from typing import NamedTuple

import psutil

from . import _scratch

KIND = "io"

#: ``size`` is the number of files in a batch.
SIZES = {"quick": 4, "default": 16, "article": 16}

#: Bytes in each file, unless ``tasks`` is given another size.
FILE_BYTES = 4 * 1024 * 1024

TEMP_PREFIX = "parbench-files-"
#: Filesystems that keep files in memory: a read from them never reaches a device.
MEMORY_FILESYSTEMS = frozenset({"tmpfs", "ramfs"})
_HEADER_BYTES = 8


class FileTask(NamedTuple):
    """One task: write file number ``seed`` of ``size`` bytes at ``path``; read it back from
    the device (``from_device``) or from the page cache."""

    path: str
    seed: int
    size: int
    from_device: bool


class ReadBack(NamedTuple):
    """What ``run`` returns: how many bytes it read back, and their SHA-256."""

    size: int
    digest: str


@functools.cache
def _filler(size: int) -> bytes:
    """Pseudo-random bytes that every file shares after its header: made once per process,
    the same in every process, and different in every block, so a misplaced block shows."""
    return hashlib.shake_256(b"parbench-files").digest(size)


def contents(seed: int, size: int) -> tuple[bytes, memoryview]:
    """The bytes of file ``seed``, in two parts: ``seed`` (8 bytes, big-endian) then the
    shared filler, cut to ``size`` bytes in all."""
    header = seed.to_bytes(_HEADER_BYTES, "big")[:size]
    return header, memoryview(_filler(max(0, size - _HEADER_BYTES)))


def device_reads_unavailable(folder: str) -> str | None:
    """Why reads from ``folder`` cannot be made to come from a device, or ``None``."""
    if not hasattr(os, "posix_fadvise"):
        return (
            "this platform has no os.posix_fadvise to drop files from the page cache; "
            "leave files_uncached out of the workloads"
        )
    real = os.path.realpath(folder)
    mounts = [
        p
        for p in psutil.disk_partitions(all=True)
        if os.path.commonpath([real, p.mountpoint]) == p.mountpoint
    ]
    if mounts:
        mount = max(mounts, key=lambda p: len(p.mountpoint))
        if mount.fstype in MEMORY_FILESYSTEMS:
            return (
                f"{folder} is on {mount.fstype}, held in memory: there is no device to read; "
                "set TMPDIR to a folder on a disk"
            )
    return None


def tasks(size: int, *, from_device: bool, file_bytes: int = FILE_BYTES) -> list[FileTask]:
    """``size`` files of ``file_bytes`` each in a fresh folder under ``tempfile``'s
    directory, read back from the device (``from_device``) or from the page cache.

    Raises ``OSError`` naming the folder where it cannot be made, and ``RuntimeError``
    where reads cannot be made to come from the device.
    """
    parent = tempfile.gettempdir()
    if from_device and (why := device_reads_unavailable(parent)):
        raise RuntimeError(f"files_uncached cannot run: {why}")
    folder = _scratch.folder(TEMP_PREFIX)
    return [
        FileTask(os.path.join(folder, f"file-{seed:04d}.bin"), seed, file_bytes, from_device)
        for seed in range(size)
    ]


def _write(fd: int, data: memoryview | bytes) -> None:
    """Write all of ``data`` to ``fd`` (``os.write`` may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def run(task: FileTask) -> ReadBack:
    """Write the task's file, fsync it, drop it from the page cache if the task reads from
    the device, read it back whole and return the SHA-256 of what was read.

    Raises ``OSError`` naming the file where it cannot be written or read.
    """
    try:
        fd = os.open(task.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0))
        try:
            for part in contents(task.seed, task.size):
                _write(fd, part)
            os.fsync(fd)
            if task.from_device:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        with open(task.path, "rb") as written:
            data = written.read()
    except OSError as error:
        raise _scratch.unwritable(error, task.path) from error
    return ReadBack(len(data), hashlib.sha256(data).hexdigest())


@functools.cache
def _expected_digest(seed: int, size: int) -> str:
    digest = hashlib.sha256()
    for part in contents(seed, size):
        digest.update(part)
    return digest.hexdigest()


def check(tasks: list[FileTask], results: list[ReadBack]) -> None:
    """Every file is on disk at its size, and what was read back is, byte for byte (by
    SHA-256), what its task wrote."""
    for index, (task, result) in enumerate(zip(tasks, results, strict=True)):
        on_disk = os.stat(task.path).st_size
        if on_disk != task.size or result.size != task.size:
            raise AssertionError(
                f"task {index}: {task.path} holds {on_disk} bytes and read back "
                f"{result.size}, not the {task.size} written"
            )
        if result.digest != _expected_digest(task.seed, task.size):
            raise AssertionError(f"task {index}: {task.path} read back other bytes than written")


def cleanup(tasks: list[FileTask]) -> None:
    """Remove the batch folders that ``tasks`` made, with every file in them."""
    for folder in {os.path.dirname(task.path) for task in tasks}:
        shutil.rmtree(folder)
