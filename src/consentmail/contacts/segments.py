"""Engagement segments, behind the profiling gate (issue 3 item 7, R3, R9, R24).

Using what someone opened to pick who gets what is profiling: a segment built from engagement only
ever holds contacts whose profiling consent is granted at the moment it is computed. Only personal
engagement recorded under a consent basis counts; exemption data (security, mandatory,
deliverability) and the legacy regime serve their own purpose and never feed a segment.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.models import (
    Campaign,
    ConsentState,
    Contact,
    Engagement,
    Message,
    Subscription,
)

CONSENT_BASIS = "consent:%"


def last_campaigns(session: Session, list_id: int, n: int) -> list[int]:
    """Ids of the last `n` campaigns sent (or being sent) to the list, newest first."""
    return list(
        session.scalars(
            select(Campaign.id)
            .where(Campaign.list_id == list_id, Campaign.status != "draft")
            .order_by(Campaign.id.desc())
            .limit(n)
        )
    )


def engaged_segment(session: Session, list_id: int, last_n_campaigns: int = 3) -> list[int]:
    """Contact ids on the list that opened (or clicked, which implies it) one of the list's last
    `last_n_campaigns` campaigns, as a human, with profiling consent granted now. Sorted."""
    if last_n_campaigns < 1:
        raise ValueError(f"last_n_campaigns: {last_n_campaigns}; at least 1")
    campaigns = last_campaigns(session, list_id, last_n_campaigns)
    if not campaigns:
        return []
    profiling = ConsentState.__table__.alias("profiling")
    newsletter = ConsentState.__table__.alias("newsletter")
    query = (
        select(Message.contact_id)
        .distinct()
        .join(Engagement, Engagement.message_id == Message.id)
        .join(Contact, Contact.id == Message.contact_id)
        .join(
            Subscription,
            (Subscription.contact_id == Message.contact_id) & (Subscription.list_id == list_id),
        )
        # The gate: no granted profiling row, no membership.
        .join(
            profiling,
            (profiling.c.contact_id == Message.contact_id)
            & (profiling.c.purpose == "profiling")
            & profiling.c.granted.is_(True),
        )
        # R24: an objection to direct marketing also stops the related profiling.
        .outerjoin(
            newsletter,
            (newsletter.c.contact_id == Message.contact_id)
            & (newsletter.c.purpose == "newsletter"),
        )
        .where(
            Message.campaign_id.in_(campaigns),
            Engagement.kind.in_(("open", "click")),
            Engagement.human_hits > 0,
            Engagement.basis.like(CONSENT_BASIS),
            Subscription.status == "subscribed",
            Contact.suppressed.is_(False),
            newsletter.c.objected.is_not(True),
        )
        .order_by(Message.contact_id)
    )
    return list(session.scalars(query))
