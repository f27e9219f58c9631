"""Request body limits: 413 before more than the limit is read.

Starlette's only limit is 1 MB per form field, so without this an unauthenticated client could
make the server buffer and parse hundreds of MB per POST. The limit holds whether the client
declares a Content-Length or streams a chunked body without one: the bytes are counted as they
arrive, and once past the limit nothing more is read.

  public pages and forms (/subscribe, /confirm, /p, /t, /u, ...)   64 KiB
  /api/...  (a notice is at most 20,000 characters)                  1 MiB
  /api/audit (two uploaded emails of up to audit's MAX_INPUT each)  2 x MAX_INPUT + 1 MiB

It is a middleware of the FastAPI app (web/app.py): the raw tracking routes /o and /c answer in
front of that app, so it never sees them (they are GETs and never read a body).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from consentmail.audit.engine import MAX_INPUT

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KIB = 1024
MIB = 1024 * KIB
PUBLIC_LIMIT = 64 * KIB
API_LIMIT = 1 * MIB
AUDIT_LIMIT = 2 * MAX_INPUT + 1 * MIB  # the multipart framing around the two files


def body_limit(path: str) -> int:
    """The most bytes of body a request to `path` may send."""
    if path == "/api/audit":
        return AUDIT_LIMIT
    if path.startswith("/api/"):
        return API_LIMIT
    return PUBLIC_LIMIT


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit // KIB} KiB"


async def refuse(send: Send, path: str, status: int, message: str) -> None:
    """Answer `status` with `message`: JSON under /api, plain text on the pages. The connection
    closes: the rest of the body is never read."""
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


# What a body check says of the next chunk: None to pass it on, or (status, message) to refuse.
BodyCheck = Callable[[bytes], tuple[int, str] | None]


async def watch_body(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, check: BodyCheck
) -> None:
    """Run `app`, showing each body chunk to `check` before the app reads it. On the first
    refusal the answer goes out (unless the app already began its own) and the app sees the
    client disconnect, so it never reads the rest."""
    path = scope["path"]
    started = False  # the app began its answer: too late to refuse
    refused = False  # the refusal went out: the app sees a disconnect, its answer is dropped

    async def checked_receive() -> Message:
        nonlocal refused
        if refused:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request" and (
            verdict := check(message.get("body", b""))
        ) is not None:
            if not started:
                refused = True
                await refuse(send, path, *verdict)
            return {"type": "http.disconnect"}
        return message

    async def guarded_send(message: Message) -> None:
        nonlocal started
        if refused:
            return
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, checked_receive, guarded_send)
    except Exception:
        if not refused:
            raise
        # The app failed on the body it never got (ClientDisconnect): the refusal is the answer.


def _too_large(path: str, limit: int) -> tuple[int, str]:
    return 413, f"request body too large: at most {_size(limit)} ({limit} bytes) for {path}"


class BodyLimit:
    """ASGI middleware: answers 413 instead of reading a body past `body_limit(path)`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = body_limit(path)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await refuse(send, path, *_too_large(path, limit))
            return
        received = 0

        def count(chunk: bytes) -> tuple[int, str] | None:
            nonlocal received
            received += len(chunk)
            return _too_large(path, limit) if received > limit else None

        await watch_body(self.app, scope, receive, send, count)
