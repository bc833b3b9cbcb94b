"""Small builders shared by the tests."""

from __future__ import annotations

from pathlib import Path

from parbench import strategies, workload
from parbench.matrix import Case

SUITE_ROOT = Path(__file__).resolve().parent.parent


def make_case(
    name: str,
    strategy: str,
    *,
    workers: int = 2,
    size: int | None = None,
    start_method: str | None = None,
    chunksize: int = 1,
    cold: bool = False,
) -> Case:
    """A case of workload ``name`` at its quick size (or ``size``) under ``strategy``."""
    loaded = workload.load(name)
    size = loaded.size("quick") if size is None else size
    with loaded.setup():
        tasks = loaded.tasks(size)
        loaded.cleanup(tasks)
    return Case(
        workload=loaded,
        size=size,
        size_preset=str(size),
        tasks=len(tasks),
        strategy=strategies.all_strategies()[strategy],
        workers=workers,
        chunksize=chunksize,
        chunk_policy=str(chunksize),
        start_method=start_method,
        cold=cold,
    )
