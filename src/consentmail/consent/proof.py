"""The proof of consent for one person (R16, GDPR 7(1)): every ledger event with the notice text it
points at, the current state per purpose and per list, and the legacy/re-permission messages.

Plain data (JSON-ready dicts): the CLI prints it, a DPO hands it over, a regulator re-checks the
hashes (`hash_ok` recomputes each event's hash from its content and its stored predecessor hash;
`notice.text_ok` hashes the stored notice text again; `consentmail consent verify` walks the whole
chain and every notice).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.ledger import event_hash, iso_utc  # iso_utc: explain.py takes it here
from consentmail.consent.notices import find_notice, sha256_of
from consentmail.consent.repermission import REFUSALS
from consentmail.contacts.address import AddressError, normalise_address
from consentmail.db.models import (
    ConsentEvent,
    ConsentState,
    Contact,
    ContactList,
    PermissionRequest,
    Subscription,
)
from consentmail.policy.types import Purpose


class UnknownContact(LookupError):
    pass


def find_contact_by_email(session: Session, email: str) -> Contact:
    """The contact for an address as typed (any case, stray spaces); UnknownContact otherwise."""
    raw = email.strip()
    contact = session.scalar(select(Contact).where(Contact.email == raw))
    if contact is None:
        try:
            contact = session.scalar(select(Contact).where(Contact.email == normalise_address(raw)))
        except AddressError as exc:
            raise UnknownContact(f"{email!r} is not a valid email address: {exc}") from None
    if contact is None:
        raise UnknownContact(f"no contact with address {raw!r}")
    return contact


def event_dict(session: Session, ev: ConsentEvent) -> dict[str, Any]:
    """One ledger event as proof: what, when, where from, the words shown, and its hash."""
    notice = find_notice(session, ev.purpose, ev.notice_version, ev.notice_sha256)
    return {
        "id": ev.id,
        "purpose": ev.purpose,
        "action": ev.action,
        "at": iso_utc(ev.at),
        "recorded_at": iso_utc(ev.recorded_at),
        "source": ev.source,
        "method": ev.method,
        "notice": {
            "version": ev.notice_version or None,
            "sha256": ev.notice_sha256 or None,
            "language": notice.language if notice else None,
            "text": notice.text if notice else None,
            # When these words were stored here: a choice dated earlier (an external form's
            # collected_at) was made on a copy of them kept elsewhere; the proof says so.
            "stored_at": iso_utc(notice.created_at) if notice else None,
            # A version without its stored text, or with text that is not the words the event
            # hashed (edited in the database), weakens the proof: say which.
            "found": notice is not None,
            "text_ok": None if notice is None else sha256_of(notice.text) == ev.notice_sha256,
        },
        "evidence": ev.evidence or {},
        "ip_truncated": ev.ip_truncated or None,
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
        "hash_ok": event_hash(ev.prev_hash, ev) == ev.hash,
    }


def answer_word(granted: bool, objected: bool, action: str | None, at: datetime | None) -> str:
    """The answer a purpose's state records, in the words every view uses (proof, contacts
    show): granted | objected | refused (withdrawn, or said no) | expired on <date> | no answer.
    `action` is the action of the state's event; None with no state at all."""
    if granted:
        return "granted"
    if objected:
        return "objected"
    if action == "expire" and at is not None:
        return f"expired on {at.date().isoformat()}"
    if action in REFUSALS:
        return "refused"
    return "no answer" if action is None else "not granted"


def answers(session: Session, contact_id: int) -> dict[str, str]:
    """answer_word per purpose of one contact; purposes without state are "no answer"."""
    rows = session.execute(
        select(ConsentState.purpose, ConsentState.granted, ConsentState.objected,
               ConsentState.at, ConsentEvent.action)
        .outerjoin(ConsentEvent, ConsentEvent.id == ConsentState.event_id)
        .where(ConsentState.contact_id == contact_id)
    ).all()
    found = {
        purpose: answer_word(granted, objected, action or "", at)
        for purpose, granted, objected, at, action in rows
    }
    return {p.value: found.get(p.value, "no answer") for p in Purpose}


def proof_for(session: Session, email: str) -> dict[str, Any]:
    """Everything the ledger proves about one person. UnknownContact for an unknown address."""
    contact = find_contact_by_email(session, email)
    events = session.scalars(
        select(ConsentEvent).where(ConsentEvent.contact_id == contact.id).order_by(ConsentEvent.id)
    ).all()
    states = {
        s.purpose: s
        for s in session.scalars(select(ConsentState).where(ConsentState.contact_id == contact.id))
    }
    words = answers(session, contact.id)
    purposes = {}
    for purpose in Purpose:
        st = states.get(purpose.value)
        purposes[purpose.value] = {
            "granted": bool(st and st.granted),
            "objected": bool(st and st.objected),
            "since": iso_utc(st.at) if st else None,
            "event_id": st.event_id if st else None,
            # No event at all: silence, which is a refusal (R10), but no answer on record.
            "answer": words[purpose.value],
        }
    lists = [
        {"list": name, "status": sub.status, "since": iso_utc(sub.changed_at), "source": sub.source}
        for sub, name in session.execute(
            select(Subscription, ContactList.name)
            .join(ContactList, ContactList.id == Subscription.list_id)
            .where(Subscription.contact_id == contact.id)
            .order_by(ContactList.name)
        )
    ]
    requests = [
        {
            "id": r.id,
            "purpose": r.purpose,
            "kind": r.kind,
            "sent_at": iso_utc(r.sent_at),
            "answered_at": iso_utc(r.answered_at),
        }
        for r in session.scalars(
            select(PermissionRequest)
            .where(PermissionRequest.contact_id == contact.id)
            .order_by(PermissionRequest.sent_at, PermissionRequest.id)
        )
    ]
    return {
        "contact": {
            "id": contact.id,
            "email": contact.email,
            "country": contact.country or None,
            "language": contact.language or None,
            "collected_at": iso_utc(contact.collected_at),
            "suppressed": contact.suppressed,
        },
        "events": [event_dict(session, ev) for ev in events],
        "state": purposes,
        "lists": lists,
        "requests": requests,
        "generated_at": iso_utc(datetime.now(UTC)),
    }
