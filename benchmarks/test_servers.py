"""Web servers under open-loop load: every server model serving every handler; run with
``--parbench-latency-suite=servers`` or by naming this file (docs/servers.md)."""

from parbench.latency.suite import test_server

__all__ = ["test_server"]
