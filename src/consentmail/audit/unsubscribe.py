"""List-Unsubscribe (RFC 2369) and one-click unsubscribe (RFC 8058) conformance.

Takes raw header values (as written in the message: possibly folded, possibly RFC 2047 encoded)
so the same check runs on parsed messages, test vectors and the campaign preflight.
RFC 8058 one-click needs: an https URI in angle brackets in List-Unsubscribe, exactly
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, and a DKIM signature whose h= covers both
headers (checked when a DKIM-Signature is present; we cannot verify the signature itself).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from email.header import decode_header

from consentmail.audit.model import OneClickRequest, UnsubscribeCheck

ONE_CLICK = "List-Unsubscribe=One-Click"
HeaderValues = Mapping[str, str | Sequence[str] | None]


def _values(headers: HeaderValues, name: str) -> list[str]:
    for key, value in headers.items():
        if key.lower() == name.lower():
            if value is None:
                return []
            return [value] if isinstance(value, str) else [v for v in value if v is not None]
    return []


def unfold(value: str) -> str:
    """RFC 5322 unfolding: drop CRLF before whitespace; trim."""
    return re.sub(r"\r?\n(?=[ \t])", "", value).strip()


def decode_words(value: str, issues: list[str]) -> str:
    """Decode RFC 2047 encoded-words, noting that RFC 2369 does not expect them."""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception as exc:  # malformed encoded-word: keep the raw text
        issues.append(f"could not decode RFC 2047 encoded-words ({exc}); read as written")
        return value
    out = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        try:
            out.append(chunk.decode(charset or "ascii"))
        except (LookupError, UnicodeDecodeError):
            out.append(chunk.decode("latin-1"))
            issues.append(f"unknown or wrong charset {charset!r} in an encoded-word")
    if any(charset for _, charset in parts):
        issues.append("List-Unsubscribe is RFC 2047-encoded; RFC 2369 expects plain <URI>s "
                      "(decoded before reading)")
    return "".join(out)


def parse_list_unsubscribe(value: str, issues: list[str] | None = None) -> list[str]:
    """The URIs in a List-Unsubscribe value: the contents of each <...>, whitespace removed."""
    issues = [] if issues is None else issues
    text = decode_words(unfold(value), issues)
    uris = [re.sub(r"\s+", "", m.group(1)) for m in re.finditer(r"<([^<>]*)>", text)]
    if not uris and text.strip():
        issues.append("List-Unsubscribe URIs must be enclosed in angle brackets (RFC 2369)")
    elif "" in uris:
        issues.append("List-Unsubscribe has an empty <>")
    return uris


def dkim_signed_headers(signatures: Sequence[str]) -> list[set[str]]:
    """The h= tag of each DKIM-Signature, as sets of lower-cased header names."""
    out = []
    for sig in signatures:
        tags = {}
        for part in unfold(sig).split(";"):
            name, _, val = part.partition("=")
            tags[name.strip().lower()] = val
        out.append({h.strip().lower() for h in re.sub(r"\s+", "", tags.get("h", "")).split(":")})
    return out


def check_list_unsubscribe(headers: HeaderValues) -> UnsubscribeCheck:
    """Conformance of a message's List-Unsubscribe / List-Unsubscribe-Post headers."""
    values = _values(headers, "List-Unsubscribe")
    posts = _values(headers, "List-Unsubscribe-Post")
    signed = dkim_signed_headers(_values(headers, "DKIM-Signature"))
    issues: list[str] = []
    if not values:
        if posts:
            issues.append("List-Unsubscribe-Post without List-Unsubscribe")
        else:
            issues.append("no List-Unsubscribe header (RFC 2369; bulk senders need one, R23)")
        return UnsubscribeCheck(present=False, issues=tuple(issues))
    if len(values) > 1:
        issues.append("more than one List-Unsubscribe header")
    if not any(v.strip() for v in values):
        issues.append("List-Unsubscribe is empty")
    uris = [u for v in values for u in parse_list_unsubscribe(v, issues)]
    schemes = {u.split(":", 1)[0].lower() for u in uris if ":" in u}
    if uris and not schemes & {"https", "mailto", "http"}:
        issues.append("no mailto: or http(s): URI in List-Unsubscribe")
    https = [u for u in uris if u.lower().startswith("https://")]

    if not signed:
        dkim = "no signature"
    elif any({"list-unsubscribe", "list-unsubscribe-post"} <= h for h in signed):
        dkim = "covered"
    else:
        dkim = "not covered"

    one_click = False
    if posts:
        exact = len(posts) == 1 and unfold(posts[0]) == ONE_CLICK
        if not exact:
            issues.append(f"List-Unsubscribe-Post is {[unfold(p) for p in posts]!r}, "
                          f"not exactly {ONE_CLICK!r}: not a one-click signal (RFC 8058)")
        if not https:
            kind = "only mailto:" if "mailto" in schemes else "no https:"
            issues.append(f"one-click not applicable: {kind} URI (RFC 8058 needs an https URI)")
        if "http" in schemes:
            issues.append("http: URI in List-Unsubscribe; RFC 8058 one-click needs https")
        if dkim == "not covered":
            issues.append("DKIM h= does not cover both List-Unsubscribe and "
                          "List-Unsubscribe-Post (RFC 8058 §4)")
        one_click = exact and bool(https) and dkim != "not covered"
    elif https:
        issues.append("no List-Unsubscribe-Post: one-click unsubscribe (RFC 8058) not offered")
    request = None
    if one_click:
        request = OneClickRequest(
            method="POST", url=https[0], content_type="application/x-www-form-urlencoded",
            body=ONE_CLICK,
        )
    return UnsubscribeCheck(
        present=True, uris=tuple(uris), one_click=one_click, dkim=dkim, issues=tuple(issues),
        request=request,
    )
