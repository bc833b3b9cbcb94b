"""The one base of every error a user causes or must read.

Its message is one line that names the option, file or workload, the value and what is
allowed, or what went wrong. The ``parbench`` command (``report.cli``) and the pytest
plugin (``measure.plugin``) each catch it in one place and show that line, with no
traceback. Every layer may import this module; it imports nothing of parbench.
"""

from __future__ import annotations


class ParbenchError(Exception):
    """An error a user caused or must read; its message is the one line they are shown.

    A subclass keeps the built-in base its callers catch (``class Refused(ParbenchError,
    ValueError)``). Control flow inside parbench uses exceptions of its own, not this.
    """
