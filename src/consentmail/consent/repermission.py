"""Re-permission (R10) and the legacy information message (R11), recorded as permission requests.

R10: a purpose may be asked for again by a dedicated email, but never sooner than six months after
a refusal (withdrawal or objection), after a request that got no answer, or (with no choice on
record for the purpose) after the address was collected; silence is refusal.
R11 (fr-cnil-2026): legacy contacts are told about tracking with a simple way to object; the date
of that message opens the objection window the policy's LegacyRegime counts from.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from consentmail.consent.state import LEGACY_NOTICE_KIND, LEGACY_NOTICE_PURPOSE, REQUEST_KIND
from consentmail.db.models import ConsentEvent, ConsentState, Contact, PermissionRequest
from consentmail.policy.types import Purpose

PAUSE_MONTHS = 6
REFUSALS = ("withdraw", "object")


class RepermissionError(ValueError):
    pass


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def add_months(dt: datetime, months: int) -> datetime:
    """Calendar months, clamped to the month's last day (31 Aug + 6 months = 28/29 Feb)."""
    month0 = dt.month - 1 + months
    year, month = dt.year + month0 // 12, month0 % 12 + 1
    return dt.replace(year=year, month=month, day=min(dt.day, calendar.monthrange(year, month)[1]))


def _check_purpose(purpose: str) -> None:
    names = [p.value for p in Purpose]
    if purpose not in names:
        raise RepermissionError(f"purpose {purpose!r}: expected one of {', '.join(names)}")


def _answered(session: Session, req: PermissionRequest) -> bool:
    """A request is answered when marked so, or when any choice on its purpose came after it."""
    if req.answered_at is not None:
        return True
    return bool(
        session.scalar(
            select(
                exists().where(
                    ConsentEvent.contact_id == req.contact_id,
                    ConsentEvent.purpose == req.purpose,
                    ConsentEvent.action != "expire",  # the system expiring is not an answer
                    ConsentEvent.at >= req.sent_at,
                )
            )
        )
    )


def _any_choice(session: Session, contact_id: int, purpose: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    ConsentEvent.contact_id == contact_id, ConsentEvent.purpose == purpose
                )
            )
        )
    )


def next_request_allowed_at(
    session: Session, contact_id: int, purpose: str
) -> datetime | None:
    """The earliest instant a new request may be sent: None when nothing holds it back."""
    _check_purpose(purpose)
    holds: list[datetime] = []
    refusal = session.scalar(
        select(ConsentEvent.at)
        .where(
            ConsentEvent.contact_id == contact_id,
            ConsentEvent.purpose == purpose,
            ConsentEvent.action.in_(REFUSALS),
        )
        .order_by(ConsentEvent.id.desc())
        .limit(1)
    )
    if refusal is not None:
        holds.append(_utc(refusal))
    elif not _any_choice(session, contact_id, purpose):
        # Never answered on record: the collection itself was the ask (a box left unticked on
        # the form, a "no" in the exported file), so its date holds the next one back (R10).
        collected = session.scalar(select(Contact.collected_at).where(Contact.id == contact_id))
        if collected is not None:
            holds.append(_utc(collected))
    last = session.scalar(
        select(PermissionRequest)
        .where(
            PermissionRequest.contact_id == contact_id,
            PermissionRequest.purpose == purpose,
            PermissionRequest.kind == REQUEST_KIND,
        )
        .order_by(PermissionRequest.sent_at.desc(), PermissionRequest.id.desc())
        .limit(1)
    )
    if last is not None and not _answered(session, last):
        holds.append(_utc(last.sent_at))
    return add_months(max(holds), PAUSE_MONTHS) if holds else None


def eligible_for_request(session: Session, contact_id: int, purpose: str, now: datetime) -> bool:
    """May a re-permission request for `purpose` be sent to this contact at `now`?

    No when the purpose is granted (nothing to ask), and no within six months of the last refusal
    or of an unanswered previous request (R10).
    """
    _check_purpose(purpose)
    state = session.get(ConsentState, (contact_id, purpose))
    if state is not None and state.granted:
        return False
    allowed_at = next_request_allowed_at(session, contact_id, purpose)
    return allowed_at is None or _utc(now) >= allowed_at


def record_request(
    session: Session, contact_id: int, purpose: str, sent_at: datetime
) -> PermissionRequest:
    """Record that a re-permission email was sent; refuses one R10 does not allow yet.
    The caller commits."""
    if not eligible_for_request(session, contact_id, purpose, sent_at):
        allowed = next_request_allowed_at(session, contact_id, purpose)
        when = f"before {allowed.date().isoformat()}" if allowed else "while it is granted"
        raise RepermissionError(
            f"contact {contact_id}: no new {purpose} request {when} (R10: six months after a "
            "refusal, an unanswered request, or a collection with no answer)"
        )
    return _add(session, contact_id, purpose, REQUEST_KIND, sent_at)


def mark_answered(session: Session, contact_id: int, purpose: str, at: datetime) -> int:
    """Close the open requests of this purpose (the person answered at `at`). Returns how many."""
    rows = session.scalars(
        select(PermissionRequest).where(
            PermissionRequest.contact_id == contact_id,
            PermissionRequest.purpose == purpose,
            PermissionRequest.kind == REQUEST_KIND,
            PermissionRequest.answered_at.is_(None),
        )
    ).all()
    for row in rows:
        row.answered_at = at
    return len(rows)


def answer_requests(session: Session, after_event_id: int) -> None:
    """Mark answered the open requests and legacy notices that the events after
    `after_event_id` answer: any choice on the purpose at or after it was sent (an expiry is the
    system, not an answer; for a legacy notice, the choice is the objection or a consent);
    answered_at is the first such choice. One statement, whatever the number of
    events: the ledger's writers (record, record_bulk) call it after appending, in their
    transaction, so the API, the pages, the forms and imports all close requests alike."""
    ev, req = ConsentEvent, PermissionRequest
    answers = and_(
        ev.id > after_event_id,
        ev.contact_id == req.contact_id,
        ev.purpose == req.purpose,
        ev.action != "expire",
        ev.at >= req.sent_at,
    )
    session.execute(
        update(req)
        .where(
            req.kind.in_((REQUEST_KIND, LEGACY_NOTICE_KIND)),
            req.answered_at.is_(None),
            # Only the contacts of these events: an index range, not the whole table.
            req.contact_id.in_(select(ev.contact_id).where(ev.id > after_event_id)),
            exists().where(answers),
        )
        .values(answered_at=select(func.min(ev.at)).where(answers).scalar_subquery())
        .execution_options(synchronize_session=False)
    )


def record_legacy_notice(session: Session, contact_id: int, sent_at: datetime) -> PermissionRequest:
    """Record that a legacy contact was sent the R11 tracking information with a way to object."""
    return _add(session, contact_id, LEGACY_NOTICE_PURPOSE, LEGACY_NOTICE_KIND, sent_at)


def _add(
    session: Session, contact_id: int, purpose: str, kind: str, sent_at: datetime
) -> PermissionRequest:
    row = PermissionRequest(
        contact_id=contact_id, purpose=purpose, kind=kind, sent_at=_utc(sent_at)
    )
    session.add(row)
    session.flush()
    return row
