"""A real SMTP server on loopback for tests: aiosmtpd in a thread, recording what it accepts.

    with SmtpSink() as sink:
        ...send to sink.url (smtp://127.0.0.1:<free port>?starttls=0)...
        assert sink.received[0].message_id == "<1@example.test>"

Hooks shape the replies: `on_rcpt(address)` and `on_data(received)` return an SMTP reply line
("451 4.3.0 try later", "550 5.1.1 no such user") to refuse, or None to accept. `delay` slows
every DATA reply (a message is recorded, as a real server commits it, just before its 250).
`pause()` holds every DATA reply, before recording, until `resume()`.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    mail_options: tuple[str, ...]
    login: str | None = None  # the AUTH user of the connection, if any

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=default_policy).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.sink.on_rcpt(address) if self.sink.on_rcpt else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
        received = Received(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            data=envelope.original_content or b"",
            mail_options=tuple(envelope.mail_options),
            login=login,
        )
        reply = self.sink.on_data(received) if self.sink.on_data else None
        if reply:
            return reply
        while True:  # checked and recorded under the lock: after pause() nothing is recorded
            with self.sink._lock:
                if self.sink._accepting:
                    self.sink._received.append(received)
                    n = len(self.sink._received)
                    break
            await asyncio.sleep(0.005)
        return f"250 2.0.0 queued as sink-{n}"


class _Controller(Controller):
    """Listens on a socket bound beforehand to port 0: a free port, without a race."""

    def __init__(self, handler: _Handler, sock: socket.socket, **kwargs: Any) -> None:
        self._sock = sock
        super().__init__(handler, hostname="127.0.0.1", port=sock.getsockname()[1], **kwargs)
        self.sessions: list[SMTP] = []

    def factory(self) -> SMTP:
        server = super().factory()
        self.sessions.append(server)
        return server

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class SmtpSink:
    def __init__(
        self,
        *,
        delay: float = 0.0,
        smtputf8: bool = True,
        auth: tuple[str, str] | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        starttls: ssl.SSLContext | None = None,
        on_rcpt: Callable[[str], str | None] | None = None,
        on_data: Callable[[Received], str | None] | None = None,
    ) -> None:
        self.delay = delay
        self.on_rcpt = on_rcpt
        self.on_data = on_data
        self._lock = threading.Lock()
        self._accepting = True
        self._received: list[Received] = []
        self._auth = auth
        kwargs: dict[str, Any] = {
            "server_hostname": "sink.test",
            "enable_SMTPUTF8": smtputf8,
            "ready_timeout": 10.0,
        }
        if auth is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        if implicit_tls is not None:
            kwargs["ssl_context"] = implicit_tls
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.host = "127.0.0.1"
        self.port: int = sock.getsockname()[1]
        self._controller = _Controller(_Handler(self), sock, **kwargs)
        self._base_sessions = 0

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> SmtpSink:
        self._controller.start()
        self._base_sessions = len(self._controller.sessions)  # start() opens one to check
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what happened ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        scheme = "smtps" if self._controller.ssl_context else "smtp"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def message_ids(self) -> list[str]:
        return [r.message_id for r in self.received]

    @property
    def connections(self) -> int:
        """Client connections accepted since start()."""
        return len(self._controller.sessions) - self._base_sessions

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            time.sleep(0.005)
        return False

    def pause(self) -> None:
        """Accept nothing more for now: messages being sent wait, unrecorded, for resume()."""
        with self._lock:
            self._accepting = False

    def resume(self) -> None:
        with self._lock:
            self._accepting = True

    def drop_connections(self) -> None:
        """Close every client connection from the server side (an idle timeout, a restart)."""
        done = threading.Event()

        def close_all() -> None:
            for server in self._controller.sessions:
                if server.transport is not None:
                    server.transport.close()
            done.set()

        self._controller.loop.call_soon_threadsafe(close_all)
        done.wait(5)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self._auth is not None
        given = (
            (data.login.decode(), data.password.decode())
            if isinstance(data, LoginPassword)
            else None
        )
        ok = given == self._auth
        # handled=False: aiosmtpd answers the 235/535 itself.
        return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)
