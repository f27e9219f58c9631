"""The transparency page (R2, R12), generated from the live policy profiles and settings: per
jurisdiction and category of mail, what is measured, why, on which basis and for how long."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from consentmail.privacy import retention_days, transparency
from consentmail.web import i18n
from consentmail.web.deps import settings_of
from consentmail.web.recipient import language, page, render

router = APIRouter()


@page(router, "/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> HTMLResponse:
    settings = settings_of(request)
    lang = language(request)
    t = i18n.Translator(lang)
    profiles = transparency(settings)
    default_name = next((p.name for p in profiles if p.is_default), settings.default_jurisdiction)
    return render(
        request,
        "privacy.html",
        lang,
        title=t("link.privacy"),
        profiles=profiles,
        default_label=profile_label(t, default_name),
        profile_label=lambda name: profile_label(t, name),
        k_min=settings.k_min,
        days=retention_days(settings),
    )


def profile_label(t: i18n.Translator, name: str) -> str:
    key = f"profile.{name}"
    return t(key) if t.has(key) else name
