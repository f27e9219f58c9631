"""Right of access and portability (GDPR Art. 15 and 20): everything stored about one contact.

The export is plain JSON-ready values. Tokens (page, pixel and link tokens) are credentials, not
data about the person, and stay out; so does transactional merge data, which may hold secrets such
as password-reset links. IP addresses and user agents of opens and clicks are never stored, so
there is nothing to export about them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.models import (
    Campaign,
    CampaignLink,
    ConsentEvent,
    ConsentState,
    Contact,
    ContactList,
    DeliverabilityDate,
    Engagement,
    Message,
    Subscription,
)

FORMAT = "consentmail-access-export/1"
NOT_STORED = ("ip_address", "user_agent")


def iso(value: datetime | date | None) -> str | None:
    """UTC ISO 8601 (SQLite hands datetimes back naive; everything stored is UTC)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def access_export(
    session: Session, contact_id: int, now: datetime | None = None
) -> dict[str, Any]:
    """What we know about one contact, as a JSON-serialisable dict. LookupError if unknown."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise LookupError(f"no contact with id {contact_id}")
    messages = list(
        session.scalars(
            select(Message).where(Message.contact_id == contact_id).order_by(Message.id)
        )
    )
    campaigns = _campaign_names(session, {m.campaign_id for m in messages if m.campaign_id})
    last_open = session.get(DeliverabilityDate, contact_id)
    return {
        "format": FORMAT,
        "generated_at": iso(now or datetime.now(UTC)),
        "contact": {
            "email": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "country": contact.country,
            "language": contact.language,
            "collected_at": iso(contact.collected_at),
            "created_at": iso(contact.created_at),
            "suppressed": contact.suppressed,
            "suppressed_reason": contact.suppressed_reason,
        },
        "lists": _lists(session, contact_id),
        "consent": {
            "current": _current(session, contact_id),
            "events": _events(session, contact_id),
        },
        "messages": [
            {
                "campaign": campaigns.get(m.campaign_id) if m.campaign_id else None,
                "status": m.status,
                "sent_at": iso(m.sent_at),
                "open_measurement": m.open_mode,
                "click_measurement": m.click_mode,
                "basis": m.basis,
                "rule": m.rule_id,
                "reason": m.reason,
                "profile": m.profile,
            }
            for m in messages
        ],
        "engagement": _engagement(session, messages, campaigns),
        "deliverability": {"last_open_date": iso(last_open.last_open) if last_open else None},
        "never_stored": list(NOT_STORED),
    }


def _campaign_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Campaign.id, Campaign.name).where(Campaign.id.in_(ids)))
    return {campaign_id: name for campaign_id, name in rows}


def _lists(session: Session, contact_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ContactList.name, Subscription.status, Subscription.changed_at, Subscription.source)
        .join(ContactList, ContactList.id == Subscription.list_id)
        .where(Subscription.contact_id == contact_id)
        .order_by(ContactList.name)
    )
    return [
        {"list": name, "status": status, "since": iso(changed), "source": source}
        for name, status, changed, source in rows
    ]


def _current(session: Session, contact_id: int) -> dict[str, Any]:
    states = session.scalars(
        select(ConsentState).where(ConsentState.contact_id == contact_id).order_by(
            ConsentState.purpose
        )
    )
    return {
        s.purpose: {"granted": s.granted, "objected": s.objected, "since": iso(s.at)}
        for s in states
    }


def _events(session: Session, contact_id: int) -> list[dict[str, Any]]:
    events = session.scalars(
        select(ConsentEvent).where(ConsentEvent.contact_id == contact_id).order_by(ConsentEvent.id)
    )
    return [
        {
            "id": e.id,
            "at": iso(e.at),
            "recorded_at": iso(e.recorded_at),
            "purpose": e.purpose,
            "action": e.action,
            "source": e.source,
            "method": e.method,
            "notice_version": e.notice_version,
            "notice_sha256": e.notice_sha256,
            "evidence": e.evidence or {},
            "ip_truncated": e.ip_truncated,
            "hash": e.hash,
        }
        for e in events
    ]


def _engagement(
    session: Session, messages: list[Message], campaigns: dict[int, str]
) -> list[dict[str, Any]]:
    by_id = {m.id: m for m in messages}
    if not by_id:
        return []
    rows = list(
        session.scalars(
            select(Engagement)
            .where(Engagement.message_id.in_(by_id))
            .order_by(Engagement.message_id, Engagement.kind.desc(), Engagement.link_index)
        )
    )
    link_keys = {(r.campaign_id, r.link_index) for r in rows if r.kind == "click" and r.campaign_id}
    links: dict[tuple[int, int], str] = {}
    for campaign_id, index in link_keys:
        link = session.get(CampaignLink, (campaign_id, index))
        if link is not None:
            links[(campaign_id, index)] = link.url
    result = []
    for r in rows:
        message = by_id[r.message_id]
        url = None
        if r.kind == "click":
            url = (message.personal_destinations or {}).get(str(r.link_index)) or links.get(
                (r.campaign_id or 0, r.link_index)
            )
        result.append(
            {
                "campaign": campaigns.get(r.campaign_id) if r.campaign_id else None,
                "sent_at": iso(message.sent_at),
                "kind": r.kind,
                "link_index": r.link_index if r.kind == "click" else None,
                "link_url": url,
                "basis": r.basis,
                "first_at": iso(r.first_human_at),
                "human_hits": r.human_hits,
                "machine_hits": r.machine_hits,
            }
        )
    return result
