"""parbench: measure whether work should run serially, in threads, in processes or elsewhere.

``workloads/`` holds what runs; this package holds how it runs (``strategies``), the
network it talks to (``network``), and the pytest plugin that measures and reports it.
"""

__version__ = "0.1.0"
