"""record_bulk gives what record() gives: same hashes for the same events, same derived state."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from consentmail.consent.bulk import _COLUMNS, _Hasher, _Row, record_bulk
from consentmail.consent.ledger import LedgerError, NewEvent, event_hash, record
from consentmail.consent.verify import verify_chain
from consentmail.db import session_factory
from consentmail.db.models import ConsentEvent, ConsentState, Contact

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def _contacts(session: Session) -> list[int]:
    people = [Contact(email=f"c{i}@example.com") for i in range(3)]
    session.add_all(people)
    session.flush()
    return [c.id for c in people]


def sample_events(ids: list[int]) -> list[NewEvent]:
    a, b, c = ids
    return [
        NewEvent(
            a,
            "newsletter",
            "grant",
            T0,
            "import:x.csv",
            "import",
            evidence={"imported": True, "line": 2, "ip": "203.0.113.0"},
            ip_truncated="203.0.113.0",
        ),
        NewEvent(
            a,
            "tracking",
            "grant",
            T0,
            "form:signup",
            "form",
            notice_version="v3",
            notice_sha256="ab" * 32,
            evidence={"note": "café ✓"},
        ),
        NewEvent(b, "newsletter", "grant", T0 + timedelta(days=1), "api", "api"),
        NewEvent(a, "tracking", "withdraw", T0 + timedelta(days=2), "page:stop", "page"),
        NewEvent(c, "profiling", "object", T0 + timedelta(days=3), "page:prefs", "page"),
        NewEvent(b, "newsletter", "expire", T0 + timedelta(days=400), "expiry", "api"),
        NewEvent(
            a, "tracking", "grant", T0 + timedelta(days=5), "import:y.csv", "import", evidence=None
        ),
    ]


def ledger(session: Session) -> list[tuple[Any, ...]]:
    return [
        (
            e.id,
            e.contact_id,
            e.purpose,
            e.action,
            e.at,
            e.recorded_at,
            e.source,
            e.method,
            e.notice_version,
            e.notice_sha256,
            e.evidence,
            e.ip_truncated,
            e.prev_hash,
            e.hash,
        )
        for e in session.scalars(select(ConsentEvent).order_by(ConsentEvent.id))
    ]


def state(session: Session) -> list[tuple[Any, ...]]:
    return [
        (s.contact_id, s.purpose, s.granted, s.objected, s.event_id, s.at)
        for s in session.scalars(
            select(ConsentState).order_by(ConsentState.contact_id, ConsentState.purpose)
        )
    ]


@pytest.fixture
def two_sessions(tmp_path: Path, migrated_template: Path) -> Iterator[list[Session]]:
    sessions = []
    for name in ("orm", "bulk"):
        shutil.copyfile(migrated_template, tmp_path / f"{name}.db")
        sessions.append(session_factory("sqlite:///" + str(tmp_path / f"{name}.db"))())
    yield sessions
    for s in sessions:
        s.close()


def test_same_events_same_hashes_and_state(two_sessions: list[Session]) -> None:
    orm, bulk = two_sessions
    ids = _contacts(orm)
    assert _contacts(bulk) == ids  # fresh databases: the same contact ids
    events = sample_events(ids)
    record(orm, events)
    orm.commit()
    expected = ledger(orm)
    # record() stamps each event with its own recorded_at: replay them one call per event.
    for new, row in zip(events, expected, strict=True):
        record_bulk(bulk, [new], recorded_at=row[5].replace(tzinfo=UTC))
    bulk.commit()
    assert ledger(bulk) == expected
    assert state(bulk) == state(orm)
    assert verify_chain(bulk).ok


def test_one_call_many_events(two_sessions: list[Session]) -> None:
    orm, bulk = two_sessions
    events = sample_events(_contacts(orm))
    _contacts(bulk)
    record(orm, events)
    record_bulk(bulk, events, recorded_at=T0 + timedelta(days=500))
    orm.commit()
    bulk.commit()
    assert state(bulk) == state(orm)  # last event per purpose wins, ids line up
    assert [row[:5] for row in ledger(bulk)] == [row[:5] for row in ledger(orm)]
    assert verify_chain(bulk).ok


def test_same_instant_in_another_zone_is_stored_as_record_stores_it(
    two_sessions: list[Session],
) -> None:
    # Batches memoise processed timestamps; the zone must be part of the key. (Storing a
    # non-UTC time this way is the ledger's own behaviour on SQLite: callers pass UTC.)
    orm, bulk = two_sessions
    ids = _contacts(orm)
    _contacts(bulk)
    india = T0.astimezone(timezone(timedelta(hours=5, minutes=30)))
    events = [
        NewEvent(ids[0], "newsletter", "grant", T0, "api", "api"),
        NewEvent(ids[1], "newsletter", "grant", india, "api", "api"),
    ]
    record(orm, events)
    record_bulk(bulk, events)
    stored = "SELECT contact_id, at FROM consent_event ORDER BY id"
    assert bulk.execute(text(stored)).all() == orm.execute(text(stored)).all()


def test_chain_continues_across_both_paths(two_sessions: list[Session]) -> None:
    session, _ = two_sessions
    events = sample_events(_contacts(session))
    record(session, events[:2])
    record_bulk(session, events[2:5])
    record(session, events[5:])
    session.commit()
    check = verify_chain(session)
    assert check.ok and check.checked == len(events)


def test_refuses_unknown_purpose_or_action(two_sessions: list[Session]) -> None:
    session, _ = two_sessions
    [a, *_] = _contacts(session)
    good = NewEvent(a, "newsletter", "grant", T0, "api", "api")
    with pytest.raises(LedgerError, match="unknown purpose 'ads'"):
        record_bulk(session, [good, NewEvent(a, "ads", "grant", T0, "api", "api")])
    with pytest.raises(LedgerError, match="unknown action 'maybe'"):
        record_bulk(session, [NewEvent(a, "newsletter", "maybe", T0, "api", "api")])
    assert ledger(session) == []
    record_bulk(session, [])  # nothing to do
    assert ledger(session) == []


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from(['"', "\\", "\n", "\x00", "é"]),
    max_size=12,
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None)
@given(
    contact_id=st.integers(min_value=1, max_value=2**40),
    texts=st.lists(_TEXT, min_size=6, max_size=6),
    evidence=st.dictionaries(_TEXT, _JSON, max_size=4),
    at=st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))])),
    recorded=st.datetimes(),  # naive: read as UTC by the ledger
)
def test_batch_hasher_is_event_hash(
    contact_id: int,
    texts: list[str],
    evidence: dict[str, Any],
    at: datetime,
    recorded: datetime,
) -> None:
    purpose, action, source, method, version, ip = texts
    row = _Row(
        contact_id=contact_id,
        purpose=purpose,
        action=action,
        at=at,
        recorded_at=recorded,
        source=source,
        method=method,
        notice_version=version,
        notice_sha256="ab" * 32,
        evidence=evidence,
        ip_truncated=ip,
    )
    hasher = _Hasher(recorded)
    hasher.trusted = True  # skip the built-in comparison: this test is the comparison
    values = tuple(row[name] for name in _COLUMNS[:11])
    assert hasher("f" * 64, values) == event_hash("f" * 64, cast(ConsentEvent, row))


def test_batch_hasher_falls_back_to_event_hash_for_odd_values() -> None:
    row = _Row(
        contact_id=1,
        purpose="newsletter",
        action="grant",
        at=T0,
        recorded_at=T0,
        source="s",
        method="api",
        notice_version="",
        notice_sha256="",
        evidence={},
        ip_truncated=None,
    )  # json writes null: the template cannot, event_hash does
    values = tuple(row[name] for name in _COLUMNS[:11])
    assert _Hasher(T0)("", values) == event_hash("", cast(ConsentEvent, row))
    row["ip_truncated"], row["contact_id"] = "", True  # json writes true, str() would say True
    values = tuple(row[name] for name in _COLUMNS[:11])
    assert _Hasher(T0)("", values) == event_hash("", cast(ConsentEvent, row))
