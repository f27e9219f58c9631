"""A small demo workspace for `consentmail init --demo`: 40 synthetic contacts, one campaign."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentmail.campaigns.compose import CampaignSpec, create_campaign
from consentmail.config import Settings
from consentmail.contacts.service import import_csv
from consentmail.db.models import Campaign, Contact

HERE = Path(__file__).resolve().parent
CONTACTS = HERE / "contacts.csv"  # made by shared/tools/gen_contacts.py 40 --seed 7 --clean
TEMPLATE = HERE / "newsletter.html"


def load_demo(session: Session, settings: Settings) -> int | None:
    """Loads the demo when the workspace is empty; returns the demo campaign id, else None."""
    if session.scalar(select(func.count()).select_from(Contact)):
        return None
    import_csv(session, CONTACTS, "Demo newsletter")
    campaign = create_campaign(
        session,
        CampaignSpec(
            name="Demo: December news",
            subject="December news from the demo shop",
            from_addr="news@shop.example",
            from_name="Demo Shop",
            html=TEMPLATE.read_text(encoding="utf-8"),
            template_name=TEMPLATE.name,
            list_name="Demo newsletter",
        ),
    )
    session.flush()
    return campaign.id


def demo_campaign_id(session: Session) -> int | None:
    return session.scalar(select(Campaign.id).where(Campaign.name.like("Demo:%")).limit(1))
