"""SMTP transport: a small pool of reused aiosmtplib connections.

URL: smtp://[user:pass@]host[:port][?starttls=1|0&timeout=30&helo=name&cafile=/ca.pem]
     smtps://... for implicit TLS (port 465 by default).
starttls absent means opportunistic (upgrade when offered), 1 means required, 0 means never.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

import idna
from aiosmtplib import (
    SMTP,
    SMTPDataError,
    SMTPException,
    SMTPRecipientRefused,
    SMTPResponseException,
    SMTPSenderRefused,
)

from consentmail.delivery.transport import Outgoing, SendResult

log = logging.getLogger(__name__)

_FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
_OPTIONS = {"starttls", "timeout", "helo", "cafile"}
# Errors after which the connection is in an unknown state: drop it.
_CONNECTION_ERRORS = (SMTPException, OSError, asyncio.TimeoutError)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool | None = None  # None: opportunistic
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in repr or logs
    timeout: float = 30.0
    helo: str | None = None
    cafile: str | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        # Error messages never echo the URL: it may carry a password.
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("smtp", "smtps"):
            raise ValueError(f"not an SMTP URL (scheme {scheme!r}); use smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("SMTP URL has no host: use smtp://host:port")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("SMTP URL has an invalid port") from None
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = sorted(set(query) - _OPTIONS)
        if unknown:
            raise ValueError(f"unknown SMTP URL option(s) {unknown}; known: {sorted(_OPTIONS)}")
        starttls: bool | None = None
        if "starttls" in query:
            flag = query["starttls"].lower()
            if flag not in _FLAGS:
                raise ValueError("starttls must be 1 or 0")
            starttls = _FLAGS[flag]
        implicit = scheme == "smtps"
        if implicit and starttls:
            raise ValueError("smtps:// is already TLS; starttls=1 applies to smtp:// only")
        try:
            timeout = float(query.get("timeout", "30"))
        except ValueError:
            raise ValueError("timeout must be a number of seconds") from None
        return cls(
            host=parts.hostname,
            port=port or (465 if implicit else 25),
            implicit_tls=implicit,
            starttls=False if implicit else starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            timeout=timeout,
            helo=query.get("helo") or None,
            cafile=query.get("cafile") or None,
        )

    def redacted_url(self) -> str:
        """The URL as it may appear in logs: the password replaced by ***."""
        user = f"{self.username}:***@" if self.username else ""
        scheme = "smtps" if self.implicit_tls else "smtp"
        return f"{scheme}://{user}{self.host}:{self.port}"


class _Disconnected(Exception):
    """The connection died before DATA: nothing was accepted, a fresh connection may retry."""


class SmtpTransport:
    """Up to `concurrency` connections, each reused for message after message."""

    def __init__(self, config: SmtpConfig, concurrency: int = 4) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.config = config
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._idle: list[SMTP] = []  # LIFO: the most recently used connection is the warmest
        self.connections_opened = 0  # observability (and tests): how often we had to connect

    @classmethod
    def from_url(cls, url: str, concurrency: int = 4) -> SmtpTransport:
        return cls(SmtpConfig.from_url(url), concurrency)

    def __repr__(self) -> str:
        return f"SmtpTransport({self.config.redacted_url()!r}, concurrency={self.concurrency})"

    async def send(self, msg: Outgoing) -> SendResult:
        async with self._slots:
            client = self._take_idle()
            reused = client is not None
            finished = False  # the exchange ended cleanly: the connection may be reused
            try:
                while True:
                    if client is None:
                        try:
                            client = await self._connect()
                        except _CONNECTION_ERRORS as exc:
                            return SendResult(False, False, f"connection failed: {_describe(exc)}")
                    try:
                        result = await _transaction(client, msg)
                    except _Disconnected as exc:
                        client.close()
                        client = None
                        if reused:
                            # A pooled connection the server had dropped: retry once, fresh.
                            reused = False
                            continue
                        return SendResult(False, False, f"connection lost: {exc}")
                    except _CONNECTION_ERRORS as exc:
                        # Lost during DATA: the server may or may not have it; retry later.
                        return SendResult(False, False, f"connection lost: {_describe(exc)}")
                    finished = True
                    return result
            finally:
                # A cancelled or broken exchange leaves the connection mid-command: close it.
                if client is not None:
                    if finished and client.is_connected:
                        self._idle.append(client)
                    else:
                        client.close()

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            with contextlib.suppress(*_CONNECTION_ERRORS):
                await asyncio.wait_for(client.quit(), timeout=2)
            client.close()

    def _take_idle(self) -> SMTP | None:
        while self._idle:
            client = self._idle.pop()
            if client.is_connected:
                return client
            client.close()
        return None

    async def _connect(self) -> SMTP:
        cfg = self.config
        client = SMTP(
            hostname=cfg.host,
            port=cfg.port,
            username=cfg.username,
            password=cfg.password,
            use_tls=cfg.implicit_tls,
            start_tls=cfg.starttls,
            timeout=cfg.timeout,
            local_hostname=cfg.helo,
            cert_bundle=cfg.cafile,
        )
        await client.connect()
        try:
            if client.is_ehlo_or_helo_needed:
                await client.ehlo()  # we read the server's extensions before the first MAIL
        except BaseException:
            client.close()
            raise
        self.connections_opened += 1
        log.debug("connected to %s", cfg.redacted_url())
        return client


async def _transaction(client: SMTP, msg: Outgoing) -> SendResult:
    """One MAIL/RCPT/DATA exchange. Raises _Disconnected before DATA, other errors during it."""
    if not msg.recipients:
        return SendResult(False, False, "no recipients")
    sender, recipients = msg.sender, msg.recipients
    utf8 = msg.needs_smtputf8
    if not utf8:
        # An internationalised domain travels as IDNA; only a UTF-8 local part needs SMTPUTF8.
        forms = [_ascii_address(a) for a in (sender, *recipients)]
        converted = [a for a in forms if a is not None]
        if len(converted) < len(forms):
            utf8 = True
        else:
            sender, recipients = converted[0], tuple(converted[1:])
    options: list[str] = []
    if utf8:
        if not client.supports_extension("smtputf8"):
            # Our relay's limitation, not a bad address: never a bounce, never a suppression.
            return SendResult(
                False,
                False,
                "not sent: our SMTP relay does not offer SMTPUTF8, which this address (non-ASCII "
                "local part) needs; use a relay with SMTPUTF8 (the address was not refused)",
                relay_limitation=True,
            )
        options.append("SMTPUTF8")
    if not msg.data.isascii() and client.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
    if client.supports_extension("size"):
        options.append(f"SIZE={len(msg.data)}")
    encoding = "utf-8" if utf8 else "ascii"

    try:
        await client.mail(sender, options=options, encoding=encoding)
    except SMTPSenderRefused as exc:
        if exc.code == 421:  # the server is closing this connection
            raise _Disconnected(_reply(exc)) from exc
        await _reset(client)
        # A refused sender says nothing about the recipient: never a bounce.
        return SendResult(False, False, _reply(exc))
    except _CONNECTION_ERRORS as exc:
        raise _Disconnected(_describe(exc)) from exc

    refused: list[SMTPRecipientRefused] = []
    for rcpt in recipients:
        try:
            await client.rcpt(rcpt, encoding=encoding)
        except SMTPRecipientRefused as exc:
            refused.append(exc)
        except _CONNECTION_ERRORS as exc:
            raise _Disconnected(_describe(exc)) from exc
    if len(refused) == len(recipients):
        await _reset(client)
        # Permanent only when every refusal is 5xx: a 4xx may pass on a later attempt.
        permanent = all(exc.code >= 500 for exc in refused)
        return SendResult(False, permanent, "; ".join(_reply(exc) for exc in refused))

    try:
        response = await client.data(msg.data)
    except SMTPDataError as exc:
        await _reset(client)
        return SendResult(False, exc.code >= 500, _reply(exc))
    reply = f"{response.code} {response.message}"
    if refused:
        reply += "; refused: " + "; ".join(f"{e.recipient}: {_reply(e)}" for e in refused)
    return SendResult(True, False, reply)


def _ascii_address(address: str) -> str | None:
    """The address with its domain in IDNA (ASCII) form; None when the local part is UTF-8."""
    if address.isascii():
        return address
    local, at, domain = address.rpartition("@")
    if not at or not local.isascii():
        return None
    try:
        return f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
    except idna.IDNAError:
        return None


async def _reset(client: SMTP) -> None:
    try:
        await client.rset()
    except _CONNECTION_ERRORS:
        client.close()  # not worth keeping: the pool opens a fresh one next time


def _reply(exc: SMTPResponseException) -> str:
    return f"{exc.code} {exc.message}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SMTPResponseException):
        return _reply(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
