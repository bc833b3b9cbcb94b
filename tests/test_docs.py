"""The README and docs/ say only what the code does: every option, command and link they
name exists, the README's workload is a working one, and CI runs the README's tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from parbench.contract import workload
from parbench.report import cli

from helpers import SUITE_ROOT

DOCUMENTS = [SUITE_ROOT / "README.md", *sorted((SUITE_ROOT / "docs").glob("*.md"))]
FLAG = re.compile(r"--parbench-[a-z][a-z-]*[a-z]")
# A command as written to be run: `parbench NAME` or .venv/bin/parbench NAME.
COMMAND = re.compile(r"(?:`|bin/)parbench ([a-z][a-z-]*)")
LINK = re.compile(r"\]\(([^)#]+?)(?:#[^)]*)?\)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def declared_flags() -> set[str]:
    """The flags ``pytest --help`` lists in parbench's group."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
        cwd=SUITE_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(FLAG.findall(result.stdout))


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_flag_named_exists(document: Path, declared_flags: set[str]) -> None:
    named = set(FLAG.findall(_text(document)))
    assert named - declared_flags == set()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_command_named_exists(document: Path) -> None:
    subcommands = cli._parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    named = set(COMMAND.findall(_text(document)))
    assert named - set(subcommands) == set()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_local_link_resolves(document: Path) -> None:
    links = [target for target in LINK.findall(_text(document)) if "://" not in target]
    missing = [target for target in links if not (document.parent / target).exists()]
    assert missing == []


def test_readme_stays_a_front_door() -> None:
    assert len(_text(SUITE_ROOT / "README.md").splitlines()) <= 220


def test_the_readme_workload_is_a_working_workload(tmp_path: Path) -> None:
    readme = _text(SUITE_ROOT / "README.md")
    code = re.search(r"```python\n(.*?)```", readme, re.S)
    assert code is not None
    (tmp_path / "readme_work.py").write_text(code.group(1))
    loaded = workload.load(str(tmp_path / "readme_work.py"))
    tasks = loaded.module.tasks(loaded.module.SIZES["quick"])
    results = [loaded.module.run(task) for task in tasks]
    loaded.module.check(tasks, results)
    with pytest.raises(AssertionError):
        loaded.module.check(tasks, list(reversed(results)))


def test_ci_runs_the_readme_test_command() -> None:
    readme = _text(SUITE_ROOT / "README.md")
    block = re.search(r"^## Quick start\n.*?```\n(.*?)```", readme, re.S | re.M)
    assert block is not None
    commands = block.group(1).strip().splitlines()
    assert len(commands) == 2
    assert "--benchmark-only" in commands[0]
    assert commands[1] in _text(SUITE_ROOT / ".ci" / "run").splitlines()
