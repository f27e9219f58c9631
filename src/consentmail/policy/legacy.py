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
    Dates, not instants, are compared, so aware and naive datetimes both work.
    """

    collected_before: date
    window_closes: date
    objection_period: timedelta = timedelta(days=91)  # "three months", as 14 Apr -> 14 Jul 2026

    def allows(self, snapshot: ConsentSnapshot, at: datetime | None) -> bool:
        tracking = snapshot.tracking
        if tracking.granted or tracking.objected or tracking.event_id is not None:
            return False
        collected, informed = snapshot.collected_at, snapshot.legacy_informed_at
        if at is None or collected is None or informed is None:
            return False  # unknown facts never open a basis (law 1)
        today = at.date()
        return (
            collected.date() < self.collected_before
            and today >= self.window_closes
            and today >= informed.date() + self.objection_period
        )
