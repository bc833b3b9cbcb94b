"""Download the article's 12 images with ``requests`` (I/O-bound).

Faithful to the article: ``requests.get(url, stream=True)``, the body read with
``iter_content(1024)`` and written to ``<last path segment>.jpg``. Unlike the article,
every request has a timeout, each file is written to a temporary name and moved into
place (the duplicate URLs are fetched at the same time under threads and processes, and
must never leave a torn file), and no name taken from a URL can leave the output folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests

KIND = "io"

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


def run(task: Download) -> Downloaded:
    """Fetch one URL and write its body, whole or not at all, into the task's folder.

    Only ``http`` and ``https`` URLs are fetched; an error status, a body over
    ``max_bytes`` or a transfer cut short raises, and leaves no file behind.
    """
    if urlsplit(task.url).scheme not in ("http", "https"):
        raise ValueError(f"refusing {task.url!r}: only http and https URLs are fetched")
    target = Path(task.folder) / file_name(task.url)
    with requests.get(task.url, stream=True, timeout=task.timeout) as response:
        response.raise_for_status()
        length = response.headers.get("Content-Length")
        if length is not None and int(length) > task.max_bytes:
            raise BodyTooLarge(f"{task.url}: {length} bytes is over the {task.max_bytes} allowed")
        fd, partial = tempfile.mkstemp(dir=task.folder, prefix=".part-")
        try:
            written = 0
            with os.fdopen(fd, "wb") as out:
                for block in response.iter_content(CHUNK_BYTES):
                    written += out.write(block)
                    if written > task.max_bytes:
                        raise BodyTooLarge(f"{task.url}: body over the {task.max_bytes} allowed")
            os.replace(partial, target)
        except BaseException:
            os.unlink(partial)
            raise
        return Downloaded(
            url=task.url,
            path=str(target),
            written=written,
            content_length=int(length) if length is not None else None,
            server_digest=response.headers.get(task.digest_header),
        )


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
