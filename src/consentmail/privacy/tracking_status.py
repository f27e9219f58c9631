"""What the stop-tracking and preference pages say about how a recipient is measured now.

"We do not measure you individually" is true only for someone whose profile measures nothing
personal without consent. It is not for an informed legacy contact (R11: tracked from a date
unless they object), nor where the profile keeps the date of the last open (R7, fr-cnil-2026)
or measures service notices (R6), until the person says no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from consentmail.consent import actions
from consentmail.consent.actions import Recipient
from consentmail.consent.legacy_status import LegacyPending, contact_profile, legacy_pending
from consentmail.policy.engine import tracking_refused


@dataclass(frozen=True, slots=True)
class TrackingStatus:
    consented: bool  # tracking granted on the ledger
    legacy: LegacyPending | None  # informed legacy contact who has not objected (R11)
    last_open_date: bool  # the profile keeps the last open's date (R7); no "no" on record
    service_notices: bool  # the profile measures service notices (R6) and no "no" is on record

    def page_context(self, today: date) -> dict[str, object]:
        """What the stop-tracking and preference templates read."""
        legacy = self.legacy
        started = legacy is not None and today >= legacy.tracked_from
        return {
            "tracking_on": self.consented,
            "legacy": legacy is not None,
            "legacy_started": started,
            "legacy_date": legacy.tracked_from.isoformat() if legacy else "",
            "legacy_informed": legacy.informed_at.date().isoformat() if legacy else "",
            # Once legacy tracking started it is personal: the last open's date is not the story.
            "last_open_date": self.last_open_date and not started,
            "service_notices": self.service_notices,
        }


def tracking_status(session: Session, r: Recipient, default_jurisdiction: str) -> TrackingStatus:
    snap = actions.current_state(session, r)
    profile = contact_profile(session, r.contact, default_jurisdiction)
    said_no = tracking_refused(snap)
    return TrackingStatus(
        consented=snap.tracking.granted,
        legacy=legacy_pending(session, r.contact, snap, default_jurisdiction),
        last_open_date=profile.deliverability_exemption and not said_no,
        service_notices=profile.mandatory_exemption and not said_no,
    )
