"""Small builders for consent tests: contacts, lists, campaigns and messages in a real database."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from consentmail.consent import NewEvent, record
from consentmail.db.engine import get_engine
from consentmail.db.models import Campaign, Contact, ContactList, Message, Subscription

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def tamper(url: str, *statements: str) -> None:
    """Run SQL past the ledger's append-only guard, as an attacker with database access would:
    the guard triggers are dropped (SQLite) or disabled (PostgreSQL) first."""
    engine = get_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER IF EXISTS consent_event_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS consent_event_no_delete"))
        else:
            conn.execute(
                text("ALTER TABLE consent_event DISABLE TRIGGER consent_event_append_only")
            )
        for statement in statements:
            conn.execute(text(statement))


def add_contact(
    s: Session,
    email: str,
    *,
    country: str = "",
    language: str = "",
    collected_at: datetime = T0,
    list_id: int | None = None,
) -> Contact:
    c = Contact(email=email, country=country, language=language, collected_at=collected_at)
    s.add(c)
    s.flush()
    if list_id is not None:
        s.add(Subscription(contact_id=c.id, list_id=list_id, status="subscribed"))
        s.flush()
    return c


def add_list(s: Session, name: str = "news") -> ContactList:
    lst = ContactList(name=name)
    s.add(lst)
    s.flush()
    return lst


def add_campaign(
    s: Session,
    list_id: int | None,
    *,
    name: str = "c",
    status: str = "draft",
    category: str = "marketing",
    measure: str = "individual",
) -> Campaign:
    c = Campaign(
        name=name,
        list_id=list_id,
        subject="Hello",
        from_addr="news@example.com",
        html="<p>Hello</p>",
        category=category,
        measure=measure,
        status=status,
        aggregate_token=secrets.token_urlsafe(16),
    )
    s.add(c)
    s.flush()
    return c


def add_message(
    s: Session, campaign_id: int | None, contact_id: int, list_id: int | None
) -> Message:
    m = Message(
        campaign_id=campaign_id,
        contact_id=contact_id,
        list_id=list_id,
        page_token=secrets.token_urlsafe(16),
    )
    s.add(m)
    s.flush()
    return m


def grant(
    s: Session,
    contact_id: int,
    *purposes: str,
    at: datetime = T0,
    action: str = "grant",
    version: str = "",
    sha: str = "",
) -> list[int]:
    rows = record(
        s,
        [
            NewEvent(
                contact_id=contact_id,
                purpose=p,
                action=action,
                at=at,
                source="test",
                method="api",
                notice_version=version,
                notice_sha256=sha,
            )
            for p in purposes
        ],
    )
    return [r.id for r in rows]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    """Point the `consentmail` command at the test database."""
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_API_TOKEN", "test-token")
    monkeypatch.delenv("CONSENTMAIL_DEFAULT_JURISDICTION", raising=False)
    return db_url
