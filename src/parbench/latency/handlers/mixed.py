"""Mixed: half waiting, half pure Python, as a request that queries a database and then
builds its answer in Python."""

import asyncio
import time

from parbench.latency.handlers import holding

WAIT_S = 0.005
ITERATIONS = holding.ITERATIONS // 2


def handle(path: str) -> bytes:
    time.sleep(WAIT_S)
    return b"%d\n" % holding.compute(ITERATIONS)


async def ahandle(path: str) -> bytes:
    await asyncio.sleep(WAIT_S)
    return b"%d\n" % holding.compute(ITERATIONS)
