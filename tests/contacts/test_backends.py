"""Import and bulk ledger writes on SQLite and PostgreSQL.

PostgreSQL gets a fresh schema per test (dropped afterwards) on the local server. When the
server is unreachable the PostgreSQL cases are skipped, except with CI=true where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentmail.consent.bulk import record_bulk
from consentmail.consent.ledger import NewEvent, record
from consentmail.consent.verify import verify_chain
from consentmail.contacts.service import find_contact, import_csv
from consentmail.db import get_engine, session_factory, upgrade
from consentmail.db.models import ConsentEvent, Contact, Subscription
from tests.contacts.conftest import CONTACT_FIXTURES, NOW
from tests.contacts.test_bulk import _contacts, ledger, sample_events, state

PG_URL = os.environ.get("CONSENTMAIL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_problem() -> str | None:
    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_URL} unreachable: {exc}".strip()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        sqlite_url = "sqlite:///" + str(tmp_path / "t.db")
        upgrade(sqlite_url)  # the real migration here, on both backends
        yield sqlite_url
        return
    problem = _pg_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"cm_contacts_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    pg_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        upgrade(pg_url)
        yield pg_url
    finally:
        get_engine(pg_url).dispose()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def session(url: str) -> Iterator[Session]:
    sess = session_factory(url)()
    try:
        yield sess
    finally:
        sess.close()


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_import_reimport_and_kept(session: Session) -> None:
    path = CONTACT_FIXTURES / "bom_crlf.csv"
    summary = import_csv(session, path, "main", now=NOW)
    assert (summary.created, summary.updated, len(summary.rejected), summary.events) == (
        8,
        1,
        5,
        12,
    )
    marco = find_contact(session, "MARCO.D_ANGELO8@MÜLLER.EXAMPLE")
    assert marco is not None and marco.email == "marco.d_angelo8@müller.example"
    assert find_contact(session, "hannah.schmidt119@例え.テスト") is not None
    record(session, [NewEvent(marco.id, "newsletter", "withdraw", NOW, "page:prefs", "page")])
    session.commit()
    again = import_csv(session, path, "main", now=NOW)
    assert (again.kept, again.unchanged, again.events) == (1, 9, 0)
    forced = import_csv(session, path, "main", force=True, force_source="ticket 9", now=NOW)
    assert (forced.kept, forced.events) == (0, 3)
    assert _count(session, Subscription) == 8
    assert _count(session, ConsentEvent) == 12 + 1 + 3
    assert _count(session, Contact) == 8
    assert verify_chain(session).ok


def test_dry_run_leaves_nothing(session: Session) -> None:
    import_csv(session, CONTACT_FIXTURES / "semicolon.csv", "de", dry_run=True, now=NOW)
    assert _count(session, Contact) == 0 and _count(session, ConsentEvent) == 0


def test_record_bulk_equals_record(url: str, tmp_path: Path, migrated_template: Path) -> None:
    shutil.copyfile(migrated_template, tmp_path / "reference.db")
    other = "sqlite:///" + str(tmp_path / "reference.db")  # written by record()
    with session_factory(url)() as bulk, session_factory(other)() as orm:
        ids = _contacts(bulk)
        assert _contacts(orm) == ids
        events = sample_events(ids)
        record(orm, events)
        orm.commit()
        expected = ledger(orm)
        for new, row in zip(events, expected, strict=True):
            record_bulk(bulk, [new], recorded_at=row[5].replace(tzinfo=UTC))
        bulk.commit()

        def portable(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
            # PostgreSQL returns aware datetimes, SQLite naive UTC ones: compare in UTC.
            return [
                tuple(
                    v.astimezone(UTC).replace(tzinfo=None)
                    if isinstance(v, datetime) and v.tzinfo
                    else v
                    for v in row
                )
                for row in rows
            ]

        assert portable(ledger(bulk)) == portable(expected)
        assert portable(state(bulk)) == portable(state(orm))
        assert verify_chain(bulk).ok
