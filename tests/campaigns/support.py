"""Helpers for campaign tests: contacts with consent through the real ledger, campaigns."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from consentmail.campaigns.compose import CampaignSpec, create_campaign
from consentmail.consent import NewEvent, record
from consentmail.db.models import Campaign, Contact, ContactList, Subscription

GIVEN = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
L7 = "https://app.example/invite?first={{ contact.first_name }}"


def add_contacts(
    session: Session, list_name: str, n: int, *, tracking: bool = False, country: str = "IT"
) -> ContactList:
    """n subscribed contacts with newsletter consent (and tracking consent if asked)."""
    contact_list = ContactList(name=list_name)
    session.add(contact_list)
    session.flush()
    events = []
    for i in range(n):
        contact = Contact(
            email=f"c{i}-{secrets.token_hex(3)}@example.org",
            first_name=f"First{i}",
            last_name=f"Last{i}",
            country=country,
        )
        session.add(contact)
        session.flush()
        session.add(Subscription(contact_id=contact.id, list_id=contact_list.id))
        events.append(NewEvent(contact.id, "newsletter", "grant", GIVEN, "test", "form"))
        if tracking:
            events.append(NewEvent(contact.id, "tracking", "grant", GIVEN, "test", "form"))
    record(session, events)
    session.flush()
    return contact_list


def campaign(session: Session, html: str, *, list_name: str = "news", **spec: object) -> Campaign:
    values: dict[str, object] = {
        "name": "test",
        "subject": "Hello {{ contact.first_name }}",
        "from_addr": "news@shop.example",
        "html": html,
        "list_name": list_name,
    }
    values.update(spec)
    return create_campaign(session, CampaignSpec(**values))  # type: ignore[arg-type]


def page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title></head><body>\n{body}\n</body></html>\n"


def news_list(session: Session, name: str = "news") -> int:
    contact_list = ContactList(name=name)
    session.add(contact_list)
    session.flush()
    return contact_list.id


def person(
    session: Session,
    list_id: int,
    name: str,
    *,
    country: str = "IT",
    language: str = "en",
    collected_at: datetime = GIVEN,
    status: str = "subscribed",
    suppressed: bool = False,
    newsletter: str | None = "grant",
    tracking: tuple[str, datetime] | None = None,
) -> int:
    """<name>@example.org on the list; newsletter granted at GIVEN (then `newsletter` if it is
    another action, e.g. "object"; None: never answered), and one tracking (action, at)."""
    contact = Contact(email=f"{name}@example.org", country=country, language=language,
                      collected_at=collected_at, suppressed=suppressed)
    session.add(contact)
    session.flush()
    session.add(Subscription(contact_id=contact.id, list_id=list_id, status=status))
    events = []
    if newsletter:
        events.append(NewEvent(contact.id, "newsletter", "grant", GIVEN, "test", "form"))
        if newsletter != "grant":
            events.append(NewEvent(contact.id, "newsletter", newsletter, GIVEN, "test", "page"))
    if tracking:
        events.append(NewEvent(contact.id, "tracking", tracking[0], tracking[1], "test", "page"))
    record(session, events)
    return contact.id
