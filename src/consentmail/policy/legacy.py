"""Legacy lists (R11, CNIL): tracking old addresses without consent, for non-objectors only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from consentmail.policy.types import ConsentSnapshot


@dataclass(frozen=True, slots=True)
class LegacyRegime:
    """Addresses collected before `collected_before` may be tracked personally without consent
    when the recipient was informed (ConsentSnapshot.legacy_informed_at), had `objection_period`
    to object, the transition window has closed, and no tracking answer was ever recorded.

    A simplification, on purpose: any tracking event (grant, withdrawal, objection) replaces the
    silence this regime relies on; a grant is handled as consent, anything else as a refusal.
    A re-permission request for tracking does too (ConsentSnapshot.tracking_requested_at): it
    told the person that silence means no, so their silence is a refusal (R10), not a
    non-objection. Dates, not instants, are compared, so aware and naive datetimes both work.
    """

    collected_before: date
    window_closes: date
    objection_period: timedelta = timedelta(days=91)  # "three months", as 14 Apr -> 14 Jul 2026

    def allows(self, snapshot: ConsentSnapshot, at: datetime | None) -> bool:
        starts = self.tracked_from(snapshot)
        return starts is not None and at is not None and at.date() >= starts

    def tracked_from(self, snapshot: ConsentSnapshot) -> date | None:
        """The first day the regime lets this recipient be tracked unless they object first;
        None when it never will on the facts known (not a silent, informed legacy contact)."""
        tracking = snapshot.tracking
        if tracking.granted or tracking.objected or tracking.event_id is not None:
            return None
        if snapshot.tracking_requested_at is not None:
            return None  # asked with "silence is no" (R10)
        collected, informed = snapshot.collected_at, snapshot.legacy_informed_at
        if collected is None or informed is None:
            return None  # unknown facts never open a basis (law 1)
        if collected.date() >= self.collected_before:
            return None
        return max(self.window_closes, informed.date() + self.objection_period)
