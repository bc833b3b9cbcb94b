"""Measuring until settled, on synthetic rounds with a neighbour switched on at chosen
times: the paired estimate, its outcome, and when a case stops."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from parbench.analysis import sequential, stats
from parbench.measure import runner

from helpers import make_case


@dataclass
class Machine:
    """A simulated clock: a round of ``base`` seconds takes ``base * slowdown(now)``, give
    or take ``jitter`` (a log-normal spread), and the clock moves on by that much."""

    slowdown: Callable[[float], float]
    jitter: float = 0.02
    now: float = 0.0

    def round(self, base: float, chance: random.Random) -> float:
        took = base * self.slowdown(self.now) * chance.lognormvariate(0, self.jitter)
        self.now += took
        return took


def neighbour(*windows: tuple[float, float], factor: float = 2.0) -> Callable[[float], float]:
    """A neighbour that slows every round by ``factor`` while on, in ``windows``."""
    return lambda t: factor if any(start <= t < end for start, end in windows) else 1.0


@dataclass
class Run:
    serial: list[float] = field(default_factory=list)
    case: list[float] = field(default_factory=list)
    stopped: str | None = None


def measure(
    machine: Machine,
    serial_s: float,
    case_s: float,
    budget_s: float,
    seed: int = 0,
    to_beat: float = 1.0,
) -> Run:
    """Pairs taken as the runner takes them (serial before or after each case round, by
    a seeded coin) until ``sequential.stop`` says why not."""
    chance, run, started = random.Random(seed), Run(), machine.now
    while True:
        elapsed = machine.now - started
        pairs = len(run.serial)
        over = pairs > 0 and elapsed + elapsed / pairs > budget_s
        run.stopped = sequential.stop(run.serial, run.case, over, to_beat)
        if run.stopped or pairs >= sequential.MAX_PAIRS:
            return run
        if chance.random() < 0.5:
            run.serial.append(machine.round(serial_s, chance))
            run.case.append(machine.round(case_s, chance))
        else:
            run.case.append(machine.round(case_s, chance))
            run.serial.append(machine.round(serial_s, chance))


def test_serial_quiet_and_the_case_beside_a_neighbour_is_told_apart() -> None:
    # The old design measured serial first, alone and quiet, and the case minutes later
    # beside a neighbour that came on: processes that are really 1.8x faster looked
    # slower than serial.
    machine = Machine(neighbour((1.0, 1e9), factor=2.5))
    chance = random.Random(3)
    quiet_serial = [machine.round(0.1, chance) for _ in range(10)]
    beside = measure(machine, 0.1, 0.1 / 1.8, budget_s=60)
    apart = statistics.median(quiet_serial) / statistics.median(beside.case)
    assert apart < 1
    # Paired, serial's rounds are taken beside the case's, under the same neighbour.
    found = sequential.estimate(beside.serial, beside.case)
    assert found.low <= 1.8 <= found.high
    assert sequential.outcome(found) == sequential.FASTER
    assert beside.stopped == sequential.SETTLED


def test_a_neighbour_that_comes_and_goes_widens_the_pairs_but_makes_no_claim() -> None:
    # Threads on work that holds the GIL: the same speed as serial. A neighbour switches
    # on and off every 0.13 s, slowing whichever rounds it meets by 1.5x to 3x.
    claims = []
    for seed in range(200):
        switch = random.Random(seed)
        windows = [(t / 10, t / 10 + 0.13 * switch.random()) for t in range(0, 400)]
        machine = Machine(neighbour(*windows, factor=switch.uniform(1.5, 3)))
        run = measure(machine, 0.05, 0.05, budget_s=10, seed=seed)
        claims.append(sequential.outcome(sequential.estimate(run.serial, run.case)))
    wrong = claims.count(sequential.FASTER) + claims.count(sequential.SLOWER)
    # An honest 5% error rate across every look, whatever the neighbour did.
    assert wrong / len(claims) <= stats.ALPHA


def test_a_clear_case_stops_at_the_first_look_and_a_close_one_takes_more() -> None:
    # Sixteen sleeping threads against serial's sixteen sleeps on a quiet machine.
    quiet = Machine(lambda t: 1.0, jitter=0.003)
    clear = measure(quiet, 0.8, 0.05, budget_s=60)
    assert (len(clear.serial), clear.stopped) == (sequential.FIRST_LOOK, sequential.SETTLED)
    noisy = Machine(neighbour(*[(t / 5, t / 5 + 0.07) for t in range(2000)], factor=1.6))
    close = measure(noisy, 0.1, 0.1 / 1.15, budget_s=120, seed=5)
    assert len(close.serial) > sequential.FIRST_LOOK
    assert len(close.serial) in sequential.looks()
    found = sequential.estimate(close.serial, close.case)
    assert close.stopped == sequential.SETTLED
    assert found.low <= 1.15 <= found.high and found.spread <= sequential.PRECISION


def test_a_case_out_of_budget_stops_where_its_budget_ends_and_says_so() -> None:
    noisy = Machine(neighbour(*[(t / 3, t / 3 + 0.1) for t in range(3000)], factor=3))
    run = measure(noisy, 0.1, 0.1 / 1.1, budget_s=2.0, seed=1)
    assert run.stopped == sequential.OUT_OF_BUDGET
    # At least the first look, whatever it costs; then no pair that overruns the budget.
    assert len(run.serial) >= sequential.FIRST_LOOK
    assert sum(run.serial) + sum(run.case) <= 2.0 + 2 * 0.3 * 1.1


def test_the_looks_split_the_error_rate_among_them() -> None:
    assert sequential.looks()[:3] == (4, 8, 16)
    assert len(sequential.looks()) == sequential.LOOKS
    assert pytest.approx(stats.ALPHA) == sequential.ALPHA_PER_LOOK * sequential.LOOKS
    # Fewer than FIRST_LOOK pairs are never looked at; between looks, only when the budget ends.
    assert sequential.stop([1.0, 1.0, 1.0], [0.5, 0.5, 0.5], over_budget=True) is None
    rounds = [1.0, 1.01, 0.99, 1.0, 1.02]
    assert sequential.stop(rounds, [r / 2 for r in rounds], over_budget=False) is None
    assert sequential.stop(rounds, [r / 2 for r in rounds], over_budget=True) == "settled"


@pytest.mark.parametrize(
    ("low", "high", "outcome"),
    [
        (1.2, 1.4, sequential.FASTER),
        (1.01, 1.3, sequential.FASTER),
        (0.5, 0.7, sequential.SLOWER),
        (0.97, 1.04, sequential.SAME),
        # Above 1 but within 5%: the same as serial for any purpose.
        (1.01, 1.03, sequential.SAME),
        (0.9, 1.2, sequential.UNCLEAR),
    ],
)
def test_the_outcome_is_what_the_interval_says(low: float, high: float, outcome: str) -> None:
    found = stats.Paired(10, (low * high) ** 0.5, low, high, 0.99)
    assert sequential.outcome(found) == outcome


def test_a_workloads_budget_is_shared_among_its_cases_as_they_come() -> None:
    sleep = [
        make_case("sleep", "serial"),
        *(make_case("sleep", "threads", workers=w) for w in (2, 4)),
    ]
    other = make_case("pure_python", "processes")
    budget = runner.Budget.of(20.0, [*sleep, other])
    # Serial's own case is not paired: two sleep cases share 20 s.
    assert budget.allowance(sleep[1]) == 10
    # The first spent 4 s: the second may spend the 16 s left.
    budget.spend(sleep[1], 4.0)
    assert budget.allowance(sleep[2]) == 16
    assert budget.allowance(other) == 20
    budget.spend(sleep[2], 30.0)
    assert budget.allowance(sleep[2]) == 0


def test_a_case_that_cannot_win_leaves_the_race_early() -> None:
    # Beside a neighbour that comes and goes, a case 1.3x faster than serial needs many
    # pairs to rank; behind a case already settled at 1.8x or more it cannot win or tie,
    # and stops at the first look that shows it, with the same honest interval.
    noisy = Machine(neighbour(*[(t / 4, t / 4 + 0.1) for t in range(4000)], factor=2))
    alone = measure(noisy, 0.1, 0.1 / 1.3, budget_s=600, seed=2)
    noisy.now = 0.0
    behind = measure(noisy, 0.1, 0.1 / 1.3, budget_s=600, seed=2, to_beat=1.8)
    assert behind.stopped == sequential.SETTLED
    assert len(behind.serial) * 4 <= len(alone.serial)
    found = sequential.estimate(behind.serial, behind.case)
    assert sequential.outcome(found) == sequential.FASTER and found.high < 1.8
    assert found.low <= 1.3 <= found.high


@pytest.mark.parametrize(
    ("low", "high", "to_beat", "settled"),
    [
        # Slower than serial, or as fast: never the case to use, however wide.
        (0.5, 0.95, 1.0, True),
        (0.96, 1.04, 1.0, True),
        # Faster and wide: in the race until ranked, unless wholly below the leader.
        (1.1, 1.6, 1.0, False),
        (1.1, 1.6, 1.5, False),
        (1.1, 1.6, 1.7, True),
        # Faster and narrow: ranked.
        (1.5, 1.7, 1.0, True),
        # Undecided: in the race, unless wholly behind the leader.
        (0.8, 1.3, 1.2, False),
        (0.8, 1.3, 2.0, True),
    ],
)
def test_which_looks_settle(low: float, high: float, to_beat: float, settled: bool) -> None:
    found = stats.Paired(10, (low * high) ** 0.5, low, high, 0.99)
    assert sequential.settled(found, to_beat) is settled


@pytest.mark.parametrize(
    ("low", "high", "to_beat", "ceiling", "settled"),
    [
        # One worker gains nothing: settled at any look, however wide or flattered.
        (0.7, 1.4, 1.0, 1.0, True),
        (1.02, 1.3, 1.0, 1.0, True),
        # Its high end counts as at most its ceiling against the leader.
        (1.1, 2.0, 1.6, 1.5, True),
        (1.1, 2.0, 1.6, 1.8, False),
        (1.1, 2.0, 1.0, 2.0, False),
    ],
)
def test_a_case_its_ceiling_keeps_from_gaining_is_settled(
    low: float, high: float, to_beat: float, ceiling: float, settled: bool
) -> None:
    found = stats.Paired(10, (low * high) ** 0.5, low, high, 0.99)
    assert sequential.settled(found, to_beat, ceiling) is settled


def test_a_case_that_cannot_gain_takes_its_first_look_and_no_share_of_the_budget() -> None:
    noisy = Machine(neighbour(*[(t / 4, t / 4 + 0.1) for t in range(4000)], factor=2))
    chance, serial, case = random.Random(3), [], []
    while (why := sequential.stop(serial, case, False, 1.0, ceiling=1.0)) is None:
        serial.append(noisy.round(0.1, chance))
        case.append(noisy.round(0.1, chance))
    assert (why, len(serial)) == (sequential.SETTLED, sequential.FIRST_LOOK)
    # Two cases of sleep can gain, the one-worker case cannot: 20 s are shared by two.
    one, two, four = (make_case("sleep", "threads", workers=w) for w in (1, 2, 4))
    budget = runner.Budget.of(20.0, [one, two, four])
    assert runner.ceiling(one) == 1 and budget.allowance(two) == 10
    budget.spend(one, 1.0)
    assert budget.allowance(two) == 9.5
    # However its neighbour flattered it, a case that cannot gain leads no race.
    budget.finished(one, stats.Paired(8, 1.4, 1.2, 1.6, 0.99))
    assert budget.to_beat(two) == 1.0


def test_the_best_low_end_of_a_case_settled_faster_is_what_the_others_must_beat() -> None:
    cases = [make_case("sleep", "threads", workers=w) for w in (2, 4, 16)]
    other = make_case("pure_python", "processes")
    budget = runner.Budget.of(20.0, [*cases, other])
    assert budget.to_beat(cases[0]) == 1.0
    budget.finished(cases[0], stats.Paired(8, 3.0, 2.0, 4.0, 0.99))
    budget.finished(cases[1], stats.Paired(8, 1.6, 1.5, 1.7, 0.99))
    # A slower case sets nothing, and another workload's leader is not this one's.
    budget.finished(other, stats.Paired(8, 0.5, 0.4, 0.6, 0.99))
    assert budget.to_beat(cases[2]) == 2.0
    assert budget.to_beat(other) == 1.0
