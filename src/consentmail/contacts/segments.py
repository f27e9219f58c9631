"""Engagement segments, behind the profiling gate (issue 3 item 7, R3, R9, R14, R24).

Using what someone opened to pick who gets what is profiling: a segment built from engagement only
ever holds contacts who, at the moment it is computed, are subscribed to the list and have the
newsletter, tracking and profiling consents granted. Newsletter: a segment picks recipients of
marketing, and someone who withdrew it gets none (so the preview agrees with what a send
queues). Tracking: the opens were measured under it, and a withdrawal applies to mail already
sent (R14). Only personal engagement recorded under a consent basis counts; exemption data
(security, mandatory, deliverability) and the legacy regime serve their own purpose and never
feed a segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from consentmail.consent.expiry import expiry_days
from consentmail.contacts.lookup import require_list
from consentmail.db.models import (
    Campaign,
    ConsentState,
    Contact,
    Engagement,
    Message,
    Subscription,
    utcnow,
)

CONSENT_BASIS = "consent:%"
ENGAGED = "engaged:"  # a campaign's segment as stored: "engaged:N"
MAX_LAST_CAMPAIGNS = 1000  # looking further back is no longer "engaged"; bounds the IN list


def engaged_segment_spec(last_n_campaigns: int) -> str:
    """The stored form of "engaged in the list's last N campaigns"."""
    check_last_n(last_n_campaigns)
    return f"{ENGAGED}{last_n_campaigns}"


def parse_segment(text: str) -> int:
    """N of a segment written "engaged:N" (the only kind there is); ValueError naming the
    problem otherwise. Pure."""
    kind, colon, number = text.strip().partition(":")
    if kind.strip().lower() != ENGAGED[:-1] or not colon:
        raise ValueError(
            f"segment {text!r}: write engaged:N (opened or clicked one of the list's last N "
            "campaigns), e.g. engaged:3"
        )
    try:
        n = int(number.strip())
    except ValueError:
        raise ValueError(f"segment {text!r}: N in engaged:N must be a whole number") from None
    check_last_n(n)
    return n


def check_last_n(n: int) -> None:
    if not 1 <= n <= MAX_LAST_CAMPAIGNS:
        raise ValueError(f"last_n_campaigns: {n}; at least 1 and at most {MAX_LAST_CAMPAIGNS}")


def last_campaigns(
    session: Session, list_id: int, n: int, *, exclude: int | None = None
) -> list[int]:
    """Ids of the last `n` campaigns sent (or being sent) to the list, newest first; `exclude`
    is left out (the campaign being queued is not one of "the last campaigns" it looks at)."""
    query = select(Campaign.id).where(Campaign.list_id == list_id, Campaign.status != "draft")
    if exclude is not None:
        query = query.where(Campaign.id != exclude)
    return list(session.scalars(query.order_by(Campaign.id.desc()).limit(n)))


def engaged_segment(
    session: Session, list_id: int, last_n_campaigns: int = 3, *, exclude: int | None = None
) -> list[int]:
    """Contact ids on the list that opened (or clicked, which implies it) one of the list's last
    `last_n_campaigns` campaigns (other than `exclude`), as a human, with profiling consent
    granted now. Sorted."""
    check_last_n(last_n_campaigns)
    campaigns = last_campaigns(session, list_id, last_n_campaigns, exclude=exclude)
    if not campaigns:
        return []
    since = _granted_since(session)
    return list(session.scalars(_engaged(list_id, campaigns, since, Message.contact_id)))


def _granted_since(session: Session, now: datetime | None = None) -> dict[str, datetime]:
    """Per purpose with a consent expiry, the oldest grant time still valid now: a grant past
    its limit is no basis here either, as in decide(), before `consent expire` records it."""
    at = now or utcnow()
    return {purpose: at - timedelta(days=days) for purpose, days in expiry_days(session).items()}


def _engaged(
    list_id: int, campaigns: list[int], since: dict[str, datetime], *columns: Any
) -> Select:
    """`columns` of the engaged contacts (one row each, by contact id): the gate is here."""
    # The gate: a granted row for each of these purposes, or no membership; an objection to
    # direct marketing also ends the related profiling (R24).
    granted = [
        ConsentState.__table__.alias(purpose) for purpose in ("newsletter", "tracking", "profiling")
    ]
    query = (
        select(*columns)
        .select_from(Message)
        .distinct()
        .join(Engagement, Engagement.message_id == Message.id)
        .join(Contact, Contact.id == Message.contact_id)
        .join(
            Subscription,
            (Subscription.contact_id == Message.contact_id) & (Subscription.list_id == list_id),
        )
        .where(
            Message.campaign_id.in_(campaigns),
            Engagement.kind.in_(("open", "click")),
            Engagement.human_hits > 0,
            Engagement.basis.like(CONSENT_BASIS),
            Subscription.status == "subscribed",
            Contact.suppressed.is_(False),
        )
        .order_by(Message.contact_id)
    )
    for state in granted:
        gate = (
            (state.c.contact_id == Message.contact_id)
            & (state.c.purpose == state.name)
            & state.c.granted.is_(True)
            & state.c.objected.is_not(True)
        )
        if state.name in since:
            gate = gate & (state.c.at >= since[state.name])
        query = query.join(state, gate)
    return query


@dataclass(frozen=True)
class SegmentMembers:
    list_name: str
    last_n: int
    campaigns: list[int]  # the list's last campaigns looked at, newest first
    emails: list[str]  # in contact id order

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "segment": engaged_segment_spec(self.last_n),
            "campaigns": self.campaigns,
            "count": len(self.emails),
            "contacts": self.emails,
        }


def segment_members(session: Session, list_name: str, last_n_campaigns: int) -> SegmentMembers:
    """The engaged segment of a named list, with addresses (UnknownList if there is no list)."""
    contact_list = require_list(session, list_name)
    check_last_n(last_n_campaigns)
    campaigns = last_campaigns(session, contact_list.id, last_n_campaigns)
    emails: list[str] = []
    if campaigns:
        query = _engaged(
            contact_list.id, campaigns, _granted_since(session), Message.contact_id, Contact.email
        )
        emails = [email for _, email in session.execute(query)]
    return SegmentMembers(contact_list.name, last_n_campaigns, campaigns, emails)
