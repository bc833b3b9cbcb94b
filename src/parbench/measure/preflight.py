"""Mistakes found before the first benchmark, not after the whole run.

``Checks``, a pytest plugin, looks at the session's start (after every plugin is
configured, before collection; or, in a run that turns parbench on only when it collects
the matrix, once collection ends) at what a run needs to write, and stops the run with
one line (pytest's usage error, exit status 4) when it cannot:

- the folder of ``--benchmark-save`` / ``--benchmark-autosave`` (pytest-benchmark's
  storage, ``.benchmarks`` by default, and its folder for this interpreter), and the
  folder of ``--benchmark-json``: each must be a folder in which a file can be made
  (saving writes a temporary file there and renames it);
- ``TMPDIR``, where set: Python's ``tempfile`` passes over a ``TMPDIR`` that is missing
  or cannot be written and silently uses ``/tmp`` instead, so the disk workloads would
  time another filesystem than the one asked for.

Each folder is tried by making and removing a file in it: permission bits do not tell
(root writes through them; a read-only mount refuses everyone).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest


def writable_problem(folder: Path, create: bool = False) -> str | None:
    """Why no file can be made in ``folder`` (made first where ``create``), or None."""
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            return "no such folder" if not folder.exists() else "not a folder"
        probe = folder / f".parbench-check-{secrets.token_hex(4)}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as error:
        return f"cannot write there ({error.strerror or error})"
    return None


def tmpdir_problem(environment: Mapping[str, str]) -> str | None:
    """What is wrong with ``TMPDIR`` in ``environment`` as a run's temporary directory."""
    value = environment.get("TMPDIR")
    if not value:
        return None
    problem = writable_problem(Path(value))
    if problem is None:
        return None
    return (
        f"TMPDIR={value}: {problem}; Python would silently use another folder (/tmp), and "
        "the disk workloads time the filesystem they write to: make it a writable folder, "
        "or unset TMPDIR"
    )


def saving_problems(benchmarks: Any) -> list[str]:
    """What stops pytest-benchmark's session ``benchmarks`` from saving what it was asked
    to, one line each."""
    from pytest_benchmark.storage.file import FileStorage

    found = []
    storage = getattr(benchmarks, "storage", None)
    if (benchmarks.save or benchmarks.autosave) and isinstance(storage, FileStorage):
        folder = storage.path / (storage.default_machine_id or "")
        problem = writable_problem(folder, create=True)
        if problem is not None:
            option = "--benchmark-save" if benchmarks.save else "--benchmark-autosave"
            found.append(
                f"{option}: cannot save into {folder}: {problem}; make it writable, or "
                "choose another folder with --benchmark-storage"
            )
    if benchmarks.json:
        folder = Path(benchmarks.json).resolve().parent
        problem = writable_problem(folder)
        if problem is not None:
            found.append(
                f"--benchmark-json={benchmarks.json}: cannot save into {folder}: {problem}"
            )
    return found


class Checks:
    """Plugin: stops the run before its first test on what ``tmpdir_problem`` and
    ``saving_problems`` find (see the module's docstring)."""

    def __init__(self) -> None:
        self.done = False

    def check(self, config: pytest.Config) -> None:
        self.done = True
        problems = [tmpdir_problem(os.environ)]
        benchmarks = getattr(config, "_benchmarksession", None)
        # xdist's workers save nothing; the controller checks.
        if benchmarks is not None and not hasattr(config, "workerinput"):
            problems += saving_problems(benchmarks)
        found = [problem for problem in problems if problem]
        if found:
            raise pytest.UsageError("\n".join(found))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.check(session.config)

    def pytest_collection_modifyitems(self, config: pytest.Config) -> None:
        if not self.done:
            self.check(config)
