"""Write, fsync and read back files of a few MB, the reads served from the page cache.

The file is flushed to the device before it is read, but its pages stay in memory, so the
read is a copy out of the cache: what a program that reads back what it just wrote does.
``files_uncached`` reads the same files from the device instead.
"""

from __future__ import annotations

from . import _files

# Named with --parbench-workloads, not in the default run: the disk and database workloads
# would take it past 3 minutes on 2 cores.
IN_DEFAULT_RUN = False
KIND = _files.KIND
SIZES = _files.SIZES
run = _files.run
check = _files.check
cleanup = _files.cleanup


def tasks(size: int) -> list[_files.FileTask]:
    """``size`` files of ``_files.FILE_BYTES`` each in a fresh folder, read back from the
    page cache."""
    return _files.tasks(size, from_device=False)
