"""Tracked links: where a click-tracking redirect leads, when the URL says so."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

# Query parameters that redirectors commonly use for the destination.
REDIRECT_PARAMS = (
    "url", "u", "redirect", "redirect_url", "redirect_uri", "redirecturl", "dest", "destination",
    "target", "link", "goto", "to", "r", "q", "href", "ytl", "t", "l", "next",
)
# Share endpoints carry a URL in the query too, but they are not redirects.
_SHARE = re.compile(
    r"facebook\.com/shar|twitter\.com/(?:intent|share)|x\.com/intent|linkedin\.com/(?:share|cws/share)"
    r"|pinterest\.[a-z.]+/pin/create|api\.whatsapp\.com/send|wa\.me/|xing\.com/(?:spi/shares|app/user)"
    r"|reddit\.com/submit|t\.me/share|telegram\.me/share|tumblr\.com/share|mailto:",
    re.I,
)
# Link scanners of the recipient's mail system rewrite links after delivery (Outlook Safe Links,
# Proofpoint, Mimecast, Barracuda, Cisco): redirects, but not the sender's tracking.
_PROTECTION = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:safelinks\.protection\.outlook\.com|urldefense\.(?:proofpoint\.)?com"
    r"|protect-[\w-]+\.mimecast\.com|linkprotect\.cudasvc\.com|secure-web\.cisco\.com)/",
    re.I,
)
_EMBEDDED = re.compile(r"/(https?(?::|%3A)(?:/|%2F){2}.*)", re.I)


def _looks_like_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://", "www."))


def destination(url: str, param: str | None = None) -> str | None:
    """The URL a redirect leads to, read from its query or path; None when not readable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    query = parse_qsl(parts.query, keep_blank_values=True)
    if param:
        for key, value in query:
            if key == param and value:
                return value
    for name in REDIRECT_PARAMS:
        for key, value in query:
            if key.lower() == name and _looks_like_url(value):
                return value
    for _key, value in query:
        if _looks_like_url(value):
            return value
    m = _EMBEDDED.search(parts.path)
    if m:
        embedded = m.group(1)
        if re.match(r"https?%3A", embedded, re.I) or "%2F" in embedded[:12].upper():
            return unquote(embedded.split("/", 1)[0])  # one encoded segment (SES /L0/http:%2F%2F…)
        return embedded + (f"?{parts.query}" if parts.query else "")
    return None


def is_share_link(url: str) -> bool:
    return _SHARE.search(url) is not None


def is_link_protection(url: str) -> bool:
    """A link rewritten by the recipient's security gateway, not by the sender."""
    return _PROTECTION.match(url) is not None
