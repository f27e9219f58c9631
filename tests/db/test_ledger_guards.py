"""Migration 0007: the database refuses every way of rewriting a consent event or a notice text,
REPLACE on SQLite included (it deletes the old row without firing DELETE triggers)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from consentmail.consent import NewEvent, record
from consentmail.consent.notices import add_notice
from consentmail.db import session_scope, upgrade
from consentmail.db.engine import get_engine
from consentmail.db.migrate import alembic_config
from consentmail.db.models import Contact

COLUMNS = ("id,contact_id,purpose,'withdraw',at,recorded_at,source,method,notice_version,"
           "notice_sha256,evidence,ip_truncated,prev_hash,hash")


def _world(url: str) -> int:
    """One notice and one tracking grant; returns the event's id."""
    with session_scope(url) as s:
        c = Contact(email="ada@example.com")
        s.add(c)
        s.flush()
        n = add_notice(s, "tracking", "v1", "en", "We measure opens.")
        [ev] = record(s, [NewEvent(contact_id=c.id, purpose="tracking", action="grant",
                                   at=datetime(2026, 11, 1, tzinfo=UTC), source="test",
                                   method="api", notice_version=n.version,
                                   notice_sha256=n.sha256)])
        return ev.id


def _refused(url: str, statement: str, table: str) -> None:
    with pytest.raises(DBAPIError, match=f"{table} is append-only"), \
            get_engine(url).begin() as conn:
        conn.execute(text(statement))


def _action(url: str, event_id: int) -> str:
    with get_engine(url).connect() as conn:
        return conn.execute(
            text(f"SELECT action FROM consent_event WHERE id = {event_id}")
        ).scalar_one()


@pytest.mark.parametrize("verb", ["REPLACE", "INSERT OR REPLACE"])
def test_sqlite_refuses_replace_over_a_ledger_row(tmp_path: Path, verb: str) -> None:
    url = f"sqlite:///{tmp_path / 'cm.db'}"
    upgrade(url)
    event_id = _world(url)
    # The statement from the review: the grant rewritten as a withdrawal, same id.
    _refused(url, f"{verb} INTO consent_event SELECT {COLUMNS} FROM consent_event "
                  f"WHERE id={event_id}", "consent_event")
    assert _action(url, event_id) == "grant"


def test_postgresql_refuses_upsert_over_a_ledger_row(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("ON CONFLICT (id) DO UPDATE is PostgreSQL's way; SQLite's REPLACE is above")
    event_id = _world(db_url)
    _refused(db_url, f"INSERT INTO consent_event SELECT {COLUMNS} FROM consent_event "
                     f"WHERE id={event_id} ON CONFLICT (id) DO UPDATE SET action='withdraw'",
             "consent_event")
    assert _action(db_url, event_id) == "grant"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE notice SET text = 'Rewritten after the fact: you agreed to everything.'",
        "DELETE FROM notice",
        # A new id under the stored purpose/version/language, and the stored id again.
        "REPLACE INTO notice (purpose, version, language, text, sha256, created_at) "
        "SELECT purpose, version, language, 'Other words', sha256, created_at FROM notice",
        "INSERT OR REPLACE INTO notice SELECT id, purpose, version, language, 'Other words', "
        "sha256, created_at FROM notice",
        "INSERT INTO notice SELECT id, purpose, version, language, text, sha256, created_at "
        "FROM notice WHERE true ON CONFLICT (id) DO UPDATE SET text = 'Other words'",
    ],
)
def test_notice_texts_are_append_only(db_url: str, statement: str) -> None:
    if "REPLACE" in statement and db_url.startswith("postgresql"):
        pytest.skip("REPLACE is SQLite syntax")
    _world(db_url)
    _refused(db_url, statement, "notice")
    with get_engine(db_url).connect() as conn:
        assert conn.execute(text("SELECT text FROM notice")).scalars().all() == [
            "We measure opens."
        ]


def test_postgresql_refuses_truncating_notices(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no TRUNCATE (its DELETE FROM is refused above)")
    _world(db_url)
    _refused(db_url, "TRUNCATE notice", "notice")


def test_new_notices_and_events_still_go_in(db_url: str) -> None:
    _world(db_url)
    with session_scope(db_url) as s:
        assert add_notice(s, "tracking", "v2", "en", "We measure clicks.").id > 0
    assert _world_again(db_url) > 0


def _world_again(url: str) -> int:
    with session_scope(url) as s:
        c = Contact(email="bob@example.com")
        s.add(c)
        s.flush()
        [ev] = record(s, [NewEvent(contact_id=c.id, purpose="newsletter", action="grant",
                                   at=datetime(2026, 11, 2, tzinfo=UTC), source="test",
                                   method="api")])
        return ev.id


def test_downgrade_removes_the_guards_and_upgrade_restores_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cm.db'}"
    upgrade(url)
    _world(url)
    command.downgrade(alembic_config(url), "0006")
    with get_engine(url).begin() as conn:
        conn.execute(text("UPDATE notice SET text = text"))  # no guard at 0006
    upgrade(url)
    _refused(url, "UPDATE notice SET text = text", "notice")
