"""The latency verdicts' values, on synthetic samples: percentiles and their intervals,
failures counted as the slowest requests, which model and which way win, and whether
the article's two claims hold."""

from __future__ import annotations

import math

import pytest

from parbench.latency import analysis, render
from parbench.latency.analysis import FAILS, HOLDS, UNCLEAR, UNTESTED, Estimate
from parbench.latency.ticker import FRAME_BUDGET_S


def test_a_percentile_is_the_nearest_rank_within_order_statistics() -> None:
    values = [float(i) for i in range(1, 1001)]
    p50 = analysis.percentile(values, 0.5)
    assert p50.value == 500
    # 500 -/+ 1.96 * sqrt(250) = 469.0 and 531.0
    assert (p50.low, p50.high) == (469, 531)
    p99 = analysis.percentile(values, 0.99)
    assert p99.value == 990
    assert p99.low is not None and p99.low < 990 < p99.high


def test_too_few_values_leave_a_bound_unknown() -> None:
    p99 = analysis.percentile([0.001] * 100, 0.99)
    assert p99.value == 0.001
    assert p99.high is None


def test_failed_requests_count_as_slower_than_any_answer() -> None:
    samples = [0.01] * 95 + [None] * 5
    found = analysis.latencies(samples, {"HTTP 500: boom": 4, "timeout": 1})
    assert found.p50.value == 0.01
    assert math.isinf(found.p99.value)
    assert found.failed == 5 and found.sent == 100
    assert render.ms(found.p99.value) == "failed"
    broken = analysis.ServerCase("asyncio", "mine", 1, Estimate(50, 40, 60), {0.5: found})
    [verdict] = analysis.judge_servers([broken])
    assert "  asyncio: 5 of 100 requests failed, most often HTTP 500: boom" in (
        render.server_verdict(verdict)
    )


def test_the_sustained_rate_is_the_mean_of_bursty_slices() -> None:
    rates = [0.0, 0.0, 0.0, 360.0, 0.0, 0.0, 320.0, 0.0, 0.0, 10.0, 310.0, 0.0]
    found = analysis.sustained(rates)
    assert found.value == pytest.approx(1000 / 12)
    assert found.low == 0.0  # the mean less 2.201 standard errors is below 0
    assert found.high == pytest.approx(1000 / 12 + 2.201 * 149.2 / 12**0.5, rel=1e-3)
    assert analysis.sustained([5.0]) == Estimate(5.0, None, None)


def case(model: str, rate: float, spread: float, p99: float = 0.01) -> analysis.ServerCase:
    half = analysis.latencies([p99 / 2] * 98 + [p99] * 2, {})
    return analysis.ServerCase(
        model, "waiting", 8, Estimate(rate, rate - spread, rate + spread), {analysis.HALF: half}
    )


@pytest.mark.parametrize(
    ("threads", "processes", "claim"),
    [
        ((900, 50), (300, 50), HOLDS),
        ((300, 50), (900, 50), FAILS),
        ((500, 100), (550, 100), UNCLEAR),
    ],
)
def test_the_web_server_claim_follows_the_intervals(threads, processes, claim) -> None:
    [verdict] = analysis.judge_servers(
        [case("thread-pool", *threads), case("prefork", *processes), case("asyncio", 100, 10)]
    )
    assert verdict.claim == claim
    assert verdict.threads.model == "thread-pool"


def test_the_fastest_model_is_one_only_when_clearly_above_the_rest() -> None:
    [clear] = analysis.judge_servers([case("asyncio", 1000, 50), case("prefork", 300, 50)])
    assert clear.fastest == ("asyncio",)
    assert clear.claim == UNTESTED
    [tied] = analysis.judge_servers([case("asyncio", 1000, 50), case("prefork", 980, 50)])
    assert tied.fastest == ("asyncio", "prefork")


def tick(way: str, p99: float, calls: int = 100, work: str = "holding") -> analysis.TickCase:
    lags = [p99 / 2] * 990 + [p99] * 10
    return analysis.tick_case(way, work, 0.005, lags, calls, 1.0)


def test_a_thread_within_the_frame_budget_holds_the_claim_and_beyond_it_fails() -> None:
    quiet = tick("none", 0.0002)
    within = analysis.judge_ticks([quiet, tick("thread", 0.008, 300), tick("process", 0.001, 200)])
    assert [v.claim for v in within] == [HOLDS]
    assert within[0].responsive == ("thread", "process")  # the busier background first
    assert within[0].steadiest == ("process",)
    beyond = analysis.judge_ticks([quiet, tick("thread", 0.060)])
    assert beyond[0].claim == FAILS
    assert beyond[0].responsive == ()


def test_a_ticker_that_misses_the_frame_alone_leaves_the_claim_unclear() -> None:
    [verdict] = analysis.judge_ticks([tick("none", 0.050), tick("thread", 0.001)])
    assert verdict.busy and verdict.claim == UNCLEAR


def test_a_miss_that_waits_for_a_cpu_explain_is_the_machines() -> None:
    lags = [0.001] * 980 + [0.040] * 20
    queued = [0.0] * 980 + [0.039] * 20
    thread = analysis.tick_case("thread", "holding", 0.005, lags, 100, 1.0, queued)
    assert thread.within_budget is False and thread.machine_explains
    [verdict] = analysis.judge_ticks([tick("none", 0.0002), thread])
    assert verdict.busy and verdict.claim == UNCLEAR
    text = "\n".join(render.tick_verdict(verdict))
    assert "only by waiting for a CPU that other processes held" in text
    unexplained = analysis.tick_case("thread", "holding", 0.005, lags, 100, 1.0, [0.0] * 1000)
    assert not unexplained.machine_explains


def test_within_budget_needs_the_whole_interval_on_one_side() -> None:
    assert tick("thread", FRAME_BUDGET_S / 2).within_budget is True
    assert tick("thread", FRAME_BUDGET_S * 3).within_budget is False
    few = analysis.tick_case("thread", "holding", 0.005, [0.001] * 50, 1, 1.0)
    assert few.within_budget is None


def test_the_report_says_each_claim_in_words() -> None:
    text = render.report(
        [case("thread-pool", 900, 50), case("prefork", 300, 50)],
        [tick("none", 0.0002), tick("thread", 0.060)],
    )
    assert "'threads for web servers (more efficient than processes)': holds" in text
    assert "thread-pool sustains the most, 900 (850-950) req/s" in text
    assert "'a background thread keeps the interface responsive': does not hold" in text
    assert "no way kept p99 lag clearly within a 16.7 ms frame" in text
