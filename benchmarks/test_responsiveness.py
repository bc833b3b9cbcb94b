"""A main-thread ticker beside background work, run every way; run with
``--parbench-latency-suite=responsiveness`` or by naming this file
(docs/responsiveness.md)."""

from parbench.latency.suite import test_responsiveness

__all__ = ["test_responsiveness"]
