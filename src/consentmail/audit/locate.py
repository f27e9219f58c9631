"""Line numbers for evidence: selectolax gives no source positions, so we find them in the raw text.

``SourceText.find_line(value)`` searches an attribute value as written in the source (also with
``&`` written as ``&amp;``); repeated values are found occurrence after occurrence, so the n-th
``<img>`` with a given URL gets the n-th line where that URL appears.
``raw_tags(text, "img")`` lists the raw ``<img ...>`` tags outside comments, scripts and styles, the
text MailTrackerBlocker's rules are written against.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from html import escape

_SKIPPED = re.compile(r"<!--.*?(?:-->|\Z)|<(script|style)\b.*?(?:</\1\s*>|\Z)", re.I | re.S)


class SourceText:
    """Raw HTML (or text) with offset -> line lookup and occurrence-ordered search."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._cursor: dict[str, int] = {}

    def line_at(self, offset: int) -> int:
        """1-based line of a character offset."""
        return bisect_right(self._starts, offset)

    def find_line(self, value: str) -> int | None:
        """Line of the next occurrence of an attribute value (as parsed), or None."""
        if not value:
            return None
        candidates = [value]
        escaped = escape(value, quote=False)
        if escaped != value:
            candidates.append(escaped)
        if "&" in value and value.index("&") >= 12:
            candidates.append(value[: value.index("&")])  # entities we cannot guess (&#38; ...)
        for needle in candidates:
            start = self._cursor.get(needle, 0)
            pos = self.text.find(needle, start)
            if pos < 0 and start:
                pos = self.text.find(needle)  # out of order: fall back to the first one
            if pos >= 0:
                self._cursor[needle] = pos + len(needle)
                return self.line_at(pos)
        return None


def skipped_ranges(text: str) -> list[tuple[int, int]]:
    """Spans of comments, <script> and <style> contents (tags there are not elements)."""
    return [m.span() for m in _SKIPPED.finditer(text)]


def raw_tags(text: str, tag: str, skipped: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """(offset, source text) of each ``<tag ...>`` outside the skipped spans, in order."""
    starts = [s for s, _ in skipped]
    out = []
    for m in re.finditer(rf"<{tag}\b[^>]*>", text, re.I):
        i = bisect_right(starts, m.start()) - 1
        if i >= 0 and skipped[i][0] <= m.start() < skipped[i][1]:
            continue
        out.append((m.start(), m.group(0)))
    return out
