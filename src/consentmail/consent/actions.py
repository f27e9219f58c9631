"""What recipients do from their messages: unsubscribe, stop tracking, change preferences.

Each action commits before returning (law 5: a consent change is durable before the response).
The page token in the URL identifies the message; nothing else is needed or trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.ledger import NewEvent, record
from consentmail.consent.notices import notice_for_grant
from consentmail.consent.state import snapshot
from consentmail.db.models import Contact, ContactList, Message, Subscription, utcnow
from consentmail.policy.types import ConsentSnapshot, Purpose
from consentmail.reports.campaign import campaign_source


@dataclass(frozen=True)
class Recipient:
    message: Message
    contact: Contact
    list: ContactList | None


def find_recipient(session: Session, page_token: str) -> Recipient | None:
    msg = session.scalar(select(Message).where(Message.page_token == page_token))
    if msg is None:
        return None
    contact = session.get(Contact, msg.contact_id)
    assert contact is not None
    lst = session.get(ContactList, msg.list_id) if msg.list_id else None
    return Recipient(msg, contact, lst)


def _source(r: Recipient, action: str) -> str:
    if r.message.campaign_id is None:
        return f"message:{r.message.id}/{action}"
    return campaign_source(r.message.campaign_id, action)


def unsubscribe(session: Session, r: Recipient, method: str) -> bool:
    """Unsubscribe from the message's list. True if something changed. Idempotent."""
    if r.list is None:
        return False
    sub = session.scalar(
        select(Subscription).where(
            Subscription.contact_id == r.contact.id, Subscription.list_id == r.list.id
        )
    )
    now = utcnow()
    if sub is None:
        sub = Subscription(contact_id=r.contact.id, list_id=r.list.id)
        session.add(sub)
    elif sub.status == "unsubscribed":
        return False
    sub.status = "unsubscribed"
    sub.changed_at = now
    sub.source = _source(r, "unsubscribe")
    # Art. 21: leaving the list also ends the newsletter consent on the ledger.
    if snapshot(session, r.contact.id, None).newsletter.granted:
        record(session, [_event(r, Purpose.NEWSLETTER, "withdraw", method, "unsubscribe")])
    session.commit()
    return True


def resubscribe(session: Session, r: Recipient) -> bool:
    """Join the list again from the preference page (a deliberate, CSRF-checked POST)."""
    if r.list is None:
        return False
    sub = session.scalar(
        select(Subscription).where(
            Subscription.contact_id == r.contact.id, Subscription.list_id == r.list.id
        )
    )
    if sub is None:
        sub = Subscription(contact_id=r.contact.id, list_id=r.list.id)
        session.add(sub)
    elif sub.status == "subscribed":
        return False
    sub.status = "subscribed"
    sub.changed_at = utcnow()
    sub.source = _source(r, "preferences")
    session.commit()
    return True


def stop_tracking(session: Session, r: Recipient, method: str) -> bool:
    """Withdraw tracking (and profiling, which rests on it). The subscription stays."""
    snap = snapshot(session, r.contact.id, None)
    events = []
    # Also when tracking was never granted: the refusal on record ends exemption-based
    # tracking such as the fr-cnil-2026 deliverability pixel (R7 with R13).
    if snap.tracking.granted or snap.tracking.event_id is None:
        events.append(_event(r, Purpose.TRACKING, "withdraw", method, "stop-tracking"))
    if snap.profiling.granted:
        events.append(_event(r, Purpose.PROFILING, "withdraw", method, "stop-tracking"))
    if not events:
        return False
    record(session, events)
    session.commit()
    return True


def set_preferences(
    session: Session,
    r: Recipient,
    wanted: dict[str, bool],
    method: str,
    *,
    notice_language: str | None = None,
) -> int:
    """Grant or withdraw each purpose as the preference form says. Returns events written.

    Grants name the current notice in `notice_language` (the language the page was shown in;
    default the contact's), falling back to English as the page does."""
    snap = snapshot(session, r.contact.id, None)
    current = {p.value: getattr(snap, p.value).granted for p in Purpose}
    events = []
    for p, want in wanted.items():
        if p not in current or current[p] == want:
            continue
        event = _event(r, Purpose(p), "grant" if want else "withdraw", method, "preferences")
        if want:
            # R16: a grant names the exact words agreed to (version and SHA-256 of the text).
            notice = notice_for_grant(session, p, notice_language or r.contact.language)
            event = replace(event, notice_version=notice.version, notice_sha256=notice.sha256)
        events.append(event)
    record(session, events)
    session.commit()
    return len(events)


def current_state(session: Session, r: Recipient) -> ConsentSnapshot:
    return snapshot(session, r.contact.id, r.list.id if r.list else None)


def _event(r: Recipient, purpose: Purpose, action: str, method: str, page: str) -> NewEvent:
    return NewEvent(
        contact_id=r.contact.id,
        purpose=purpose.value,
        action=action,
        at=utcnow(),
        source=_source(r, page),
        method=method,
        evidence={"message_page": page},
    )
