"""REST API (bearer token). Each route is a few lines over a service function."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.campaigns.compose import CampaignError, CampaignSpec, create_campaign
from consentmail.campaigns.lookup import find_campaign
from consentmail.campaigns.preflight import PreflightBlocked
from consentmail.campaigns.queue import queue_campaign
from consentmail.db.models import Campaign
from consentmail.render import TemplateError
from consentmail.reports.campaign import campaign_report
from consentmail.web.api_fields import MailName
from consentmail.web.deps import db, require_api_token, settings_of

router = APIRouter(prefix="/api", dependencies=[Depends(require_api_token)])


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    list: str | None = None
    subject: str = Field(min_length=1)
    from_addr: str = Field(alias="from", min_length=3)
    from_name: MailName = ""
    html: str = Field(min_length=1)
    text: str | None = None
    category: str = "marketing"
    measure: str = "individual"
    segment: str | None = None  # "engaged:N" (profiling consent only), as --segment


@router.get("/campaigns")
def list_campaigns(session: Session = Depends(db)) -> list[dict[str, Any]]:
    # Hidden per-message campaigns of the transactional API are not campaigns to list.
    rows = session.scalars(
        select(Campaign).where(Campaign.status != "transactional").order_by(Campaign.id)
    ).all()
    return [
        {
            "id": c.id,
            "name": c.name,
            "status": c.status,
            "category": c.category,
            "measure": c.measure,
        }
        for c in rows
    ]


@router.post("/campaigns", status_code=201)
def post_campaign(body: CampaignIn, session: Session = Depends(db)) -> dict[str, int]:
    spec = CampaignSpec(
        name=body.name,
        subject=body.subject,
        from_addr=body.from_addr,
        html=body.html,
        list_name=body.list,
        from_name=body.from_name,
        category=body.category,
        measure=body.measure,
        text=body.text,
        template_name="api",
        segment=body.segment,
    )
    try:
        campaign = create_campaign(session, spec)
    except (CampaignError, TemplateError) as exc:
        raise HTTPException(422, str(exc)) from None
    session.commit()
    return {"id": campaign.id}


@router.post("/campaigns/{campaign_id}/send")
def send_campaign(
    campaign_id: int,
    request_settings=Depends(settings_of),  # noqa: B008
    session: Session = Depends(db),
) -> dict[str, Any]:
    campaign = find_campaign(session, campaign_id)
    if campaign is None:
        raise HTTPException(404, f"no campaign {campaign_id}")
    try:
        summary = queue_campaign(
            session,
            campaign,
            k_min=request_settings.k_min,
            default_jurisdiction=request_settings.default_jurisdiction,
        )
    except PreflightBlocked as exc:
        raise HTTPException(422, exc.report.to_dict()) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    session.commit()
    return {
        "queued": summary.queued,
        "not_sent": summary.not_sent,
        "outside_segment": summary.outside_segment,
        "tracking": summary.modes,
    }


@router.get("/campaigns/{campaign_id}/report")
def get_report(
    campaign_id: int,
    request_settings=Depends(settings_of),  # noqa: B008
    session: Session = Depends(db),
) -> dict[str, Any]:
    try:
        return campaign_report(session, campaign_id, request_settings.k_min)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
