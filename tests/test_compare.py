"""Comparing two runs: significant changes only, speedup changes, and warnings."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from parbench.analysis import compare
from parbench.analysis.verdict import CaseKey
from parbench.contract import workload
from parbench.data import results
from parbench.report import compare_words

from helpers import benchmark_entry as entry
from helpers import run_document


def run(*entries: dict, name: str = "run.json", **document: Any) -> results.Run:
    return results.from_json(run_document(*entries, **document), name)


def sleep_run(threads_median: float, sleep_hash: str | None = None, **kwargs: Any) -> results.Run:
    """Sleep (its source hashed as ``sleep_hash``) and factorial (hashed as itself)."""
    return run(
        entry("sleep", "serial", 0.8, kind="io", source_hash=sleep_hash),
        entry("sleep", "threads", threads_median, workers=16, kind="io", source_hash=sleep_hash),
        entry("factorial", "serial", 0.0016, source_hash=FACTORIAL_HASH),
        **kwargs,
    )


FACTORIAL_HASH = workload.load("factorial").source_hash
OLD_SLEEP, NEW_SLEEP = "a" * 64, "b" * 64


def test_a_workload_whose_source_changed_is_named() -> None:
    comparison = compare.compare(sleep_run(0.05, OLD_SLEEP), sleep_run(0.05, NEW_SLEEP))
    assert comparison.changed_work == ("sleep",)
    assert comparison.warnings == (compare.WorkChanged("sleep", OLD_SLEEP, NEW_SLEEP),)
    assert compare_words.warnings(comparison) == (
        "the work itself changed: workload sleep's source differs between the runs (sha256 "
        "aaaaaaaaaaaa vs bbbbbbbbbbbb), so its times measure different code",
    )
    assert compare_words.render(comparison).startswith(
        "warning: the work itself changed: workload sleep"
    )


def test_the_same_source_or_an_unknown_one_is_not_called_a_change() -> None:
    for old, new in ((OLD_SLEEP, OLD_SLEEP), (None, NEW_SLEEP), (OLD_SLEEP, None)):
        comparison = compare.compare(sleep_run(0.05, old), sleep_run(0.05, new))
        assert comparison.changed_work == () and comparison.warnings == ()


def test_a_workloads_source_hash_is_the_sha256_of_its_module() -> None:
    loaded = workload.load("factorial")
    source = Path(loaded.module.__file__).read_bytes()
    assert loaded.source_hash == hashlib.sha256(source).hexdigest()


def test_same_code_twice_is_no_significant_change() -> None:
    comparison = compare.compare(sleep_run(0.05), sleep_run(0.0501))
    assert {c.outcome for c in comparison.changes} == {compare.SAME}
    assert comparison.warnings == ()
    assert comparison.regressions(0) == []


def test_a_real_slowdown_is_called_and_counts_as_a_regression() -> None:
    comparison = compare.compare(sleep_run(0.05), sleep_run(0.10))
    [change] = [c for c in comparison.changes if c.name == "sleep-x1-threads-16w"]
    assert change.outcome == compare.SLOWER and change.ratio == pytest.approx(2)
    assert comparison.regressions(50) == [change]
    assert comparison.regressions(150) == []
    [speedup] = comparison.speedups
    assert (speedup.case, speedup.old, speedup.new) == (CaseKey("threads", 16), 16, 8)
    text = compare_words.render(comparison)
    assert "threads x16 on sleep: 16x -> 8x" in text
    assert "+100.0%  slower" in text


def test_different_settings_and_machines_are_warned_about() -> None:
    comparison = compare.compare(sleep_run(0.05), sleep_run(0.1, latency_s=0.1, node="other"))
    assert comparison.warnings == (
        compare.SettingDiffers("latency_s", ("0.05",), ("0.1",)),
        compare.OtherMachine("bench-host", "other"),
    )
    assert compare_words.warnings(comparison) == (
        "the runs differ in latency (s): 0.05 vs 0.1",
        "the runs come from different machines: bench-host vs other",
    )
    assert compare_words.render(comparison).startswith("warning: the runs differ in latency")


def test_every_setting_compared_has_its_words() -> None:
    assert set(compare_words.SETTING_NAMES) == set(compare.SETTINGS)


def test_runs_without_rounds_are_untested_with_a_hint() -> None:
    bare = run_document(entry("sleep", "serial", 0.8, kind="io"))
    bare["benchmarks"][0]["stats"].pop("data")
    old = results.from_json(bare, "old.json")
    comparison = compare.compare(old, sleep_run(0.05))
    assert [c.outcome for c in comparison.changes] == [compare.UNTESTED]
    assert comparison.warnings == (compare.NoRounds("old.json"),)
    [words] = compare_words.warnings(comparison)
    assert words.startswith("old.json: saved without raw round times")


def test_runs_sharing_nothing_are_refused() -> None:
    with pytest.raises(compare.NothingShared, match=r"a\.json and b\.json share no benchmark"):
        compare.compare(
            run(entry("sleep", "serial", 0.8), name="a.json"),
            run(entry("factorial", "serial", 0.8), name="b.json"),
        )


def test_a_significant_change_under_five_percent_is_no_change() -> None:
    comparison = compare.compare(sleep_run(0.05), sleep_run(0.052))
    [change] = [c for c in comparison.changes if c.name == "sleep-x1-threads-16w"]
    assert change.p_value < 0.05
    assert change.outcome == compare.SAME


def test_a_benchmark_missing_from_the_new_run_is_warned_about_and_ungates() -> None:
    old = sleep_run(0.05)
    new = run(entry("sleep", "serial", 0.8, kind="io"), name="new.json")
    comparison = compare.compare(old, new)
    assert comparison.missing == ("sleep-x1-threads-16w", "factorial-x1-serial")
    assert comparison.warnings == (compare.Missing("run.json", "new.json", comparison.missing),)
    assert compare_words.warnings(comparison) == (
        "new.json lacks 2 benchmarks of run.json: sleep-x1-threads-16w, factorial-x1-serial",
    )
    with pytest.raises(compare.Ungated, match=r"new\.json lacks 2 benchmarks of run\.json"):
        comparison.regressions(10)


@pytest.mark.parametrize("percent", [float("nan"), float("inf"), -1.0])
def test_a_threshold_that_is_not_a_finite_percentage_never_passes(percent: float) -> None:
    comparison = compare.compare(sleep_run(0.05), sleep_run(0.10))
    with pytest.raises(ValueError, match="finite percentage of 0 or more"):
        comparison.regressions(percent)


def test_runs_without_rounds_cannot_be_gated() -> None:
    bare = run_document(entry("sleep", "serial", 0.8, kind="io"))
    bare["benchmarks"][0]["stats"].pop("data")
    comparison = compare.compare(results.from_json(bare, "old.json"), sleep_run(0.05))
    with pytest.raises(compare.Ungated, match=r"old\.json: saved without raw round times"):
        comparison.regressions(10)
