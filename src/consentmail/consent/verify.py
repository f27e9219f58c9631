"""`consentmail consent verify`: the ledger's chain and derived state (ledger.verify_chain), and
the notice texts the events prove (R16).

An event proves consent to words by naming their version and SHA-256. So every stored notice
must still hash to its sha256, and every notice an event names must still be stored; the
database refuses edits and deletions (migration 0007), this finds what got past it.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from consentmail.consent.ledger import Anchor, ChainCheck, verify_chain
from consentmail.consent.notices import sha256_of
from consentmail.db.models import ConsentEvent, Notice


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
