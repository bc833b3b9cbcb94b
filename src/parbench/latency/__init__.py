"""Latency, not throughput: web servers under load and a responsive main thread.

The batch suite asks how fast a batch finishes. The article's two other claims are about
waiting: "threads for web servers" (each request in a thread of its own) and "a background
thread keeps the interface responsive". This package measures both on the user's machine:

- ``handlers``: what a server does for a request (built-in, or a user's module).
- ``servers``: one handler served by each server model, in a process of its own.
- ``load``: the open-loop load generator (latency counted from the scheduled send time).
- ``ticker`` and ``background``: a main-thread ticker beside background work.
- ``analysis``: percentiles with intervals, sustained rates, verdict values (pure).
- ``saved``: the records these benchmarks keep in a saved pytest-benchmark run.
- ``render`` and ``charts``: every word, table and chart made of them.
- ``plugin`` and ``suite``: the pytest options, cases and benchmarks.
"""
