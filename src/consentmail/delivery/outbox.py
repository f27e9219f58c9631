"""The outbox: message rows move queued -> sending -> sent | failed | bounced.

Every function takes a Session or a Connection and leaves committing to the caller. Claims
are atomic across processes: PostgreSQL locks the chosen rows with FOR UPDATE SKIP LOCKED, so
concurrent workers take disjoint batches; SQLite serialises writers, so one UPDATE ... RETURNING
is enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from consentmail.db.models import Campaign, Contact, Message, utcnow

QUEUED, SENDING, SENT, FAILED, BOUNCED = "queued", "sending", "sent", "failed", "bounced"
ACTIVE = (QUEUED, SENDING)  # message not final yet
CAMPAIGN_RUNNING = ("queued", "sending")  # campaign statuses finish_campaigns may close
MAX_REPLY = 1000  # a server reply can be long; the row keeps its start

_m = cast(Table, Message.__table__)
_contact = cast(Table, Contact.__table__)
_campaign = cast(Table, Campaign.__table__)

# Session for callers, Connection for the worker's hot path (a third of the overhead).
Db = Session | Connection

# Built once: constructing the statement cost more than running it (group commits are small).
_MARK_SENT = (
    update(_m)
    .where(_m.c.id == bindparam("b_id"))
    .values(
        status=SENT,
        sent_at=bindparam("b_now"),
        smtp_reply=bindparam("b_reply"),
        next_attempt_at=None,
        # Keep a header the renderer stored when the transport has none to report.
        message_id_header=func.coalesce(
            func.nullif(bindparam("b_mid"), ""), _m.c.message_id_header
        ),
    )
)


def claim(
    session: Db,
    worker_id: str,
    limit: int,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Move up to `limit` due queued rows to sending for `worker_id`; return their ids."""
    if limit <= 0:
        return []
    now = now or utcnow()
    due = select(_m.c.id).where(
        # A literal, not a parameter: lets the planner use a partial index WHERE status='queued'.
        _m.c.status == literal(QUEUED, literal_execute=True),
        or_(_m.c.next_attempt_at.is_(None), _m.c.next_attempt_at <= now),
    )
    if campaign_id is not None:
        due = due.where(_m.c.campaign_id == campaign_id)
    due = due.order_by(_m.c.id).limit(limit)
    if _postgres(session):
        due = due.with_for_update(skip_locked=True)
    stmt = (
        update(_m)
        .where(_m.c.id.in_(due))
        .values(status=SENDING, claimed_by=worker_id, claimed_at=now, attempts=_m.c.attempts + 1)
        .returning(_m.c.id)
    )
    return sorted(session.execute(stmt).scalars())


def skip_suppressed(session: Db, ids: Sequence[int]) -> list[int]:
    """Fail claimed messages whose contact is suppressed (a hard bounce); return the others."""
    if not ids:
        return []
    rows = session.execute(
        select(_m.c.id, _contact.c.suppressed_reason)
        .join(_contact, _contact.c.id == _m.c.contact_id)
        .where(_m.c.id.in_(ids), _contact.c.suppressed.is_(True))
    ).all()
    for message_id, reason in rows:
        _finish(session, message_id, FAILED, f"skipped: contact suppressed ({reason})")
    skipped = {r[0] for r in rows}
    return [i for i in ids if i not in skipped]


def mark_sent(
    session: Db, message_id: int, reply: str, message_id_header: str | None = None
) -> None:
    mark_sent_many(session, [(message_id, reply, message_id_header or "")])


def mark_sent_many(
    session: Db, rows: Iterable[tuple[int, str, str]], now: datetime | None = None
) -> None:
    """(id, reply, Message-ID header or "") per row, in one executemany."""
    now = now or utcnow()
    params = [
        {"b_id": i, "b_reply": reply[:MAX_REPLY], "b_mid": (mid or "")[:300], "b_now": now}
        for i, reply, mid in sorted(rows)  # a stable lock order
    ]
    if params:
        session.execute(_MARK_SENT, params)


def mark_replayed(
    session: Db, rows: Sequence[tuple[int, str, str]], now: datetime | None = None
) -> int:
    """A dead worker's journal: its accepted messages not marked yet become sent, wherever they
    are now (still claimed, or already requeued). Returns how many were not marked."""
    unsent: set[int] = set()
    for start in range(0, len(rows), 500):
        ids = [r[0] for r in rows[start : start + 500]]
        unsent.update(session.scalars(select(_m.c.id).where(_m.c.id.in_(ids), _m.c.status != SENT)))
    mark_sent_many(session, [r for r in rows if r[0] in unsent], now)
    return len(unsent)


def mark_retry(
    session: Db, message_id: int, reply: str, delay: timedelta, now: datetime | None = None
) -> None:
    """Transient failure: back to queued, due again after `delay`."""
    now = now or utcnow()
    session.execute(
        update(_m)
        .where(_m.c.id == message_id)
        .values(status=QUEUED, smtp_reply=reply[:MAX_REPLY], next_attempt_at=now + delay)
    )


def mark_failed(session: Db, message_id: int, reply: str, permanent: bool) -> None:
    """Final failure. Permanent (5xx): bounced, and the contact suppressed: later sends skip it."""
    _finish(session, message_id, BOUNCED if permanent else FAILED, reply)
    if permanent:
        contact = select(_m.c.contact_id).where(_m.c.id == message_id).scalar_subquery()
        session.execute(
            update(_contact)
            .where(_contact.c.id == contact)
            .values(suppressed=True, suppressed_reason=reply[:MAX_REPLY])
        )


def backoff(
    attempts: int,
    base: timedelta = timedelta(minutes=1),
    cap: timedelta = timedelta(hours=1),
) -> timedelta:
    """base, 2*base, 4*base, ... after attempt 1, 2, 3, ..., at most cap."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def retry_or_fail(
    session: Db,
    message_id: int,
    reply: str,
    *,
    max_attempts: int = 5,
    base: timedelta = timedelta(minutes=1),
    cap: timedelta = timedelta(hours=1),
    now: datetime | None = None,
) -> str:
    """A transient failure: retry with exponential backoff, or fail after max_attempts."""
    attempts = session.execute(select(_m.c.attempts).where(_m.c.id == message_id)).scalar_one()
    if attempts >= max_attempts:
        mark_failed(session, message_id, f"gave up after {attempts} attempts: {reply}", False)
        return FAILED
    mark_retry(session, message_id, reply, backoff(attempts, base, cap), now)
    return QUEUED


def requeue_stale(
    session: Db,
    older_than: timedelta,
    now: datetime | None = None,
    exclude_worker: str | None = None,
) -> int:
    """Rows left in sending by a dead worker go back to queued. Returns how many.

    Live workers heartbeat their claims (claimed_at), so only a dead worker's rows get this old.
    `exclude_worker` is the caller's own id: its claims are in flight, not stale.
    """
    now = now or utcnow()
    cond = and_(_m.c.status == SENDING, _m.c.claimed_at < now - older_than)
    if exclude_worker is not None:
        cond = and_(cond, _m.c.claimed_by != exclude_worker)
    return _requeue(session, cond)


def heartbeat(session: Db, worker_id: str, now: datetime | None = None) -> int:
    """A live worker refreshes claimed_at on its rows, so a slow server never makes them stale."""
    mine = _lockable(session, _m, and_(_m.c.status == SENDING, _m.c.claimed_by == worker_id))
    stmt = update(_m).where(_m.c.id.in_(mine)).values(claimed_at=now or utcnow())
    return _rowcount(session, stmt)


def requeue_worker(session: Db, worker_id: str) -> int:
    """A worker starting under an id that was used before: its old claims died with it."""
    return _requeue(session, and_(_m.c.status == SENDING, _m.c.claimed_by == worker_id))


def release(session: Db, ids: Sequence[int]) -> int:
    """Claimed but never handed to the transport (graceful stop): queued again, attempt undone."""
    if not ids:
        return 0
    stmt = (
        update(_m)
        .where(_m.c.id.in_(ids), _m.c.status == SENDING)
        .values(status=QUEUED, claimed_by="", claimed_at=None, attempts=_m.c.attempts - 1)
    )
    return _rowcount(session, stmt)


def pending(session: Db, campaign_id: int | None = None) -> int:
    """Messages not final yet (queued, including retries not yet due, or sending)."""
    stmt = select(func.count()).select_from(_m).where(_m.c.status.in_(ACTIVE))
    if campaign_id is not None:
        stmt = stmt.where(_m.c.campaign_id == campaign_id)
    return session.execute(stmt).scalar_one()


def finish_campaigns(session: Db, now: datetime | None = None) -> list[int]:
    """Campaigns being sent whose messages are all final become 'sent'; returns their ids."""
    active = exists().where(_m.c.campaign_id == _campaign.c.id, _m.c.status.in_(ACTIVE))
    done = _lockable(session, _campaign, and_(_campaign.c.status.in_(CAMPAIGN_RUNNING), ~active))
    stmt = (
        update(_campaign)
        .where(_campaign.c.id.in_(done))
        .values(status=SENT, finished_at=now or utcnow())
        .returning(_campaign.c.id)
    )
    return sorted(session.execute(stmt).scalars())


def _finish(session: Db, message_id: int, status: str, reply: str) -> None:
    session.execute(
        update(_m)
        .where(_m.c.id == message_id)
        .values(status=status, smtp_reply=reply[:MAX_REPLY], next_attempt_at=None)
    )


def _requeue(session: Db, cond: ColumnElement[bool]) -> int:
    rows = _lockable(session, _m, cond)
    stmt = update(_m).where(_m.c.id.in_(rows)).values(status=QUEUED, claimed_by="", claimed_at=None)
    return _rowcount(session, stmt)


def _lockable(session: Db, table: Table, cond: ColumnElement[bool]) -> Select[Any]:
    """Ids matching cond; on PostgreSQL only rows nobody holds (SKIP LOCKED): bulk updates
    from housekeeping never wait on, or deadlock with, another worker's marks."""
    ids = select(table.c.id).where(cond)
    return ids.with_for_update(skip_locked=True) if _postgres(session) else ids


def _rowcount(session: Db, stmt: Any) -> int:
    return cast(CursorResult[Any], session.execute(stmt)).rowcount


def _postgres(session: Db) -> bool:
    bind = session.get_bind() if isinstance(session, Session) else session
    return bind.dialect.name == "postgresql"
