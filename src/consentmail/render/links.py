"""Each link's target for one recipient, following the click mode (L1-L10).

Tracked links point at click_base + index. Untracked links keep the author's attribute text
in HTML and the exact URL in text. A link with merge fields is tracked only in personal mode,
and then the redirect needs the recipient's filled URL: that is its personal destination (L7).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from jinja2.environment import Template

from consentmail.policy.types import Mode

from .entities import decode_attribute
from .templates import SEP, render
from .types import LinkSlot, Tracking
from .urls import browser_clean, normalize_url


@dataclass(frozen=True, slots=True)
class Link:
    slot: LinkSlot
    html_raw: str | None  # the href as written; None for a link found only in the text part
    template: Template | None  # the link's own source, when it has merge fields
    filename: str

    @property
    def key(self) -> str:
        return str(self.slot.index)

    def filled(self, ctx: dict[str, Any]) -> tuple[str | None, str]:
        """(HTML attribute text or None, URL) with the recipient's merge fields filled."""
        if self.template is None:
            return self.html_raw, self.slot.url
        text = render(self.template, self.filename, ctx).replace(SEP, "")
        if self.html_raw is None:  # text-part link: no HTML decoding
            return None, normalize_url(browser_clean(text))
        return text, normalize_url(browser_clean(decode_attribute(text)))


def is_tracked(slot: LinkSlot, mode: Mode) -> bool:
    if mode is Mode.PERSONAL:
        return True
    # An aggregate URL must be identical for every recipient (law 3), so it carries no fields.
    return mode is Mode.AGGREGATE and not slot.has_merge_fields


def resolve(
    links: tuple[Link, ...], ctx: dict[str, Any], tracking: Tracking
) -> tuple[dict[str, str], dict[str, str], dict[int, str]]:
    """(HTML slot values, text slot values, personal destinations) for one recipient."""
    html: dict[str, str] = {}
    text: dict[str, str] = {}
    destinations: dict[int, str] = {}
    base = tracking.click_base
    html_base = escape(base) if base is not None else ""
    for link in links:
        key = link.key
        if base is not None and is_tracked(link.slot, tracking.click_mode):
            html[key] = html_base + key
            text[key] = base + key
            if link.slot.has_merge_fields:
                destinations[link.slot.index] = link.filled(ctx)[1]
            continue
        raw, url = link.filled(ctx)
        if raw is not None:
            html[key] = raw
        text[key] = url
    return html, text, destinations
