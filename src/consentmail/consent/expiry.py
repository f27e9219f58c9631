"""Consent expiry per purpose: a grant older than the workspace's limit lapses (issue 3, item 5).

The limit lives in the Setting table as `expiry_days:<purpose>` (default: none, grants never
lapse). Expiry is an `expire` event on the ledger like any other change, so the proof shows when
and why a consent ended. `consentmail serve` appends them daily (privacy/schedule.py), as does
`consentmail consent expire`; in between, decide() already treats a lapsed grant as no basis
(workspace_expiry() gives it the limits, laws 1 and 2).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.ledger import PURPOSES, NewEvent, record
from consentmail.db.models import ConsentState, Setting
from consentmail.policy.types import NO_EXPIRY, Expiry

log = logging.getLogger("consentmail.expiry")

KEY_PREFIX = "expiry_days:"
BATCH = 1000
MAX_DAYS = 36_500  # 100 years: a longer limit means "never" and would overflow date arithmetic


class ExpiryError(ValueError):
    pass


def _key(purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ExpiryError(f"purpose {purpose!r}: expected one of {', '.join(PURPOSES)}")
    return KEY_PREFIX + purpose


def expiry_days(session: Session) -> dict[str, int]:
    """The configured limit per purpose, in days; purposes without one are absent."""
    rows = session.scalars(select(Setting).where(Setting.key.startswith(KEY_PREFIX)))
    found: dict[str, int] = {}
    for row in rows:
        purpose = row.key.removeprefix(KEY_PREFIX)
        if purpose in PURPOSES and row.value.strip().isdigit() and int(row.value) > 0:
            # A value stored before the limit existed is read as the limit, never a crash.
            found[purpose] = min(int(row.value), MAX_DAYS)
    return found


def workspace_expiry(session: Session) -> Expiry:
    """The limits as the policy engine takes them (MessageContext.expiry)."""
    limits = expiry_days(session)
    return Expiry(**limits) if limits else NO_EXPIRY


def set_expiry_days(session: Session, purpose: str, days: int | None) -> None:
    """Set (days > 0) or clear (None) the limit of one purpose. The caller commits."""
    key = _key(purpose)
    row = session.get(Setting, key)
    if days is None:
        if row is not None:
            session.delete(row)
        return
    if days <= 0:
        raise ExpiryError(f"expiry for {purpose}: {days} days; give a positive number of days")
    if days > MAX_DAYS:
        raise ExpiryError(
            f"expiry for {purpose}: {days} days; at most {MAX_DAYS} (100 years), or --clear "
            "for no expiry"
        )
    if row is None:
        session.add(Setting(key=key, value=str(days)))
    else:
        row.value = str(days)


def expire_due(session: Session, now: datetime) -> int:
    """Append an `expire` event for every grant older than its purpose's limit. Returns how many.

    Age counts from the grant's `at` (when the person chose). Logs one line per purpose with a
    limit (counts only). The caller commits.
    """
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    total = 0
    for purpose, days in sorted(expiry_days(session).items()):
        cutoff = now - timedelta(days=days)
        before = total
        last_id = 0
        while True:
            # Keyset batches: expired rows stop matching (granted becomes False) as we go.
            due = session.execute(
                select(ConsentState.contact_id, ConsentState.event_id)
                .where(
                    ConsentState.purpose == purpose,
                    ConsentState.granted.is_(True),
                    ConsentState.at < cutoff,
                    ConsentState.contact_id > last_id,
                )
                .order_by(ConsentState.contact_id)
                .limit(BATCH)
            ).all()
            if not due:
                break
            record(
                session,
                [
                    NewEvent(
                        contact_id=cid,
                        purpose=purpose,
                        action="expire",
                        at=now,
                        source="expiry",
                        method="system",
                        evidence={"expiry_days": days, "granted_event_id": event_id},
                    )
                    for cid, event_id in due
                ],
            )
            total += len(due)
            last_id = due[-1][0]
        log.info("consent expiry: %s: %d grants expired (limit %d days)", purpose,
                 total - before, days)
    return total
