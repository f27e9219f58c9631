"""No NUL character gets past the edge: 404 in a path, 400 in a query, 422 in a form or JSON body.

PostgreSQL text cannot hold U+0000 and the driver raises at the first query that carries one,
so a token, slug or field with %00 was a 500 there (and silently stored on SQLite). No URL,
token, name, notice version or consent field of ours can contain it, so it is refused once, here,
before any handler looks anything up. Bodies are checked as they stream through (form
`%00`, JSON `\\u0000`, or a raw NUL byte); multipart uploads (the audit's .eml files) are
not text fields and pass untouched.
"""

from __future__ import annotations

import json
import re

from consentmail.web.limits import ASGIApp, Message, Receive, Scope, Send

_ESCAPED_NUL = re.compile(rb"%00|\\u0000|\x00", re.IGNORECASE)
_TAIL = 5  # len(b"\\u0000") - 1: a NUL escape split across two chunks is still found
_CHECKED_BODIES = (b"application/x-www-form-urlencoded", b"application/json")


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).split(b";", 1)[0].strip().lower()
    return b""


async def _refuse(send: Send, status: int, path: str, what: str) -> None:
    message = f"{what} contains a NUL character (U+0000), which no field here accepts"
    if path.startswith("/api/"):
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    else:
        body, kind = message.encode() + b"\n", b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


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
            await _refuse(send, 404, path, "the path")
            return
        if _ESCAPED_NUL.search(scope.get("query_string", b"")):
            await _refuse(send, 400, path, "the query string")
            return
        if _content_type(scope) not in _CHECKED_BODIES:
            await self.app(scope, receive, send)
            return
        tail = b""
        started = refused = False

        async def checked_receive() -> Message:
            nonlocal tail, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                chunk = tail + message.get("body", b"")
                if _ESCAPED_NUL.search(chunk):
                    if not started:
                        refused = True
                        await _refuse(send, 422, path, "the request body")
                    return {"type": "http.disconnect"}
                tail = chunk[-_TAIL:]
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, checked_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # The app failed on the body it never got (ClientDisconnect): the 422 is the answer.
