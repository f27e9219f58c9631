"""URLs as a browser sees them: cleaning, what we track (L5), and encoding once (L8)."""

from __future__ import annotations

import re
from urllib.parse import quote

import idna

# WHATWG URL parsing strips leading/trailing C0 controls and spaces and drops tabs/newlines.
_EDGE = "".join(map(chr, range(0x21)))
_DROP_TAB_NL = str.maketrans("", "", "\t\n\r")
_TRACKABLE = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)
_JINJA = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)
# Everything printable in ASCII stays as written, '%' included: existing escapes are kept and
# nothing is encoded twice. Space, '"', '<', '>', '`', controls and non-ASCII get encoded.
_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>`')
_NEEDS_ENCODING = re.compile(r'[^\x21-\x7e]|["<>`]')
_PLAIN = re.compile(r"https?://[\x21-\x7e]+", re.IGNORECASE)


def browser_clean(url: str) -> str:
    url = url.strip(_EDGE)
    if "\t" in url or "\n" in url or "\r" in url:
        url = url.translate(_DROP_TAB_NL)
    return url


def has_merge_fields(url: str) -> bool:
    return "{{" in url or "{%" in url


def is_trackable(url: str) -> bool:
    """Absolute http(s) only: mailto:, tel:, sms:, #, cid:, data:, relative are never rewritten."""
    return _TRACKABLE.match(url) is not None


def is_plain_url(url: str) -> bool:
    """An absolute http(s) URL that is safe verbatim in an attribute, a header or plain text."""
    return _PLAIN.fullmatch(url) is not None and not any(c in url for c in "\"'<>`\\")


def normalize_url(url: str) -> str:
    """Percent-encode as UTF-8 what cannot stand in a URL; idempotent; merge fields kept."""
    if not _NEEDS_ENCODING.search(url):
        return url
    url = _ascii_host(url)
    pieces = _JINJA.split(url)
    # Odd pieces are template syntax, filled later; the result is normalized again then.
    return "".join(
        piece if i % 2 else quote(piece, safe=_SAFE, errors="replace")
        for i, piece in enumerate(pieces)
    )


def _ascii_host(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            end = min(end, found)
    authority = rest[:end]
    if authority.isascii() or "{" in authority:
        return url
    userinfo, at, hostport = authority.rpartition("@")
    host, colon, port = hostport.partition(":")
    try:
        host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return url  # leave it to percent-encoding, as a browser would fail on it anyway
    return f"{scheme}://{userinfo}{at}{host}{colon}{port}{rest[end:]}"
