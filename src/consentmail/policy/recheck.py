"""Law 2: a hit on a personal token is re-checked against the basis as it stands when it arrives."""

from __future__ import annotations

from datetime import datetime

from consentmail.policy._tables import (
    CONSENT_BASIS_PREFIX,
    DELIVERABILITY_BASIS,
    LEGACY_BASIS,
    MANDATORY_BASIS,
    SECURITY_BASIS,
)
from consentmail.policy.engine import tracking_refused
from consentmail.policy.profiles import Profile
from consentmail.policy.types import NO_EXPIRY, ConsentSnapshot, Decision, Expiry, Mode


def personal_at_hit(
    snapshot_at_hit: ConsentSnapshot,
    decision_at_render: Decision,
    profile: Profile,
    at: datetime,
    expiry: Expiry = NO_EXPIRY,
) -> Mode:
    """PERSONAL if the render basis still holds at `at`; else AGGREGATE if the render cohort and
    the profile allow it; else NONE, and the hit is dropped (R14). `expiry` is the workspace's,
    as decide() gets it: a grant that lapsed since the render holds no more."""
    if expiry is not NO_EXPIRY:
        snapshot_at_hit = expiry.apply(snapshot_at_hit, at)
    if _basis_holds(decision_at_render.basis, snapshot_at_hit, profile, at):
        return Mode.PERSONAL
    if decision_at_render.aggregate_allowed and profile.aggregate_exemption:
        return Mode.AGGREGATE
    return Mode.NONE


def _basis_holds(basis: str, snapshot: ConsentSnapshot, profile: Profile, at: datetime) -> bool:
    if basis.startswith(CONSENT_BASIS_PREFIX):
        # The test decide() applies; a later re-grant holds too: consent is granted now.
        tracking = snapshot.tracking
        return tracking.granted and tracking.event_id is not None
    if basis == LEGACY_BASIS:
        return profile.legacy is not None and profile.legacy.allows(snapshot, at)
    if basis == SECURITY_BASIS:
        return profile.security_exemption
    if basis == MANDATORY_BASIS:
        # As decide(): a tracking refusal ends the service notice's personal measurement (R13).
        return profile.mandatory_exemption and not tracking_refused(snapshot)
    if basis == DELIVERABILITY_BASIS:
        return profile.deliverability_exemption and not tracking_refused(snapshot)
    return False  # aggregate or none at render: a personal token never had a basis
