"""Template sources other than plain HTML: MJML (mjml-python) and CSS inlining (css-inline).

Both run once, when a campaign is created, and hand the compiler ordinary HTML. Jinja merge
fields and blocks must survive them exactly, so each Jinja tag is hidden behind a placeholder the
converter keeps in place (a comment between elements: an HTML parser moves stray text out of a
table but not a comment; a plain word inside an attribute value), then put back. Jinja between
a tag's attributes is refused: converters may reorder attributes.
"""

from __future__ import annotations

import re

import css_inline
from mjml import mjml2html

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_MJML_START = re.compile(r"(?:\ufeff)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<mjml[\s>]", re.S)


class SourceError(ValueError):
    """The template could not be converted; the message says why."""


def is_mjml(source: str, name: str = "") -> bool:
    """MJML by file extension, or by content starting with ``<mjml>``."""
    return name.lower().endswith(".mjml") or _MJML_START.match(source) is not None


def mjml_to_html(source: str) -> str:
    protected, originals = _protect(source, "MJML conversion")
    try:
        html = mjml2html(protected)
    except Exception as exc:  # mjml-python raises a bare exception type from Rust
        raise SourceError(f"MJML could not be converted: {exc}") from None
    return _restore(html, originals, "MJML conversion")


def inline_css(html: str) -> str:
    """``<style>`` rules moved into ``style=""`` attributes; @media rules kept in ``<style>``;
    nothing fetched from the network (remote stylesheets stay as links)."""
    protected, originals = _protect(html, "CSS inlining")
    try:
        inlined = css_inline.inline(
            protected,
            keep_at_rules=True,
            keep_link_tags=True,
            load_remote_stylesheets=False,
        )
    except (css_inline.InlineError, ValueError) as exc:
        raise SourceError(f"CSS could not be inlined: {exc}") from None
    return _restore(inlined, originals, "CSS inlining")


def _protect(html: str, step: str) -> tuple[str, list[str]]:
    originals: list[str] = []
    out: list[str] = []
    last = 0
    for m in _JINJA.finditer(html):
        out.append(html[last : m.start()])
        key = len(originals)
        originals.append(m.group(0))
        where = _where(html, m.start())
        if where == "attributes":
            line = html.count("\n", 0, m.start()) + 1
            raise SourceError(
                f"line {line}: {m.group(0)[:40]!r} stands between a tag's attributes, which "
                f"{step} may reorder; put Jinja inside an attribute value"
            )
        out.append(f"cmjinja{key}x" if where == "value" else f"<!--cmjinja{key}x-->")
        last = m.end()
    out.append(html[last:])
    return "".join(out), originals


def _where(html: str, pos: int) -> str:
    """'text' (between elements), 'value' (in a quoted attribute value) or 'attributes'."""
    window = max(0, pos - 4000)
    start = max((m.start() for m in _TAG_START.finditer(html, window, pos)), default=-1)
    if start <= html.rfind(">", 0, pos):
        return "text"
    inside = html[start:pos]
    quotes = re.sub(r'"[^"]*"|\'[^\']*\'', "", inside)  # complete values dropped
    return "value" if '"' in quotes or "'" in quotes else "attributes"


# A comment placeholder (escaped if it ended up in an attribute), or a word placeholder; a word
# that stood alone in a tag became an empty attribute (cmjinja0x="").
_PLACEHOLDER = re.compile(r'(?:<|&lt;)!--cmjinja(\d+)x--(?:>|&gt;)|cmjinja(\d+)x(?:="")?')


def _restore(html: str, originals: list[str], step: str) -> str:
    found: set[int] = set()

    def put(m: re.Match[str]) -> str:
        key = int(m.group(1) or m.group(2))
        found.add(key)
        return originals[key]

    html = _PLACEHOLDER.sub(put, html)
    if len(found) != len(originals):
        lost = [originals[k] for k in range(len(originals)) if k not in found][:3]
        raise SourceError(
            f"{step} would drop template syntax {lost} (Jinja inside <style>?)"
        )
    return html
