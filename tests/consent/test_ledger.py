"""The ledger is append-only at the database level and its hash chain detects tampering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from consentmail.consent import NewEvent, record, snapshot, verify_chain
from consentmail.consent.ledger import LedgerError
from consentmail.db import session_scope
from consentmail.db.engine import get_engine
from consentmail.db.models import Contact
from tests.consent.conftest import tamper


def _contact(url: str, email: str = "ada@example.com") -> int:
    with session_scope(url) as s:
        c = Contact(email=email)
        s.add(c)
        s.flush()
        return c.id


def _ev(cid: int, purpose: str, action: str, day: int = 1) -> NewEvent:
    return NewEvent(
        contact_id=cid,
        purpose=purpose,
        action=action,
        at=datetime(2026, 11, day, 12, 0, tzinfo=UTC),
        source="test",
        method="api",
    )


def test_state_follows_latest_event(db_url: str) -> None:
    cid = _contact(db_url)
    with session_scope(db_url) as s:
        [grant] = record(s, [_ev(cid, "tracking", "grant")])
        snap = snapshot(s, cid, None)
        assert snap.tracking.granted and snap.tracking.event_id == grant.id
        record(s, [_ev(cid, "tracking", "withdraw", 2)])
        assert not snapshot(s, cid, None).tracking.granted
        assert not snapshot(s, cid, None).newsletter.granted  # silence is refusal


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE consent_event SET action = 'grant'",
        "DELETE FROM consent_event",
    ],
)
def test_database_refuses_update_and_delete(db_url: str, statement: str) -> None:
    cid = _contact(db_url)
    with session_scope(db_url) as s:
        record(s, [_ev(cid, "tracking", "withdraw")])
    with pytest.raises(DBAPIError, match="append-only"), get_engine(db_url).begin() as conn:
        conn.execute(text(statement))


def test_chain_verifies_and_names_first_tampered_record(db_url: str) -> None:
    cid = _contact(db_url)
    with session_scope(db_url) as s:
        events = record(
            s,
            [
                _ev(cid, "newsletter", "grant"),
                _ev(cid, "tracking", "grant"),
                _ev(cid, "tracking", "withdraw", 3),
            ],
        )
        ids = [e.id for e in events]
    with session_scope(db_url) as s:
        check = verify_chain(s)
        assert check.ok and check.checked == 3
    # Tamper the way an attacker with DB access would: drop the guard, rewrite, restore.
    tamper(db_url, f"UPDATE consent_event SET action='grant' WHERE id={ids[2]}")
    with session_scope(db_url) as s:
        check = verify_chain(s)
    assert not check.ok and check.first_broken_id == ids[2] and check.checked == 2


def test_unknown_purpose_or_action_is_refused(db_url: str) -> None:
    cid = _contact(db_url)
    with session_scope(db_url) as s, pytest.raises(LedgerError, match="unknown purpose"):
        record(s, [_ev(cid, "marketing", "grant")])
    with session_scope(db_url) as s, pytest.raises(LedgerError, match="unknown action"):
        record(s, [_ev(cid, "tracking", "maybe")])
