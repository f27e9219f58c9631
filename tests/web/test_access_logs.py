"""Issue 5, item 5: the tracking and recipient routes log nothing that identifies a person - no
token, no address, no client IP, no user agent - even with every logger at its lowest level and a
handler on uvicorn's access logger (which turns uvicorn's access lines back on).

The client connects from 127.0.0.2 so that its address cannot be confused with the server's
127.0.0.1 in a startup line; the user agent carries a marker."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from consentmail.db import upgrade
from tests.e2e.harness import free_port, running
from tests.tracking.world import build
from tests.web.recipients import Made, make_recipient

CLIENT_IP = "127.0.0.2"
UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0 Safari/537.36 UA-MARKER-7f3a9c"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# The test's own client and SMTP server log on their side of the wire; they are not the app.
NOT_THE_APP = ("httpx", "httpcore", "mail.log", "tests")
APP_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "consentmail",
               "starlette", "fastapi", "multipart", "python_multipart", "asyncio", "anyio")


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(1)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class EverythingAtDebug:
    """Every app logger at its lowest level (below uvicorn's TRACE) into one handler.

    `attach()` again after uvicorn configured its loggers (its dictConfig resets their levels and
    handlers); `detach()` restores them."""

    def __init__(self) -> None:
        self.handler = Collect()
        self._saved: dict[logging.Logger, int] = {}

    @property
    def records(self) -> list[logging.LogRecord]:
        return self.handler.records

    def attach(self) -> None:
        loggers = [logging.getLogger(name) for name in APP_LOGGERS]
        loggers += [lg for lg in logging.root.manager.loggerDict.values()
                    if isinstance(lg, logging.Logger) and not lg.propagate]
        for lg in loggers:
            self._saved.setdefault(lg, lg.level)
            lg.setLevel(1)
            if self.handler not in lg.handlers:
                lg.addHandler(self.handler)

    def detach(self) -> None:
        for lg, level in self._saved.items():
            lg.setLevel(level)
            lg.removeHandler(self.handler)


def _text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), str(record.__dict__.get("scope", ""))]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def _hit_every_route(client: httpx.Client, made: Made, track: str, aggregate: str) -> None:
    """The tracking routes and every recipient page, as a reader and as a scanner would."""
    assert client.get(f"/o/{track}.gif").status_code == 200
    assert client.head(f"/o/{track}.gif").status_code == 200
    assert client.get(f"/o/a/{aggregate}.gif").status_code == 200
    assert client.get(f"/c/{track}/0").status_code == 302
    assert client.get(f"/c/a/{aggregate}/1").status_code == 302
    assert client.get("/o/" + "z" * 22 + ".gif").status_code == 404
    assert client.get(f"/c/{track}/99").status_code == 404
    assert client.post(f"/o/{track}.gif").status_code == 405
    token = made.page_token
    for path in (f"/t/{token}", f"/p/{token}", f"/p/{token}/data", f"/p/{token}/data.json",
                 f"/u/{token}", "/privacy?lang=it"):
        assert client.get(path).status_code == 200, path
    page = client.get(f"/p/{token}")
    csrf = CSRF.search(page.text)[1]  # type: ignore[index]
    assert client.post(f"/p/{token}", data={"csrf": csrf, "purpose": "newsletter"}).is_success
    assert client.post(f"/t/{token}", data={"csrf": "forged"}).status_code == 403
    stop = client.get(f"/t/{token}")
    assert client.post(f"/t/{token}", data={"csrf": CSRF.search(stop.text)[1]}).is_success  # type: ignore[index]
    assert client.post(f"/u/{token}", content=b"--x\r\nbroken", headers={
        "Content-Type": "multipart/form-data; boundary=x"}).status_code == 200
    assert client.get("/p/" + "q" * 22).status_code == 404


def _secrets(made: Made, track: str, aggregate: str) -> list[str]:
    return [CLIENT_IP, "UA-MARKER", made.page_token, made.email, track, aggregate]


def _client(base_url: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=CLIENT_IP)
    return httpx.Client(base_url=base_url, transport=transport, headers={"User-Agent": UA},
                        timeout=10)


def test_no_log_record_names_anyone(db_url: str, tmp_path: Path) -> None:
    made = make_recipient(db_url)
    world = build(db_url)
    assert world.track_token
    logs = EverythingAtDebug()
    try:
        with running(db_url, tmp_path) as app, _client(app.settings.public_url) as client:
            logs.attach()
            _hit_every_route(client, made, world.track_token, world.aggregate_token)
            app.flushed()
    finally:
        logs.detach()  # after the shutdown, whose lines are in too
    app_records = [r for r in logs.records if not r.name.startswith(NOT_THE_APP)]
    # The capture works, and uvicorn's access lines are there, without person or token.
    access = [r.getMessage() for r in app_records if r.name == "uvicorn.access"]
    assert '- - "GET /o/….gif HTTP/1.1" 200' in access
    assert '- - "POST /p/… HTTP/1.1" 200' in access
    assert '- - "GET /c/a/…/1 HTTP/1.1" 302' in access
    for record in app_records:
        text = _text(record)
        for secret in _secrets(made, world.track_token, world.aggregate_token):
            assert secret not in text, (record.name, text)


def test_consentmail_serve_prints_nothing_that_names_anyone(tmp_path: Path) -> None:
    """The real command, with its own logging set-up and uvicorn settings."""
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    upgrade(url)
    made = make_recipient(url)
    world = build(url)
    assert world.track_token
    port = free_port()
    env = {
        **os.environ,
        "CONSENTMAIL_DATA_DIR": str(tmp_path / "var"),
        "CONSENTMAIL_DATABASE_URL": url,
        "CONSENTMAIL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CONSENTMAIL_WORKER": "0",
        "CONSENTMAIL_FLUSH_INTERVAL": "0.05",
    }
    out = tmp_path / "serve.log"
    with out.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from consentmail.cli import main; main()", "serve",
             "--port", str(port), "--no-worker"],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )
        try:
            with _client(f"http://127.0.0.1:{port}") as client:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        if client.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline or proc.poll() is not None:
                        pytest.fail(f"serve did not start:\n{out.read_text()}")
                    time.sleep(0.1)
                _hit_every_route(client, made, world.track_token, world.aggregate_token)
        finally:
            proc.send_signal(signal.SIGINT)  # graceful: the buffer is flushed
            proc.wait(timeout=20)
    printed = out.read_text()
    assert "retention: personal" in printed  # its log lines are here, counts only
    for secret in _secrets(made, world.track_token, world.aggregate_token):
        assert secret not in printed, secret


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/o/AbC_-123.gif", "/o/….gif"),
        ("/o/a/AbC_-123.gif", "/o/a/….gif"),
        ("/c/AbC_-123/4", "/c/…/4"),
        ("/c/a/AbC_-123/0", "/c/a/…/0"),
        ("/u/AbC_-123", "/u/…"),
        ("/t/AbC_-123?lang=it", "/t/…"),
        ("/p/AbC_-123/data.json", "/p/…/data.json"),
        ("/privacy?lang=fr", "/privacy"),
        ("/api/campaigns/3", "/api/campaigns/3"),
    ],
)
def test_redact_path(path: str, shown: str) -> None:
    from consentmail.web.access_log import redact_path

    assert redact_path(path) == shown
