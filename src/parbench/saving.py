"""What a session saves: a whole run, a run marked incomplete, or nothing at all.

pytest-benchmark writes ``--benchmark-autosave``, ``--benchmark-save`` and
``--benchmark-json`` files in its ``pytest_sessionfinish``, whatever the session's
outcome, so an interrupted run would be saved as if whole and become ``latest``.
``SavedRun``, a pytest plugin, changes that through pytest's and pytest-benchmark's own
hooks:

- An interrupted session (Ctrl-C, SIGTERM, SIGHUP, ``pytest.exit``, an internal error,
  a collection error: any exit status but 0, 1 and 5) saves no file, and says so in one
  line. (With no test collected, exit status 5, there is nothing to save anyway.)
- Every document saved carries a top-level key ``"parbench_run"``, which says whether
  the run is whole::

      "parbench_run": {"complete": true, "exit_status": 0, "failed": []}
      "parbench_run": {"complete": false, "exit_status": 1, "failed": ["test_batch[...]"]}

  ``exit_status`` is pytest's; ``failed`` names (as the benchmarks' ``name`` field does)
  every test whose set-up, call or tear-down failed, in the order they failed. Failed
  benchmarks are not among the document's ``benchmarks``, so a reader must treat a
  document whose ``complete`` is false as part of a run. Documents saved before this
  key existed do not have it.
"""

from __future__ import annotations

from typing import Any

import pytest

RUN_KEY = "parbench_run"
#: Exit statuses of sessions that ran to their end (1: some test failed; 5: none ran).
_FINISHED = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)
#: pytest-benchmark's session attributes that ask for a saved file, by option.
_SAVING = {
    "--benchmark-save": "save",
    "--benchmark-autosave": "autosave",
    "--benchmark-json": "json",
}


class SavedRun:
    """Plugin: records what failed, cancels the saving of an interrupted session, and
    marks every saved document (see the module's docstring)."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.exit_status: int | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        name = report.nodeid.rpartition("::")[2]
        if report.failed and name not in self.failed:
            self.failed.append(name)

    def record(self) -> dict[str, Any]:
        """The ``"parbench_run"`` value of this session (once it has finished)."""
        return {
            "complete": self.exit_status == 0 and not self.failed,
            "exit_status": self.exit_status,
            "failed": list(self.failed),
        }

    # Around pytest-benchmark's own sessionfinish, which saves: tryfirst runs this first.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        self.exit_status = int(exitstatus)
        line = self._settle(session.config)
        if line:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(line)
        return (yield)

    def _settle(self, config: pytest.Config) -> str | None:
        """Cancel saving when the session was interrupted; returns what to tell the user."""
        benchmarks = getattr(config, "_benchmarksession", None)
        asked = [option for option, name in _SAVING.items() if getattr(benchmarks, name, None)]
        if not asked:
            return None
        if self.exit_status not in _FINISHED:
            for name in _SAVING.values():
                setattr(benchmarks, name, None)
            return (
                f"parbench: nothing saved ({', '.join(asked)}): the run was interrupted "
                f"(exit status {self.exit_status})"
            )
        if self.record()["complete"]:
            return None
        return (
            f"parbench: the saved run is marked incomplete ({RUN_KEY}: complete false, "
            f"exit status {self.exit_status}, {len(self.failed)} failed test(s) left out)"
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_benchmark_update_json(self, output_json: dict[str, Any]) -> None:
        output_json[RUN_KEY] = self.record()
