"""The public open and click endpoints as a raw ASGI app, mounted ahead of the FastAPI app.

    GET /o/{track_token}.gif            personal open       -> 200, 1x1 GIF
    GET /o/a/{aggregate_token}.gif      aggregate open      -> 200, 1x1 GIF
    GET /c/{track_token}/{index}        personal click      -> 302 to the link's destination
    GET /c/a/{aggregate_token}/{index}  aggregate click     -> 302 to the link's destination

Unknown tokens and indexes answer 404: never an open redirect. HEAD is answered like GET and
never counted (B4). A known pixel always gets its bytes and a known link its redirect, even when
recording fails. The client IP and user agent are read here for classification only; they are
never stored and never logged (R4, R21). Everything else goes to `fallback`.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, Protocol

from consentmail.tracking.classify import Hit, Kind
from consentmail.tracking.resolver import ResolveError, Resolver
from consentmail.tracking.signals import read_signals

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("consentmail.tracking")


class HitSink(Protocol):
    """Where answered hits go: `Ingest` in production. Must not block (no I/O)."""

    def add(self, hit: Hit) -> None: ...


# The smallest transparent 1x1 GIF.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = b"no-store, no-cache, must-revalidate, max-age=0"

_OPEN = re.compile(r"/o/(a/)?([A-Za-z0-9_-]{16,64})\.gif")
_CLICK = re.compile(r"/c/(a/)?([A-Za-z0-9_-]{16,64})/(0|[1-9][0-9]{0,5})")

_PIXEL_HEADERS = [
    (b"content-type", b"image/gif"),
    (b"content-length", str(len(PIXEL)).encode()),
    (b"cache-control", NO_STORE),
    (b"pragma", b"no-cache"),
    (b"expires", b"0"),
]
_REDIRECT_HEADERS = [
    (b"content-length", b"0"),
    (b"cache-control", NO_STORE),
    # The destination learns nothing from where the click came from.
    (b"referrer-policy", b"no-referrer"),
]


def _plain(status: int, body: bytes, *extra: tuple[bytes, bytes]) -> tuple[int, list, bytes]:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", NO_STORE),
        *extra,
    ]
    return status, headers, body


_NOT_FOUND = _plain(404, b"Not Found")
_NOT_ALLOWED = _plain(405, b"Method Not Allowed", (b"allow", b"GET, HEAD"))
_UNAVAILABLE = _plain(503, b"Service Unavailable", (b"retry-after", b"5"))


class TrackingApp:
    """`/o/...` and `/c/...` answered from memory; every other request goes to `fallback`.

    `trust_forwarded_for`: take the client address from the last X-Forwarded-For entry (the one
    our own reverse proxy appended). Only behind such a proxy: clients can forge the header.
    """

    def __init__(
        self,
        resolver: Resolver,
        ingest: HitSink,
        fallback: ASGIApp,
        *,
        trust_forwarded_for: bool = False,
    ) -> None:
        self.resolver = resolver
        self.ingest = ingest
        self.fallback = fallback
        self.trust_forwarded_for = trust_forwarded_for
        # Groups one client's aggregate clicks within a batch (B1); new on every start.
        self._client_key = secrets.token_bytes(16)
        self._last_warning = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith("/o/"):
                await self._open(scope, send, _OPEN.fullmatch(path))
                return
            if path.startswith("/c/"):
                await self._click(scope, send, _CLICK.fullmatch(path))
                return
        await self.fallback(scope, receive, send)

    async def _open(self, scope: Scope, send: Send, match: re.Match[str] | None) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _respond(send, *_NOT_ALLOWED, head=False)
            return
        if match is None:
            await _respond(send, *_NOT_FOUND, head=method == "HEAD")
            return
        aggregate, token = match.group(1) is not None, match.group(2)
        try:
            target = await self.resolver.resolve(token, aggregate)
        except ResolveError:
            self._warn("token lookup failed; pixels are served and hits kept for the flush")
            target = None
            known = True  # the flush resolves it again, or drops it
        else:
            known = target is not None and target.opens
        if not known:
            await _respond(send, *_NOT_FOUND, head=method == "HEAD")
            return
        if method == "GET":
            self._record(scope, Kind.OPEN, token, aggregate, -1)
        await _respond(send, 200, _PIXEL_HEADERS, PIXEL, head=method == "HEAD")

    async def _click(self, scope: Scope, send: Send, match: re.Match[str] | None) -> None:
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _respond(send, *_NOT_ALLOWED, head=False)
            return
        if match is None:
            await _respond(send, *_NOT_FOUND, head=method == "HEAD")
            return
        aggregate, token, index = match.group(1) is not None, match.group(2), int(match.group(3))
        try:
            target = await self.resolver.resolve(token, aggregate)
        except ResolveError:
            self._warn("token lookup failed; clicks on uncached links are answered 503")
            await _respond(send, *_UNAVAILABLE, head=method == "HEAD")
            return
        location = target.links.get(index) if target is not None else None
        if location is None:
            await _respond(send, *_NOT_FOUND, head=method == "HEAD")
            return
        if method == "GET":
            self._record(scope, Kind.CLICK, token, aggregate, index)
        headers = [(b"location", location), *_REDIRECT_HEADERS]
        await _respond(send, 302, headers, b"", head=False)

    def _record(self, scope: Scope, kind: Kind, token: str, aggregate: bool, index: int) -> None:
        """Buffer the hit; a failure here never changes the answer."""
        try:
            user_agent, forwarded = "", ""
            for name, value in scope["headers"]:
                if name == b"user-agent":
                    user_agent = value.decode("latin-1")
                elif name == b"x-forwarded-for" and self.trust_forwarded_for:
                    forwarded = value.decode("latin-1")
            ip = _client_ip(scope, forwarded)
            signals = read_signals(ip, user_agent, key=self._client_key, with_client=aggregate)
            self.ingest.add(Hit(kind, token, aggregate, datetime.now(UTC), signals, index))
        except Exception as exc:
            # Only the error's type: the request's data (address, agent, token) is never logged.
            self._warn(f"hit not recorded ({type(exc).__name__})")

    def _warn(self, message: str) -> None:
        """At most one warning every 10 s: a database outage must not flood the logs."""
        now = time.monotonic()
        if now - self._last_warning >= 10.0:
            self._last_warning = now
            log.warning("tracking: %s", message)


def _client_ip(scope: Scope, forwarded: str) -> str | None:
    if forwarded:
        return forwarded.rsplit(",", 1)[-1].strip() or None
    client = scope.get("client")
    return client[0] if client else None


async def _respond(
    send: Send, status: int, headers: list, body: bytes, *, head: bool
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})
