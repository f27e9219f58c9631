"""Is this contact under the R11 legacy regime, informed and not (yet) objecting?

The recipient pages need it to tell the truth ("tracking starts on DATE unless you object") and
to record a "no" from such a person as the objection the regime asks for (R11, Art. 21), naming
the information message it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.overrides import profile_overrides
from consentmail.consent.state import LEGACY_NOTICE_KIND, LEGACY_NOTICE_PURPOSE
from consentmail.db.models import Contact, PermissionRequest
from consentmail.policy import ConsentSnapshot, Profile, profile_for_country


@dataclass(frozen=True, slots=True)
class LegacyPending:
    """An informed legacy contact with no tracking answer: tracked from `tracked_from` on
    (marketing mail), unless they object first."""

    request_id: int  # the permission_request row of the information message
    informed_at: datetime
    tracked_from: date

    def evidence(self) -> dict[str, object]:
        """What an objection records about the message it answers."""
        return {
            "legacy_notice": self.request_id,
            "legacy_informed_at": self.informed_at.date().isoformat(),
        }


def contact_profile(session: Session, contact: Contact, default_jurisdiction: str) -> Profile:
    """The contact's profile as queueing finds it: country, workspace overrides, default."""
    return profile_for_country(
        contact.country, default=default_jurisdiction, overrides=profile_overrides(session)
    )


def legacy_pending(
    session: Session, contact: Contact, snapshot: ConsentSnapshot, default_jurisdiction: str
) -> LegacyPending | None:
    """The legacy facts when the contact's profile has a legacy regime that will (or does) let
    them be tracked without consent; None otherwise (not legacy, not informed, answered, asked)."""
    regime = contact_profile(session, contact, default_jurisdiction).legacy
    starts = regime.tracked_from(snapshot) if regime is not None else None
    if starts is None:
        return None
    notice = session.scalar(
        select(PermissionRequest)
        .where(
            PermissionRequest.contact_id == contact.id,
            PermissionRequest.purpose == LEGACY_NOTICE_PURPOSE,
            PermissionRequest.kind == LEGACY_NOTICE_KIND,
        )
        .order_by(PermissionRequest.sent_at, PermissionRequest.id)
        .limit(1)
    )
    if notice is None:  # the snapshot said informed: only a concurrent erasure gets here
        return None
    informed = snapshot.legacy_informed_at or notice.sent_at
    return LegacyPending(notice.id, informed, starts)
