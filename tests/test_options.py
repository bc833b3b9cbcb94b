"""Bad options stop the run at once with pytest's usage error naming option, value and
what is allowed; good ones parse to what they say."""

from __future__ import annotations

import pytest

from parbench.contract import workload
from parbench.measure import options


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_m="def test_batch(parbench_case):\n    pass\n")
    return pytester


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        (
            "--parbench-workers=0",
            "--parbench-workers: '0' is not allowed; allowed: whole numbers from 1 to 256",
        ),
        ("--parbench-workers=2,x", "--parbench-workers: 'x' is not allowed"),
        ("--parbench-workers=1,,2", "no empty items"),
        (
            "--parbench-workers=\u00b2",
            "--parbench-workers: '\u00b2' is not allowed; allowed: whole numbers from 1",
        ),
        (
            "--parbench-workers=100000",
            "--parbench-workers: '100000' is not allowed; allowed: whole numbers from 1",
        ),
        (
            "--parbench-latency=-1",
            "--parbench-latency: '-1' is not allowed; allowed: a duration from 0 to 60s",
        ),
        ("--parbench-latency=5 minutes", "--parbench-latency: '5 minutes'"),
        (
            "--parbench-latency=99999999999",
            "--parbench-latency: '99999999999' is not allowed; allowed: a duration",
        ),
        (
            "--parbench-strategies=thread",
            "--parbench-strategies: 'thread' is not allowed; "
            "allowed: serial, asyncio, dask, interpreters, processes, threads",
        ),
        (
            "--parbench-network=wifi",
            "--parbench-network: 'wifi' is not allowed; allowed: mock, live",
        ),
        (
            "--parbench-start-method=clone",
            "--parbench-start-method: 'clone' is not allowed; allowed: ",
        ),
        (
            "--parbench-size=huge",
            "--parbench-size: 'huge' is not allowed; allowed: quick, default, article",
        ),
        (
            "--parbench-size=1000000000",
            "--parbench-size: '1000000000' is not allowed; allowed: quick, default",
        ),
        ("--parbench-chunksize=0", "--parbench-chunksize: '0' is not allowed; allowed: 'auto'"),
        (
            "--parbench-chunksize=99999999999999999999",
            "--parbench-chunksize: '99999999999999999999' is not allowed; allowed: 'auto'",
        ),
        (
            "--parbench-request-timeout=0",
            "--parbench-request-timeout: '0' is not allowed; allowed: a duration over 0",
        ),
        ("--parbench-max-body-size=lots", "--parbench-max-body-size: 'lots' is not allowed"),
        (
            "--parbench-body-size=0",
            "--parbench-body-size: '0' is not allowed; allowed: a size from 1 byte",
        ),
        (
            "--parbench-body-size=10000MB",
            "--parbench-body-size: '10000MB' is not allowed; allowed: a size from",
        ),
        (
            "--parbench-workloads=nope",
            "--parbench-workloads: unknown workload 'nope': not built in (download",
        ),
        (
            "--parbench-workloads=./missing.py",
            "--parbench-workloads: no workload file at ./missing.py",
        ),
    ],
)
def test_bad_value_is_a_usage_error(suite: pytest.Pytester, argument: str, expected: str):
    result = suite.runpytest(argument)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert expected in result.stderr.str()
    assert [line for line in result.stderr.lines if line.strip()] == [
        line for line in result.stderr.lines if line.startswith("ERROR: ")
    ]


def parsed(suite: pytest.Pytester, *arguments: str) -> options.Options:
    """The options ``arguments`` give, with only the quick-to-load sleep workload."""
    return options.parse(suite.parseconfig("--parbench-workloads=sleep", *arguments))


# Every numeric option, with values a user may type by mistake: Unicode digits (which
# str.isdigit accepts and int refuses), signs, exponents, fractions where whole numbers
# go, Python's digit separators, empty text, and numbers past the maximum, huge included.
NOT_NUMBERS = ["\u00b2", "\u0663", "\u2460", "+4", "-4", "1e3", "0x10", "1_000", "", " "]
HUGE = ["99999999999999999999", "9" * 5000]
BAD_VALUES = {
    "--parbench-workers": [*NOT_NUMBERS, "4.0", "0", *HUGE, str(options.MAX_WORKERS + 1)],
    "--parbench-chunksize": [
        *NOT_NUMBERS,
        "4.0",
        "0",
        "Auto",
        *HUGE,
        str(options.MAX_CHUNKSIZE + 1),
    ],
    "--parbench-size": [*NOT_NUMBERS, "4.0", "0", "Quick", *HUGE, str(workload.MAX_SIZE + 1)],
    "--parbench-latency": [
        *NOT_NUMBERS,
        "1e3ms",
        "nan",
        "inf",
        "5m",
        *HUGE,
        f"{options.MAX_LATENCY_S * 1000 + 1}ms",
    ],
    "--parbench-request-timeout": [
        *NOT_NUMBERS,
        "0",
        "0s",
        "nan",
        "inf",
        *HUGE,
        f"{options.MAX_REQUEST_TIMEOUT_S + 0.001}s",
    ],
    "--parbench-body-size": [
        *NOT_NUMBERS,
        "0",
        "1.5MiB",
        "1GiB",
        *HUGE,
        f"{options.MAX_BODY_BYTES + 1}",
        f"{options.MAX_BODY_BYTES // 1024 + 1}KiB",
    ],
    "--parbench-max-body-size": [*NOT_NUMBERS, "0", *HUGE, f"{options.MAX_BODY_BYTES + 1}"],
}


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        (
            "--parbench-workloads=sleep",
            "--parbench-workloads: 'sleep' is not allowed; allowed: no --parbench-workloads with",
        ),
        (
            "--parbench-size=3",
            "--parbench-size: '3' is not allowed; "
            "allowed: no --parbench-size with --parbench-granularity",
        ),
    ],
)
def test_granularity_measures_its_own_workloads(
    suite: pytest.Pytester, argument: str, expected: str
) -> None:
    result = suite.runpytest("--parbench-granularity", argument)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert expected in result.stderr.str()


@pytest.mark.parametrize(
    ("option", "value"), [(option, value) for option, vs in BAD_VALUES.items() for value in vs]
)
def test_every_numeric_option_refuses_what_is_not_an_allowed_number(
    suite: pytest.Pytester, option: str, value: str
) -> None:
    with pytest.raises(pytest.UsageError) as refused:
        parsed(suite, f"{option}={value}")
    message = str(refused.value)
    assert message.startswith(f"{option}: {value!r} is not allowed; allowed: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("arguments", "field", "expected"),
    [
        (["--parbench-workers= 4, 04,1"], "workers", (4, 1)),
        ([f"--parbench-workers={'0' * 5000}2"], "workers", (2,)),
        ([f"--parbench-workers={options.MAX_WORKERS}"], "workers", (options.MAX_WORKERS,)),
        (["--parbench-chunksize= 08,auto"], "chunksizes", (8, "auto")),
        (
            [f"--parbench-chunksize={options.MAX_CHUNKSIZE}"],
            "chunksizes",
            (options.MAX_CHUNKSIZE,),
        ),
        (["--parbench-size= 007 "], "size", 7),
        ([f"--parbench-size={workload.MAX_SIZE}"], "size", workload.MAX_SIZE),
        (["--parbench-size=article"], "size", "article"),
    ],
)
def test_allowed_numbers_parse_to_what_they_say(
    suite: pytest.Pytester, arguments: list[str], field: str, expected: object
) -> None:
    assert getattr(parsed(suite, *arguments), field) == expected


@pytest.mark.parametrize(
    ("argument", "field", "expected"),
    [
        (f"--parbench-latency={options.MAX_LATENCY_S}s", "latency", options.MAX_LATENCY_S),
        ("--parbench-latency=0", "latency", 0.0),
        (
            f"--parbench-request-timeout={options.MAX_REQUEST_TIMEOUT_S}s",
            "timeout",
            options.MAX_REQUEST_TIMEOUT_S,
        ),
        ("--parbench-request-timeout=1", "timeout", 0.001),
        (f"--parbench-body-size={options.MAX_BODY_BYTES}", "body_bytes", options.MAX_BODY_BYTES),
        ("--parbench-body-size=128MiB", "body_bytes", options.MAX_BODY_BYTES),
        (f"--parbench-body-size={'0' * 5000}7kB", "body_bytes", 7000),
        ("--parbench-max-body-size=1", "max_body_bytes", 1),
        ("--parbench-max-body-size=128MiB", "max_body_bytes", options.MAX_BODY_BYTES),
    ],
)
def test_network_limits_are_allowed_up_to_their_maximum(
    suite: pytest.Pytester, argument: str, field: str, expected: float
) -> None:
    assert getattr(parsed(suite, argument).network, field) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("50", 0.05), ("50ms", 0.05), ("0.05s", 0.05), ("0", 0.0), ("2s", 2.0), (" .5 s ", 0.5)],
)
def test_latency_units(suite: pytest.Pytester, text: str, seconds: float) -> None:
    assert parsed(suite, f"--parbench-latency={text}").network.latency == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "count"),
    [("200000", 200_000), ("200kB", 200_000), ("1MiB", 1_048_576), ("3 mb", 3_000_000)],
)
def test_body_size_units(suite: pytest.Pytester, text: str, count: int) -> None:
    assert parsed(suite, f"--parbench-body-size={text}").network.body_bytes == count


def test_defaults(suite: pytest.Pytester) -> None:
    config = suite.parseconfigure()
    chosen = options.parse(config)
    # The disk and database workloads run when named, not by default.
    assert [w.name for w in chosen.workloads] == [
        "download",
        "factorial",
        "gil_releasing",
        "pure_python",
        "sleep",
    ]
    assert [s.name for s in chosen.strategies] == [
        "serial",
        "asyncio",
        "interpreters",
        "processes",
        "threads",
    ]
    assert chosen.network.mode == "mock" and chosen.network.latency == pytest.approx(0.05)
    assert chosen.network.body_bytes == 200_000
    assert chosen.workers is None
    assert chosen.chunksizes == (1, "auto") and chosen.size == "default"


def test_quick_and_explicit_workers(suite: pytest.Pytester) -> None:
    chosen = options.parse(suite.parseconfigure("--parbench-quick"))
    assert chosen.size == "quick" and chosen.quick and chosen.workers is None
    chosen = options.parse(
        suite.parseconfigure("--parbench-quick", "--parbench-workers=3,1,3", "--parbench-size=7")
    )
    assert chosen.workers == (3, 1)
    assert chosen.size == 7


def test_a_quick_run_measures_the_articles_strategies_unless_told_otherwise(
    suite: pytest.Pytester,
) -> None:
    quick = options.parse(suite.parseconfigure("--parbench-quick"))
    assert sorted(s.name for s in quick.strategies) == sorted(options.QUICK_STRATEGIES)
    full = options.parse(suite.parseconfigure())
    assert {"asyncio", "threads", "processes"} <= {s.name for s in full.strategies}
    named = options.parse(
        suite.parseconfigure("--parbench-quick", "--parbench-strategies=serial,asyncio")
    )
    assert [s.name for s in named.strategies] == ["serial", "asyncio"]
