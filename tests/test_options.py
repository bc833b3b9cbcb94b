"""Bad options stop the run at once with pytest's usage error naming option, value and
what is allowed; good ones parse to what they say."""

from __future__ import annotations

import pytest

from parbench import options

PLUGIN = 'pytest_plugins = ["parbench.plugin"]\n'


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(PLUGIN)
    pytester.makepyfile(test_m="def test_batch(parbench_case):\n    pass\n")
    return pytester


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("--workers=0", "--workers: '0' is not allowed; allowed: whole numbers of 1 or more"),
        ("--workers=2,x", "--workers: 'x' is not allowed"),
        ("--workers=1,,2", "no empty items"),
        ("--latency=-1", "--latency: '-1' is not allowed; allowed: a duration of 0 or more"),
        ("--latency=5 minutes", "--latency: '5 minutes'"),
        (
            "--strategies=thread",
            "--strategies: 'thread' is not allowed; allowed: serial, interpreters, processes, "
            "threads",
        ),
        ("--network=wifi", "--network: 'wifi' is not allowed; allowed: mock, live"),
        ("--start-method=clone", "--start-method: 'clone' is not allowed; allowed: "),
        ("--size=huge", "--size: 'huge' is not allowed; allowed: quick, default, article"),
        ("--chunksize=0", "--chunksize: '0' is not allowed; allowed: 'auto'"),
        (
            "--request-timeout=0",
            "--request-timeout: '0' is not allowed; allowed: a duration above 0",
        ),
        ("--max-body-size=lots", "--max-body-size: 'lots' is not allowed"),
        ("--body-size=0", "--body-size: '0' is not allowed; allowed: a size of 1 byte"),
        ("--workloads=nope", "--workloads: unknown workload 'nope': not built in (download"),
        ("--workloads=./missing.py", "--workloads: no workload file at ./missing.py"),
    ],
)
def test_bad_value_is_a_usage_error(suite: pytest.Pytester, argument: str, expected: str):
    result = suite.runpytest(argument)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert expected in result.stderr.str()


@pytest.mark.parametrize(
    ("text", "seconds"), [("50", 0.05), ("50ms", 0.05), ("0.05s", 0.05), ("0", 0.0), ("2s", 2.0)]
)
def test_latency_units(text: str, seconds: float) -> None:
    assert options._duration("--latency", text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "count"),
    [("200000", 200_000), ("200kB", 200_000), ("1MiB", 1_048_576), ("3 mb", 3_000_000)],
)
def test_body_size_units(text: str, count: int) -> None:
    assert options._byte_count("--body-size", text) == count


def test_defaults(suite: pytest.Pytester) -> None:
    config = suite.parseconfigure()
    chosen = options.parse(config)
    assert [w.name for w in chosen.workloads] == [
        "download",
        "factorial",
        "files_cached",
        "files_uncached",
        "gil_releasing",
        "pure_python",
        "sleep",
        "sqlite_lookup",
        "sqlite_scan",
    ]
    assert [s.name for s in chosen.strategies] == ["serial", "interpreters", "processes", "threads"]
    assert chosen.network.mode == "mock" and chosen.network.latency == pytest.approx(0.05)
    assert chosen.network.body_bytes == 200_000
    assert chosen.workers is None
    assert chosen.chunksizes == ("1", "auto") and chosen.size == "default"


def test_quick_and_explicit_workers(suite: pytest.Pytester) -> None:
    chosen = options.parse(suite.parseconfigure("--quick"))
    assert chosen.size == "quick" and chosen.quick and chosen.workers is None
    chosen = options.parse(suite.parseconfigure("--quick", "--workers=3,1,3", "--size=7"))
    assert chosen.workers == (3, 1)
    assert chosen.size == "7"
