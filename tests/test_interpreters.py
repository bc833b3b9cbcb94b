"""The interpreters strategy: which executor it picks, and why it is skipped when it is."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from parbench.contract.workload import load
from parbench.strategies import all_strategies, interpreters, skip_reason

from helpers import make_case


@pytest.fixture(autouse=True)
def fresh_probe():
    interpreters._unavailable.cache_clear()
    yield
    interpreters._unavailable.cache_clear()


def modules(monkeypatch: pytest.MonkeyPatch, present: dict[str, bool]) -> None:
    """Pretend each module named in ``present`` has an InterpreterPoolExecutor or not."""
    real = interpreters.importlib.import_module

    def import_module(name: str):
        if name in present:
            if present[name] is None:
                raise ImportError(name)
            module = types.ModuleType(name)
            if present[name]:
                module.InterpreterPoolExecutor = f"{name} pool"
            return module
        return real(name)

    monkeypatch.setattr(interpreters.importlib, "import_module", import_module)


STDLIB, BACKPORT = "concurrent.futures", "interpreters_backport.concurrent.futures"


@pytest.mark.parametrize(
    ("present", "chosen"),
    [
        ({STDLIB: True, BACKPORT: True}, STDLIB),
        ({STDLIB: False, BACKPORT: True}, BACKPORT),
        ({STDLIB: False, BACKPORT: None}, None),
    ],
)
def test_stdlib_first_then_the_backport(monkeypatch, present, chosen) -> None:
    modules(monkeypatch, present)
    assert interpreters._executor_module() == chosen


def test_without_any_pool_the_reason_says_what_to_install(monkeypatch) -> None:
    modules(monkeypatch, {STDLIB: False, BACKPORT: None})
    reason = interpreters._unavailable()
    assert reason.startswith("sub-interpreters need Python 3.14, or 3.13 with the")
    assert "pip install 'parbench[interpreters]'" in reason


def probe_outcome(monkeypatch, outcome: Exception | None) -> list[list[str]]:
    modules(monkeypatch, {STDLIB: False, BACKPORT: True})
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        assert kwargs["timeout"] == interpreters.PROBE_TIMEOUT_S
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(interpreters.subprocess, "run", run)
    return calls


def test_a_pool_that_hangs_in_the_probe_is_unavailable(monkeypatch) -> None:
    calls = probe_outcome(monkeypatch, subprocess.TimeoutExpired("python", 10))
    reason = interpreters._unavailable()
    assert "hangs returning a result that must be pickled" in reason
    assert BACKPORT in reason and calls[0][0] == sys.executable
    assert f"from {BACKPORT} import InterpreterPoolExecutor" in calls[0][2]


def test_a_pool_that_fails_the_probe_is_unavailable(monkeypatch) -> None:
    probe_outcome(
        monkeypatch,
        subprocess.CalledProcessError(1, "python", stderr=b"Traceback\nRuntimeError: no"),
    )
    assert interpreters._unavailable().endswith(
        "fails on Python " + ".".join(map(str, sys.version_info[:3])) + ": RuntimeError: no"
    )


def test_a_pool_that_passes_the_probe_is_available_and_probed_once(monkeypatch) -> None:
    calls = probe_outcome(monkeypatch, None)
    assert interpreters._unavailable() is None
    assert interpreters._unavailable() is None
    assert len(calls) == 1


def test_a_workload_that_will_not_load_in_a_sub_interpreter_is_named(monkeypatch) -> None:
    class Interpreter:
        closed = False

        def exec(self, code: str) -> None:
            assert "import parbench.network, parbench.workloads.sleep" in code
            raise RuntimeError(
                "Traceback...\nImportError: module x does not support loading in subinterpreters"
            )

        def close(self) -> None:
            Interpreter.closed = True

    fake = types.SimpleNamespace(create=Interpreter)
    monkeypatch.setattr(interpreters, "_interpreters", lambda: fake)
    reason = interpreters._incompatible(load("sleep"))
    assert reason == (
        "sleep cannot run in a sub-interpreter: ImportError: module x does not "
        "support loading in subinterpreters"
    )
    assert Interpreter.closed


def test_skip_reason_asks_availability_first(monkeypatch) -> None:
    modules(monkeypatch, {STDLIB: False, BACKPORT: None})
    strategy = all_strategies()["interpreters"]
    assert skip_reason(strategy, load("sleep")).startswith("sub-interpreters need")
    assert skip_reason(all_strategies()["threads"], load("sleep")) is None


@pytest.mark.skipif(
    interpreters._unavailable() is not None, reason="no working sub-interpreter pool here"
)
def test_runs_a_batch_where_available() -> None:
    from parbench import network
    from parbench.measure import runner

    case = make_case("pure_python", "interpreters")
    assert runner.run_once(case, network.NetworkSettings()) == [
        case.workload.run(t) for t in case.workload.tasks(case.size)
    ]
