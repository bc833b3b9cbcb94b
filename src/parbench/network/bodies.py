"""The bytes served for a URL path: deterministic, so any process can recompute them."""

from __future__ import annotations

import functools
import hashlib


@functools.lru_cache(maxsize=64)
def body(path: str, size: int) -> bytes:
    """``size`` bytes derived from ``path`` alone; the same in every process and mode."""
    return hashlib.shake_256(path.encode("utf-8", "surrogatepass")).digest(size)


@functools.lru_cache(maxsize=64)
def digest(path: str, size: int) -> str:
    """SHA-256 hex digest of ``body(path, size)``."""
    return hashlib.sha256(body(path, size)).hexdigest()
