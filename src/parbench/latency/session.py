"""The latency benchmarks' session: one load generator, one server at a time, and each
server's sustained rate, measured once."""

from __future__ import annotations

import contextlib
from typing import Any

from parbench.latency import analysis, load, saved, servers, settings


class Servers:
    """The session's load generator, the one server running (each is stopped when a case
    needs another) and the sustained rates found, by server."""

    def __init__(self, stack: contextlib.ExitStack, timing: settings.Timing) -> None:
        self._stack = stack
        self._timing = timing
        self._generator: load.Generator | None = None
        self._server: tuple[tuple[str, str, int], int, contextlib.ExitStack] | None = None
        self._saturation: dict[tuple[str, str, int], load.Saturation] = {}

    def generator(self) -> load.Generator:
        if self._generator is None:
            self._generator = self._stack.enter_context(load.generator())
        return self._generator

    def port(self, case: settings.ServerCase) -> int:
        if self._server is not None and self._server[0] == case.server:
            return self._server[1]
        if self._server is not None:
            self._server[2].close()
            self._server = None
        running = contextlib.ExitStack()
        self._stack.callback(running.close)
        port = running.enter_context(servers.serving(case.model, case.spec, case.workers))
        self._server = (case.server, port, running)
        return port

    def saturation(self, case: settings.ServerCase) -> load.Saturation:
        """The server's sustained rate, measured once a session; raises ``servers.ServerError``
        if it answered nothing."""
        if case.server not in self._saturation:
            t = self._timing
            found = self.generator().saturate(
                self.port(case), settings.CONNECTIONS, t.slices, t.slice_s, t.request_timeout_s
            )
            if not any(found.answered):
                first = next(iter(found.errors), f"no answer within {t.request_timeout_s:g} s")
                raise servers.ServerError(
                    f"{case.model} serving {case.handler} answered none of its requests: {first}"
                )
            self._saturation[case.server] = found
        return self._saturation[case.server]

    def measure(self, case: settings.ServerCase) -> dict[str, Any]:
        """One case's ``extra_info``: the saturation run, or an open-loop run at its load."""
        found = self.saturation(case)
        if case.load is None:
            return saved.server_info(case.model, case.handler, case.workers, found, None, None)
        rate = case.load * analysis.sustained(found.rates).value
        count = self._timing.requests(rate)
        samples = self.generator().open_loop(
            self.port(case), rate, count, self._timing.request_timeout_s
        )
        return saved.server_info(
            case.model, case.handler, case.workers, found, case.load, rate, samples
        )
