"""From measurements to an answer, as values: what the work is, each case's speedup over
serial with its interval and limits, the winner, and what the measuring cost.

**Speedup.** Every case other than serial was measured in pairs of rounds with serial,
side by side (``runner``): its speedup is the geometric mean of the pairs' ratios,
within the interval of its last look (``sequential``), and its claim against serial
(faster, slower, within 5%, or not decided) is what that interval says. A neighbour
that comes and goes hits both rounds of a pair alike: nothing is widened afterwards.

**Kind.** Serial's own case says how much of its time, less the time it waited for a
CPU, it computed: I/O-bound, mixed or CPU-bound (``kind_of``). For work that
computes, the CPUs that the thread pools kept busy say whether threads run its Python in
parallel: about one where the work holds the GIL, one per thread where it releases it
(``Gil``). That is physics, not statistics: threads that hold the GIL never keep more than
one CPU busy, however long or short the time looked at, so a single round in which a
thread pool kept ``ROUND_PARALLEL`` CPUs busy shows threads running in parallel however
busy the machine was otherwise. Where a neighbour held the threads back, they are told to
run one at a time when they never did so in a round while a process pool of as many
workers, measured beside the same neighbour, did in enough of its rounds that the threads
could not all have missed such moments by chance (Fisher's exact test,
``stats.none_among``); failing that, by their rounds paired with serial's.

**Limits**, from what was measured (``limits``): with ``spread`` the workers that had
tasks (``min(workers, tasks)``), work that waits can gain ``spread``; CPU work
``min(spread, CPUs / CPUs serial kept busy)`` (serial that is parallel inside leaves
less to gain; where a busy machine kept it from the CPUs it wanted, those it wanted);
mixed work with CPU share ``s`` ``min(spread, CPUs / s)``. Threads on work that holds
the GIL run one at a time: CPU work gains nothing (1x), mixed work at most ``1 / s``.
The ideal counts physical cores, the ceiling logical CPUs. A case whose whole interval
lies above its ceiling was disturbed: it is withheld, never a result; every figure shown
is cut at the ceiling.

**Answer** (``Answer``): a case is the winner only when its interval lies above every
other case's; cases whose intervals reach the leader's tie. Serial is the answer when
every case is slower or within 5% of it, or kept by its ceiling from gaining more (one
worker; threads on CPU work that holds the GIL); otherwise nothing is decided.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parbench.analysis import sequential, stats
from parbench.analysis.sequential import FASTER, SAME, SLOWER, UNCLEAR
from parbench.data.results import BASELINE, Measurement

__all__ = ["FASTER", "SAME", "SLOWER", "UNCLEAR"]

DISTURBED = "disturbed"
# Threads that keep at least this many CPUs busy run Python in parallel; serial that
# keeps this many busy is parallel inside.
PARALLEL_BUSY = 1.3
# CPU-bound threads one at a time gain nothing: paired rounds whose interval lies above
# this gained from running in parallel.
GAINED_PAIRED = 1.1
# Threads that could have had this many more CPUs than they kept busy were held back by
# something other than the GIL: whether they run in parallel cannot be told.
HELD_BACK = 0.25
# A round in which a pool kept this many CPUs busy ran in parallel: threads that hold the
# GIL keep at most one CPU busy, and the kernel's hand-offs between them (on a 2-core
# machine, quiet or beside a neighbour on both CPUs, at most 1.01 with tasks of
# milliseconds, 1.07 with 10,000 tasks of a microsecond under 2 to 16 threads).
ROUND_PARALLEL = 1.2

# Pools from the cheapest to start and feed: threads share the caller's memory; asyncio
# needs the work's async variant; interpreters and processes copy every task and result.
COST = ("threads", "asyncio", "interpreters", "processes", "dask")
# What the thread pools' CPU use says (``Gil.reason``); where a busy machine held the
# threads back, what their rounds paired with serial's say instead.
(
    PARALLEL,
    PARALLEL_IN_A_ROUND,
    ONE_AT_A_TIME,
    NEVER_PARALLEL,
    MACHINE_BUSY,
    CANNOT_SHOW,
    GAINED,
    BEHIND_PROCESSES,
) = (
    "parallel",
    "parallel in a round",
    "one at a time",
    "never parallel in a round",
    "machine busy",
    "cannot show",
    "gained in pairs",
    "behind processes in pairs",
)
# What a verdict answers (``Answer.kind``).
WINNER, TIE, SERIAL_WINS, UNDECIDED, ONLY_SERIAL = (
    "winner",
    "tie",
    "serial",
    "undecided",
    "only serial",
)


@dataclass(frozen=True)
class CaseKey:
    """What tells a case from the others of its workload, which the report names
    (``threads x16``, ``processes x2 chunksize auto spawn``): its strategy; its worker
    count (``None`` for serial, and for a chart's series over worker counts); its chunk
    policy and start method only where cases of its group differ in them (``None``
    otherwise); and whether its pool was cold."""

    strategy: str
    workers: int | None = None
    chunk_policy: str | None = None
    start_method: str | None = None
    cold: bool = False


@dataclass(frozen=True)
class Gil:
    """What a thread pool (``case``, measured as ``measurement``: the largest warm one;
    with ``PARALLEL_IN_A_ROUND`` the one that showed it; with ``NEVER_PARALLEL`` every
    pool of as many threads, ``measurement`` the largest warm one) says of the work:
    ``parallel`` is True where its threads ran Python in parallel, False where one ran at
    a time, None where that could not be told (``reason``)."""

    case: CaseKey
    measurement: Measurement
    parallel: bool | None
    reason: str
    # Told by paired rounds: the threads' speedup, and the process pool of as many
    # workers they were measured behind (its case, its speedup, and how many times
    # faster than the threads it was).
    speedup: stats.Paired | None = None
    rival: CaseKey | None = None
    rival_speedup: stats.Paired | None = None
    behind: stats.Paired | None = None
    # Told by rounds: the most CPUs the threads kept busy in one of their ``rounds``
    # sampled rounds; where they never ran in parallel, the sampled rounds of the process
    # pools of as many workers (``rival``, warm and cold), and how many of those did.
    peak: float | None = None
    rounds: int = 0
    rival_parallel: int = 0
    rival_rounds: int = 0

    @property
    def held(self) -> bool:
        """Whether threads were measured to run this work one at a time."""
        return self.parallel is False


@dataclass(frozen=True)
class Limits:
    """What physics lets a case gain over serial: ``ideal`` (physical cores) and
    ``ceiling`` (logical CPUs), from ``spread`` workers with tasks, serial's CPUs busy
    (``serial_cpus``), the work's CPU share (``share``, for mixed work) and whether the
    case is threads on work measured to hold the GIL (``gil_capped``)."""

    ideal: float
    ceiling: float
    spread: int
    serial_cpus: float
    share: float | None
    gil_capped: bool


@dataclass(frozen=True)
class Row:
    """One case (``case``) against serial: its ``speedup`` (1 for serial's own case) within
    ``interval`` (``None`` where not measured in pairs) from ``pairs`` pairs; its
    ``limits`` (``None`` for serial); its ``outcome`` against serial; and why it stopped
    taking rounds (``stopped``: ``runner.STOPS``, ``None`` for serial)."""

    measurement: Measurement
    case: CaseKey
    speedup: float
    interval: tuple[float, float] | None
    pairs: int
    limits: Limits | None
    outcome: str
    stopped: str | None

    @property
    def is_baseline(self) -> bool:
        return self.measurement.strategy == BASELINE

    @property
    def ceiling(self) -> float:
        return math.inf if self.limits is None else self.limits.ceiling

    @property
    def ideal(self) -> float:
        return 1.0 if self.limits is None else self.limits.ideal

    @property
    def impossible(self) -> bool:
        """Whether the whole interval lies above the ceiling: a disturbed measurement."""
        low = self.speedup if self.interval is None else self.interval[0]
        return not self.is_baseline and low > self.ceiling * (1 + 1e-9)

    @property
    def shown(self) -> float:
        """The speedup as reported: never above the ceiling."""
        return min(self.speedup, self.ceiling)

    @property
    def shown_interval(self) -> tuple[float, float] | None:
        """The interval as reported: never above the ceiling."""
        if self.interval is None:
            return None
        return min(self.interval[0], self.ceiling), min(self.interval[1], self.ceiling)

    @property
    def no_gain(self) -> bool:
        """Whether the case is no reason to leave serial: decided slower or as fast, or
        kept by physics from gaining more than ``sequential.EQUIVALENCE``."""
        return self.outcome in (SLOWER, SAME) or not sequential.can_gain(self.ceiling)

    @property
    def efficiency(self) -> float:
        return self.shown / self.ideal

    @property
    def versus_serial(self) -> str:
        """The claim against serial: ``outcome``, or ``DISTURBED`` where withheld."""
        return DISTURBED if self.impossible else self.outcome

    @property
    def out_of_budget(self) -> bool:
        """Whether the budget ended the case's rounds before its claim settled."""
        return self.stopped == "budget"

    @property
    def log_spread(self) -> float | None:
        """The standard deviation of its pairs' log ratios (how much a pair's ratio
        varied), ``None`` under two pairs."""
        m = self.measurement
        if len(m.serial_rounds) < 2 or len(m.serial_rounds) != len(m.rounds):
            return None
        return statistics.stdev(
            math.log(s / c) for s, c in zip(m.serial_rounds, m.rounds, strict=True)
        )


@dataclass(frozen=True)
class Answer:
    """What the verdict answers (``kind``: ``WINNER``, ``TIE``, ``SERIAL_WINS``,
    ``UNDECIDED`` or ``ONLY_SERIAL``): ``rows`` the winner, the cases that tie, or for
    serial the cases measured against it; ``common`` the range the tied cases share;
    ``use`` the case to run (``None`` with serial's answer: a plain loop, or where the
    answer is not decided; of cases that tie, the cheapest: ``_cheapest``)."""

    kind: str
    rows: tuple[Row, ...] = ()
    common: tuple[float, float] | None = None
    use: Row | None = None

    @property
    def decided(self) -> bool:
        return self.kind in (WINNER, SERIAL_WINS) or (self.kind == TIE and self.use is not None)


@dataclass(frozen=True)
class Noise:
    """What measuring the workload cost and how noisy it was: ``pairs`` paired rounds
    over ``seconds`` of timed rounds, against the workload's ``budget`` (``None`` where
    unlimited); ``spread``, the median over cases of the standard deviation of a pair's
    log ratio; ``others``, the median CPUs everything else kept busy meanwhile; and the
    cases whose budget ended first (``out_of_budget``); and, where the answer is not
    decided for want of budget, ``enough``: about the budget that would decide it, the
    budget scaled by the round time that would need (``_rounds_to_decide``) over the round
    time spent; ``math.inf`` where the most pairs a case may take would not (``None``
    elsewhere)."""

    pairs: int
    seconds: float
    budget: float | None
    spread: float | None
    others: float | None
    out_of_budget: tuple[Row, ...]
    enough: float | None = None


@dataclass(frozen=True)
class WorkloadVerdict:
    """Every case of one workload (at one size and network setting) and the answer.
    ``work`` is what it was measured to be (``io``, ``cpu`` or ``mixed``; the declared
    kind where serial's CPU time was not recorded), ``cpu_share`` the share of its time
    serial computed; ``notes`` lines other reports attach (``breakeven``)."""

    workload: str
    work: str
    declared_kind: str
    cpu_share: float | None
    gil: Gil | None
    serial: Measurement
    rows: tuple[Row, ...]
    answer: Answer
    noise: Noise
    notes: tuple[str, ...] = ()

    @property
    def baseline(self) -> Measurement:
        """Serial's own case: every other is measured against serial."""
        return self.serial

    @property
    def withheld(self) -> tuple[Row, ...]:
        return tuple(row for row in self.rows if row.impossible)


def cpu_share(serial: Measurement) -> float | None:
    """Serial's CPU seconds per wall second it was not kept waiting for a CPU: the
    median of each round's own ratio where recorded, else from its median time, CPU
    time and waiting; ``None`` where unmeasured."""
    if serial.cpu_per_unqueued_wall is not None:
        return min(1.0, serial.cpu_per_unqueued_wall)
    if serial.cpu_seconds is None:
        return None
    running = serial.median * (1 - min(serial.wait_share or 0.0, 0.99))
    return min(1.0, serial.cpu_seconds / running)


def serial_cpus(serial: Measurement) -> float:
    """The CPUs serial kept busy, or wanted where a busy machine kept it from them (at
    most the usable CPUs), where that shows it parallel inside (a multithreaded library);
    otherwise what one thread gets: one CPU, or less under a smaller quota."""
    one = min(1.0, serial.usable_cpus)
    wanted = max(serial.cpu_per_wall or 0.0, serial.runnable_per_wall or 0.0)
    wanted = min(wanted, serial.usable_cpus)
    return wanted if wanted >= PARALLEL_BUSY else one


def gil_evidence(group: Iterable[Measurement], share: float) -> Gil | None:
    """What the thread pools with their CPU use measured say of work that computes
    ``share`` of its time (see the module's docstring); ``None`` where there is none."""
    group = list(group)
    threads = [
        m
        for m in group
        if m.strategy == "threads" and min(m.workers, m.tasks) > 1 and m.cpu_per_wall is not None
    ]
    m = max((p for p in threads if p.pool == "warm"), key=lambda p: p.workers, default=None)
    if m is None:
        return None
    case = case_key(m, group)
    busy, wanted = m.cpu_per_wall or 0.0, m.runnable_per_wall
    if busy >= PARALLEL_BUSY:
        return Gil(case, m, True, PARALLEL)
    shown = max(threads, key=_peak)
    if _peak(shown) >= ROUND_PARALLEL:
        return Gil(
            case_key(shown, group),
            shown,
            True,
            PARALLEL_IN_A_ROUND,
            peak=_peak(shown),
            rounds=len(shown.cpu_per_wall_rounds or ()),
        )
    # Threads that ran in parallel would have kept this many CPUs busy.
    if min(min(m.workers, m.tasks) * share, m.usable_cpus) < PARALLEL_BUSY:
        return Gil(case, m, None, CANNOT_SHOW)
    if wanted is not None and min(wanted, m.usable_cpus) - busy > HELD_BACK:
        return _gil_by_rounds(case, m, group) or _gil_by_pairs(case, m, group, share)
    return Gil(case, m, False, ONE_AT_A_TIME)


def _peak(m: Measurement) -> float:
    """The most CPUs ``m`` kept busy in a sampled round; 0 where its rounds' CPU use was
    not saved (a run of schema 3 or before)."""
    return max(m.cpu_per_wall_rounds or (), default=0.0)


def _gil_by_rounds(case: CaseKey, m: Measurement, group: Iterable[Measurement]) -> Gil | None:
    """Threads that a busy machine held back, told to run one at a time where no pool of
    as many threads (``m``'s, warm or cold) kept ``ROUND_PARALLEL`` CPUs busy in a round
    while the process pools of as many workers did in enough of their rounds, beside the
    same neighbour, that rounds taken alike would have shown it in one of the threads' at
    least ``1 - ALPHA_PER_LOOK`` of the time (``stats.none_among``); ``None`` otherwise.
    The pools' rounds, taken seconds apart beside the same neighbour, are taken to be
    exchangeable: a neighbour that left the machine between them would break that."""

    def rounds_of(strategy: str) -> list[float]:
        return [
            busy
            for p in group
            if p.strategy == strategy and p.workers == m.workers
            for busy in p.cpu_per_wall_rounds or ()
        ]

    rounds, theirs = rounds_of("threads"), rounds_of("processes")
    hits = sum(busy >= ROUND_PARALLEL for busy in theirs)
    if not rounds or not hits:
        return None
    if stats.none_among(len(rounds), len(theirs), hits) > sequential.ALPHA_PER_LOOK:
        return None
    return Gil(
        CaseKey("threads", m.workers),
        m,
        False,
        NEVER_PARALLEL,
        peak=max(rounds),
        rounds=len(rounds),
        rival=CaseKey("processes", m.workers),
        rival_parallel=hits,
        rival_rounds=len(theirs),
    )


def _sides(m: Measurement) -> tuple[list[float], list[float]] | None:
    """``m``'s serial rounds and its own, taken in pairs; ``None`` without pairs."""
    if len(m.rounds) < 2 or len(m.serial_rounds) != len(m.rounds):
        return None
    return list(m.serial_rounds), list(m.rounds)


def _gil_by_pairs(case: CaseKey, m: Measurement, group: Iterable[Measurement], share: float) -> Gil:
    """Threads that a busy machine held back, told by their rounds paired with serial's,
    which met the same neighbour: on CPU-bound work, threads that gained ``GAINED_PAIRED``
    or more ran Python in parallel. Threads that gained less than ``PARALLEL_BUSY`` ran
    one at a time where a process pool of as many workers was decidedly faster than
    serial (so the machine let work run in parallel beside the same neighbour) and
    decidedly faster than the threads (``stats.ratio_of_speedups``), which cost less to
    feed and would have kept up had they run in parallel."""
    sides = _sides(m)
    if sides is None or kind_of(share) != "cpu":
        return Gil(case, m, None, MACHINE_BUSY)
    threads = sequential.estimate(*sides)
    if threads.low >= GAINED_PAIRED:
        return Gil(case, m, True, GAINED, threads)
    if threads.high >= PARALLEL_BUSY:
        return Gil(case, m, None, MACHINE_BUSY)
    rivals = [
        (
            p,
            sequential.estimate(*theirs),
            stats.ratio_of_speedups(sides, theirs, sequential.ALPHA_PER_LOOK),
        )
        for p in group
        if p.strategy == "processes" and p.pool == "warm" and p.workers == m.workers
        for theirs in [_sides(p)]
        if theirs is not None
    ]
    ahead = [(p, found, behind) for p, found, behind in rivals if found.low > 1 and behind.low > 1]
    if ahead:
        rival, found, behind = max(ahead, key=lambda r: r[2].low)
        return Gil(case, m, False, BEHIND_PROCESSES, threads, case_key(rival, group), found, behind)
    return Gil(case, m, None, MACHINE_BUSY)


def limits(
    m: Measurement, work: str, share: float | None, serial: float, gil: Gil | None
) -> Limits:
    """The ideal and ceiling of ``m`` for ``work`` (see the module's docstring), serial
    having kept ``serial`` CPUs busy (``serial_cpus``)."""
    spread = max(1, min(m.workers, m.tasks))
    held = gil is not None and gil.held and m.strategy == "threads"
    if work == "io" or (work == "mixed" and share is None):
        return Limits(spread, spread, spread, serial, share, False)
    # The CPUs one worker keeps busy: for CPU work, serial's; for mixed work, its share.
    busy = serial if work == "cpu" else share
    assert busy is not None
    if held:
        bound = 1.0 if work == "cpu" else min(spread, 1 / busy)
        return Limits(bound, bound, spread, serial, share, True)
    return Limits(
        min(spread, m.usable_cores / busy),
        min(spread, m.usable_cpus / busy),
        spread,
        serial,
        share,
        False,
    )


def case_key(
    measurement: Measurement, group: Iterable[Measurement], workers: bool = True
) -> CaseKey:
    """What tells ``measurement`` from the other cases of ``group``: without ``workers``
    (a chart's series over worker counts), its worker count is left out. The chunk policy
    and start method are kept only where ``group`` holds warm cases of the same strategy
    (and, with ``workers``, worker count) that differ in them."""
    m = measurement
    if m.strategy == BASELINE:
        return CaseKey(BASELINE)
    siblings = [
        other
        for other in group
        if other.strategy == m.strategy
        and other.pool == "warm"
        and (not workers or other.workers == m.workers)
    ]
    chunked = m.chunked and len({s.chunk_policy for s in siblings}) > 1
    started = len({s.start_method for s in siblings}) > 1
    return CaseKey(
        m.strategy,
        m.workers if workers else None,
        m.chunk_policy if chunked else None,
        m.start_method if started else None,
        m.pool == "cold",
    )


def _row(m: Measurement, serial: Measurement, case: CaseKey, limit: Limits) -> Row:
    if not m.serial_rounds or len(m.serial_rounds) != len(m.rounds):
        # Saved without its rounds: a figure from the medians, but no pair to judge by.
        return Row(m, case, serial.median / m.median, None, 0, limit, UNCLEAR, m.stopped)
    found = sequential.estimate(m.serial_rounds, m.rounds)
    interval = None if found.pairs < 2 else (found.low, found.high)
    return Row(
        m, case, found.ratio, interval, found.pairs, limit, sequential.outcome(found), m.stopped
    )


def answer(rows: Sequence[Row]) -> Answer:
    """The winner, the tie, serial, or nothing decided (see the module's docstring)."""
    judged = [r for r in rows if not r.is_baseline and not r.impossible and r.interval]
    if not [r for r in rows if not r.is_baseline]:
        return Answer(ONLY_SERIAL)
    faster = [r for r in judged if r.outcome == FASTER]
    if faster:
        ends = {id(r): r.shown_interval or (0.0, 0.0) for r in judged}
        leader = max(faster, key=lambda r: (ends[id(r)][0], r.shown))
        low = ends[id(leader)][0]
        tied = tuple(r for r in judged if r is leader or ends[id(r)][1] >= low)
        if len(tied) == 1:
            return Answer(WINNER, tied, use=leader)
        highs, lows = [ends[id(r)][1] for r in tied], [ends[id(r)][0] for r in tied]
        common = (max(lows), min(highs)) if max(lows) <= min(highs) else (min(lows), max(highs))
        return Answer(TIE, tuple(sorted(tied, key=lambda r: -r.shown)), common, _cheapest(tied))
    others = [r for r in rows if not r.is_baseline]
    if judged and len(judged) == len(others) and all(r.no_gain for r in judged):
        return Answer(SERIAL_WINS, tuple(judged))
    return Answer(UNDECIDED)


def _cheapest(tied: Sequence[Row]) -> Row | None:
    """Of cases that tie, the one to use: of those decided faster than serial (the leader
    always is), the cheapest pool (``COST``), then the fewest workers, the smallest chunks
    and a warm pool."""
    faster = [r for r in tied if r.outcome == FASTER]
    if not faster:
        return None

    def cost(row: Row) -> tuple[int, int, int, bool]:
        m = row.measurement
        rank = COST.index(m.strategy) if m.strategy in COST else len(COST)
        return (rank, m.workers, m.chunksize, m.pool == "cold")

    return min(faster, key=cost)


def _noise(rows: Sequence[Row], decided: bool) -> Noise:
    paired = [r for r in rows if not r.is_baseline]
    spreads = [s for r in paired if (s := r.log_spread) is not None]
    others = [o for r in paired if (o := r.measurement.others_per_wall) is not None]
    budgets = [b for r in paired if (b := r.measurement.workload_budget_s) is not None]
    seconds = sum(_round_time(r) for r in paired)
    out_of_budget = tuple(r for r in paired if r.out_of_budget)
    budget = max(budgets, default=None)
    enough = None
    if not decided and out_of_budget and budget is not None and seconds > 0:
        needed = _rounds_to_decide(paired)
        enough = None if needed is None else budget * needed / seconds
    return Noise(
        pairs=sum(r.pairs for r in paired),
        seconds=seconds,
        budget=budget,
        spread=statistics.median(spreads) if spreads else None,
        others=statistics.median(others) if others else None,
        out_of_budget=out_of_budget,
        enough=enough,
    )


def _round_time(row: Row) -> float:
    """The seconds of ``row``'s timed rounds, serial's beside its own."""
    return sum(row.measurement.serial_rounds) + sum(row.measurement.rounds)


def _rounds_to_decide(rows: Sequence[Row]) -> float | None:
    """About the seconds of rounds ``rows`` would need for their answer to be decided: the
    fewest doublings of the pairs of the cases out of budget (each interval narrowing as
    one over the square root of its pairs, about its centre) after which a case is decided
    faster than serial, or every case decided slower than serial or as fast as it (cases
    withheld as beyond physics left out, as ``answer`` leaves them); at least one
    doubling. ``math.inf`` where ``sequential.MAX_PAIRS`` pairs a case would not do;
    ``None`` where no case out of budget has an interval to narrow."""
    judged = [r for r in rows if not r.impossible]
    # Each row's last look, as ``_row`` found it (an interval means two pairs or more).
    found = {
        id(r): stats.Paired(r.pairs, r.speedup, *r.interval, 1 - sequential.ALPHA_PER_LOOK)
        for r in judged
        if r.out_of_budget and r.interval is not None
    }
    if not found:
        return None
    # Cases that are no reason to leave serial leave the answer as it would be without them.
    others = [r.outcome for r in judged if id(r) not in found and not r.no_gain]
    factor = 2
    while True:
        outcomes = [sequential.outcome(_narrowed(f, factor)) for f in found.values()]
        outcomes += others
        if FASTER in outcomes or all(o in (SLOWER, SAME) for o in outcomes):
            break
        if all(f.pairs * factor >= sequential.MAX_PAIRS for f in found.values()):
            return math.inf
        factor *= 2
    return sum(
        _round_time(r) * (min(factor, sequential.MAX_PAIRS / r.pairs) if id(r) in found else 1)
        for r in rows
    )


def _narrowed(speedup: stats.Paired, factor: int) -> stats.Paired:
    """``speedup`` as ``factor`` times its pairs would give it, varying as they did."""
    half = math.log(speedup.spread) / 2 / math.sqrt(factor)
    return stats.Paired(
        speedup.pairs * factor,
        speedup.ratio,
        speedup.ratio * math.exp(-half),
        speedup.ratio * math.exp(half),
        speedup.confidence,
    )


def _verdict(serial: Measurement, group: list[Measurement]) -> WorkloadVerdict:
    share = cpu_share(serial)
    work = serial.kind if share is None else kind_of(share)
    gil = None if work == "io" else gil_evidence(group, share if share is not None else 1.0)
    busy = serial_cpus(serial)
    rows = [
        Row(serial, CaseKey(BASELINE), 1.0, None, 0, None, "baseline", None)
        if m is serial
        else _row(m, serial, case_key(m, group), limits(m, work, share, busy, gil))
        for m in group
    ]
    rows.sort(key=lambda r: (r.is_baseline, r.impossible, -(r.shown if r.interval else 0)))
    found = answer(rows)
    return WorkloadVerdict(
        workload=serial.workload,
        work=work,
        declared_kind=serial.kind,
        cpu_share=share,
        gil=gil,
        serial=serial,
        rows=tuple(rows),
        answer=found,
        noise=_noise(rows, found.decided),
    )


def judge(measurements: Iterable[Measurement]) -> list[WorkloadVerdict]:
    """A verdict per workload setting that has a serial case, in first-seen order.

    Measurements without a serial case in the same run are left out.
    """
    groups: dict[tuple[str, int, str, float, int], list[Measurement]] = {}
    for measurement in measurements:
        groups.setdefault(measurement.baseline_key, []).append(measurement)
    verdicts = []
    for group in groups.values():
        serial = next((m for m in group if m.strategy == BASELINE), None)
        if serial is not None:
            verdicts.append(_verdict(serial, group))
    return verdicts


# Work is waiting (I/O-bound) when at most this share of its serial wall time is spent on
# the CPU, CPU-bound at or above the second; in between, mixed.
IO_CPU_SHARE, CPU_CPU_SHARE = 0.2, 0.8


def kind_of(cpu_share: float) -> str:
    """``io``, ``mixed`` or ``cpu`` for serial work that spent ``cpu_share`` of the wall time
    it was not kept waiting for a CPU on the CPU."""
    if cpu_share <= IO_CPU_SHARE:
        return "io"
    return "cpu" if cpu_share >= CPU_CPU_SHARE else "mixed"
