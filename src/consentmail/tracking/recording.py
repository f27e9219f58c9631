"""Where a hit is recorded, decided at flush time (laws 2 and 3, R7, R14). Pure: no I/O.

A personal token's hit is personal only if the basis of the render-time decision still holds
now (policy.personal_at_hit); otherwise it falls back to the campaign's anonymous counters if
the aggregate was allowed, or is dropped. Aggregate tokens count only for cohorts of at least k.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from consentmail.policy import STRICT, ConsentSnapshot, Decision, Mode, get_profile, personal_at_hit
from consentmail.policy.profiles import Profile
from consentmail.policy.types import NO_EXPIRY, Expiry
from consentmail.tracking.classify import Kind
from consentmail.tracking.lookup import CampaignFacts, MessageFacts


class Recording(StrEnum):
    PERSONAL = "personal"  # an Engagement row of the message
    DELIVERABILITY = "deliverability"  # R7: only the contact's last-open date
    AGGREGATE = "aggregate"  # the campaign's anonymous counters
    DROP = "drop"


def profile_named(name: str) -> Profile:
    """The message's profile; an unknown name fails closed to `strict` (consent only)."""
    try:
        return get_profile(name)
    except ValueError:
        return STRICT


def render_decision(message: MessageFacts, profile: Profile, k_min: int) -> Decision:
    """The decision stored with the message, as the policy engine made it at render."""
    return Decision(
        send=True,
        open_mode=Mode(message.open_mode),
        click_mode=Mode(message.click_mode),
        basis=message.basis,
        rule_id=message.rule_id,
        reason=message.reason,
        profile=message.profile,
        deliverability_only=message.deliverability_only,
        aggregate_allowed=(
            profile.aggregate_exemption
            and message.campaign_measure != "none"
            and message.campaign_id is not None
            and message.aggregate_cohort >= k_min
        ),
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    """A personal token's message with the decision and profile it was rendered under. All of
    it is fixed once the message is sent; only the consent snapshot changes (law 2)."""

    message: MessageFacts
    profile: Profile
    decision: Decision


def rendered(message: MessageFacts, k_min: int) -> Rendered:
    profile = profile_named(message.profile)
    return Rendered(message, profile, render_decision(message, profile, k_min))


def recheck(
    item: Rendered, snapshot: ConsentSnapshot, at: datetime, expiry: Expiry = NO_EXPIRY
) -> Recording:
    """Where the hits on this message's personal token go now (the same for opens and clicks).
    `expiry` is the workspace's consent expiry, as decide() gets it."""
    mode = personal_at_hit(snapshot, item.decision, item.profile, at, expiry)
    if mode is Mode.PERSONAL:
        if item.message.deliverability_only:
            return Recording.DELIVERABILITY
        return Recording.PERSONAL
    if mode is Mode.AGGREGATE and item.decision.aggregate_allowed:
        return Recording.AGGREGATE
    return Recording.DROP


def placed(message: MessageFacts, kind: Kind) -> bool:
    """Was a personal URL of this kind placed in the message at all? (Otherwise it is forged.)"""
    mode = message.open_mode if kind is Kind.OPEN else message.click_mode
    return mode == Mode.PERSONAL


def aggregate_counts(campaign: CampaignFacts, k_min: int) -> bool:
    """Law 3: no aggregate counting for campaigns that measure nothing or cohorts below k."""
    return campaign.measure != "none" and campaign.aggregate_cohort >= k_min
