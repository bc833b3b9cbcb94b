"""What a workload gets from the suite: the network it talks to, and a folder of its own.

A workload whose ``tasks`` takes a second argument, ``tasks(size, context)``, is given one
``Context`` in the main process each time a batch is made. Whatever ``run(task)`` needs of
it goes into the tasks themselves, which reach every worker under every start method as
they are; nothing is read from the suite's globals, so a workload stays a module that
needs no import of parbench. A complete small I/O workload that uses it is in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class Context:
    """The suite's side of one benchmark, for a workload's ``tasks(size, context)``.

    ``network``: ``"mock"`` (every http(s) URL answered in-process) or ``"live"`` (a real
    HTTP server on the loopback, at ``base_url``). ``latency``: seconds each response
    waits; a workload that only waits may wait this long. ``body_bytes``: the size of
    each response. ``timeout``: the longest a request may wait to connect or between
    reads. ``max_body_bytes``: the largest body a request should accept.
    ``digest_header``: the response header that carries the SHA-256 of its body.
    ``output_dir``: a folder of this benchmark's own, removed when it ends.
    """

    network: str
    latency: float
    body_bytes: int
    timeout: float
    max_body_bytes: int
    digest_header: str
    output_dir: str
    base_url: str | None = None
    # Counts calls of url(): a workload that routes requests uses the network.
    _routed: list[int] = field(default_factory=lambda: [0], compare=False, repr=False)

    def url(self, url: str) -> str:
        """Where a request for ``url`` goes: unchanged under the mock; the same path and
        query on the loopback server in live mode."""
        self._routed[0] += 1
        if self.base_url is None:
            return url
        base, parts = urlsplit(self.base_url), urlsplit(url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    @property
    def routed(self) -> int:
        """How many URLs this context has routed."""
        return self._routed[0]
