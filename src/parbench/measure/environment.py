"""Facts about the interpreter and machine that a run is recorded with."""

from __future__ import annotations

import platform
import sys
import sysconfig
from typing import TYPE_CHECKING

from parbench.data import record
from parbench.measure import machine

if TYPE_CHECKING:
    from parbench.network import NetworkSettings


def gil_enabled() -> bool:
    """Whether the GIL is on: ``sys._is_gil_enabled()`` where it exists (3.13+), else True."""
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


def free_threaded_build() -> bool:
    """Whether this interpreter was built without the GIL (PEP 703), whatever its state now."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_warning() -> str | None:
    """A warning when a free-threaded build is running with its GIL switched back on (an
    extension that does not declare support turns it on at import), else ``None``."""
    if free_threaded_build() and gil_enabled():
        return (
            "this free-threaded build is running with the GIL enabled (an extension module "
            "turned it back on, or PYTHON_GIL=1): these results are not free-threaded ones"
        )
    return None


def run_facts(settings: NetworkSettings) -> dict[str, object]:
    """This run's ``machine_info["parbench"]`` (``record.run_info``): the interpreter, the
    CPUs the run may use and its network."""
    topology = machine.detect()
    return record.run_info(
        python_implementation=platform.python_implementation(),
        python_version=platform.python_version(),
        free_threaded_build=free_threaded_build(),
        platform=platform.platform(),
        logical_cpus=topology.logical,
        physical_cores=topology.physical,
        usable_cpus=topology.usable_cpus,
        usable_cores=topology.usable_cores,
        cpu_quota=topology.quota,
        network=settings.mode,
        latency_s=settings.latency,
        body_bytes=settings.body_bytes,
    )
