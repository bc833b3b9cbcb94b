"""Every error a user causes or must read is a ``ParbenchError``, and each front end shows
any of them, a new one too, as one line: the command line with exit status 2, the pytest
plugin as pytest's usage error (or, while collecting, its one-line collection error)."""

from __future__ import annotations

import argparse
import ast
import builtins
from pathlib import Path

import pytest

import parbench
from parbench.errors import ParbenchError
from parbench.measure import cases, options
from parbench.report import cli

PACKAGE = Path(parbench.__file__).parent
WORKLOADS = "parbench.workloads."
MESSAGE = "fresh.json: a problem no front end has seen before; allowed: none"


class Fresh(ParbenchError):
    """An error no front end names."""


def _raise_fresh(*_: object) -> int:
    raise Fresh(MESSAGE)


def test_a_new_error_from_a_command_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setitem(cli.COMMANDS, "report", _raise_fresh)
    assert cli.main(["report", "fresh.json"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"parbench: error: {MESSAGE}\n"
    assert captured.out == ""


def test_an_error_that_is_not_the_users_still_ends_in_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(arguments: argparse.Namespace) -> int:
        raise KeyError("a bug, not a mistake of the user's")

    monkeypatch.setitem(cli.COMMANDS, "report", broken)
    with pytest.raises(KeyError):
        cli.main(["report", "fresh.json"])


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_m="def test_batch(parbench_case):\n    pass\n")
    return pytester


def test_a_new_error_while_configuring_is_one_usage_error(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(options, "parse", _raise_fresh)
    result = suite.runpytest_inprocess("--parbench-quick")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.stderr.lines if line.strip()] == [f"ERROR: {MESSAGE}"]


def test_a_new_error_while_collecting_is_one_collection_error(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cases, "slots", _raise_fresh)
    result = suite.runpytest_inprocess("--parbench-quick")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*ERROR collecting test_m.py*", MESSAGE, "*1 error*"])
    assert "Traceback" not in result.stdout.str()
    assert "_raise_fresh" not in result.stdout.str()


@pytest.mark.parametrize(
    ("fixture", "ini", "expected"),
    [
        (
            "parbench_case",
            "parbench_workers = 0",
            "parbench_workers in tox.ini: '0' is not allowed; allowed: whole numbers from 1",
        ),
        (
            "parbench_server_case",
            "parbench_server_workers = 0",
            "--parbench-server-workers: '0' is not allowed; allowed: a whole number from 1",
        ),
    ],
)
def test_a_bad_ini_value_met_while_collecting_is_one_line(
    pytester: pytest.Pytester, fixture: str, ini: str, expected: str
) -> None:
    # No option on the command line: the ini file's value is first read while collecting.
    pytester.makepyfile(test_m=f"def test_case({fixture}):\n    pass\n")
    pytester.makeini(f"[pytest]\n{ini}\n")
    result = pytester.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    said = [line for line in result.stdout.lines if expected in line]
    assert said and all(line.startswith(expected) for line in said), result.stdout.str()
    assert "pytest.UsageError" not in result.stdout.str()
    assert "plugin.py" not in result.stdout.str()


def _classes() -> dict[str, list[str]]:
    """Every class parbench defines, by ``module.Class``: the names of its bases, each
    without its module (``results.RunError`` is ``RunError``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if module.startswith(WORKLOADS):
            # The built-in workloads keep to the workload contract, which imports nothing
            # of parbench (installed, they sit inside the package); a batch's failure
            # reaches the user as parbench's BatchFailed.
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases]
                found[f"{module}.{node.name}"] = bases
    return found


def _derives(name: str, ancestors: set[str], by_name: dict[str, list[str]]) -> bool:
    """Whether the class ``name`` is one of ``ancestors`` or derives from one."""
    return name in ancestors or any(_derives(b, ancestors, by_name) for b in by_name.get(name, []))


def test_every_public_exception_class_is_a_parbench_error() -> None:
    classes = _classes()
    by_name = {qualified.rsplit(".", 1)[1]: bases for qualified, bases in classes.items()}
    built_in = {
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    # Private ones (``_Stop``) are control flow inside parbench, never shown to a user;
    # a signal's (``Terminated``, a KeyboardInterrupt) is no error.
    public = [
        qualified
        for qualified, bases in classes.items()
        if not qualified.rsplit(".", 1)[1].startswith("_")
        and any(_derives(base, built_in, by_name) for base in bases)
    ]
    # The search finds what it must, through another parbench class too.
    assert {"parbench.measure.options.Refused", "parbench.data.results.Torn"} <= set(public)
    outside = [
        qualified
        for qualified in public
        if not _derives(qualified.rsplit(".", 1)[1], {"ParbenchError"}, by_name)
    ]
    assert outside == [], f"not a ParbenchError: {outside}"
