"""The main-thread ticker's lag arithmetic (on a synthetic clock), and every way of
running background work beside it."""

from __future__ import annotations

import sys

import pytest

from parbench.latency import background, ticker


def test_lag_is_run_minus_due_and_never_below_zero() -> None:
    assert ticker.lags([0.0, 0.01, 0.02], [0.001, 0.0099, 0.05]) == pytest.approx(
        [0.001, 0.0, 0.03]
    )
    with pytest.raises(ValueError, match="3 due times but 2 run times"):
        ticker.lags([0.0, 0.01, 0.02], [0.0, 0.01])


def test_due_times_are_every_period() -> None:
    assert ticker.due_times(0.25, 1.0) == [0.0, 0.25, 0.5, 0.75]


class Clock:
    """A clock that moves only when slept on; one sleep overshoots by ``stall``."""

    def __init__(self, stall_at: int, stall: float) -> None:
        self.now, self.sleeps, self.stall_at, self.stall = 100.0, 0, stall_at, stall

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds + (self.stall if self.sleeps == self.stall_at else 0.0)


def test_ticks_missed_during_a_stall_are_each_as_late_as_they_were(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(stall_at=2, stall=0.025)
    monkeypatch.setattr(ticker.time, "perf_counter", clock.perf_counter)
    monkeypatch.setattr(ticker.time, "sleep", clock.sleep)
    ticks = ticker.tick(period=0.01, duration=0.08)
    # Tick 2 (due at 0.02) woke at 0.045: it and ticks 3 and 4 (due 0.03, 0.04) all ran
    # then; tick 5 (due 0.05) was on time again.
    assert ticks.lags == pytest.approx([0, 0, 0.025, 0.015, 0.005, 0, 0, 0])


def test_each_tick_is_charged_the_cpu_waits_since_it_came_due() -> None:
    due = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05]
    ran = [0.0, 0.01, 0.045, 0.045, 0.045, 0.05]
    # The thread waited 20 ms for a CPU while tick 2 was late, 1 ms before tick 5.
    waits = [1.0, 1.0, 1.02, 1.02, 1.02, 1.021]
    charged = ticker.queued(due, ran, waits, start=1.0)
    # Ticks 2, 3 and 4 came due after the last reading before the stall (at 0.01), so each
    # is charged the whole 20 ms; tick 5 only what came after tick 4's reading.
    assert charged == pytest.approx([0, 0, 0.02, 0.02, 0.02, 0.001])


@pytest.mark.parametrize(
    "way",
    [
        pytest.param(
            name,
            marks=pytest.mark.skipif(way.unavailable() is not None, reason=str(way.unavailable())),
        )
        for name, way in background.WAYS.items()
    ],
)
def test_every_way_ticks_and_counts_its_background_work(way: str) -> None:
    before = sys.getswitchinterval()
    outcome = background.WAYS[way].run("waiting", 0.005, 0.2, 0.001)
    assert len(outcome.ticks.lags) == 40
    assert all(lag >= 0 for lag in outcome.ticks.lags)
    if ticker.run_queue_wait() is not None:
        assert len(outcome.ticks.queued) == 40
    # Each call sleeps 10 ms: at least one finishes in 0.2 s, at most 20 (one more for a
    # timer that fires a clock tick early).
    if way == "none":
        assert outcome.calls == 0
    else:
        assert 1 <= outcome.calls <= 21
    assert sys.getswitchinterval() == before
