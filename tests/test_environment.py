"""Facts recorded with every run, and the warning for a free-threaded build with its GIL on."""

from __future__ import annotations

from parbench.measure import environment, runner

from helpers import make_case


def test_a_free_threaded_build_with_the_gil_back_on_is_warned_about(monkeypatch) -> None:
    monkeypatch.setattr(environment, "free_threaded_build", lambda: True)
    monkeypatch.setattr(environment, "gil_enabled", lambda: True)
    assert "running with the GIL enabled" in environment.gil_warning()
    monkeypatch.setattr(environment, "gil_enabled", lambda: False)
    assert environment.gil_warning() is None
    plan = runner.Plan(min_rounds=1, max_time=1.0)
    assert runner.extra_info(make_case("sleep", "threads"), plan)["gil_enabled"] is False
