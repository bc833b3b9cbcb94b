"""The reference loop measures the speed of a CPU, not the wait for one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from parbench import cpuspeed

# In a child pinned to one CPU beside a hog pinned to the same CPU: the loop's total CPU
# time and total wall time over many runs.
SHARED_CPU = """
import os, subprocess, sys, time
from parbench import cpuspeed
cpu = min(os.sched_getaffinity(0))
os.sched_setaffinity(0, {cpu})
hog = subprocess.Popen([sys.executable, "-c", "import os, time\\n"
    f"os.sched_setaffinity(0, {{{cpu}}})\\nend = time.monotonic() + 20\\n"
    "while time.monotonic() < end: pass"])
try:
    time.sleep(0.2)
    spent = waited = 0.0
    for _ in range(200):
        started = time.perf_counter()
        spent += cpuspeed.reference_seconds()
        waited += time.perf_counter() - started
finally:
    hog.kill()
    hog.wait()
print(spent, waited)
"""


@pytest.mark.skipif(
    not cpuspeed.LEAVES_OUT_WAITS or not hasattr(os, "sched_setaffinity"),
    reason="needs a wait-free reference time and CPU affinity (Linux)",
)
def test_waiting_for_a_cpu_is_not_counted_as_a_slower_cpu() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SHARED_CPU], capture_output=True, text=True, timeout=60, check=True
    )
    spent, wall = map(float, done.stdout.split())
    # Sharing one CPU with a hog, the loop waits about half of its wall time: a wall clock
    # would have called that CPU twice as slow.
    assert wall > 1.3 * spent, (spent, wall)
