"""Campaign report: what was sent, how it was measured, and what recipients did.

Personal figures come only from messages whose basis was consent; exemption data
(security, mandatory, deliverability) never appears in a marketing report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentmail.campaigns.lookup import find_campaign
from consentmail.db.models import (
    AggregateCounter,
    ConsentEvent,
    Engagement,
    Message,
    Subscription,
)


def campaign_source(campaign_id: int, action: str) -> str:
    """The source string recipient pages write, so reports can attribute the action."""
    return f"campaign:{campaign_id}/{action}"


def _personal_unique(session: Session, campaign_id: int, kind: str) -> tuple[int, int]:
    human = session.scalar(
        select(func.count(func.distinct(Engagement.message_id))).where(
            Engagement.campaign_id == campaign_id,
            Engagement.kind == kind,
            Engagement.human_hits > 0,
            Engagement.basis.like("consent:%"),
        )
    )
    machine = session.scalar(
        select(func.coalesce(func.sum(Engagement.machine_hits), 0)).where(
            Engagement.campaign_id == campaign_id, Engagement.kind == kind
        )
    )
    return int(human or 0), int(machine or 0)


def _aggregate(session: Session, campaign_id: int, kind: str) -> tuple[int, int]:
    human, machine = session.execute(
        select(
            func.coalesce(func.sum(AggregateCounter.human), 0),
            func.coalesce(func.sum(AggregateCounter.machine), 0),
        ).where(AggregateCounter.campaign_id == campaign_id, AggregateCounter.kind == kind)
    ).one()
    return int(human), int(machine)


K = TypeVar("K", bound=Hashable)


def suppress_small(counts: Mapping[K, int], k_min: int) -> dict[K, int | None]:
    """Counts from 1 to k-1 become None (shown as "<k"). When that hides a single cell, the
    smallest other positive cell is hidden too, so that no hidden count is the total minus the
    cells shown (complementary suppression)."""
    shown: dict[K, int | None] = {
        key: None if 0 < n < k_min else n for key, n in counts.items()
    }
    hidden = [key for key, n in shown.items() if n is None]
    if len(hidden) == 1:
        others = [(n, repr(key), key) for key, n in shown.items() if n]
        if others:
            shown[min(others)[2]] = None
    return shown


def _aggregate_breakdown(session: Session, campaign_id: int, k_min: int) -> dict[str, Any]:
    """Human aggregate counts per link (clicks) and per hour (opens, clicks), small ones hidden."""
    by_link: dict[int, int] = defaultdict(int)
    by_hour: dict[str, dict[str, int]] = {"open": defaultdict(int), "click": defaultdict(int)}
    for kind, index, bucket, human in session.execute(
        select(
            AggregateCounter.kind,
            AggregateCounter.link_index,
            AggregateCounter.bucket,
            AggregateCounter.human,
        ).where(AggregateCounter.campaign_id == campaign_id)
    ):
        if kind not in by_hour:
            continue
        by_hour[kind][_hour(bucket)] += human
        if kind == "click":
            by_link[index] += human
    links = suppress_small(dict(sorted(by_link.items())), k_min)
    opens = suppress_small(by_hour["open"], k_min)
    clicks = suppress_small(by_hour["click"], k_min)
    hours = [
        {"hour": hour, "opens": opens.get(hour, 0), "clicks": clicks.get(hour, 0)}
        for hour in sorted(set(opens) | set(clicks))
    ]
    cells = [*links.values(), *opens.values(), *clicks.values()]
    return {
        "clicks_by_link": links,
        "aggregate_hours": hours,
        "small_numbers": {
            "k": k_min,
            "suppressed_links": [i for i, n in links.items() if n is None],
            "suppressed_cells": sum(n is None for n in cells),
        },
    }


def _hour(bucket: datetime) -> str:
    if bucket.tzinfo is None:
        bucket = bucket.replace(tzinfo=UTC)  # SQLite hands datetimes back naive; stored in UTC
    return bucket.astimezone(UTC).isoformat()


def status_counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Messages of a campaign per outbox status (queued, sending, sent, failed, bounced)."""
    return dict(
        session.execute(
            select(Message.status, func.count())
            .where(Message.campaign_id == campaign_id)
            .group_by(Message.status)
        ).all()
    )


def campaign_report(session: Session, campaign_id: int, k_min: int = 10) -> dict[str, Any]:
    campaign = find_campaign(session, campaign_id)
    if campaign is None:
        raise LookupError(f"no campaign with id {campaign_id}")
    counts = status_counts(session, campaign_id)
    modes = {"personal": 0, "aggregate": 0, "none": 0}
    for open_mode, click_mode, n in session.execute(
        select(Message.open_mode, Message.click_mode, func.count())
        .where(Message.campaign_id == campaign_id, Message.status == "sent")
        .group_by(Message.open_mode, Message.click_mode)
    ):
        if "personal" in (open_mode, click_mode):
            modes["personal"] += n
        elif "aggregate" in (open_mode, click_mode):
            modes["aggregate"] += n
        else:
            modes["none"] += n
    opens_p, opens_pm = _personal_unique(session, campaign_id, "open")
    clicks_p, clicks_pm = _personal_unique(session, campaign_id, "click")
    opens_a, opens_am = _aggregate(session, campaign_id, "open")
    clicks_a, clicks_am = _aggregate(session, campaign_id, "click")
    unsubscribed = session.scalar(
        select(func.count()).where(
            Subscription.source == campaign_source(campaign_id, "unsubscribe"),
            Subscription.status == "unsubscribed",
        )
    )
    stopped = session.scalar(
        select(func.count(func.distinct(ConsentEvent.contact_id))).where(
            ConsentEvent.source == campaign_source(campaign_id, "stop-tracking"),
            ConsentEvent.purpose == "tracking",
            ConsentEvent.action == "withdraw",
        )
    )
    return {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "status": campaign.status,
            "category": campaign.category,
            "measure": campaign.measure,
            "segment": campaign.segment,  # "engaged:N", or None for the whole list
            "aggregate_cohort": campaign.aggregate_cohort,
            "aggregate_suppressed_below_k": 0 < campaign.aggregate_cohort < k_min,
        },
        "queued": counts.get("queued", 0) + counts.get("sending", 0),
        "sent": counts.get("sent", 0),
        "failed": counts.get("failed", 0),
        "bounced": counts.get("bounced", 0),
        "tracking": modes,
        "opens": {"personal_unique": opens_p, "aggregate": opens_a},
        "clicks": {"personal_unique": clicks_p, "aggregate": clicks_a},
        "machine": {
            "opens": opens_pm + opens_am,
            "clicks": clicks_pm + clicks_am,
        },
        "unsubscribed": int(unsubscribed or 0),
        "stopped_tracking": int(stopped or 0),
        # Small numbers (law 3): per-link and per-hour aggregate counts below k are None.
        **_aggregate_breakdown(session, campaign_id, k_min),
    }
