"""Records that strict JSON and CSV readers accept: no ``Infinity``, ``NaN`` or ``inf``.

A figure can be unbounded by its nature (a ceiling where nothing limits a speedup is
infinite), but JSON has no infinity (Python writes ``Infinity``, which strict parsers
reject) and a CSV ``inf`` is read as text or a float depending on the reader. So a
record's non-finite numbers become ``null`` (an empty CSV cell), and its
``not_finite`` field says which they were and what they held: ``"ceiling=inf"``
(empty where none).
"""

from __future__ import annotations

import math
from typing import Any

NOTE = "not_finite"


def finite(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with each non-finite float replaced by ``None``, and ``NOTE`` naming
    them (see the module's docstring)."""
    replaced = {
        key: value
        for key, value in record.items()
        if isinstance(value, float) and not math.isfinite(value)
    }
    cleaned = {key: None if key in replaced else value for key, value in record.items()}
    cleaned[NOTE] = ", ".join(f"{key}={value}" for key, value in replaced.items())
    return cleaned
