"""A small world for tracking tests: one contact, a campaign with links, and the message the policy
engine decided for that contact at render time, stored through the real models and ledger."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from consentmail.consent import NewEvent, record, snapshot
from consentmail.db import session_scope
from consentmail.db.models import (
    AggregateCounter,
    Campaign,
    CampaignLink,
    Contact,
    ContactList,
    DeliverabilityDate,
    Engagement,
    Message,
    Subscription,
)
from consentmail.policy import Category, Measure, MessageContext, Mode, decide, get_profile
from consentmail.tracking import Hit, Kind, read_signals

L6 = "https://news.example/sites/story/#4e9332a5"
L1 = "https://shop.example/search?q=campus&f[0]=themes:2&f[1]=themes:1706"
MERGE = "https://app.example/invite?first={{ contact.first_name }}"
ADA_INVITE = "https://app.example/invite?first=Ada"
LINKS = {0: L6, 1: L1, 2: MERGE}

BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
)
READER_IP = "203.0.113.9"
SENT_AT = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
KEY = b"k" * 16


@dataclass(frozen=True)
class World:
    url: str
    contact_id: int
    list_id: int
    campaign_id: int
    message_id: int
    track_token: str | None
    aggregate_token: str
    basis: str
    open_mode: str
    click_mode: str
    deliverability_only: bool


def build(
    url: str,
    *,
    profile: str = "it-garante-2026",
    cohort: int = 20,
    tracking: bool = True,
    category: Category = Category.MARKETING,
    measure: Measure = Measure.INDIVIDUAL,
    k_min: int = 10,
) -> World:
    suffix = secrets.token_hex(4)
    with session_scope(url) as session:
        contact_list = ContactList(name=f"news-{suffix}")
        contact = Contact(email=f"ada-{suffix}@example.org", first_name="Ada", country="IT")
        session.add_all([contact_list, contact])
        session.flush()
        session.add(Subscription(contact_id=contact.id, list_id=contact_list.id))
        given = SENT_AT - timedelta(days=30)
        events = [NewEvent(contact.id, "newsletter", "grant", given, "form:signup", "form")]
        if tracking:
            events.append(NewEvent(contact.id, "tracking", "grant", given, "form:signup", "form"))
        record(session, events)
        session.flush()
        decision = decide(
            snapshot(session, contact.id, contact_list.id),
            MessageContext(category, measure, aggregate_cohort=cohort, k_min=k_min, at=SENT_AT),
            get_profile(profile),
        )
        assert decision.send, decision
        campaign = Campaign(
            name=f"November {suffix}", list_id=contact_list.id, subject="News",
            from_addr="news@example.org", category=category.value, measure=measure.value,
            html="<p>News</p>", status="sent", aggregate_token=secrets.token_urlsafe(16),
            aggregate_cohort=cohort,
        )
        session.add(campaign)
        session.flush()
        session.add_all(
            CampaignLink(campaign_id=campaign.id, index=i, url=u, has_merge_fields="{{" in u)
            for i, u in LINKS.items()
        )
        personal = Mode.PERSONAL in (decision.open_mode, decision.click_mode)
        message = Message(
            campaign_id=campaign.id, contact_id=contact.id, list_id=contact_list.id,
            status="sent", sent_at=SENT_AT, page_token=secrets.token_urlsafe(16),
            track_token=secrets.token_urlsafe(16) if personal else None,
            open_mode=decision.open_mode.value, click_mode=decision.click_mode.value,
            basis=decision.basis, rule_id=decision.rule_id, reason=decision.reason,
            profile=decision.profile, deliverability_only=decision.deliverability_only,
            personal_destinations=(
                {"2": ADA_INVITE} if decision.click_mode is Mode.PERSONAL else {}
            ),
        )
        session.add(message)
        session.flush()
        return World(
            url=url, contact_id=contact.id, list_id=contact_list.id, campaign_id=campaign.id,
            message_id=message.id, track_token=message.track_token,
            aggregate_token=campaign.aggregate_token, basis=decision.basis,
            open_mode=message.open_mode, click_mode=message.click_mode,
            deliverability_only=message.deliverability_only,
        )


def withdraw_tracking(url: str, contact_id: int) -> None:
    with session_scope(url) as session:
        record(
            session,
            [NewEvent(contact_id, "tracking", "withdraw", datetime.now(UTC), "page:stop-tracking",
                      "page")],
        )


def hit(
    token: str,
    *,
    kind: Kind = Kind.OPEN,
    at: datetime | None = None,
    link: int = -1,
    aggregate: bool = False,
    ua: str = BROWSER,
    ip: str = READER_IP,
    method: str = "GET",
) -> Hit:
    signals = read_signals(ip, ua, key=KEY, with_client=aggregate)
    at = at or SENT_AT + timedelta(hours=2)
    return Hit(kind, token, aggregate, at, signals, link, method)


def engagements(url: str) -> list[Engagement]:
    with session_scope(url) as session:
        return list(session.scalars(select(Engagement).order_by(Engagement.kind,
                                                                Engagement.link_index)))


def counters(url: str) -> list[AggregateCounter]:
    with session_scope(url) as session:
        return list(session.scalars(select(AggregateCounter).order_by(AggregateCounter.id)))


def last_open_dates(url: str) -> dict[int, object]:
    with session_scope(url) as session:
        return {d.contact_id: d.last_open for d in session.scalars(select(DeliverabilityDate))}


def aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt
