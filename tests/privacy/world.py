"""Tracked data for privacy tests: engagement rows, counters and last-open dates at given ages."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from consentmail.db import session_scope
from consentmail.db.models import (
    AggregateCounter,
    Campaign,
    CampaignLink,
    DeliverabilityDate,
    Engagement,
    Message,
)


def sent_message(url: str, contact_id: int, sent_at: datetime, basis: str) -> tuple[int, int]:
    """A sent campaign message to the contact, with one link. Returns (message id, campaign id)."""
    with session_scope(url) as s:
        campaign = Campaign(
            name=f"Campaign {secrets.token_hex(3)}", subject="S", from_addr="n@example.org",
            html="<p>x</p>", status="sent", aggregate_token=secrets.token_urlsafe(16),
        )
        s.add(campaign)
        s.flush()
        s.add(CampaignLink(campaign_id=campaign.id, index=0, url="https://shop.example/sale"))
        message = Message(
            campaign_id=campaign.id, contact_id=contact_id, status="sent", sent_at=sent_at,
            page_token=secrets.token_urlsafe(16), track_token=secrets.token_urlsafe(16),
            open_mode="personal", click_mode="personal", basis=basis,
        )
        s.add(message)
        s.flush()
        return message.id, campaign.id


def engage(url: str, message_id: int, campaign_id: int, basis: str, at: datetime) -> None:
    with session_scope(url) as s:
        s.add_all([
            Engagement(message_id=message_id, campaign_id=campaign_id, kind="open",
                       link_index=-1, basis=basis, first_human_at=at, human_hits=2,
                       machine_hits=1),
            Engagement(message_id=message_id, campaign_id=campaign_id, kind="click",
                       link_index=0, basis=basis, first_human_at=at, human_hits=1),
        ])


def counter(url: str, campaign_id: int, bucket: datetime, human: int, link: int = -1,
            kind: str = "open") -> None:
    with session_scope(url) as s:
        s.add(AggregateCounter(campaign_id=campaign_id, kind=kind, link_index=link,
                               bucket=bucket, human=human, machine=0))


def last_open(url: str, contact_id: int, day: date) -> None:
    with session_scope(url) as s:
        s.add(DeliverabilityDate(contact_id=contact_id, last_open=day))
