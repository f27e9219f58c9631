"""`consentmail consent verify`: the ledger's chain and derived state (verify_chain), and
the notice texts the events prove (R16).

An event proves consent to words by naming their version and SHA-256. So every stored notice
must still hash to its sha256, and every notice an event names must still be stored; the
database refuses edits and deletions (migration 0007), this finds what got past it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from consentmail.consent.ledger import LedgerError, as_utc, event_hash, iso_utc
from consentmail.consent.notices import sha256_of
from consentmail.db.models import ConsentEvent, ConsentState, Notice


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
        return f"the state's time {iso_utc(row.at)} is not event {eid}'s ({iso_utc(row.ev_at)})"
    return None


def verify_ledger(session: Session, anchor: Anchor | None = None, batch: int = 5000) -> ChainCheck:
    """verify_chain, then the notices; the first problem found, or ok with what was checked."""
    check = verify_chain(session, batch, anchor)
    if not check.ok:
        return check
    checked, edited = _edited_notice(session, batch)
    if edited is not None:
        notice_id, problem = edited
        return replace(check, ok=False, kind="notice", notice_id=notice_id, problem=problem,
                       notices_checked=checked)
    if (missing := _event_without_notice(session)) is not None:
        event_id, problem = missing
        return replace(check, ok=False, kind="notice", first_broken_id=event_id,
                       problem=problem, notices_checked=checked)
    return replace(check, notices_checked=checked)


def _edited_notice(session: Session, batch: int) -> tuple[int, tuple[int, str] | None]:
    """How many notices were hashed again, and the first whose text is not its sha256."""
    checked, after = 0, 0
    while rows := session.scalars(
        select(Notice).where(Notice.id > after).order_by(Notice.id).limit(batch)
    ).all():
        for n in rows:
            if sha256_of(n.text) != n.sha256:
                return checked, (n.id, (
                    f"notice {n.id} ({n.purpose}/{n.version}/{n.language}): its text does not "
                    f"hash to its sha256 {n.sha256[:12]}…; the words were changed after they "
                    "were stored"
                ))
            checked += 1
            after = n.id
        session.expunge_all()
    return checked, None


def _event_without_notice(session: Session) -> tuple[int, str] | None:
    """The first event naming a notice version whose text (that purpose, version, sha256) is not
    stored."""
    ev = ConsentEvent
    row = session.execute(
        select(ev.id, ev.purpose, ev.notice_version, ev.notice_sha256)
        .where(
            ev.notice_version != "",
            ~exists().where(Notice.purpose == ev.purpose, Notice.version == ev.notice_version,
                            Notice.sha256 == ev.notice_sha256),
        )
        .order_by(ev.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return row.id, (f"event {row.id} names notice {row.purpose}/{row.notice_version} (sha256 "
                    f"{row.notice_sha256[:12]}…), which is not stored: the words it proves "
                    "are gone or were changed")
