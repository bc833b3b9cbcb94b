"""SQLite queries, shared by ``sqlite_lookup`` and ``sqlite_scan``: a real database file,
queried through the standard ``sqlite3`` module, one connection per task.

``setup`` writes the database (``ROWS`` rows in ``items``, indexed on ``key``) into a
fresh temporary folder, removed by its teardown, and computes every query's answer once,
in the main process. A task carries everything it needs (the file's path, the statement,
its parameters), since process workers started by spawn share nothing with the main
process; ``run`` opens its own read-only connection, runs the statement and closes it,
so that no connection is ever used by two threads or processes. ``sqlite3`` releases the
GIL while SQLite executes a statement.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from . import _scratch

ROWS = 200_000
TEMP_PREFIX = "parbench-sqlite-"
FILE_NAME = "items.sqlite"

# Every value follows from ``id``: ``key`` scatters the ids with no two alike (7919 and the
# prime 200003 share no factor), ``category`` cycles through 16 values, ``amount`` scatters.
SCHEMA = f"""
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    key INTEGER NOT NULL,
    category INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    label TEXT NOT NULL
);
WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < {ROWS})
INSERT INTO items
SELECT id, (id * 7919) % 200003, id % 16, (id * 2654435761) % 100000, printf('item-%06d', id)
FROM n;
CREATE INDEX items_key ON items (key);
"""


class Query(NamedTuple):
    """One task: run ``sql`` with ``params`` on the database file at ``database``."""

    database: str
    sql: str
    params: tuple[Any, ...]


def connect(database: str | Path) -> sqlite3.Connection:
    """A read-only connection to the database file at ``database``."""
    return sqlite3.connect(Path(database).absolute().as_uri() + "?mode=ro", uri=True)


def run(query: Query) -> list[tuple[Any, ...]]:
    """The rows ``query`` returns, from a connection of its own, closed before returning."""
    connection = connect(query.database)
    try:
        return connection.execute(query.sql, query.params).fetchall()
    finally:
        connection.close()


@functools.cache
def _image() -> bytes:
    """The database file's bytes: built once per process, then copied by every setup,
    since building takes about a second and a benchmark run sets up many times."""
    folder = _scratch.folder(TEMP_PREFIX)
    path = os.path.join(folder, FILE_NAME)
    try:
        connection = sqlite3.connect(path)
        try:
            connection.executescript(SCHEMA)
            connection.commit()
        finally:
            connection.close()
        return Path(path).read_bytes()
    except sqlite3.Error as error:
        raise RuntimeError(f"cannot build the database {path}: {error}") from error
    finally:
        shutil.rmtree(folder)


class QueryWorkload:
    """The workload functions for one statement, its tasks cycling through ``params``.

    ``name`` names the workload in errors. ``setup``, ``tasks`` and ``check`` are the
    contract's functions (a workload module binds them to its own names); ``run`` is the
    module-level ``run`` above, which process pools can find by name.
    """

    def __init__(self, name: str, sql: str, params: list[tuple[Any, ...]]) -> None:
        self.name = name
        self.sql = sql
        self.params = params
        self._database: str | None = None
        self._answers: dict[tuple[Any, ...], list[tuple[Any, ...]]] | None = None

    @contextlib.contextmanager
    def setup(self) -> Iterator[None]:
        """Hold a fresh database file for one benchmark; it and its folder go at the end."""
        folder = _scratch.folder(TEMP_PREFIX)
        try:
            path = os.path.join(folder, FILE_NAME)
            try:
                Path(path).write_bytes(_image())
            except OSError as error:
                raise _scratch.unwritable(error, path) from error
            if self._answers is None:
                self._answers = {p: run(Query(path, self.sql, p)) for p in self.params}
            self._database = path
            yield
        finally:
            self._database = None
            shutil.rmtree(folder)

    def tasks(self, size: int) -> list[Query]:
        """``size`` queries on the database of the current ``setup``."""
        if self._database is None:
            raise RuntimeError(f"{self.name}: tasks() needs setup() first, to make the database")
        count = len(self.params)
        return [Query(self._database, self.sql, self.params[i % count]) for i in range(size)]

    def check(self, tasks: list[Query], results: list[list[tuple[Any, ...]]]) -> None:
        """Every query returned the rows it returned when computed once at setup."""
        if self._answers is None:
            raise RuntimeError(f"{self.name}: check() needs setup() first, to know the answers")
        for index, (task, rows) in enumerate(zip(tasks, results, strict=True)):
            expected = self._answers[task.params]
            if rows != expected:
                raise AssertionError(
                    f"task {index}: {self.name} with {task.params} returned {len(rows)} rows "
                    f"(first {rows[:1]}), not the {len(expected)} expected (first {expected[:1]})"
                )
