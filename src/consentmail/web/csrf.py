"""CSRF fields for the public forms.

Recipient pages (/p, /t, /u, /confirm): an HMAC of the page token. The token is a secret only its
recipient holds, so the field needs no cookie or session.

The hosted subscribe form (/subscribe/{slug}) has no secret in its URL: anyone may load it. Each
visitor gets a random value in a cookie (HttpOnly, SameSite=Lax, Secure over https) and the form a
field bound to it and to the time it was issued: HMAC(secret, form, visitor, issued). A forged
POST from another site has neither the cookie (SameSite) nor a field matching it, and a field
stops working after VISITOR_FIELD_TTL seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

VISITOR_FIELD_TTL = 2 * 3600  # a form left open this long must be loaded again
_VISITOR = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16): 128 bits


def csrf_token(secret: str, page_token: str, form: str) -> str:
    msg = f"{form}:{page_token}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def csrf_ok(secret: str, page_token: str, form: str, supplied: str | None) -> bool:
    return bool(supplied) and _same(csrf_token(secret, page_token, form), supplied or "")


def _same(expected: str, supplied: str) -> bool:
    # As bytes: compare_digest raises on str holding non-ASCII characters (a 500, not a 403).
    return hmac.compare_digest(expected.encode(), supplied.encode("utf-8", "replace"))


def visitor_cookie_name(secure: bool) -> str:
    """The __Host- prefix over https: the browser keeps such a cookie only if it is Secure,
    host-only and for Path=/, so a sibling subdomain cannot plant one."""
    return "__Host-cm_visitor" if secure else "cm_visitor"


def new_visitor() -> str:
    return secrets.token_urlsafe(16)


def valid_visitor(value: str | None) -> str | None:
    """The cookie's value when it is one we could have issued, else None (issue a new one)."""
    return value if value is not None and _VISITOR.fullmatch(value) else None


def visitor_field(secret: str, visitor: str, form: str, issued: int) -> str:
    """The form's hidden field: '<issued>.<HMAC>'."""
    return f"{issued}.{csrf_token(secret, f'{visitor}:{issued}', form)}"


def visitor_field_ok(
    secret: str, visitor: str | None, form: str, supplied: str | None, now: int
) -> bool:
    """The field was issued for this visitor's cookie and this form, at most TTL seconds ago."""
    if valid_visitor(visitor) is None or not supplied:
        return False
    issued, _, _ = supplied.partition(".")
    if not (issued.isascii() and issued.isdigit() and len(issued) <= 12):
        return False
    if not 0 <= now - int(issued) <= VISITOR_FIELD_TTL:
        return False
    return _same(visitor_field(secret, visitor or "", form, int(issued)), supplied)
