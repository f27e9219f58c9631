"""Campaign report: what was sent, how it was measured, and what recipients did.

Personal figures come only from messages whose basis was consent; exemption data
(security, mandatory, deliverability) never appears in a marketing report.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentmail.db.models import (
    AggregateCounter,
    Campaign,
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


def campaign_report(session: Session, campaign_id: int, k_min: int = 10) -> dict[str, Any]:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"no campaign with id {campaign_id}")
    status_counts = dict(
        session.execute(
            select(Message.status, func.count())
            .where(Message.campaign_id == campaign_id)
            .group_by(Message.status)
        ).all()
    )
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
            "aggregate_cohort": campaign.aggregate_cohort,
            "aggregate_suppressed_below_k": 0 < campaign.aggregate_cohort < k_min,
        },
        "queued": status_counts.get("queued", 0) + status_counts.get("sending", 0),
        "sent": status_counts.get("sent", 0),
        "failed": status_counts.get("failed", 0),
        "bounced": status_counts.get("bounced", 0),
        "tracking": modes,
        "opens": {"personal_unique": opens_p, "aggregate": opens_a},
        "clicks": {"personal_unique": clicks_p, "aggregate": clicks_a},
        "machine": {
            "opens": opens_pm + opens_am,
            "clicks": clicks_pm + clicks_am,
        },
        "unsubscribed": int(unsubscribed or 0),
        "stopped_tracking": int(stopped or 0),
    }
