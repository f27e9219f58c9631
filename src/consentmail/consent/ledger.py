"""The consent ledger: append-only events chained by hash, and the state derived from them.

Every write goes through `record()`, which appends the event and updates the derived
`consent_state` row in the same transaction, so state and proof never disagree; the permission
requests the events answer are closed in it too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from consentmail.consent.repermission import answer_requests
from consentmail.db.models import ConsentEvent, ConsentState, utcnow
from consentmail.policy.types import Purpose

ACTIONS = ("grant", "withdraw", "object", "expire")
PURPOSES = tuple(p.value for p in Purpose)


class LedgerError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class NewEvent:
    contact_id: int
    purpose: str
    action: str
    at: datetime
    source: str
    method: str
    notice_version: str = ""
    notice_sha256: str = ""
    evidence: dict | None = None
    ip_truncated: str = ""


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def as_utc(dt: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken as UTC already (the project's convention)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso_utc(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset ("2026-12-04T17:05:33.431550+00:00"): the one form every
    JSON view (CLI and API) gives a time in."""
    return None if dt is None else as_utc(dt).isoformat()


def event_hash(prev_hash: str, ev: ConsentEvent) -> str:
    """SHA-256 over the previous hash and this event's canonical JSON."""
    body = {
        "contact_id": ev.contact_id,
        "purpose": ev.purpose,
        "action": ev.action,
        "at": _iso(ev.at),
        "recorded_at": _iso(ev.recorded_at),
        "source": ev.source,
        "method": ev.method,
        "notice_version": ev.notice_version,
        "notice_sha256": ev.notice_sha256,
        "evidence": ev.evidence or {},
        "ip_truncated": ev.ip_truncated,
    }
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    """The JSON the chain hashes: sorted keys, no spaces, non-ASCII characters as they are."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_head(session: Session) -> str:
    """The last hash, read under a lock held until commit, so the chain never forks.

    Also the ledger's append lock: a writer that must check before it appends (a duplicate, a
    later choice) calls it first, so no other appender runs between its check and its write."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(724301)"))
    else:
        # SQLite: a real write takes the database write lock for this transaction before the
        # head is read; a plain SELECT would run outside it and two writers could share a head.
        session.execute(
            text(
                "INSERT INTO workspace_setting (key, value) VALUES ('ledger:append', '') "
                "ON CONFLICT (key) DO UPDATE SET value = ''"
            )
        )
    last = session.scalar(select(ConsentEvent.hash).order_by(ConsentEvent.id.desc()).limit(1))
    return last or ""


def record(session: Session, events: Iterable[NewEvent]) -> list[ConsentEvent]:
    """Append events (in order) and update the derived state. The caller commits."""
    rows: list[ConsentEvent] = []
    prev = None
    for new in events:
        if new.purpose not in PURPOSES:
            raise LedgerError(f"unknown purpose {new.purpose!r}; expected one of {PURPOSES}")
        if new.action not in ACTIONS:
            raise LedgerError(f"unknown action {new.action!r}; expected one of {ACTIONS}")
        if prev is None:
            prev = chain_head(session)
        ev = ConsentEvent(
            contact_id=new.contact_id,
            purpose=new.purpose,
            action=new.action,
            # SQLite keeps a datetime's wall-clock digits and drops the offset: store UTC only.
            at=as_utc(new.at),
            recorded_at=utcnow(),
            source=new.source,
            method=new.method,
            notice_version=new.notice_version,
            notice_sha256=new.notice_sha256,
            evidence=new.evidence or {},
            ip_truncated=new.ip_truncated,
            prev_hash=prev,
        )
        ev.hash = event_hash(prev, ev)
        prev = ev.hash
        rows.append(ev)
    if not rows:
        return rows
    session.add_all(rows)
    session.flush()  # assigns ids, needed by the derived state
    for ev in rows:
        _apply(session, ev)
    if any(ev.action != "expire" for ev in rows):  # expiry runs answer no request
        answer_requests(session, rows[0].id - 1)  # appenders are serialised: ids are ours
    return rows


def _apply(session: Session, ev: ConsentEvent) -> None:
    state = session.get(ConsentState, (ev.contact_id, ev.purpose))
    granted = ev.action == "grant"
    if state is None:
        session.add(
            ConsentState(
                contact_id=ev.contact_id,
                purpose=ev.purpose,
                granted=granted,
                objected=ev.action == "object",
                event_id=ev.id,
                at=ev.at,
            )
        )
    else:
        state.granted = granted
        state.objected = ev.action == "object"
        state.event_id = ev.id
        state.at = ev.at
