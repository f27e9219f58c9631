"""Counting upserts for SQLite and PostgreSQL: one statement per table and flush, rows in key
order (so that nodes flushing at once lock rows in the same order), keys unique per statement."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from consentmail.db.models import AggregateCounter, DeliverabilityDate, Engagement

# Core tables: counting goes through the Core, without the ORM's per-row bookkeeping.
ENGAGEMENT: Table = Engagement.__table__  # type: ignore[assignment]
COUNTER: Table = AggregateCounter.__table__  # type: ignore[assignment]
LAST_OPEN: Table = DeliverabilityDate.__table__  # type: ignore[assignment]

EngagementKey = tuple[int, str, int]  # message id, kind, link index
CounterKey = tuple[int, str, int, datetime]  # campaign id, kind, link index, hour bucket


def _insert(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"tracking counters need SQLite or PostgreSQL, not {dialect}")


def add_engagements(session: Session, rows: Mapping[EngagementKey, dict[str, Any]]) -> None:
    """rows: key -> campaign_id, basis, first_human_at (or None), human_hits, machine_hits."""
    if not rows:
        return
    stmt = _insert(session, ENGAGEMENT)
    new, old = stmt.excluded, ENGAGEMENT.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["message_id", "kind", "link_index"],
        set_={
            "human_hits": old.human_hits + new.human_hits,
            "machine_hits": old.machine_hits + new.machine_hits,
            # The first human hit stays the first, whichever node flushes first.
            "first_human_at": case(
                (old.first_human_at.is_(None), new.first_human_at),
                (new.first_human_at < old.first_human_at, new.first_human_at),
                else_=old.first_human_at,
            ),
        },
    )
    session.connection().execute(
        stmt,
        [
            {"message_id": key[0], "kind": key[1], "link_index": key[2], **values}
            for key, values in sorted(rows.items())
        ],
    )


def add_counters(session: Session, rows: Mapping[CounterKey, tuple[int, int]]) -> None:
    """rows: key -> (human, machine) increments."""
    if not rows:
        return
    stmt = _insert(session, COUNTER)
    new, old = stmt.excluded, COUNTER.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign_id", "kind", "link_index", "bucket"],
        set_={
            "human": old.human + new.human,
            "machine": old.machine + new.machine,
        },
    )
    session.connection().execute(
        stmt,
        [
            {"campaign_id": c, "kind": k, "link_index": i, "bucket": b, "human": h, "machine": m}
            for (c, k, i, b), (h, m) in sorted(rows.items())
        ],
    )


def set_last_open_dates(session: Session, dates: Mapping[int, date]) -> None:
    """R7: the date of the last open per contact, overwritten (never moved back)."""
    if not dates:
        return
    stmt = _insert(session, LAST_OPEN)
    new, old = stmt.excluded, LAST_OPEN.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["contact_id"],
        set_={
            "last_open": case(
                (new.last_open > old.last_open, new.last_open),
                else_=old.last_open,
            )
        },
    )
    session.connection().execute(
        stmt, [{"contact_id": cid, "last_open": day} for cid, day in sorted(dates.items())]
    )
