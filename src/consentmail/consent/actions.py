"""What recipients do from their messages: unsubscribe, stop tracking, change preferences.

Each action commits before returning (law 5: a consent change is durable before the response).
The page token in the URL identifies the message; nothing else is needed or trusted. `ip` is the
client's address: kept (truncated) with the event only where the workspace enabled it.

A "no" the person gives (stop tracking, a box they untick) is always a refusal on the ledger,
whatever the state it meets (expired, never answered): R10's six months run from it, and it ends
the bases that rest on silence (legacy non-objection, deliverability) and the mandatory
exemption's personal measurement. From an informed legacy contact (R11) it is recorded as an
`object` event naming the information message it answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.ip_capture import kept_ip
from consentmail.consent.ledger import NewEvent, record
from consentmail.consent.legacy_status import LegacyPending
from consentmail.consent.notices import notice_for_grant
from consentmail.consent.repermission import REFUSALS  # the answers R10 counts as a no
from consentmail.consent.state import snapshot
from consentmail.db.models import ConsentEvent, Contact, ContactList, Message, Subscription, utcnow
from consentmail.policy.types import ConsentSnapshot, Purpose, PurposeState
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


def _refused(session: Session, state: PurposeState) -> bool:
    """The latest answer on record is already a no (not an expiry, not silence)."""
    if state.granted or state.event_id is None:
        return False
    if state.objected:
        return True
    return session.scalar(
        select(ConsentEvent.action).where(ConsentEvent.id == state.event_id)
    ) in REFUSALS


def unsubscribe(session: Session, r: Recipient, method: str, *, ip: str = "") -> bool:
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
        ip = kept_ip(session, ip)
        record(session, [_event(r, Purpose.NEWSLETTER, "withdraw", method, "unsubscribe", ip)])
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


def stop_tracking(
    session: Session,
    r: Recipient,
    method: str,
    *,
    ip: str = "",
    legacy: LegacyPending | None = None,
) -> bool:
    """Withdraw tracking (and profiling, which rests on it). The subscription stays.

    The tracking refusal is recorded on every POST, whatever the state: after an expiry or with
    no answer (it ends the fr-cnil-2026 deliverability pixel, the legacy basis and the mandatory
    exemption's measurement, R7/R11/R6 with R13), and again after a refusal (the person said no
    once more: R10's pause restarts). For an informed legacy contact (`legacy`, from
    consent.legacy_status) it is their objection (R11). Always returns True."""
    snap = snapshot(session, r.contact.id, None)
    ip = kept_ip(session, ip)
    events = [_refusal(r, method, "stop-tracking", ip, legacy)]
    if snap.profiling.granted:
        events.append(_event(r, Purpose.PROFILING, "withdraw", method, "stop-tracking", ip))
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
    unticked: Collection[str] = (),
    ip: str = "",
    notices: Mapping[str, tuple[str, str]] | None = None,
    legacy: LegacyPending | None = None,
) -> int:
    """Grant or withdraw each purpose as the preference form says. Returns events written.

    A grant names `notices[purpose]` (version, SHA-256: the notice the page showed, checked
    current by the caller) if given, else the current notice in `notice_language` (the language
    the page was shown in; default the contact's), falling back to English as the page does.
    `unticked` names the purposes the person unticked (shown granted, sent unticked): each is a
    refusal on record even if the grant lapsed meanwhile (expiry), unless the latest answer is a
    no already. `legacy`: tracking left unticked by an informed legacy contact on a page that
    offered the objection is that objection (R11)."""
    snap = snapshot(session, r.contact.id, None)
    states = {p.value: getattr(snap, p.value) for p in Purpose}
    ip = kept_ip(session, ip)
    events = []
    for p, want in wanted.items():
        state = states.get(p)
        if state is None:
            continue
        changed = want != state.granted
        # Unticked, but the grant lapsed since the page was shown: still a "no" to record.
        lapsed_no = not want and p in unticked and not _refused(session, state)
        objection = not want and p == Purpose.TRACKING.value and legacy is not None
        if not (changed or lapsed_no or objection):
            continue
        if not want:
            tracking_legacy = legacy if p == Purpose.TRACKING.value else None
            events.append(
                _refusal(r, method, "preferences", ip, tracking_legacy)
                if tracking_legacy is not None
                else _event(r, Purpose(p), "withdraw", method, "preferences", ip)
            )
            continue
        event = _event(r, Purpose(p), "grant", method, "preferences", ip)
        # R16: a grant names the exact words agreed to (version and SHA-256 of the text).
        pinned = (notices or {}).get(p)
        if pinned is None:
            notice = notice_for_grant(session, p, notice_language or r.contact.language)
            pinned = (notice.version, notice.sha256)
        events.append(replace(event, notice_version=pinned[0], notice_sha256=pinned[1]))
    record(session, events)
    session.commit()
    return len(events)


def _refusal(
    r: Recipient, method: str, page: str, ip: str, legacy: LegacyPending | None
) -> NewEvent:
    """The tracking "no": a withdrawal, or the R11 objection naming the notice it answers."""
    if legacy is None:
        return _event(r, Purpose.TRACKING, "withdraw", method, page, ip)
    event = _event(r, Purpose.TRACKING, "object", method, page, ip)
    return replace(event, evidence={**(event.evidence or {}), **legacy.evidence()})


def current_state(session: Session, r: Recipient) -> ConsentSnapshot:
    return snapshot(session, r.contact.id, r.list.id if r.list else None)


def _event(
    r: Recipient, purpose: Purpose, action: str, method: str, page: str, ip: str = ""
) -> NewEvent:
    """`ip` is already what may be kept (kept_ip): truncated, or empty."""
    return NewEvent(
        contact_id=r.contact.id,
        purpose=purpose.value,
        action=action,
        at=utcnow(),
        source=_source(r, page),
        method=method,
        evidence={"message_page": page},
        ip_truncated=ip,
    )
