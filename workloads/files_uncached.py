"""Write, fsync and read back files of a few MB, the reads served by the device.

After the fsync each file's pages are dropped from the page cache
(``posix_fadvise(POSIX_FADV_DONTNEED)``), so reading it back waits for the disk: what a
program reading files it has not touched lately does. Where the platform cannot drop
pages, or the temporary folder is in memory (tmpfs), ``tasks`` raises saying so; set
``TMPDIR`` to a folder on a disk.
"""

from __future__ import annotations

from . import _files

# Named with --parbench-workloads, not in the default run: the disk and database workloads
# would take it past 3 minutes on 2 cores, and files_uncached cannot run
# where TMPDIR is in memory or the platform has no posix_fadvise.
IN_DEFAULT_RUN = False
KIND = _files.KIND
SIZES = _files.SIZES
run = _files.run
check = _files.check
cleanup = _files.cleanup


def tasks(size: int) -> list[_files.FileTask]:
    """``size`` files of ``_files.FILE_BYTES`` each in a fresh folder, read back from the
    device."""
    return _files.tasks(size, from_device=True)
