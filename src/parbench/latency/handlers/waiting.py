"""Waiting: the request waits on something else (a database, another service) and
computes nothing. The wait releases the GIL, as a socket read does."""

import asyncio
import time

WAIT_S = 0.010


def handle(path: str) -> bytes:
    time.sleep(WAIT_S)
    return b"waited\n"


async def ahandle(path: str) -> bytes:
    await asyncio.sleep(WAIT_S)
    return b"waited\n"
