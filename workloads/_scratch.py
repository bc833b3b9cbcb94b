"""Temporary folders for the workloads that write files, and errors that name the path.

Folders come from ``tempfile``, so ``TMPDIR`` chooses where they go.
"""

from __future__ import annotations

import tempfile


def unwritable(error: OSError, path: str) -> OSError:
    """``error`` again (the same errno, so the same ``OSError`` subclass), naming ``path``
    and how to write elsewhere."""
    return OSError(error.errno, f"{error.strerror} (set TMPDIR to write elsewhere)", path)


def folder(prefix: str) -> str:
    """A fresh folder in ``tempfile``'s directory; ``OSError`` naming it where it cannot be
    made."""
    try:
        return tempfile.mkdtemp(prefix=prefix)
    except OSError as error:
        raise unwritable(error, error.filename or tempfile.gettempdir()) from error
