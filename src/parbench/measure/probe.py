"""What a workload does, measured before its matrix is built: one short untimed serial run.

A workload's ``KIND`` is what its author expects; the probe is what the work does. It runs
serial batches (at least ``MIN_SECONDS`` of them, at most ``MAX_BATCHES``) and takes the
share of their wall time spent on the CPU, leaving out the time the process was ready to
run but waited for a CPU, so that a busy machine does not make CPU work look like
waiting. The network must be serving in this process (``network.serving``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import Any

from parbench import network
from parbench.analysis import verdict
from parbench.contract.workload import Workload
from parbench.measure import cpustat
from parbench.strategies import PoolSpec, all_strategies

MIN_SECONDS = 0.05
MAX_BATCHES = 200
# A probe that takes longer than this (or than pytest-timeout's --timeout, if shorter)
# is abandoned, its worker stopped.
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Probe:
    """What the probe found: ``kind`` (``io``, ``mixed`` or ``cpu``) and the CPU share it
    rests on; or, where the workload failed, ``error`` and no kind. ``uses_network``:
    its tasks routed URLs through the context."""

    workload: str
    declared: str
    kind: str | None
    cpu_share: float | None = None
    error: str | None = None
    uses_network: bool = False

    def describe(self) -> str:
        """``sleep 0% io``, with the declared kind where the measurement contradicts it."""
        if self.kind is None:
            return f"{self.workload} failed ({self.error}): declared {self.declared!r} used"
        text = f"{self.workload} {self.cpu_share:.0%} {self.kind}"
        if self.kind != self.declared:
            text += f" (declared {self.declared!r})"
        return text


def summary(probes: list[Probe]) -> str:
    """One line for the run's summary: every probe's CPU share and kind."""
    return "probe (share of serial time on the CPU; worker counts follow it): " + ", ".join(
        p.describe() for p in probes
    )


def _serial_batch(run: Callable[[Any], Any], tasks: list[Any]) -> tuple[float, float, float]:
    """In the probe's worker: run ``tasks`` one after another; CPU, wall and run-queue
    wait seconds (0 where waits are not reported)."""
    tree = cpustat.Tree(descendants=False)
    before = tree.sample()
    for task in tasks:
        run(task)
    used = cpustat.usage(before, tree.sample())
    return used.cpu, used.wall, used.wait or 0.0


def probe(
    workload: Workload,
    size: int,
    settings: network.NetworkSettings,
    start_method: str | None = None,
    timeout: float = TIMEOUT_S,
) -> Probe:
    """Run ``workload`` serially at ``size`` until ``MIN_SECONDS`` have passed; classify it.

    The batches run in one worker process, prepared as process pools prepare theirs, so
    that a workload that hangs is stopped after ``timeout`` seconds, and one that leaves
    its worker unable to exit (a thread that never ends) is stopped a bounded time after
    the last batch (``processes.STOP_TIMEOUT_S``). A workload that raises, hangs, leaves
    its worker stuck or cannot be sent to a process is not classified: the probe says why.
    """
    strategy = all_strategies()["processes"]
    spec = PoolSpec(1, start_method, network.prepare_worker, (settings,))
    executor = strategy.make_executor(spec)
    cpu = wall = waited = 0.0
    deadline = time.monotonic() + timeout
    try:
        with workload.setup(), network.workload_context() as context:
            for _ in range(MAX_BATCHES):
                tasks = workload.tasks(size, context)
                try:
                    future = executor.submit(_serial_batch, workload.run, tasks)
                    used = future.result(timeout=max(0.0, deadline - time.monotonic()))
                finally:
                    workload.cleanup(tasks)
                cpu, wall, waited = cpu + used[0], wall + used[1], waited + used[2]
                if wall >= MIN_SECONDS:
                    break
    except FuturesTimeout:
        strategy.abandon(executor)
        return _failed(workload, f"a serial batch did not finish within {timeout:g} s")
    except Exception as error:
        strategy.abandon(executor)
        return _failed(workload, f"{type(error).__name__}: {error}")
    except BaseException:
        strategy.abandon(executor)
        raise
    try:
        # Bounded: a worker that a task left a thread running in is killed, and named.
        executor.shutdown(wait=True)
    except Exception as error:
        return _failed(workload, f"{type(error).__name__}: {error}")
    share = cpustat.computing(cpu, wall, waited)
    kind = verdict.kind_of(share)
    return Probe(workload.name, workload.kind, kind, share, uses_network=context.routed > 0)


def _failed(workload: Workload, why: str) -> Probe:
    return Probe(workload.name, workload.kind, None, error=why)
