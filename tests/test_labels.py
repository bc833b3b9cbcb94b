"""A case's name, a time with its unit: the analysis tells the cases apart, the report names
them."""

from __future__ import annotations

import pytest

from parbench.analysis.verdict import CaseKey, case_key
from parbench.data import results
from parbench.report import labels

from helpers import benchmark_entry as entry
from helpers import run_document


def measured(*entries: dict) -> list[results.Measurement]:
    return results.from_json(run_document(*entries), "run.json").measurements


def test_a_case_is_named_by_what_tells_it_from_its_siblings() -> None:
    serial, threads, fork, spawn, cold = measured(
        entry("factorial", "serial", 0.8),
        entry("factorial", "threads", 0.8, workers=16),
        entry("factorial", "processes", 0.4, workers=2, start_method="fork"),
        entry("factorial", "processes", 0.4, workers=2, start_method="spawn", chunk_policy="auto"),
        entry("factorial", "threads", 0.9, workers=4, pool="cold"),
    )
    group = [serial, threads, fork, spawn, cold]
    named = {m.name: labels.case(case_key(m, group)) for m in group}
    assert list(named.values()) == [
        "serial",
        "threads x16",
        "processes x2 chunksize 1 fork",
        "processes x2 chunksize auto spawn",
        "threads x4 cold",
    ]
    # A chart's series over worker counts names no worker count.
    assert case_key(spawn, group, workers=False) == CaseKey(
        "processes", None, "auto", "spawn", False
    )
    assert labels.case(case_key(threads, group, workers=False)) == "threads"


def test_siblings_that_do_not_differ_name_nothing_more() -> None:
    alone = measured(
        entry("factorial", "serial", 0.8),
        entry("factorial", "processes", 0.4, workers=2, start_method="spawn", chunk_policy="auto"),
    )
    assert case_key(alone[1], alone) == CaseKey("processes", 2)
    assert labels.case(case_key(alone[1], alone)) == "processes x2"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.633, "633 ms"), (1.5, "1.5 s"), (0.00163, "1.63 ms"), (2e-6, "2 µs"), (1.63e-7, "163 ns")],
)
def test_a_time_has_three_figures_and_a_unit(seconds: float, words: str) -> None:
    assert labels.format_seconds(seconds) == words
