"""decide(): what one recipient's message may carry (laws 1 and 7). Pure and hot: see _tables."""

from __future__ import annotations

from consentmail.policy import _reasons as reasons
from consentmail.policy._tables import CONSENT_BASIS_PREFIX, LEGACY_BASIS
from consentmail.policy.profiles import Profile
from consentmail.policy.types import (
    NO_EXPIRY,
    ConsentSnapshot,
    Decision,
    MessageContext,
    Mode,
    new_decision,
)

_PERSONAL = Mode.PERSONAL


def decide(snapshot: ConsentSnapshot, message: MessageContext, profile: Profile) -> Decision:
    """Whether to send and how opens and clicks are measured, with the rule and basis that allow it.

    Order: not sent (off the audience: unsubscribed from the list or suppressed, whatever the
    category; marketing without newsletter consent) > exemption (security and mandatory mail: its
    data serves only that purpose) > tracking consent > legacy non-objection > deliverability >
    anonymous aggregate (cohort >= k) > nothing. Personal modes need the campaign to ask for
    individual measurement; profiling never changes the tracking. A grant older than the
    workspace's expiry (message.expiry) is no longer a grant.
    """
    if message.expiry is not NO_EXPIRY and message.at is not None:
        snapshot = message.expiry.apply(snapshot, message.at)
    plan = profile.tables[message.category][message.measure]
    # The list is a list campaign's audience, whatever its category: a category is no way round
    # an unsubscribe (R23, R24). Without a list, `subscribed` is False only when suppressed.
    if not snapshot.subscribed:
        return plan.unsubscribed
    newsletter = snapshot.newsletter
    if plan.needs_newsletter and not newsletter.granted:
        return plan.objected if newsletter.objected else plan.no_newsletter
    # R24: an objection to direct marketing also stops the related profiling.
    profiling = (
        message.profiling_requested and snapshot.profiling.granted and not newsletter.objected
    )
    aggregate = plan.aggregate_possible and message.aggregate_cohort >= message.k_min
    if plan.exempt is not None:
        # R13/R21: a recorded tracking refusal is an objection to being measured on the
        # mandatory exemption too (receipt can be proven otherwise); the security exemption
        # stays, its links being the function (R5).
        if plan.refusal_ends_exemption and tracking_refused(snapshot):
            return plan.exempt_refused[aggregate][profiling]
        return plan.exempt[aggregate][profiling]
    if plan.consent_rule is not None:
        tracking = snapshot.tracking
        # A grant without a ledger event has no proof (law 5): it is no basis.
        if tracking.granted and tracking.event_id is not None:
            # The one decision made per recipient: built positionally, in Decision's field order.
            return new_decision(
                True,  # send
                _PERSONAL,  # open_mode
                _PERSONAL,  # click_mode
                f"{CONSENT_BASIS_PREFIX}{tracking.event_id}",  # basis
                plan.consent_rule,  # rule_id
                reasons.agreed_on(tracking.at),  # reason
                plan.profile_name,  # profile
                False,  # deliverability_only
                profiling,  # profiling_allowed
                aggregate,  # aggregate_allowed
            )
        if plan.legacy is not None and plan.legacy.allows(snapshot, message.at):
            return new_decision(
                True,  # send
                _PERSONAL,  # open_mode
                _PERSONAL,  # click_mode
                LEGACY_BASIS,  # basis
                plan.legacy_rule,  # rule_id
                reasons.informed_on(snapshot.legacy_informed_at),  # reason
                plan.profile_name,  # profile
                False,  # deliverability_only
                profiling,  # profiling_allowed
                aggregate,  # aggregate_allowed
            )
        # R7 needs no consent, but "stop tracking" must stop it too (R13, law 8): a recorded
        # withdrawal or objection of the tracking purpose ends the deliverability pixel.
        if plan.deliverability is not None and not tracking_refused(snapshot):
            return plan.deliverability[aggregate][profiling]
    return plan.aggregate[profiling] if aggregate else plan.denied[profiling]


def tracking_refused(snapshot: ConsentSnapshot) -> bool:
    """The recipient said no to tracking on the ledger (not mere silence)."""
    tracking = snapshot.tracking
    return tracking.event_id is not None and not tracking.granted
