"""Retention by data class: what is past its time is deleted, and each purge is logged with counts
only (never an address, a token or an id of a person).

  personal        Engagement rows with a personal basis (consent, legacy non-objection), by the
                  message's sending time           CONSENTMAIL_RETENTION_PERSONAL_DAYS (395)
  exemption       Engagement rows whose basis starts with "exemption:" (security, mandatory),
                  by the message's sending time    CONSENTMAIL_RETENTION_EXEMPTION_DAYS (90)
  deliverability  fr-cnil-2026 last-open dates (R7), by that date      (exemption days too)
  aggregate       anonymous counters, by their hour bucket
                                                   CONSENTMAIL_RETENTION_AGGREGATE_DAYS (760)
  unconfirmed     hosted-form signups never confirmed, once the confirmation link has lapsed
                  (7 days): nothing was granted, so nothing about them is kept

The consent ledger is never purged: it is the proof (R16), and the database refuses deletes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Delete, Select, delete, func, not_, select
from sqlalchemy.orm import Session

from consentmail.config import Settings
from consentmail.consent.capture import CONFIRM_WITHIN, purge_lapsed_signups
from consentmail.db.models import (
    AggregateCounter,
    DeliverabilityDate,
    Engagement,
    Message,
    RetentionRun,
)

log = logging.getLogger("consentmail.retention")

CLASSES = ("personal", "exemption", "deliverability", "aggregate", "unconfirmed")
EXEMPTION_PREFIX = "exemption:"


def retention_days(settings: Settings) -> dict[str, int]:
    """Days each data class is kept, from the live settings."""
    return {
        "personal": settings.retention_personal_days,
        "exemption": settings.retention_exemption_days,
        "deliverability": settings.retention_exemption_days,
        "aggregate": settings.retention_aggregate_days,
        "unconfirmed": CONFIRM_WITHIN.days,
    }


def _sent_before(cutoff: datetime) -> Select[Any]:
    """Ids of messages sent (or, never sent, created) before `cutoff`."""
    return select(Message.id).where(func.coalesce(Message.sent_at, Message.created_at) < cutoff)


def _statements(days: dict[str, int], now: datetime) -> dict[str, Delete]:
    cut = {name: now - timedelta(days=n) for name, n in days.items()}
    exemption = Engagement.basis.like(EXEMPTION_PREFIX + "%")
    return {
        "personal": delete(Engagement).where(
            Engagement.message_id.in_(_sent_before(cut["personal"])), not_(exemption)
        ),
        "exemption": delete(Engagement).where(
            Engagement.message_id.in_(_sent_before(cut["exemption"])), exemption
        ),
        # A date is kept while the day is within the period: the whole day counts.
        "deliverability": delete(DeliverabilityDate).where(
            DeliverabilityDate.last_open < cut["deliverability"].date()
        ),
        "aggregate": delete(AggregateCounter).where(AggregateCounter.bucket < cut["aggregate"]),
    }


def run_retention(
    session: Session, settings: Settings, now: datetime | None = None
) -> dict[str, int]:
    """Delete everything past retention, record one `retention_run` row per class, commit, and
    log one line per class. Returns rows deleted per class. Idempotent."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    days = retention_days(settings)
    deleted: dict[str, int] = {}
    for name, statement in _statements(days, now).items():
        result = session.execute(statement.execution_options(synchronize_session=False))
        deleted[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
        session.add(RetentionRun(ran_at=now, data_class=name, deleted=deleted[name]))
    session.commit()
    deleted["unconfirmed"] = purge_lapsed_signups(session, now)
    session.add(RetentionRun(ran_at=now, data_class="unconfirmed", deleted=deleted["unconfirmed"]))
    session.commit()
    for name in CLASSES:
        log.info("retention: %s: %d deleted (kept %d days)", name, deleted[name], days[name])
    return deleted
