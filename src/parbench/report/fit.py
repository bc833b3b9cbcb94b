"""Text made to fit a terminal: long lines broken at spaces, each continuing under its
own indent and a little more, so that a wrapped verdict still reads as one item."""

from __future__ import annotations

import re
import textwrap

#: How far a wrapped line's continuation is indented beyond the line's own indent.
HANG = "    "
#: Below this, wrapping makes more lines than it saves reading.
NARROWEST = 40
# A row laid out in columns (a table): two spaces or more between its cells.
_COLUMNS = re.compile(r"\S {2,}\S")


def wrap(text: str, width: int) -> list[str]:
    """``text``'s lines, each wider than ``width`` broken at spaces into lines of at most
    ``width`` (a word longer than that stays whole). Rows of a table are left whole:
    breaking one would break its columns."""
    width = max(width, NARROWEST)
    lines: list[str] = []
    for line in text.splitlines():
        body = line.lstrip(" ")
        if len(line) <= width or _COLUMNS.search(body):
            lines.append(line)
            continue
        indent = line[: len(line) - len(body)]
        lines += textwrap.wrap(
            body,
            width,
            initial_indent=indent,
            subsequent_indent=indent + HANG,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return lines
