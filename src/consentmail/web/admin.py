"""A small server-rendered admin: campaigns and their reports, captured mail."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.models import Campaign
from consentmail.reports.campaign import campaign_report
from consentmail.web.deps import db, require_admin, settings_of
from consentmail.web.pages import templates

router = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)])


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, session: Session = Depends(db)) -> HTMLResponse:
    k_min = settings_of(request).k_min
    campaigns = session.scalars(select(Campaign).order_by(Campaign.id.desc())).all()
    reports = [campaign_report(session, c.id, k_min) for c in campaigns]
    return templates.TemplateResponse(
        request, "admin.html", {"title": "Campaigns", "reports": reports}
    )
