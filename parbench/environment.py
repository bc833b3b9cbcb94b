"""Facts about the interpreter and machine that every measurement is recorded with."""

from __future__ import annotations

import os
import platform
import sys

from parbench.options import usable_cpus


def gil_enabled() -> bool:
    """Whether the GIL is on: ``sys._is_gil_enabled()`` where it exists (3.13+), else True."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def facts() -> dict[str, object]:
    """Python version and implementation, GIL state and CPU counts, as JSON-ready values."""
    return {
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "gil_enabled": gil_enabled(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "platform": platform.platform(),
    }
