"""Shared fixtures of the correctness tests.

Every test runs with connections off the machine refused, so that a test which would
reach the internet fails instead; each test also has a time limit.
"""

from __future__ import annotations

import errno
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from parbench import network
from parbench.contract import workload
from parbench.network import guard

from helpers import FAULTY

TEST_TIMEOUT_S = 300
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Only this folder's tests: a benchmark run that also collects this folder keeps its
    # own --timeout.
    for item in items:
        if TESTS in item.path.parents:
            item.add_marker(pytest.mark.timeout(TEST_TIMEOUT_S))


@pytest.fixture(autouse=True)
def refuse_remote_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    original = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not guard.is_local(address):
            raise AssertionError(f"a test tried to connect to {address!r}, off this machine")
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder that ``tempfile`` (and so the workloads) writes into."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def read_only_scratch(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The scratch folder made read-only; as root, which writes through permission bits,
    creating a folder is refused as the kernel would refuse anyone else."""
    scratch.chmod(0o500)
    if os.geteuid() == 0:

        def refuse(path: str, mode: int = 0o777) -> None:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)

        monkeypatch.setattr(os, "mkdir", refuse)
    try:
        yield scratch
    finally:
        scratch.chmod(0o700)


@pytest.fixture
def mock_network() -> Iterator[network.NetworkSettings]:
    """The mock network serving in this process, with a short latency."""
    settings = network.NetworkSettings(mode="mock", latency=0.01, body_bytes=20_000)
    with network.serving(settings):
        yield settings


@pytest.fixture
def live_network() -> Iterator[network.NetworkSettings]:
    """The live loopback server serving, with a short latency."""
    settings = network.NetworkSettings(mode="live", latency=0.01, body_bytes=20_000)
    with network.serving(settings):
        yield settings


@pytest.fixture
def faulty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> workload.Workload:
    path = tmp_path / f"faulty_{uuid.uuid4().hex[:8]}.py"
    path.write_text(FAULTY)
    monkeypatch.delenv("FAULT", raising=False)
    return workload.load(str(path))
