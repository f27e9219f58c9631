"""Recipients for page tests: a contact on one or more lists with consent on the ledger, and a sent
message whose page token opens /u, /t and /p. Stored through the real models and ledger."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from consentmail.config import Settings
from consentmail.consent import NewEvent, record, snapshot
from consentmail.db import session_scope
from consentmail.db.models import (
    Campaign,
    ConsentEvent,
    Contact,
    ContactList,
    Message,
    Subscription,
)

PUBLIC = "http://pages.test"
GIVEN = datetime(2026, 5, 2, 10, 0, tzinfo=UTC)


def settings_for(db_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": db_url,
        "public_url": PUBLIC,
        "smtp_url": "capture://",
        "secret_key": "test-secret",
        "api_token": "test-token",
        "run_worker": False,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


def client_for(settings: Settings) -> httpx.AsyncClient:
    """The whole app in process (tracking routes in front, pages behind), without its lifespan."""
    from consentmail.web.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings, retention_interval=None))
    return httpx.AsyncClient(transport=transport, base_url=PUBLIC)


def add_contact(
    url: str, email: str, *, list_name: str = "news", language: str = "it",
    country: str = "IT", tracking: bool = True,
) -> int:
    """A contact on `list_name` with newsletter (and tracking) consent on the ledger."""
    with session_scope(url) as s:
        contact = Contact(email=email, first_name=email.split("@")[0].title(), country=country,
                          language=language)
        s.add(contact)
        lst = s.scalar(select(ContactList).where(ContactList.name == list_name))
        if lst is None:
            lst = ContactList(name=list_name)
            s.add(lst)
        s.flush()
        s.add(Subscription(contact_id=contact.id, list_id=lst.id, source="import:test"))
        events = [NewEvent(contact.id, "newsletter", "grant", GIVEN, "form:signup", "form")]
        if tracking:
            events.append(NewEvent(contact.id, "tracking", "grant", GIVEN, "form:signup", "form"))
        record(s, events)
        return contact.id


@dataclass(frozen=True)
class Made:
    page_token: str
    contact_id: int
    email: str
    list_ids: dict[str, int]
    message_id: int
    campaign_id: int | None


def make_recipient(
    url: str,
    *,
    language: str = "it",
    tracking: bool = True,
    lists: tuple[str, ...] = ("news",),
    message_list: str | None = "news",
) -> Made:
    suffix = secrets.token_hex(4)
    with session_scope(url) as s:
        contact = Contact(
            email=f"ada-{suffix}@example.org", first_name="Ada", last_name="Lovelace",
            country="IT", language=language,
        )
        s.add(contact)
        list_ids = {}
        for name in lists:
            lst = s.scalar(select(ContactList).where(ContactList.name == name))
            if lst is None:
                lst = ContactList(name=name)
                s.add(lst)
            s.flush()
            list_ids[name] = lst.id
            s.add(Subscription(contact_id=contact.id, list_id=lst.id, source="import:test"))
        events = [NewEvent(contact.id, "newsletter", "grant", GIVEN, "form:signup", "form")]
        if tracking:
            events.append(NewEvent(contact.id, "tracking", "grant", GIVEN, "form:signup", "form"))
        record(s, events)
        campaign_id = None
        list_id = list_ids.get(message_list) if message_list else None
        if message_list is not None:
            campaign = Campaign(
                name=f"May news {suffix}", list_id=list_id, subject="News",
                from_addr="news@example.org", html="<p>News</p>", status="sent",
                aggregate_token=secrets.token_urlsafe(16),
            )
            s.add(campaign)
            s.flush()
            campaign_id = campaign.id
        message = Message(
            campaign_id=campaign_id, contact_id=contact.id, list_id=list_id, status="sent",
            sent_at=GIVEN + timedelta(days=1), page_token=secrets.token_urlsafe(16),
            open_mode="none", click_mode="none", basis="none",
        )
        s.add(message)
        s.flush()
        return Made(message.page_token, contact.id, contact.email, list_ids, message.id,
                    campaign_id)


def subscribed(url: str, contact_id: int, list_id: int) -> bool:
    with session_scope(url) as s:
        status = s.scalar(
            select(Subscription.status).where(
                Subscription.contact_id == contact_id, Subscription.list_id == list_id
            )
        )
    return status == "subscribed"


def granted(url: str, contact_id: int, purpose: str) -> bool:
    with session_scope(url) as s:
        return bool(getattr(snapshot(s, contact_id, None), purpose).granted)


def ledger_size(url: str) -> int:
    with session_scope(url) as s:
        return int(s.scalar(select(func.count()).select_from(ConsentEvent)) or 0)


def last_event(url: str, contact_id: int, purpose: str) -> ConsentEvent:
    with session_scope(url) as s:
        event = s.scalar(
            select(ConsentEvent)
            .where(ConsentEvent.contact_id == contact_id, ConsentEvent.purpose == purpose)
            .order_by(ConsentEvent.id.desc())
            .limit(1)
        )
        assert event is not None
        return event
