"""Reading contacts back out: a list as CSV rows, one contact with its consent history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from consentmail.contacts.formula import neutralise
from consentmail.contacts.lookup import UnknownList, require_list
from consentmail.contacts.plan import PURPOSES
from consentmail.contacts.service import find_contact
from consentmail.db.models import ConsentEvent, ConsentState, Contact, ContactList, Subscription

__all__ = ["EXPORT_HEADER", "UnknownList", "contact_details", "export_rows"]

# Re-importable: the consent columns keep the import's names.
EXPORT_HEADER = [
    "email", "first_name", "last_name", "country", "language", "subscription",
    "newsletter_consent", "tracking_consent", "profiling_consent",
]


def export_rows(session: Session, list_name: str) -> Iterator[list[str]]:
    """Every contact on the list (subscribed or not), streamed in id order. UnknownList is raised
    here, before anything is written, not at the first row.

    Cells are safe to open in a spreadsheet: one beginning with = + - @, a tab or a CR (a
    formula to Excel and the like) gets a single quote in front, as OWASP advises. The choice
    (formula.py) is lossless: `contacts import` removes that quote again, only where the export
    added it, so an exported list re-imports with the same names and addresses.
    """
    return _rows(session, require_list(session, list_name).id)


def _rows(session: Session, list_id: int) -> Iterator[list[str]]:
    states = {p: aliased(ConsentState, name=f"state_{p}") for p in PURPOSES}
    query = select(
        Contact.email, Contact.first_name, Contact.last_name, Contact.country, Contact.language,
        Subscription.status, *(states[p].granted for p in PURPOSES),
    ).join(Subscription, Subscription.contact_id == Contact.id)
    for purpose, state in states.items():
        query = query.outerjoin(
            state, (state.contact_id == Contact.id) & (state.purpose == purpose)
        )
    query = query.where(Subscription.list_id == list_id).order_by(Contact.id)
    for row in session.execute(query.execution_options(yield_per=1000)):
        *fields, newsletter, tracking, profiling = row
        yield [
            *(neutralise(cell or "") for cell in fields),
            *("yes" if g else "no" for g in (newsletter, tracking, profiling)),
        ]


def contact_details(session: Session, raw_email: str, *, last_events: int = 20) -> dict[str, Any]:
    """What we hold about one contact (for `contacts show`); LookupError if unknown."""
    contact = find_contact(session, raw_email)
    if contact is None:
        raise LookupError(f"no contact with the address {raw_email.strip()!r}")
    lists = session.execute(
        select(ContactList.name, Subscription.status, Subscription.changed_at, Subscription.source)
        .join(Subscription, Subscription.list_id == ContactList.id)
        .where(Subscription.contact_id == contact.id)
        .order_by(ContactList.name)
    )
    consent = session.execute(
        select(ConsentState.purpose, ConsentState.granted, ConsentState.objected,
               ConsentState.at, ConsentEvent.source, ConsentEvent.id)
        .join(ConsentEvent, ConsentEvent.id == ConsentState.event_id)
        .where(ConsentState.contact_id == contact.id)
    )
    history = session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.contact_id == contact.id)
        .order_by(ConsentEvent.id.desc())
        .limit(last_events)
    )
    return {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        # null when unknown, as `consent proof` says it
        "country": contact.country or None,
        "language": contact.language or None,
        "suppressed": contact.suppressed,
        "collected_at": contact.collected_at,
        "lists": [
            {"list": name, "status": status, "changed_at": changed, "source": source}
            for name, status, changed, source in lists
        ],
        "consent": {
            purpose: {"granted": granted, "objected": objected, "at": at, "source": source,
                      "event_id": event_id}
            for purpose, granted, objected, at, source, event_id in consent
        },
        "events": [
            {"id": e.id, "purpose": e.purpose, "action": e.action, "at": e.at,
             "source": e.source, "method": e.method, "evidence": e.evidence}
            for e in reversed(list(history))
        ],
    }
