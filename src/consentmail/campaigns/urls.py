"""The public URLs a message carries. Tokens are random; no address or id ever appears (law 6)."""

from __future__ import annotations

import secrets


def new_token() -> str:
    """128 random bits, URL-safe, non-sequential."""
    return secrets.token_urlsafe(16)


def pixel_url(public_url: str, token: str, aggregate: bool) -> str:
    return f"{public_url}/o/a/{token}.gif" if aggregate else f"{public_url}/o/{token}.gif"


def click_base(public_url: str, token: str, aggregate: bool) -> str:
    return f"{public_url}/c/a/{token}/" if aggregate else f"{public_url}/c/{token}/"


def unsubscribe_url(public_url: str, page_token: str) -> str:
    return f"{public_url}/u/{page_token}"


def stop_tracking_url(public_url: str, page_token: str) -> str:
    return f"{public_url}/t/{page_token}"


def preferences_url(public_url: str, page_token: str) -> str:
    return f"{public_url}/p/{page_token}"
