"""The mock network: ``responses`` serves every http(s) URL after a real sleep, and
``respx`` serves httpx's ``AsyncClient`` the same way where asked.

The wait is ``time.sleep``, which releases the GIL as a socket wait does, so threads
overlap mocked requests as they would real ones; for the async client it is
``asyncio.sleep``, so that an event loop overlaps them as it would real ones. Both mocks
record every call with its body; the recorded calls are dropped on each request so that
memory stays flat however many rounds run.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any
from urllib.parse import urlsplit

import requests
import responses

from parbench.network import bodies

ANY_HTTP_URL = re.compile(r"https?://.*")


class MockNetwork:
    """A started-on-demand ``responses`` mock that answers every GET like the live server;
    with ``async_client``, also a ``respx`` mock that answers httpx's ``AsyncClient``
    (``respx`` and httpx are then imported: the ``async`` extra)."""

    def __init__(
        self, latency: float, body_bytes: int, digest_header: str, *, async_client: bool = False
    ) -> None:
        self.latency = latency
        self.body_bytes = body_bytes
        self._digest_header = digest_header
        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self._mock.add_callback(responses.GET, ANY_HTTP_URL, callback=self._serve)
        self._async_mock: Any = None
        if async_client:
            import respx

            self._async_mock = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
            self._async_mock.route(method="GET", url__regex=ANY_HTTP_URL).mock(
                side_effect=self._serve_async
            )

    def _answer(self, url: str) -> tuple[dict[str, str], bytes]:
        """The headers and body served for ``url``."""
        path = urlsplit(url).path
        body = bodies.body(path, self.body_bytes)
        headers = {
            "Content-Type": "image/jpeg",
            "Content-Length": str(len(body)),
            self._digest_header: bodies.digest(path, self.body_bytes),
        }
        return headers, body

    def _serve(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        self._mock.calls.reset()
        for route in self._mock.registered():
            route.calls.reset()
        headers, body = self._answer(request.url or "")
        time.sleep(self.latency)
        return 200, headers, body

    async def _serve_async(self, request: Any) -> Any:
        import httpx

        self._async_mock.reset()
        headers, body = self._answer(str(request.url))
        await asyncio.sleep(self.latency)
        return httpx.Response(200, headers=headers, content=body)

    def start(self) -> None:
        self._mock.start()
        if self._async_mock is not None:
            self._async_mock.start()

    def stop(self) -> None:
        self._mock.stop(allow_assert=False)
        if self._async_mock is not None:
            self._async_mock.stop(quiet=True)
