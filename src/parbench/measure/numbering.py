"""Saved runs numbered across the whole storage folder.

pytest-benchmark numbers the runs it saves per folder, and keeps a folder per
interpreter: ``tox run -e bench-py310,bench-py312`` would save two runs numbered 0001,
and ``parbench report 0001`` could not tell which was meant. parbench's runs take the
next number after every run in the storage, whichever interpreter's folder holds it.
"""

from __future__ import annotations

from typing import Any

from pytest_benchmark.storage.file import FileStorage


class StorageWideNumbers(FileStorage):
    """pytest-benchmark's file storage, numbering across every interpreter's folder."""

    @property
    def _next_num(self) -> str:
        numbers = [int(p.name[:4]) for p in self.path.glob("*/[0-9][0-9][0-9][0-9]_*.json")]
        return f"{max(numbers, default=0) + 1:04d}"


def number_across_interpreters(session: Any) -> None:
    """Make ``session`` (pytest-benchmark's) number its saved run after every run in its
    storage; a storage other than files (elasticsearch) is left as it is."""
    storage = getattr(session, "storage", None)
    if type(storage) is FileStorage:
        session.storage = StorageWideNumbers(
            storage.path, storage.logger, storage.default_machine_id
        )
