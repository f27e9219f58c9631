"""No NUL character gets past the edge: 404 in a path, 400 in a query, 422 in a form or JSON body.

PostgreSQL text cannot hold U+0000 and the driver raises at the first query that carries one,
so a token, slug or field with %00 was a 500 there (and silently stored on SQLite). No URL,
token, name, notice version or consent field of ours can contain it, so it is refused once, here,
before any handler looks anything up. Bodies are checked as they stream through (form
`%00`, JSON `\\u0000`, or a raw NUL byte); multipart uploads (the audit's .eml files) are
not text fields and pass untouched.
"""

from __future__ import annotations

import re

from consentmail.web.limits import ASGIApp, Receive, Scope, Send, refuse, watch_body

_ESCAPED_NUL = re.compile(rb"%00|\\u0000|\x00", re.IGNORECASE)
_TAIL = 5  # len(b"\\u0000") - 1: a NUL escape split across two chunks is still found
_CHECKED_BODIES = (b"application/x-www-form-urlencoded", b"application/json")


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).split(b";", 1)[0].strip().lower()
    return b""


def _refused(what: str, status: int) -> tuple[int, str]:
    return status, f"{what} contains a NUL character (U+0000), which no field here accepts"


class NulGuard:
    """ASGI middleware: refuses requests carrying U+0000 in the path, query or a text body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if "\x00" in path:
            await refuse(send, path, *_refused("the path", 404))
            return
        if _ESCAPED_NUL.search(scope.get("query_string", b"")):
            await refuse(send, path, *_refused("the query string", 400))
            return
        if _content_type(scope) not in _CHECKED_BODIES:
            await self.app(scope, receive, send)
            return
        tail = b""

        def check(chunk: bytes) -> tuple[int, str] | None:
            nonlocal tail
            seen = tail + chunk
            tail = seen[-_TAIL:]
            return _refused("the request body", 422) if _ESCAPED_NUL.search(seen) else None

        await watch_body(self.app, scope, receive, send, check)
