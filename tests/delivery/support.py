"""Seeding and a trivial builder for delivery tests (the real builder is render's)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from consentmail.db.engine import session_scope
from consentmail.db.models import Campaign, Contact, Message, utcnow
from consentmail.delivery import BuildFailure, Outgoing

SENDER = "bounces@sender.test"


def message_id_for(message_id: int) -> str:
    return f"<m{message_id}@consentmail.test>"


def seed(
    url: str,
    n: int,
    *,
    emails: Sequence[str] | None = None,
    campaign_status: str = "sending",
) -> tuple[int, list[int]]:
    """A campaign with one queued message for each of n new contacts: (campaign id, ids)."""
    tag = secrets.token_hex(4)
    addresses = [f"u{i}.{tag}@example.test" for i in range(n)] if emails is None else list(emails)
    with session_scope(url) as s:
        campaign = Campaign(
            name=f"test {tag}",
            subject="Hello",
            from_addr="news@sender.test",
            html="<p>Hello</p>",
            status=campaign_status,
            aggregate_token=secrets.token_hex(16),
        )
        s.add(campaign)
        s.flush()
        if not addresses:
            return campaign.id, []
        s.execute(insert(Contact), [{"email": a} for a in addresses])
        contact_ids = s.execute(
            select(Contact.id).where(Contact.email.in_(addresses)).order_by(Contact.id)
        ).scalars()
        s.execute(
            insert(Message),
            [
                {"campaign_id": campaign.id, "contact_id": c, "page_token": secrets.token_hex(16)}
                for c in contact_ids
            ],
        )
        ids = list(
            s.execute(
                select(Message.id).where(Message.campaign_id == campaign.id).order_by(Message.id)
            ).scalars()
        )
        return campaign.id, ids


def hold(url: str, campaign_id: int, held: bool) -> None:
    """Make a campaign's queued messages not due (held) or due now: a start gate for workers."""
    until = utcnow() + timedelta(days=1) if held else None
    with session_scope(url) as s:
        s.execute(
            update(Message)
            .where(Message.campaign_id == campaign_id, Message.status == "queued")
            .values(next_attempt_at=until)
        )


def render(message_id: int, rcpt: str) -> Outgoing:
    """A small RFC 5322 message (formatted directly: email.message costs ~2 ms a message)."""
    utf8 = not rcpt.isascii()
    data = (
        "From: News <news@sender.test>\r\n"
        f"To: {rcpt}\r\n"
        f"Subject: Message {message_id}\r\n"
        f"Message-ID: {message_id_for(message_id)}\r\n"
        "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: {'8bit' if utf8 else '7bit'}\r\n"
        "\r\n"
        f"Hello {rcpt}, this is message {message_id}.\r\n"
        ".leading dot stays\r\n"
    ).encode()
    return Outgoing(message_id, SENDER, (rcpt,), data, needs_smtputf8=utf8)


def simple_builder(session: Session, ids: Sequence[int]) -> list[Outgoing | BuildFailure]:
    rows = session.execute(
        select(Message.id, Contact.email)
        .join(Contact, Contact.id == Message.contact_id)
        .where(Message.id.in_(ids))
    ).all()
    return [render(i, email) for i, email in rows]


def statuses(url: str, campaign_id: int) -> dict[str, int]:
    with session_scope(url) as s:
        rows = s.execute(select(Message.status).where(Message.campaign_id == campaign_id))
        out: dict[str, int] = {}
        for (status,) in rows:
            out[status] = out.get(status, 0) + 1
        return out
