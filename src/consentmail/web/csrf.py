"""CSRF tokens for recipient forms: an HMAC of the page token, so no cookie or session is needed."""

from __future__ import annotations

import hashlib
import hmac


def csrf_token(secret: str, page_token: str, form: str) -> str:
    msg = f"{form}:{page_token}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def csrf_ok(secret: str, page_token: str, form: str, supplied: str | None) -> bool:
    return bool(supplied) and hmac.compare_digest(
        csrf_token(secret, page_token, form), supplied or ""
    )
