"""Shared request plumbing: settings, database sessions, authentication."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterator

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from consentmail.config import Settings
from consentmail.db import session_factory


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def db(request: Request) -> Iterator[Session]:
    session = session_factory(settings_of(request).database_url)()
    try:
        yield session
    finally:
        session.close()


def _same_secret(supplied: bytes, token: str) -> bool:
    """Constant-time comparison of the bytes as sent with the token's UTF-8: compare_digest
    refuses str holding non-ASCII characters (a header's é would be a 500)."""
    return hmac.compare_digest(supplied, token.encode())


def require_api_token(request: Request) -> None:
    """API: `Authorization: Bearer <CONSENTMAIL_API_TOKEN>`."""
    token = settings_of(request).api_token
    auth = request.headers.get("authorization", "")
    scheme, _, supplied = auth.partition(" ")
    if scheme.lower() != "bearer" or not _same_secret(supplied.strip().encode("latin-1"), token):
        raise HTTPException(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})


def require_admin(request: Request) -> None:
    """Admin UI: HTTP basic, user `admin`, password = the API token."""
    token = settings_of(request).api_token
    auth = request.headers.get("authorization", "")
    scheme, _, encoded = auth.partition(" ")
    ok = False
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded).partition(b":")
        except ValueError:  # not base64
            user = password = b""
        ok = user == b"admin" and _same_secret(password, token)
    if not ok:
        raise HTTPException(
            401, "admin login required", {"WWW-Authenticate": 'Basic realm="consentmail"'}
        )
