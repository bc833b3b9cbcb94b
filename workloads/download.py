"""Download the article's 12 images with ``requests`` (I/O-bound).

Faithful to the article: ``requests.get(url, stream=True)``, the body read with
``iter_content(1024)`` and written to ``<last path segment>.jpg``. Unlike the article,
every request has a timeout, each file is written to a temporary name and moved into
place (the duplicate URLs are fetched at the same time under threads and processes, and
must never leave a torn file), and no name taken from a URL can leave the output folder.

The async variant, ``arun``, makes the same request with httpx's ``AsyncClient`` (from
``pip install 'parbench[async]'``) and writes the body the same way.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import ssl
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests

KIND = "io"

#: Why ``arun`` cannot run here, where it cannot (see the workload contract).
ARUN_UNAVAILABLE = (
    None
    if importlib.util.find_spec("httpx")
    else "its arun needs httpx, which is not installed (pip install 'parbench[async]')"
)

#: The article's list, in its order: six URLs, then the same six again.
ARTICLE_URLS = [
    "https://images.unsplash.com/photo-1509718443690-d8e2fb3474b7",
    "https://images.unsplash.com/photo-1587620962725-abab7fe55159",
    "https://images.unsplash.com/photo-1493119508027-2b584f234d6c",
    "https://images.unsplash.com/photo-1482062364825-616fd23b8fc1",
    "https://images.unsplash.com/photo-1521185496955-15097b20c5fe",
    "https://images.unsplash.com/photo-1510915228340-29c85a43dcfe",
] * 2

#: ``size`` repeats the article's list; 1 is the article's own batch of 12.
SIZES = {"quick": 1, "default": 1, "article": 1}

CHUNK_BYTES = 1024
_MAX_NAME = 120
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class Download(NamedTuple):
    """One task: fetch ``url`` into ``folder``, waiting at most ``timeout`` seconds to
    connect and between reads, and accepting at most ``max_bytes`` of body; the server
    names the body's SHA-256 in the ``digest_header`` of its response."""

    url: str
    folder: str
    timeout: float
    max_bytes: int
    digest_header: str


class BodyTooLarge(ValueError):
    """A response body is larger than the task accepts; nothing of it was kept."""


class Downloaded(NamedTuple):
    """What ``run`` returns: where the body went and what the server said it sent."""

    url: str
    path: str
    written: int
    content_length: int | None
    server_digest: str | None


def file_name(url: str) -> str:
    """The file name for ``url``: its last path segment plus ``.jpg``, made safe.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``; where that
    changed the segment, a digest of the original is appended so that two different
    segments never clean to the same name. A segment with nothing usable is refused.
    """
    segment = urlsplit(url).path.rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", segment)[:_MAX_NAME]
    if cleaned != segment:
        cleaned += "-" + hashlib.sha256(segment.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    if not cleaned.strip("."):
        raise ValueError(f"URL {url!r} has no last path segment to name its file by")
    return cleaned + ".jpg"


class _BodyFile:
    """A response body on its way into the task's folder: written under a temporary name
    and moved into place once whole, or removed if anything goes wrong. A body over the
    task's limit is refused, by its Content-Length before a byte is written, and by the
    bytes written where no length was sent."""

    def __init__(self, task: Download, target: Path, headers: Mapping[str, str]) -> None:
        length = headers.get("Content-Length")
        if length is not None and int(length) > task.max_bytes:
            raise BodyTooLarge(f"{task.url}: {length} bytes is over the {task.max_bytes} allowed")
        self._task = task
        self._target = target
        self._length = int(length) if length is not None else None
        self._digest = headers.get(task.digest_header)
        self._written = 0

    def __enter__(self) -> _BodyFile:
        fd, self._partial = tempfile.mkstemp(dir=self._task.folder, prefix=".part-")
        self._out = os.fdopen(fd, "wb")
        return self

    def write(self, block: bytes) -> None:
        self._written += self._out.write(block)
        if self._written > self._task.max_bytes:
            raise BodyTooLarge(f"{self._task.url}: body over the {self._task.max_bytes} allowed")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._out.close()
            if kind is None:
                os.replace(self._partial, self._target)
        except BaseException:
            os.unlink(self._partial)
            raise
        if kind is not None:
            os.unlink(self._partial)

    def downloaded(self) -> Downloaded:
        return Downloaded(
            url=self._task.url,
            path=str(self._target),
            written=self._written,
            content_length=self._length,
            server_digest=self._digest,
        )


def _target(task: Download) -> Path:
    """Where the task's body goes; raises, before any request, for a URL that is not http
    or https, or that names no file."""
    if urlsplit(task.url).scheme not in ("http", "https"):
        raise ValueError(f"refusing {task.url!r}: only http and https URLs are fetched")
    return Path(task.folder) / file_name(task.url)


def run(task: Download) -> Downloaded:
    """Fetch one URL and write its body, whole or not at all, into the task's folder.

    Only ``http`` and ``https`` URLs are fetched; an error status, a body over
    ``max_bytes`` or a transfer cut short raises, and leaves no file behind.
    """
    target = _target(task)
    with requests.get(task.url, stream=True, timeout=task.timeout) as response:
        response.raise_for_status()
        with _BodyFile(task, target, response.headers) as body:
            for block in response.iter_content(CHUNK_BYTES):
                body.write(block)
    return body.downloaded()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default certificate verification, made once: making it loads the CA bundle
    (tens of milliseconds), which a client made per request would otherwise pay each time."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


async def arun(task: Download) -> Downloaded:
    """``run`` on httpx's ``AsyncClient``: the same request, limits, streaming in
    ``CHUNK_BYTES`` blocks and file handling. Like ``requests.get``, each task has a client
    of its own, which follows redirects."""
    # Imported here: the extra is optional, and process workers running run() never pay for it.
    import httpx

    target = _target(task)
    async with (
        httpx.AsyncClient(
            timeout=task.timeout, verify=_tls_context(), follow_redirects=True
        ) as client,
        client.stream("GET", task.url) as response,
    ):
        response.raise_for_status()
        with _BodyFile(task, target, response.headers) as body:
            async for block in response.aiter_bytes(CHUNK_BYTES):
                body.write(block)
    return body.downloaded()


def tasks(size: int, context: Any) -> list[Download]:
    """The article's URLs ``size`` times over, routed where the context says, into a
    fresh folder under its output folder, with its timeout and body limit."""
    folder = tempfile.mkdtemp(prefix="batch-", dir=context.output_dir)
    return [
        Download(
            context.url(url), folder, context.timeout, context.max_body_bytes, context.digest_header
        )
        for url in ARTICLE_URLS * size
    ]


def cleanup(tasks: list[Download]) -> None:
    """Remove the batch folders that ``tasks`` made."""
    for folder in {task.folder for task in tasks}:
        for entry in Path(folder).iterdir():
            entry.unlink()
        Path(folder).rmdir()


def check(tasks: list[Download], results: list[Downloaded]) -> None:
    """Every task has its file, complete and byte-identical to what the server sent."""
    for task, result in zip(tasks, results, strict=True):
        path = Path(result.path)
        if result.url != task.url or path.parent != Path(task.folder):
            raise AssertionError(f"{task.url} was written to {path}, outside {task.folder}")
        body = path.read_bytes()
        if result.content_length is not None and len(body) != result.content_length:
            raise AssertionError(
                f"{path.name}: {len(body)} bytes on disk, server sent {result.content_length}"
            )
        if result.server_digest and hashlib.sha256(body).hexdigest() != result.server_digest:
            raise AssertionError(f"{path.name}: bytes on disk differ from what the server sent")
    for folder in {task.folder for task in tasks}:
        leftovers = [p.name for p in Path(folder).iterdir() if p.name.startswith(".part-")]
        if leftovers:
            raise AssertionError(f"partial files left in {folder}: {leftovers}")
