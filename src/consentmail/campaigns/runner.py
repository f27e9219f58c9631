"""Wiring the delivery worker to this project's message builder and settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from consentmail.campaigns.build import BuildConfig, build_messages, load_dkim_key
from consentmail.config import Settings
from consentmail.delivery import Outgoing, transport_from_url
from consentmail.delivery.worker import BuildFailure, Worker


def build_config(settings: Settings) -> BuildConfig:
    return BuildConfig(
        public_url=settings.public_url,
        one_click=settings.one_click,
        k_min=settings.k_min,
        default_jurisdiction=settings.default_jurisdiction,
        dkim=load_dkim_key(settings.dkim_selector, settings.dkim_domain, settings.dkim_key_file),
    )


def builder_for(
    settings: Settings,
) -> Callable[[Session, Sequence[int]], Sequence[Outgoing | BuildFailure]]:
    cfg = build_config(settings)

    def build(session: Session, ids: Sequence[int]) -> Sequence[Outgoing | BuildFailure]:
        return build_messages(session, cfg, ids)

    return build


def make_worker(settings: Settings, worker_id: str | None = None) -> Worker:
    transport = transport_from_url(
        settings.smtp_url, settings.data_dir, concurrency=settings.send_concurrency
    )
    return Worker(
        settings.database_url,
        transport,
        builder_for(settings),
        worker_id=worker_id,
        concurrency=settings.send_concurrency,
        # Accepted messages survive a kill of this process until committed (delivery/journal.py).
        journal_dir=settings.data_dir / "journal",
    )


async def deliver(
    settings: Settings,
    campaign_id: int | None,
    progress: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Deliver until nothing of the campaign is left (or forever with campaign_id None)."""
    worker = make_worker(settings)
    try:
        await worker.run(
            campaign_id=campaign_id,
            until_idle=campaign_id is not None,
            stop=stop,
            progress=progress,
        )
    finally:
        await worker.transport.aclose()
