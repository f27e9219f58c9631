"""A small demo workspace for `consentmail init --demo`: 40 synthetic contacts, one campaign.

Every consent_date in contacts.csv is months in the past (the latest is 2026-05-23): an import
rejects a date in the future, and the demo must load whole whatever day it is run.
"""

from __future__ import annotations

from dataclasses import dataclass
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
DEMO_LIST = "Demo newsletter"


class DemoError(RuntimeError):
    """The shipped demo data did not import whole: a bug in the data, never the user's."""


@dataclass(frozen=True)
class DemoLoaded:
    contacts: int  # contacts the import created
    campaign_id: int


def load_demo(session: Session, settings: Settings) -> DemoLoaded | None:
    """Loads the demo when the workspace is empty (None when it is not).

    Raises DemoError, before anything is committed, if the import rejects any row."""
    if session.scalar(select(func.count()).select_from(Contact)):
        return None
    # A dry run first: import_csv commits batch by batch, and a half-loaded demo would make
    # the workspace "not empty" for the next try.
    check = import_csv(session, CONTACTS, DEMO_LIST, dry_run=True)
    if check.rejected:
        reasons = "; ".join(f"line {r.line} {r.field}: {r.reason}" for r in check.rejected)
        raise DemoError(f"the demo data ({CONTACTS}) has {len(check.rejected)} rejected rows: "
                        f"{reasons}")
    summary = import_csv(session, CONTACTS, DEMO_LIST)
    campaign = create_campaign(
        session,
        CampaignSpec(
            name="Demo: December news",
            subject="December news from the demo shop",
            from_addr="news@shop.example",
            from_name="Demo Shop",
            html=TEMPLATE.read_text(encoding="utf-8"),
            template_name=TEMPLATE.name,
            list_name=DEMO_LIST,
        ),
    )
    session.flush()
    return DemoLoaded(contacts=summary.created, campaign_id=campaign.id)


def demo_campaign_id(session: Session) -> int | None:
    return session.scalar(select(Campaign.id).where(Campaign.name.like("Demo:%")).limit(1))
