"""Finding a campaign by the id a person typed: one look-up for the CLI and the services."""

from __future__ import annotations

from sqlalchemy.orm import Session

from consentmail.db.models import Campaign

# Ids are 64-bit signed integers on SQLite and PostgreSQL: a larger number is no campaign, not a
# database error (the drivers raise OverflowError or "out of range" for it).
MAX_ID = (1 << 63) - 1


def find_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign with this id, or None (also for ids no database column can hold)."""
    if not 1 <= campaign_id <= MAX_ID:
        return None
    return session.get(Campaign, campaign_id)
