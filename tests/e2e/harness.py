"""A running consentmail: real uvicorn on loopback, a real SMTP sink, a real database."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx
import idna
import uvicorn

from consentmail.campaigns.compose import CampaignSpec, create_campaign
from consentmail.campaigns.queue import QueueSummary, queue_campaign
from consentmail.campaigns.runner import deliver
from consentmail.config import Settings
from consentmail.db import session_scope
from consentmail.tracking.ingest import CLICK_SETTLE
from consentmail.web.app import create_app
from tests.smtp_sink import Received, SmtpSink

BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_settings(db_url: str, data_dir: Path, port: int, smtp_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=db_url,
        public_url=f"http://127.0.0.1:{port}",
        smtp_url=smtp_url,
        secret_key="test-secret",
        api_token="test-token",
        default_jurisdiction="strict",
        k_min=10,
        flush_interval=0.05,
        flush_size=1000,
        send_concurrency=4,
        run_worker=False,
    )


@dataclass
class Running:
    settings: Settings
    sink: SmtpSink
    client: httpx.Client

    def campaign(self, **spec: object) -> int:
        with session_scope(self.settings.database_url) as s:
            return create_campaign(s, CampaignSpec(**spec)).id  # type: ignore[arg-type]

    def send(self, campaign_id: int) -> QueueSummary:
        from consentmail.db.models import Campaign

        with session_scope(self.settings.database_url) as s:
            summary = queue_campaign(
                s,
                s.get(Campaign, campaign_id),
                k_min=self.settings.k_min,
                default_jurisdiction=self.settings.default_jurisdiction,
            )
        asyncio.run(deliver(self.settings, campaign_id))
        return summary

    def flushed(self) -> None:
        """Waits until every answered hit is in the database: clicks settle for the scanner-burst
        window (B1) before they are classified, then the next flush writes them."""
        settle = CLICK_SETTLE.total_seconds()
        time.sleep(settle + self.settings.flush_interval * 4 + 0.5)


@contextmanager
def running(db_url: str, data_dir: Path) -> Iterator[Running]:
    port = free_port()
    with SmtpSink() as sink:
        settings = make_settings(db_url, data_dir, port, sink.url)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                access_log=False,
                lifespan="on",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        try:
            with httpx.Client(
                base_url=settings.public_url, headers={"User-Agent": BROWSER_UA}, timeout=10
            ) as client:
                yield Running(settings, sink, client)
        finally:
            server.should_exit = True
            thread.join(timeout=10)


HREF = re.compile(r'(?:href|src)="([^"]+)"')


def unicode_address(addr: str) -> str:
    """The envelope carries IDN domains in IDNA form (I5); contacts store the Unicode form."""
    local, _, domain = addr.rpartition("@")
    if any(label.startswith("xn--") for label in domain.split(".")):
        domain = idna.decode(domain)
    return f"{local}@{domain}"


@dataclass(frozen=True)
class Mail:
    """One received message, parsed once (parsing 45 KB messages thousands of times is slow)."""

    to: str
    message: EmailMessage

    @classmethod
    def of(cls, received: Received) -> Mail:
        return cls(unicode_address(received.rcpt_tos[0]), received.message)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")


def html_of(mail: Mail) -> str:
    part = mail.message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def text_of(mail: Mail) -> str:
    part = mail.message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def data_cm_links(html: str) -> dict[str, str]:
    """The footer's recipient links, by their data-cm role."""
    found = {}
    for tag in re.finditer(r"<a\b[^>]*>", html):
        role = re.search(r'data-cm="([^"]+)"', tag.group(0))
        href = re.search(r'href="([^"]+)"', tag.group(0))
        if role and href:
            found[role.group(1)] = href.group(1).replace("&amp;", "&")
    return found


def urls_in(html: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in HREF.findall(html)]
