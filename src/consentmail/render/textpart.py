"""The text/plain part: generated from the HTML scan, or the author's own text with its links.

Either way the result is template source whose link targets are slots, so the text part
follows the same tracking mode as the HTML part (L10). It is built once, at compile time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .scan import Event, Href
from .templates import SEP
from .urls import has_merge_fields

_SKIP = frozenset({"head", "style", "script", "title", "template", "noscript"})
_PARAGRAPH = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "hr", "pre"}
)
_LINE = frozenset(
    {
        "br",
        "div",
        "tr",
        "td",
        "th",
        "center",
        "section",
        "article",
        "header",
        "footer",
        "dd",
        "dt",
        "address",
        "form",
        "body",
    }
)
_SPACE = re.compile(r"[ \t\n\r\f\xa0]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u034f\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_NO_TARGET = frozenset({"cid", "data", "javascript", "about"})
# A URL in the author's text; merge fields inside it may contain spaces.
_TEXT_URL = re.compile(r"https?://(?:\{\{.*?\}\}|\{%.*?%\}|[^\s<>\"{])+", re.IGNORECASE)


def slot(index: int | str) -> str:
    return f"{SEP}{index}{SEP}"


def text_from_html(events: list[Event]) -> str:
    builder = _TextBuilder()
    for event in events:
        builder.feed(event)
    return builder.result()


class _TextBuilder:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.skip = 0  # inside head, style, script...
        self.link: Href | None = None
        self.label: list[str] = []

    def emit(self, text: str) -> None:
        if self.link is None:
            self.out.append(text)
        else:  # a link's label stays on one line
            self.label.append(" " if text.isspace() else text)

    def feed(self, event: Event) -> None:
        kind, tag = event[0], str(event[1])
        if kind == "data":
            if not self.skip:
                self.emit(_SPACE.sub(" ", tag.translate(_INVISIBLE)))
            return
        if tag in _SKIP:
            if kind == "start":
                self.skip += 1
            elif self.skip:
                self.skip -= 1
            return
        if tag == "body" and kind == "start":
            self.skip = 0  # an unclosed <head> ends here
        if self.skip:
            return
        if tag == "a":
            self.close_link()
            href = event[3] if kind == "start" else None
            if isinstance(href, Href):
                self.link = href
        elif tag == "img" and kind == "start" and self.link is not None:
            attrs = event[2]
            if isinstance(attrs, dict):
                self.label.append(f" {attrs.get('alt') or ''} ")
        elif tag == "li" and kind == "start":
            self.emit("\n- ")
        elif tag in _PARAGRAPH:
            self.emit("\n\n")
        elif tag in _LINE and (kind == "start" or tag != "br"):
            self.emit("\n")

    def close_link(self) -> None:
        if self.link is not None:
            label = _SPACE.sub(" ", "".join(self.label)).strip()
            self.out.append(_link_text(self.link, label))
            self.link = None
            self.label.clear()

    def result(self) -> str:
        self.close_link()
        return _tidy("".join(self.out))


def _link_text(href: Href, label: str) -> str:
    """``label (target)``; a label that is the target itself is not repeated."""
    if href.slot is not None:
        target: str | None = slot(href.slot)  # the URL, or the tracked one
        same = label == href.url
    else:
        scheme = _SCHEME.match(href.url)
        shown = has_merge_fields(href.url) or (
            scheme is not None and scheme.group(1).lower() not in _NO_TARGET
        )
        target = href.url if shown else None
        same = label == target
    if target is None:
        return label
    return f"{label} ({target})" if label and not same else target


def _tidy(text: str) -> str:
    lines = [re.sub(" {2,}", " ", line).strip(" ") for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n" if text else ""


def text_with_slots(text: str, link_index: Callable[[str, int], int | None]) -> str:
    """The author's text part with each http(s) URL replaced by its link slot."""

    def replace(match: re.Match[str]) -> str:
        url, tail = _trim(match.group(0))
        index = link_index(url, text.count("\n", 0, match.start()) + 1)
        return match.group(0) if index is None else slot(index) + tail

    return _TEXT_URL.sub(replace, text)


def _trim(url: str) -> tuple[str, str]:
    """Split off punctuation that ends a sentence rather than the URL."""
    end = len(url)
    while end and (
        url[end - 1] in ".,;:!?'\""
        or (url[end - 1] == ")" and url.count("(", 0, end) < url.count(")", 0, end))
        or (url[end - 1] == "]" and url.count("[", 0, end) < url.count("]", 0, end))
    ):
        end -= 1
    return url[:end], url[end:]
