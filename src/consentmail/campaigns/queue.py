"""Queueing a campaign: one policy decision per recipient, stored with its outbox row.

Two passes over the audience: the first counts who would fall into the anonymous aggregate
cohort, the second decides with that count, so a cohort below k gets no aggregate at all (law 3).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.campaigns.preflight import require_preflight
from consentmail.campaigns.urls import new_token
from consentmail.consent.overrides import profile_overrides
from consentmail.consent.state import snapshots
from consentmail.db.models import Campaign, Contact, Message, Subscription, utcnow
from consentmail.policy import decide, profile_for_country
from consentmail.policy.types import (
    Category,
    ConsentSnapshot,
    Decision,
    Measure,
    MessageContext,
    Mode,
)

CHUNK = 2000
UNLIMITED_COHORT = 1 << 40


@dataclass
class QueueSummary:
    queued: int = 0
    not_sent: int = 0  # no newsletter consent, unsubscribed or suppressed
    already_queued: int = 0
    modes: dict[str, int] = field(
        default_factory=lambda: {"personal": 0, "aggregate": 0, "none": 0}
    )


def tracking_mode(open_mode: str, click_mode: str) -> str:
    """How a message is measured, in one word: personal wins over aggregate over none."""
    modes = {open_mode, click_mode}
    if Mode.PERSONAL in modes:
        return "personal"
    if Mode.AGGREGATE in modes:
        return "aggregate"
    return "none"


def _audience(session: Session, campaign: Campaign) -> Iterator[list[tuple[int, str]]]:
    """(contact id, country) of everyone on the campaign's list, in chunks, by id."""
    last = 0
    while True:
        rows = session.execute(
            select(Contact.id, Contact.country)
            .join(Subscription, Subscription.contact_id == Contact.id)
            .where(Subscription.list_id == campaign.list_id, Contact.id > last)
            .order_by(Contact.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(r[0], r[1]) for r in rows]


def context_for(campaign: Campaign, cohort: int, k_min: int, at: datetime) -> MessageContext:
    return MessageContext(
        category=Category(campaign.category),
        measure=Measure(campaign.measure),
        aggregate_cohort=cohort,
        k_min=k_min,
        at=at,
    )


def decide_for(
    snap: ConsentSnapshot,
    country: str,
    ctx: MessageContext,
    default_jurisdiction: str,
    overrides: Mapping[str, str] | None = None,
) -> Decision:
    profile = profile_for_country(country, default=default_jurisdiction, overrides=overrides)
    return decide(snap, ctx, profile)


def queue_campaign(
    session: Session, campaign: Campaign, *, k_min: int, default_jurisdiction: str
) -> QueueSummary:
    """Create the outbox rows of a list campaign (idempotent: re-queueing adds only newcomers)."""
    if campaign.list_id is None:
        raise ValueError(f"campaign {campaign.id} has no list to send to")
    # Before any row exists: raises PreflightBlocked naming each element that leaks (issue 4).
    require_preflight(session, campaign)
    now = utcnow()
    overrides = profile_overrides(session)
    probe = context_for(campaign, UNLIMITED_COHORT, k_min, now)
    cohort = 0
    for chunk in _audience(session, campaign):
        snaps = snapshots(session, [cid for cid, _ in chunk], campaign.list_id)
        for cid, country in chunk:
            d = decide_for(snaps[cid], country, probe, default_jurisdiction, overrides)
            if d.send and Mode.AGGREGATE in (d.open_mode, d.click_mode):
                cohort += 1
    campaign.aggregate_cohort = cohort
    ctx = context_for(campaign, cohort, k_min, now)

    summary = QueueSummary()
    for chunk in _audience(session, campaign):
        ids = [cid for cid, _ in chunk]
        snaps = snapshots(session, ids, campaign.list_id)
        existing = set(
            session.scalars(
                select(Message.contact_id).where(
                    Message.campaign_id == campaign.id, Message.contact_id.in_(ids)
                )
            )
        )
        rows = []
        for cid, country in chunk:
            if cid in existing:
                summary.already_queued += 1
                continue
            d = decide_for(snaps[cid], country, ctx, default_jurisdiction, overrides)
            if not d.send:
                summary.not_sent += 1
                continue
            rows.append(message_row(campaign.id, cid, campaign.list_id, d))
            summary.modes[tracking_mode(d.open_mode, d.click_mode)] += 1
        session.add_all(rows)
        session.flush()
        summary.queued += len(rows)
    campaign.status = "queued"
    campaign.queued_at = campaign.queued_at or now
    return summary


def message_row(
    campaign_id: int | None, contact_id: int, list_id: int | None, d: Decision
) -> Message:
    personal = Mode.PERSONAL in (d.open_mode, d.click_mode)
    return Message(
        campaign_id=campaign_id,
        contact_id=contact_id,
        list_id=list_id,
        status="queued",
        page_token=new_token(),
        track_token=new_token() if personal else None,
        **decision_fields(d),
    )


def decision_fields(d: Decision) -> dict:
    return {
        "open_mode": d.open_mode.value,
        "click_mode": d.click_mode.value,
        "basis": d.basis,
        "rule_id": d.rule_id,
        "reason": d.reason,
        "profile": d.profile,
        "deliverability_only": getattr(d, "deliverability_only", False),
    }
