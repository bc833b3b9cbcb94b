"""What a session saves: a whole run, a run marked incomplete, or nothing at all; and
never a torn file.

pytest-benchmark writes ``--benchmark-autosave``, ``--benchmark-save`` and
``--benchmark-json`` files in its ``pytest_sessionfinish``, whatever the session's
outcome, before the session's fixtures are torn down, straight into the file's final
name. An interrupted run would be saved as if whole and become ``latest``, and a signal
during the write would leave a torn or empty file. ``SavedRun``, a pytest plugin,
changes that through pytest's and pytest-benchmark's own hooks:

- The files are written after the session's fixtures are torn down, each into a hidden
  temporary file in the same folder (``.NAME.<pid>-<random>.partial``), flushed to
  disk, then renamed over the final name (``write_json``): a reader sees the whole file
  or none. A signal during the write removes the temporary file and saves nothing; one
  left by a process killed outright is removed by the next write into that folder.
- An interrupted session saves no file, and says so in one line. Interrupted means: any
  interrupting signal arrived since the run started (``interrupts.received``), however
  many and whenever, even inside the code handling the first; or the test loop did not
  run to its end; or pytest's exit status is not one of a session that ran to its end
  (0, 1, 5: Ctrl-C, ``pytest.exit``, an internal error, a collection error are not).
- Every document saved holds the run-wide facts once, in ``machine_info["parbench"]``
  (``run_facts``, through pytest-benchmark's ``pytest_benchmark_update_machine_info``).
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

import contextlib
import functools
import json
import os
import secrets
from pathlib import Path
from typing import Any

import pytest

from parbench.data import record
from parbench.data.record import RUN_KEY
from parbench.measure import environment, interrupts, scratch

#: Exit statuses of sessions that ran to their end (1: some test failed; 5: none ran).
_FINISHED = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED)
#: pytest-benchmark's session attributes that ask for a saved file, by option.
_SAVING = {
    "--benchmark-save": "save",
    "--benchmark-autosave": "autosave",
    "--benchmark-json": "json",
}
PARTIAL_SUFFIX = ".partial"


def write_json(path: Path, document: Any) -> None:
    """Write ``document`` to ``path`` as pytest-benchmark formats it, atomically: into a
    temporary file beside it, flushed to disk, then renamed over ``path``. However the
    write ends (an error, a signal), ``path`` is either untouched or whole, and the
    temporary file is gone."""
    from pytest_benchmark.utils import SafeJSONEncoder

    sweep_partials(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
    try:
        # O_EXCL: a new file of our own; 0o666 less the umask, as open() would make it.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            json.dump(document, handle, cls=SafeJSONEncoder, ensure_ascii=True, indent=4)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _sync_folder(path.parent)


def sweep_partials(folder: Path) -> list[Path]:
    """Remove the temporary files in ``folder`` that ``write_json`` left when its process
    died outright (SIGKILL) mid-write: those whose process is gone; returns them."""
    stale = []
    for partial in folder.glob(f".*{PARTIAL_SUFFIX}"):
        pid = partial.name.removesuffix(PARTIAL_SUFFIX).rpartition(".")[2].split("-")[0]
        if not scratch.made_by_live_process(pid, partial):
            with contextlib.suppress(OSError):
                partial.unlink()
                stale.append(partial)
    return stale


def _sync_folder(folder: Path) -> None:
    """Flush the rename itself to disk, where the platform allows opening a folder."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write_atomically(benchmarks: Any) -> None:
    """Make pytest-benchmark's session write its files with ``write_json``: the
    ``--benchmark-json`` file, and runs saved to a file storage (other storages, such
    as Elasticsearch, are left as they are)."""
    from pytest_benchmark.storage.file import FileStorage

    def save_json(output_json: dict[str, Any]) -> None:
        write_json(Path(benchmarks.json), output_json)
        benchmarks.logger.info(f"Wrote benchmark data in: {benchmarks.json}", purple=True)

    benchmarks.save_json = save_json
    storage = getattr(benchmarks, "storage", None)
    if isinstance(storage, FileStorage):

        def save(output_json: dict[str, Any], save: str) -> None:
            # _next_num is how pytest-benchmark numbers its saved runs (0001, 0002, ...).
            path = storage.get(f"{storage._next_num}_{save}.json")
            write_json(path, output_json)
            storage.logger.info(f"Saved benchmark data in: {path}")

        storage.save = save  # type: ignore[method-assign]


def run_facts(config: pytest.Config) -> dict[str, Any]:
    """What parbench adds to this run's ``machine_info``: its run-wide facts, under
    ``record.RUN_FACTS_KEY``."""
    from parbench.measure import plugin

    return {record.RUN_FACTS_KEY: environment.run_facts(plugin.chosen(config).network)}


def _say(config: pytest.Config, line: str | None) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if line and reporter is not None:
        reporter.write_line(line)


class SavedRun:
    """Plugin: records what failed and whether the test loop ended, saves the session's
    files after its tear-down, atomically, and only for a session that was not
    interrupted, marking each (see the module's docstring)."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.exit_status: int | None = None
        self.loop_ended = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        name = report.nodeid.rpartition("::")[2]
        if report.failed and name not in self.failed:
            self.failed.append(name)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        result = yield
        self.loop_ended = True
        return result

    def interrupted(self) -> bool:
        """Whether the session was interrupted (see the module's docstring)."""
        return (
            self.exit_status not in _FINISHED or not self.loop_ended or bool(interrupts.received())
        )

    def record(self) -> dict[str, Any]:
        """The ``"parbench_run"`` value of this session (once it has finished)."""
        if self.exit_status is None:
            raise RuntimeError("the session's record is asked for before it has finished")
        return record.session_info(
            complete=self.exit_status == 0 and not self.failed and not self.interrupted(),
            exit_status=self.exit_status,
            failed=list(self.failed),
        )

    # Around pytest-benchmark's own sessionfinish, which would save: tryfirst runs this
    # first, and holds its saving back until everything else has finished.
    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> Any:
        self.exit_status = int(exitstatus)
        # pytest-benchmark's own session, untyped; nothing is asked of it when it is absent.
        benchmarks: Any = getattr(session.config, "_benchmarksession", None)
        held = {name: getattr(benchmarks, name, None) for name in _SAVING.values()}
        asked = [option for option, name in _SAVING.items() if held[name]]
        if not asked:
            return (yield)
        for name in held:
            setattr(benchmarks, name, None)
        say = functools.partial(_say, session.config)
        if self.interrupted():
            say(self._settle(asked))
            return (yield)
        try:
            result = yield
        except BaseException:
            # A signal (or an error) during the tear-down: nothing is saved.
            say(self._settle(asked))
            raise
        say(self._settle(asked))
        if not self.interrupted():
            for name, value in held.items():
                setattr(benchmarks, name, value)
            _write_atomically(benchmarks)
            try:
                benchmarks.handle_saving()
            except KeyboardInterrupt:
                say(
                    f"parbench: {', '.join(asked)}: a file being written when the run was "
                    "stopped was not saved (a file already written is whole)"
                )
                raise
        return result

    def _settle(self, asked: list[str]) -> str | None:
        """What to tell the user about the files ``asked`` for, if anything."""
        if self.interrupted():
            signals = interrupts.received()
            by = f"; signals received: {', '.join(signals)}" if signals else ""
            return (
                f"parbench: nothing saved ({', '.join(asked)}): the run was interrupted "
                f"(exit status {self.exit_status}{by})"
            )
        if self.record()["complete"]:
            return None
        return (
            f"parbench: the saved run is marked incomplete ({RUN_KEY}: complete false, "
            f"exit status {self.exit_status}, {len(self.failed)} failed test(s) left out)"
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_benchmark_update_machine_info(
        self, config: pytest.Config, machine_info: dict[str, Any]
    ) -> None:
        machine_info.update(run_facts(config))

    @pytest.hookimpl(optionalhook=True)
    def pytest_benchmark_update_json(self, output_json: dict[str, Any]) -> None:
        output_json[RUN_KEY] = self.record()
