"""Aggregates that scan a SQLite table: a few heavy queries, a connection each.

Each task opens a read-only connection, sums one category's amounts over the first
``ROWS_SCANNED`` rows (``category`` has no index, so every row is read), and closes the
connection. SQLite runs the whole scan in C with the GIL released. Declared I/O-bound, as
the article classes database queries; the probe measures what a query on a local file is.
"""

from __future__ import annotations

from . import _sqlite

# Named with --parbench-workloads, not in the default run: the disk and database workloads
# would take it past 3 minutes on 2 cores.
IN_DEFAULT_RUN = False
KIND = "io"

#: ``size`` is the number of queries in a batch.
SIZES = {"quick": 4, "default": 8, "article": 8}

#: Rows each query reads: the cost of a query.
ROWS_SCANNED = _sqlite.ROWS

_queries = _sqlite.QueryWorkload(
    "sqlite_scan",
    "SELECT count(*), sum(amount), min(amount), max(amount) FROM items "
    "WHERE id <= ? AND category = ?",
    [(ROWS_SCANNED, category) for category in range(16)],
)
setup = _queries.setup
tasks = _queries.tasks
check = _queries.check
run = _sqlite.run
