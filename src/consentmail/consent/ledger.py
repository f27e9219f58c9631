"""The consent ledger: append-only events chained by hash, and the state derived from them.

Every write goes through `record()`, which appends the event and updates the derived
`consent_state` row in the same transaction, so state and proof never disagree; the permission
requests the events answer are closed in it too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import exists, func, select, text, tuple_
from sqlalchemy.orm import Session, aliased

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


@dataclass(frozen=True, slots=True)
class Anchor:
    """An event id and its hash as recorded earlier, outside the database (a ticket, a log)."""

    id: int
    hash: str


_ANCHOR = re.compile(r"^\s*([1-9][0-9]{0,18})\s*:\s*([0-9a-fA-F]{64})\s*$")


def parse_anchor(value: str) -> Anchor:
    """'ID:HASH' as `consentmail consent verify` prints the head; LedgerError otherwise."""
    found = _ANCHOR.match(value)
    if found is None:
        raise LedgerError(f"anchor {value!r}: expected ID:HASH, the event id and its 64 hex "
                          "digit hash as `consentmail consent verify` prints the head")
    return Anchor(int(found[1]), found[2].lower())


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    checked: int  # events whose hash was recomputed
    first_broken_id: int | None = None  # the event at fault (or the one a state points at)
    problem: str = ""
    states_checked: int = 0  # consent_state rows cross-checked against the ledger
    # A derived state that disagrees with the ledger: whose, and which purpose.
    contact_id: int | None = None
    purpose: str | None = None
    # The last event when the check started: recorded elsewhere, it is the anchor of a later run.
    head_id: int | None = None
    head_hash: str | None = None
    # What failed: chain | state | anchor | notice ("" when ok).
    kind: str = ""
    anchor_checked: bool = False  # an anchor was given and matched
    notices_checked: int = 0  # notice rows whose text was hashed again (consent/verify.py)
    notice_id: int | None = None  # the notice at fault


def verify_chain(session: Session, batch: int = 5000, anchor: Anchor | None = None) -> ChainCheck:
    """Walk the ledger in id order and recompute every hash; then cross-check the derived state.

    The chain alone cannot see a cut-off tail (the remaining events still chain), but the state
    can: every consent_state row must point at an existing event, the latest of its contact and
    purpose, and say what that event says; every event's contact and purpose must have a state.
    Nothing inside the database catches a tail removed together with its states, or a chain
    rewritten and hashed again: an `anchor` recorded earlier does (that event must still be
    there with that hash). Both walks go in chunks of `batch` rows, so memory stays flat.
    """
    head = session.execute(
        select(ConsentEvent.id, ConsentEvent.hash).order_by(ConsentEvent.id.desc()).limit(1)
    ).first()
    head_id, head_hash = (head.id, head.hash) if head else (None, None)
    found = partial(ChainCheck, head_id=head_id, head_hash=head_hash)
    prev = ""
    checked = 0
    last_id = 0
    anchor_seen = False
    while True:
        chunk = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.id > last_id)
            .order_by(ConsentEvent.id)
            .limit(batch)
        ).all()
        if not chunk:
            break
        first_id = last_id
        for ev in chunk:
            if ev.prev_hash != prev:
                broken, problem = _break_at(last_id, ev.id)
                return found(False, checked, broken, problem, kind="chain")
            if event_hash(prev, ev) != ev.hash:
                return found(False, checked, ev.id, "content does not match its hash",
                             kind="chain")
            if anchor is not None and ev.id == anchor.id:
                if ev.hash != anchor.hash:
                    return found(False, checked, ev.id, _rewritten(ev.id, ev.hash, anchor),
                                 kind="anchor")
                anchor_seen = True
            prev = ev.hash
            checked += 1
            last_id = ev.id
        session.expunge_all()
        if (stateless := _event_without_state(session, first_id, last_id)) is not None:
            ev_id, cid, purpose = stateless
            return found(
                False, checked, ev_id,
                f"contact {cid}, {purpose}: event {ev_id} has no derived consent state",
                0, cid, purpose, kind="state",
            )
    if anchor is not None and not anchor_seen:
        return found(False, checked, anchor.id, _anchor_missing(anchor, last_id), kind="anchor")
    return replace(_check_states(session, checked, batch), head_id=head_id, head_hash=head_hash,
                   anchor_checked=anchor is not None)


def _break_at(prev_id: int, ev_id: int) -> tuple[int, str]:
    """The event to name and the words, when ev_id's prev_hash is not prev_id's hash. Ids are
    handed out in order, so a gap before the break says records were removed there (a gap in an
    intact chain is harmless: PostgreSQL skips the ids of rolled-back inserts)."""
    if ev_id == prev_id + 1:
        return ev_id, "prev_hash does not match the record before"
    first, last = prev_id + 1, ev_id - 1
    missing = f"event {first} is" if first == last else f"events {first} to {last} are"
    if not prev_id:
        return first, (f"{missing} missing: event {ev_id} is the first record, but its "
                       "prev_hash names one before it")
    return first, (f"{missing} missing: event {ev_id}'s prev_hash is not the hash of event "
                   f"{prev_id}, the record before it")


def _rewritten(ev_id: int, actual: str, anchor: Anchor) -> str:
    return (f"event {ev_id} has hash {actual[:16]}…, the anchor says {anchor.hash[:16]}…: "
            f"the ledger was rewritten at or before event {ev_id} and hashed again")


def _anchor_missing(anchor: Anchor, last_id: int) -> str:
    if last_id < anchor.id:
        ends = f"ends at event {last_id}" if last_id else "is empty"
        return (f"the anchor event {anchor.id} is not in the ledger, which {ends}: "
                "events were removed from its end")
    return f"the anchor event {anchor.id} is not in the ledger: it was removed"


def _event_without_state(session: Session, after: int, upto: int) -> tuple[int, int, str] | None:
    """The first event in (after, upto] whose contact and purpose have no consent_state row."""
    ev, st = ConsentEvent, ConsentState
    row = session.execute(
        select(ev.id, ev.contact_id, ev.purpose)
        .where(
            ev.id > after,
            ev.id <= upto,
            ~exists().where(st.contact_id == ev.contact_id, st.purpose == ev.purpose),
        )
        .order_by(ev.id)
        .limit(1)
    ).first()
    return None if row is None else (row.id, row.contact_id, row.purpose)


def _check_states(session: Session, checked: int, batch: int) -> ChainCheck:
    """Every consent_state row against the event it names, in (contact, purpose) order."""
    st, ev, other = ConsentState, ConsentEvent, aliased(ConsentEvent)
    latest = (  # an index look-up per row (contact_id, purpose, id)
        select(func.max(other.id))
        .where(other.contact_id == st.contact_id, other.purpose == st.purpose)
        .correlate(st)
        .scalar_subquery()
    )
    after: tuple[int, str] = (0, "")
    states = 0
    while True:
        rows = session.execute(
            select(
                st.contact_id, st.purpose, st.granted, st.objected, st.event_id, st.at,
                ev.id.label("found"), ev.contact_id.label("ev_contact"),
                ev.purpose.label("ev_purpose"), ev.action, ev.at.label("ev_at"),
                latest.label("latest"),
            )
            .outerjoin(ev, ev.id == st.event_id)
            .where(tuple_(st.contact_id, st.purpose) > after)
            .order_by(st.contact_id, st.purpose)
            .limit(batch)
        ).all()
        if not rows:
            return ChainCheck(True, checked, states_checked=states)
        for row in rows:
            if (problem := _state_problem(row)) is not None:
                return ChainCheck(
                    False, checked, row.event_id,
                    f"contact {row.contact_id}, {row.purpose}: {problem}",
                    states, row.contact_id, row.purpose, kind="state",
                )
            states += 1
        after = (rows[-1].contact_id, rows[-1].purpose)


def _state_problem(row: Any) -> str | None:
    """What is wrong with one consent_state row joined to its event, or None."""
    eid = row.event_id
    if row.found is None:
        return f"the state points at event {eid}, which is not in the ledger (events removed?)"
    if (row.ev_contact, row.ev_purpose) != (row.contact_id, row.purpose):
        return (f"the state points at event {eid}, which is contact {row.ev_contact}'s "
                f"{row.ev_purpose}")
    if row.latest != eid:
        return f"the state rests on event {eid}, but the latest event is {row.latest}"
    said = (row.action == "grant", row.action == "object")
    if (bool(row.granted), bool(row.objected)) != said:
        return (f"the state says granted={bool(row.granted)}, objected={bool(row.objected)}, "
                f"but event {eid} is a {row.action!r}")
    if as_utc(row.at) != as_utc(row.ev_at):
        return f"the state's time {_iso(row.at)} is not event {eid}'s ({_iso(row.ev_at)})"
    return None
