"""The transparency page (R2, R12), generated from the live policy profiles."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from consentmail.policy import PROFILES
from consentmail.web.deps import settings_of
from consentmail.web.pages import templates

router = APIRouter()


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> HTMLResponse:
    settings = settings_of(request)
    return templates.TemplateResponse(
        request,
        "privacy.html",
        {
            "title": "How we measure our emails",
            "profiles": [PROFILES[name] for name in sorted(PROFILES)],
            "default_profile": settings.default_jurisdiction,
            "k_min": settings.k_min,
        },
    )
