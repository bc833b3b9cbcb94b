"""Indexed lookups in a SQLite database file: many small queries, a connection each.

Each task opens a read-only connection, fetches the ``ROWS_PER_LOOKUP`` rows whose
indexed ``key`` falls in its range, and closes the connection. Declared I/O-bound, as the
article classes database queries; the probe measures what a query on a local file is.
"""

from __future__ import annotations

from . import _sqlite

# Named with --parbench-workloads, not in the default run: the disk and database workloads
# would take it past 3 minutes on 2 cores.
IN_DEFAULT_RUN = False
KIND = "io"

#: ``size`` is the number of queries in a batch.
SIZES = {"quick": 16, "default": 64, "article": 64}

#: Rows each lookup returns: the cost of a query.
ROWS_PER_LOOKUP = 100

#: Ranges of ``key`` the tasks cycle through, spread over the table.
_RANGES = [
    (start, start + ROWS_PER_LOOKUP - 1)
    for start in range(1, _sqlite.ROWS - ROWS_PER_LOOKUP, _sqlite.ROWS // 64)
]

_queries = _sqlite.QueryWorkload(
    "sqlite_lookup",
    "SELECT id, key, category, amount, label FROM items WHERE key BETWEEN ? AND ? ORDER BY key",
    _RANGES,
)
setup = _queries.setup
tasks = _queries.tasks
check = _queries.check
run = _sqlite.run
