"""The matrix: which cases the options select, their names and groups."""

from __future__ import annotations

import pytest

from parbench import matrix, options


@pytest.fixture
def chosen(pytester: pytest.Pytester):
    pytester.makeconftest('pytest_plugins = ["parbench.plugin"]\n')

    def parse(*arguments: str) -> options.Options:
        return options.parse(pytester.parseconfigure(*arguments))

    return parse


def test_auto_chunksize() -> None:
    assert matrix.auto_chunksize(10_000, 2) == 1250
    assert matrix.auto_chunksize(12, 16) == 1
    assert matrix.auto_chunksize(13, 1) == 4


def test_factorial_has_both_chunksizes_and_a_cold_pool(chosen) -> None:
    cases = matrix.build(
        chosen(
            "--workloads=factorial",
            "--strategies=serial,processes",
            "--workers=1,2",
            "--start-method=fork",
        )
    )
    ids = [case.id for case in cases]
    assert ids == [
        "factorial-x2000-serial",
        "factorial-x2000-processes-1w-fork-chunk1",
        "factorial-x2000-processes-1w-fork-chunk2500",
        "factorial-x2000-processes-2w-fork-chunk1",
        "factorial-x2000-processes-2w-fork-chunk1250",
        "factorial-x2000-processes-2w-fork-chunk1250-cold",
    ]
    assert {case.group for case in cases} == {"factorial x2000"}
    assert [case.chunk_policy for case in cases[1:3]] == ["1", "auto"]
    assert all(case.tasks == 10_000 for case in cases)


def test_equal_chunksizes_are_measured_once(chosen) -> None:
    cases = matrix.build(
        chosen(
            "--workloads=download", "--strategies=processes", "--workers=16", "--start-method=spawn"
        )
    )
    assert [case.id for case in cases] == [
        "download-x1-processes-16w-spawn-chunk1",
        "download-x1-processes-16w-spawn-chunk1-cold",
    ]


def test_every_start_method_given_is_a_case(chosen) -> None:
    cases = matrix.build(
        chosen(
            "--workloads=sleep",
            "--strategies=processes",
            "--workers=2",
            "--chunksize=1",
            "--start-method=fork,spawn",
        )
    )
    assert [case.start_method for case in cases] == ["fork", "spawn", "fork"]
    assert [case.cold for case in cases] == [False, False, True]


def test_default_matrix_covers_every_workload_strategy_and_worker_count(chosen) -> None:
    cases = matrix.build(chosen())
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids))
    for name in ("download", "factorial", "gil_releasing", "pure_python", "sleep"):
        mine = [case for case in cases if case.workload.name == name]
        assert {case.strategy.name for case in mine} == {
            "serial",
            "threads",
            "processes",
            "interpreters",
        }
        expected = chosen().workers_for(mine[0].workload.kind)
        for strategy in ("threads", "processes"):
            assert {c.workers for c in mine if c.strategy.name == strategy} == set(expected)
            assert any(c.cold for c in mine if c.strategy.name == strategy)


def test_size_option_reaches_the_cases(chosen) -> None:
    article = matrix.build(chosen("--workloads=factorial", "--strategies=serial", "--size=article"))
    assert [(c.size, c.size_preset, c.tasks) for c in article] == [(100_000, "article", 500_000)]
    numbered = matrix.build(chosen("--workloads=download", "--strategies=serial", "--size=3"))
    assert [(c.size, c.tasks) for c in numbered] == [(3, 36)]
