"""One pass of the stdlib HTML tokenizer over the author's file, keeping source offsets.

It finds every link attribute (``<a>``, ``<area>``, VML ``<v:*>``, also inside Outlook
conditional comments), the position of the last ``</body>`` and the events the text part is
made from. Nothing is rewritten here: the compiler splices slots in at the offsets found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .entities import decode_attribute
from .urls import browser_clean

# The same tolerant grammar html.parser uses to split a start tag into attributes (3.11).
_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)(?:\s|/(?!>))*")
_ATTR = re.compile(
    r"((?<=[\'\"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*"
    r"(\'[^\']*\'|\"[^\"]*\"|(?![\'\"])[^>\s]*))?(?:\s|/(?!>))*"
)


@dataclass(slots=True)
class Href:
    start: int  # span of the attribute value in the source (inside the quotes)
    end: int
    raw: str  # the attribute text as the author wrote it
    url: str  # what a browser follows: entities decoded, whitespace cleaned
    tag: str
    conditional: bool  # inside <!--[if mso]> ... <![endif]-->
    slot: int | None = None  # set by the compiler when the link is trackable


# Text-part events: ("start", tag, attrs, href or None) | ("end", tag) | ("data", text)
Event = tuple[object, ...]


@dataclass(slots=True)
class Scan:
    hrefs: list[Href] = field(default_factory=list)
    body_end: int | None = None
    events: list[Event] = field(default_factory=list)


def scan_html(source: str) -> Scan:
    scan = Scan()
    _Scanner(source, 0, scan, conditional=False).run()
    return scan


def _is_link_tag(tag: str) -> bool:
    return tag in ("a", "area") or tag.startswith("v:")


class _Scanner(HTMLParser):
    def __init__(self, source: str, base: int, scan: Scan, *, conditional: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._base = base
        self._scan = scan
        self._conditional = conditional
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def run(self) -> None:
        self.feed(self._source)
        self.close()

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = self._href(tag, attrs) if _is_link_tag(tag) else None
        if href is not None:
            self._scan.hrefs.append(href)
        if not self._conditional:
            self._scan.events.append(("start", tag, dict(attrs), href))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._conditional:
            return
        if tag == "body":
            self._scan.body_end = self._base + self._offset()
        self._scan.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if not self._conditional:
            self._scan.events.append(("data", data))

    def handle_comment(self, data: str) -> None:
        # Downlevel-hidden conditional comments hold real markup for Outlook (VML buttons).
        if data[:3].lower() != "[if":
            return
        start = data.find(">")
        if start == -1:
            return
        inner = data[start + 1 :]
        if inner.lower().endswith("<![endif]"):
            inner = inner[: -len("<![endif]")]
        base = self._base + self._offset() + len("<!--") + start + 1
        _Scanner(inner, base, self._scan, conditional=True).run()

    def _href(self, tag: str, attrs: list[tuple[str, str | None]]) -> Href | None:
        names = [name for name, _ in attrs]
        if "href" not in names:
            return None
        text = self.get_starttag_text() or ""
        found = _attribute_spans(text)
        # Our split must agree with the tokenizer's; if not, leave the link alone (untracked).
        if [name for name, _, _ in found] != names:
            return None
        for name, start, end in found:
            if name == "href":  # the first one wins, as in browsers
                offset = self._base + self._offset()
                raw = text[start:end]
                url = browser_clean(decode_attribute(raw))
                return Href(offset + start, offset + end, raw, url, tag, self._conditional)
        return None


def _attribute_spans(starttag: str) -> list[tuple[str, int, int]]:
    """(lowercased name, value start, value end) per attribute of a raw start tag."""
    match = _TAG_NAME.match(starttag, 1)
    if match is None:
        return []
    spans = []
    k = match.end()
    while k < len(starttag):
        m = _ATTR.match(starttag, k)
        if not m:
            break
        start, end = m.span(3) if m.group(2) else (m.end(1), m.end(1))
        value = m.group(3) or ""
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            start, end = start + 1, end - 1
        spans.append((m.group(1).lower(), start, end))
        k = m.end()
    return spans
