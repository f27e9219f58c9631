"""Reading the derived consent state as the policy engine's snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from consentmail.db.models import ConsentState, Contact, PermissionRequest, Subscription
from consentmail.policy.types import (
    NO_ANSWER,
    ConsentSnapshot,
    PurposeState,
    new_purpose_state,
    new_snapshot,
)

# A permission_request row of this kind and purpose records the R11 information message.
LEGACY_NOTICE_KIND = "legacy-notice"
LEGACY_NOTICE_PURPOSE = "tracking"
# A re-permission email (R10) is recorded as this kind ("silence is no").
REQUEST_KIND = "request"


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; everything we store is UTC.
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def snapshots(
    session: Session, contact_ids: Sequence[int], list_id: int | None
) -> dict[int, ConsentSnapshot]:
    """Snapshots for many contacts in a few queries (chunked to respect parameter limits)."""
    result: dict[int, ConsentSnapshot] = {}
    # Core rows through the session's connection: the ORM layer costs ~10x on this hot path
    # (every tracking flush and every render batch reads snapshots).
    session.flush()  # the connection does not see pending ORM changes otherwise
    conn = session.connection()
    for start in range(0, len(contact_ids), 5000):
        chunk = list(contact_ids[start : start + 5000])
        states: dict[int, dict[str, PurposeState]] = {cid: {} for cid in chunk}
        for row in conn.execute(
            select(
                ConsentState.contact_id,
                ConsentState.purpose,
                ConsentState.granted,
                ConsentState.event_id,
                ConsentState.at,
                ConsentState.objected,
            ).where(ConsentState.contact_id.in_(chunk))
        ):
            states[row.contact_id][row.purpose] = PurposeState(
                granted=row.granted, event_id=row.event_id, at=_aware(row.at), objected=row.objected
            )
        subscribed: dict[int, bool] = {}
        if list_id is not None:
            for cid, status in conn.execute(
                select(Subscription.contact_id, Subscription.status).where(
                    Subscription.list_id == list_id, Subscription.contact_id.in_(chunk)
                )
            ):
                subscribed[cid] = status == "subscribed"
        contacts = {
            row.id: row
            for row in conn.execute(
                select(Contact.id, Contact.suppressed, Contact.collected_at).where(
                    Contact.id.in_(chunk)
                )
            )
        }
        informed = _first_sent(conn, chunk, LEGACY_NOTICE_KIND)
        requested = _first_sent(conn, chunk, REQUEST_KIND)
        for cid in chunk:
            purposes = states[cid]
            on_list = subscribed.get(cid, list_id is None)
            contact = contacts.get(cid)
            result[cid] = _snapshot(
                purposes.get("newsletter", NO_ANSWER),
                purposes.get("tracking", NO_ANSWER),
                purposes.get("profiling", NO_ANSWER),
                on_list and contact is not None and not contact.suppressed,
                contact.collected_at if contact else None,
                informed.get(cid),
                requested.get(cid),
            )
    return result


def _snapshot(
    newsletter: PurposeState,
    tracking: PurposeState,
    profiling: PurposeState,
    subscribed: bool,
    collected_at: datetime | None,
    legacy_informed_at: datetime | None,
    tracking_requested_at: datetime | None,
) -> ConsentSnapshot:
    """The one place stored facts become a snapshot (snapshots() and list_members())."""
    return new_snapshot(  # ConsentSnapshot's fields, in order
        newsletter,
        tracking,
        profiling,
        subscribed,
        _aware(collected_at),
        _aware(legacy_informed_at),
        _aware(tracking_requested_at),
    )


def _state(granted: bool | None, event_id: int, at: datetime, objected: bool) -> PurposeState:
    """A purpose from a consent_state row; NO_ANSWER when there is none (an outer join's NULLs)."""
    if granted is None:
        return NO_ANSWER
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return new_purpose_state(granted, event_id, aware, objected)  # PurposeState's field order


def list_members(
    conn: Connection, list_id: int, after: int, limit: int
) -> list[tuple[int, str, ConsentSnapshot]]:
    """The next `limit` contacts on a list (unsubscribed too) whose id is above `after`, in id
    order: (contact id, country, snapshot), the snapshot being what snapshots() gives for that
    contact and list. For reading a whole list in chunks: two queries a chunk, whatever its size.

    The chunk's last contact id is found first, so that every table is then read over one bounded
    id range: the plans stay proportional to the chunk on SQLite and PostgreSQL, with or without
    fresh planner statistics (a join with ORDER BY ... LIMIT alone may scan whole tables).
    """
    last = (
        select(Subscription.contact_id)
        .where(Subscription.list_id == list_id, Subscription.contact_id > after)
        .order_by(Subscription.contact_id)
        .limit(limit)
        .subquery()
    )
    upto = conn.scalar(select(func.max(last.c.contact_id)))
    if upto is None:
        return []

    def in_chunk(contact_id: Any) -> ColumnElement[bool]:
        return (contact_id > after) & (contact_id <= upto)

    purposes = [ConsentState.__table__.alias(p) for p in ("newsletter", "tracking", "profiling")]
    req = PermissionRequest

    def first_sent(kind: str) -> Any:
        return (
            select(func.min(req.sent_at))
            .where(
                req.contact_id == Contact.id,
                req.purpose == LEGACY_NOTICE_PURPOSE,
                req.kind == kind,
            )
            .scalar_subquery()
        )

    query = select(
        Contact.id,
        Contact.country,
        Contact.suppressed,
        Contact.collected_at,
        Subscription.status,
        first_sent(LEGACY_NOTICE_KIND),
        first_sent(REQUEST_KIND),
        *(c for p in purposes for c in (p.c.granted, p.c.event_id, p.c.at, p.c.objected)),
    ).join(
        Subscription,
        (Subscription.contact_id == Contact.id)
        & (Subscription.list_id == list_id)
        & in_chunk(Subscription.contact_id),
    )
    for p in purposes:
        query = query.outerjoin(
            p,
            (p.c.contact_id == Contact.id) & (p.c.purpose == p.name) & in_chunk(p.c.contact_id),
        )
    query = query.where(in_chunk(Contact.id)).order_by(Contact.id)
    return [
        (
            cid,
            country,
            _snapshot(
                _state(*row[7:11]),
                _state(*row[11:15]),
                _state(*row[15:19]),
                status == "subscribed" and not suppressed,
                collected_at,
                informed_at,
                requested_at,
            ),
        )
        for row in conn.execute(query)
        for cid, country, suppressed, collected_at, status, informed_at, requested_at in (
            row[:7],
        )
    ]


def _first_sent(conn: Connection, chunk: list[int], kind: str) -> dict[int, datetime]:
    """When each contact was first sent a tracking permission_request of `kind`: the R11 legacy
    notice (the objection window runs from the first one; later reminders do not restart it),
    or an R10 request (after which silence is a refusal)."""
    req = PermissionRequest
    rows = conn.execute(
        select(req.contact_id, func.min(req.sent_at))
        .where(
            req.contact_id.in_(chunk),
            req.purpose == LEGACY_NOTICE_PURPOSE,
            req.kind == kind,
        )
        .group_by(req.contact_id)
    )
    return {cid: sent_at for cid, sent_at in rows}


def snapshot(session: Session, contact_id: int, list_id: int | None) -> ConsentSnapshot:
    return snapshots(session, [contact_id], list_id)[contact_id]
