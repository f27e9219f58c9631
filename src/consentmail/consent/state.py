"""Reading the derived consent state as the policy engine's snapshots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from consentmail.db.models import ConsentState, Contact, PermissionRequest, Subscription
from consentmail.policy.types import NO_ANSWER, ConsentSnapshot, PurposeState

# A permission_request row of this kind and purpose records the R11 information message.
LEGACY_NOTICE_KIND = "legacy-notice"
LEGACY_NOTICE_PURPOSE = "tracking"


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
        informed = _legacy_informed(conn, chunk)
        for cid in chunk:
            purposes = states[cid]
            on_list = subscribed.get(cid, list_id is None)
            contact = contacts.get(cid)
            result[cid] = ConsentSnapshot(
                newsletter=purposes.get("newsletter", NO_ANSWER),
                tracking=purposes.get("tracking", NO_ANSWER),
                profiling=purposes.get("profiling", NO_ANSWER),
                subscribed=on_list and contact is not None and not contact.suppressed,
                collected_at=_aware(contact.collected_at) if contact else None,
                legacy_informed_at=_aware(informed.get(cid)),
            )
    return result


def _legacy_informed(conn: Connection, chunk: list[int]) -> dict[int, datetime]:
    """R11: when each contact was first sent the legacy tracking notice (the objection window
    runs from the first one; later reminders do not restart it)."""
    req = PermissionRequest
    rows = conn.execute(
        select(req.contact_id, func.min(req.sent_at))
        .where(
            req.contact_id.in_(chunk),
            req.purpose == LEGACY_NOTICE_PURPOSE,
            req.kind == LEGACY_NOTICE_KIND,
        )
        .group_by(req.contact_id)
    )
    return {cid: sent_at for cid, sent_at in rows}


def snapshot(session: Session, contact_id: int, list_id: int | None) -> ConsentSnapshot:
    return snapshots(session, [contact_id], list_id)[contact_id]
