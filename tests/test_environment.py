"""Facts recorded with every run, and the warning for a free-threaded build with its GIL on."""

from __future__ import annotations

from parbench.measure import environment


def test_a_free_threaded_build_with_the_gil_back_on_is_warned_about(monkeypatch) -> None:
    monkeypatch.setattr(environment, "free_threaded_build", lambda: True)
    monkeypatch.setattr(environment, "gil_enabled", lambda: True)
    assert "running with the GIL enabled" in environment.gil_warning()
    monkeypatch.setattr(environment, "gil_enabled", lambda: False)
    assert environment.gil_warning() is None
    assert environment.facts()["gil_enabled"] is False
