"""Every URL an HTML body references, in document order, parsed with selectolax (lexbor).

Loaded on open: ``img`` (src, srcset), ``source[srcset]``, ``video[poster]``, ``input[type=image]``,
``background`` attributes, CSS ``url()`` in ``<style>`` and ``style=""``, ``@import``,
``@font-face``, ``link[rel=stylesheet]``. Followed on click: ``a[href]``, ``area[href]``.
``cid:`` and ``data:`` URIs load nothing from the network and are left out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape, unescape
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from consentmail.audit.css import (
    css_urls,
    hidden_selectors,
    is_font_host,
    style_hides,
    style_size,
)
from consentmail.audit.locate import SourceText, raw_tags, skipped_ranges
from consentmail.audit.model import Resource, ResourceKind
from consentmail.audit.roles import link_role

_SELECTOR = "img, a, area, link, style, [style], [background], source, video, input"
_NOT_URL = ("mailto:", "tel:", "sms:", "javascript:", "#", "data:", "cid:", "about:", "callto:")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$", re.I)
_TEXT_URL = re.compile(r"https?://[^\s<>\"'\])]+", re.I)


def clean_url(value: str, base: str | None = None) -> str:
    """A URL as a client would request it: trimmed, tabs/newlines dropped, resolved."""
    url = re.sub(r"[\t\n\r]", "", value.strip())
    if url.startswith("//"):
        return "https:" + url
    if base and not urlsplit(url).scheme and not url.lower().startswith(_NOT_URL):
        return urljoin(base, url)
    return url


def is_remote(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _number(value: str | None) -> float | None:
    m = _NUMBER.match(value or "")
    return float(m.group(1)) if m else None


class _Scanner:
    def __init__(self, html: str) -> None:
        self.src = SourceText(html)
        self.tree = LexborHTMLParser(html)
        base = self.tree.css_first("base[href]")
        self.base = clean_url(base.attributes.get("href") or "") if base else None
        self.raw_imgs = raw_tags(html, "img", skipped_ranges(html))
        self.img_cursor = 0
        self.hidden_ids: set[str] = set()
        self.hidden_classes: set[str] = set()
        for style in self.tree.css("style"):
            ids, classes = hidden_selectors(style.text(deep=True))
            self.hidden_ids |= ids
            self.hidden_classes |= classes
        self.out: list[Resource] = []

    def add(self, value: str | None, kind: ResourceKind, element: str, *, line: int | None = None,
            template: Resource | None = None, text: str = "", role: str = "") -> None:
        """Record a URL when it loads something remote; ``template`` carries image details."""
        if not value:
            return
        url = clean_url(value, self.base)
        if not is_remote(url):
            return
        if kind in ("css", "stylesheet") and is_font_host(urlsplit(url).hostname or ""):
            kind = "font"
        line = line or self.src.find_line(value.strip())
        base = template or Resource(url=url, kind=kind, element=element, line=line)
        self.out.append(replace(base, url=url, kind=kind, element=element, line=line, text=text,
                                role=role))

    def run(self) -> list[Resource]:
        seen: set[int] = set()
        for node in self.tree.css(_SELECTOR):
            if node.mem_id in seen:  # lexbor lists a node once per selector it matches
                continue
            seen.add(node.mem_id)
            attrs = node.attributes
            tag = node.tag or ""
            if tag == "style":
                for url, how in css_urls(node.text(deep=True)):
                    kind: ResourceKind = "font" if how == "@font-face" else "css"
                    self.add(url, "stylesheet" if how == "@import" else kind, f"style {how}")
            elif tag == "img":
                self.image(node, attrs)
            elif tag in ("a", "area"):
                self.link(node, attrs)
            elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").lower():
                self.add(attrs.get("href"), "stylesheet", "link[rel=stylesheet]")
            elif tag == "source":
                for url in _srcset(attrs.get("srcset")):
                    self.add(url, "image", "source[srcset]")
            elif tag == "video":
                self.add(attrs.get("poster"), "image", "video[poster]")
            elif tag == "input" and (attrs.get("type") or "").lower() == "image":
                self.add(attrs.get("src"), "image", "input[type=image]")
            if attrs.get("background"):
                self.add(attrs["background"], "image", f"{tag}[background]")
            style = attrs.get("style") or ""
            if "url(" in style.lower():
                for url, _ in css_urls(style):
                    self.add(url, "css", f"{tag}[style] url()")
        return self.out

    def image(self, node: LexborNode, attrs: dict[str, str | None]) -> None:
        src = (attrs.get("src") or "").strip()
        tag_text, line = self._raw_img(src)
        style = attrs.get("style") or ""
        width, height = _number(attrs.get("width")), _number(attrs.get("height"))
        style_w, style_h = style_size(style)
        width = style_w if style_w is not None else width
        height = style_h if style_h is not None else height
        details = Resource(url="", kind="image", element="img", line=line, tag=tag_text,
                           width=width, height=height, hidden=self.hidden(node))
        if src:
            self.add(src, "image", "img[src]", line=line, template=details)
        elif tag_text and not attrs.get("srcset"):  # broken quoting hid the src: read the tag
            url = _url_in_tag(tag_text)
            if url:
                self.out.append(replace(details, url=url))
        for url in _srcset(attrs.get("srcset")):
            self.add(url, "image", "img[srcset]")

    def _raw_img(self, src: str) -> tuple[str, int | None]:
        """The raw ``<img>`` tag for the next parsed image, aligned by its src."""
        for j in range(self.img_cursor, min(self.img_cursor + 8, len(self.raw_imgs))):
            offset, text = self.raw_imgs[j]
            if not src or src in text or escape(src, quote=False) in text or src in unescape(text):
                self.img_cursor = j + 1
                return text, self.src.line_at(offset)
        return "", None

    def hidden(self, node: LexborNode) -> str:
        attrs = node.attributes
        why = style_hides(attrs.get("style") or "")
        if why:
            return why
        if "hidden" in attrs:
            return "hidden attribute"
        if attrs.get("id") in self.hidden_ids:
            return f"#{attrs['id']} hidden by a <style> rule"
        for cls in (attrs.get("class") or "").split():
            if cls in self.hidden_classes:
                return f".{cls} hidden by a <style> rule"
        parent = node.parent
        for _ in range(3):  # a hidden wrapper around this image alone (_eoa_div, _two50 ...)
            if parent is None or parent.tag in ("body", "html"):
                break
            why = style_hides(parent.attributes.get("style") or "")
            pid = parent.attributes.get("id")
            if not why and pid in self.hidden_ids:
                why = f"#{pid} hidden by a <style> rule"
            if why:
                alone = len(parent.css("img")) == 1 and not parent.text(deep=True).strip()
                return f"{why} on <{parent.tag}>" if alone else ""
            parent = parent.parent
        return ""

    def link(self, node: LexborNode, attrs: dict[str, str | None]) -> None:
        href = attrs.get("href")
        if not href or href.strip().lower().startswith(_NOT_URL):
            return
        text = node.text(deep=True, separator=" ", strip=True)
        if not text:
            img = node.css_first("img")
            text = (img.attributes.get("alt") or "") if img else ""
        text = re.sub(r"\s+", " ", text).strip()[:200]
        url = clean_url(href, self.base)
        self.add(href, "link", f"{node.tag}[href]", text=text, role=link_role(text, url))


def _srcset(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _url_in_tag(tag_text: str) -> str:
    """Best-effort URL in a tag whose attributes do not parse (``alt=" src="http://...``)."""
    m = re.search(r"(?:https?:)?//[^\s\"'<>]+|[\w.-]+\.[a-z]{2,}/[^\s\"'<>]+", tag_text, re.I)
    if not m:
        return ""
    url = m.group(0)
    return url if url.lower().startswith(("http:", "https:")) else "https://" + url.lstrip("/")


def scan_html(html: str) -> list[Resource]:
    """The URLs an HTML body references, in document order."""
    return _Scanner(html).run()


def scan_text(text: str) -> list[Resource]:
    """URLs in a plain-text body, as links (a text body loads nothing on open)."""
    src = SourceText(text)
    out = []
    for m in _TEXT_URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        out.append(
            Resource(url=url, kind="link", element="text/plain", line=src.line_at(m.start()),
                     role=link_role("", url))
        )
    return out
