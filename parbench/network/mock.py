"""The mock network: ``responses`` serves every http(s) URL after a real sleep.

The wait is ``time.sleep``, which releases the GIL as a socket wait does, so threads
overlap mocked requests as they would real ones. ``responses`` records every call with
its body; the recorded calls are dropped on each request so that memory stays flat
however many rounds run.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import requests
import responses

from parbench.network import bodies

ANY_HTTP_URL = re.compile(r"https?://.*")


class MockNetwork:
    """A started-on-demand ``responses`` mock that answers every GET like the live server."""

    def __init__(self, latency: float, body_bytes: int, digest_header: str) -> None:
        self.latency = latency
        self.body_bytes = body_bytes
        self._digest_header = digest_header
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self._mock.add_callback(responses.GET, ANY_HTTP_URL, callback=self._serve)

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        self._mock.calls.reset()
        for route in self._mock.registered():
            route.calls.reset()
        path = urlsplit(request.url).path
        body = bodies.body(path, self.body_bytes)
        time.sleep(self.latency)
        headers = {
            "Content-Type": "image/jpeg",
            "Content-Length": str(len(body)),
            self._digest_header: bodies.digest(path, self.body_bytes),
        }
        return 200, headers, body

    def start(self) -> None:
        self._mock.start()

    def stop(self) -> None:
        self._mock.stop(allow_assert=False)
