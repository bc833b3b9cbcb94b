"""Every selected workload under every selected strategy, worker count and pool variant.

The matrix comes from the command line (``pytest --help``, group "parbench"); the test
itself ships with the package, so that the same one runs in any project.
"""

from parbench.measure.suite import test_batch

__all__ = ["test_batch"]
