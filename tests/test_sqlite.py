"""The SQLite workloads: every strategy returns the rows the table really holds, each task
on a read-only connection of its own, and no database file outlives its benchmark."""

from __future__ import annotations

import bisect
import errno
import functools
import os
import re
import sqlite3
from pathlib import Path

import pytest
from test_suite_runs import CLEAN, passed, run_suite

from parbench import network
from parbench.contract import workload
from parbench.measure import runner
from parbench.workloads import _sqlite, sqlite_lookup, sqlite_scan

from helpers import POOLS, make_case

QUERIES = ["sqlite_lookup", "sqlite_scan"]
SETTINGS = network.NetworkSettings()


@functools.cache
def table() -> list[tuple[int, int, int, int, str]]:
    """The rows of ``items``, computed in Python from the formulas the schema states."""
    return [
        (i, (i * 7919) % 200003, i % 16, (i * 2654435761) % 100000, f"item-{i:06d}")
        for i in range(1, _sqlite.ROWS + 1)
    ]


@functools.cache
def by_key() -> tuple[list[int], list[tuple]]:
    """The rows in ``key`` order, and their keys."""
    rows = sorted(table(), key=lambda row: row[1])
    return [row[1] for row in rows], rows


def truth(query: _sqlite.Query) -> list[tuple]:
    """What ``query`` must return, found without SQLite."""
    if query.sql == sqlite_lookup._queries.sql:
        low, high = query.params
        keys, rows = by_key()
        return rows[bisect.bisect_left(keys, low) : bisect.bisect_right(keys, high)]
    last, category = query.params
    amounts = [row[3] for row in table()[:last] if row[2] == category]
    return [(len(amounts), sum(amounts), min(amounts), max(amounts))]


@pytest.mark.parametrize("name", QUERIES)
@pytest.mark.parametrize(("strategy", "pool"), POOLS)
def test_every_strategy_returns_the_tables_rows_and_leaves_nothing(
    name: str, strategy: str, pool: dict, scratch: Path
) -> None:
    case = make_case(name, strategy, **pool)
    with case.workload.setup():
        expected = [truth(query) for query in case.workload.tasks(case.size)]
    assert len(set(map(repr, expected))) == len(expected)
    assert runner.run_once(case, SETTINGS) == expected
    assert list(scratch.iterdir()) == []


def query_plan(query: _sqlite.Query) -> str:
    connection = _sqlite.connect(query.database)
    try:
        return str(connection.execute("EXPLAIN QUERY PLAN " + query.sql, query.params).fetchall())
    finally:
        connection.close()


def test_lookups_use_the_index_and_scans_read_every_row(scratch: Path) -> None:
    with sqlite_lookup.setup():
        lookup = sqlite_lookup.tasks(1)[0]
        assert "USING INDEX items_key" in query_plan(lookup)
        assert len(sqlite_lookup.run(lookup)) == sqlite_lookup.ROWS_PER_LOOKUP
    with sqlite_scan.setup():
        scan = sqlite_scan.tasks(1)[0]
        plan = query_plan(scan)
        assert "INDEX" not in plan and "rowid<" in plan
        assert sqlite_scan.run(scan)[0][0] == sqlite_scan.ROWS_SCANNED // 16


def open_descriptors_to(path: str) -> list[str]:
    """This process's open file descriptors on ``path`` (or its journal)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(path):
                found.append(fd)
        except OSError:
            continue
    return found


def test_each_task_has_a_read_only_connection_closed_when_it_returns(scratch: Path) -> None:
    with sqlite_scan.setup():
        query = sqlite_scan.tasks(1)[0]
        assert sqlite_scan.run(query) == truth(query)
        if Path("/proc/self/fd").is_dir():
            assert open_descriptors_to(query.database) == []
        writing = query._replace(sql="DELETE FROM items WHERE id <= ? AND category = ?")
        with pytest.raises(sqlite3.OperationalError, match="readonly database"):
            sqlite_scan.run(writing)
        assert sqlite_scan.run(query) == truth(query)


def test_check_refuses_rows_that_differ(scratch: Path) -> None:
    with sqlite_lookup.setup():
        tasks = sqlite_lookup.tasks(2)
        results = [sqlite_lookup.run(task) for task in tasks]
        sqlite_lookup.check(tasks, results)
        with pytest.raises(
            AssertionError, match=r"task 1: sqlite_lookup with \(\d+, \d+\) returned 99 rows"
        ):
            sqlite_lookup.check(tasks, [results[0], results[1][:-1]])


def test_tasks_before_setup_say_what_is_missing() -> None:
    with pytest.raises(RuntimeError, match=r"sqlite_scan: tasks\(\) needs setup\(\) first"):
        sqlite_scan.tasks(1)


def test_a_failing_task_leaves_no_database(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(database: str) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database is locked")

    # The case first: making it builds the run's database, which the tasks then open.
    case = make_case("sqlite_scan", "threads")
    monkeypatch.setattr(_sqlite, "connect", locked)
    with pytest.raises(runner.BatchFailed, match=r"task 0 .* failed: OperationalError"):
        runner.run_once(case, SETTINGS)
    assert list(scratch.iterdir()) == []


def test_a_full_disk_names_the_database_and_leaves_nothing(
    scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = workload.load("sqlite_lookup")
    _sqlite._image()  # built before the disk fills: only the copy each setup makes fails

    def full(path: Path, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError, match="No space left on device") as failure, loaded.setup():
        pass
    assert failure.value.filename.startswith(f"{scratch}{os.sep}{_sqlite.TEMP_PREFIX}")
    assert failure.value.filename.endswith(_sqlite.FILE_NAME)
    assert list(scratch.iterdir()) == []


def test_a_read_only_folder_names_the_path(read_only_scratch: Path) -> None:
    refused = rf"write elsewhere\): '{read_only_scratch}{os.sep}"
    with pytest.raises(PermissionError, match=refused), sqlite_scan.setup():
        pass
    assert list(read_only_scratch.iterdir()) == []


def test_the_suite_runs_both(tmp_path: Path) -> None:
    result = run_suite(
        "--parbench-quick",
        "--benchmark-disable",
        "-v",
        f"--parbench-workloads={','.join(QUERIES)}",
        tmp_path=tmp_path,
    )
    ran = re.findall(r"test_batch\[(\w+)-x\d+-(\w+)[^\]]*\] PASSED", result.stdout)
    assert passed(result) == len(ran)
    assert {(name, "processes") for name in QUERIES} <= set(ran)
    assert CLEAN in result.stdout
    assert list((tmp_path / "tmp").iterdir()) == []
