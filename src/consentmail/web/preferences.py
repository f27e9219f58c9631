"""The preference centre (/p/{token}) and "what we know about you" (/p/{token}/data[.json]).

GET shows, POST changes (law 4). Three forms post here, each with the page's CSRF field: save the
choices (purposes, lists, the language of our emails), stop tracking, unsubscribe from everything.
The page's language (?lang=) is only how it is shown; the emails' language changes only by its
own field. The save form carries, per purpose, the version, language and SHA-256 of the notice
shown, so that a grant names those words or, if they changed meanwhile, is not recorded and the
page shows the new ones. All work without JavaScript; the service is privacy/preferences.py.
"""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from consentmail.consent import actions
from consentmail.consent.actions import Recipient
from consentmail.db import session_factory
from consentmail.db.models import utcnow
from consentmail.privacy import preferences as service
from consentmail.privacy.access import access_export
from consentmail.privacy.tracking_status import tracking_status
from consentmail.web import i18n, tracking_words
from consentmail.web.csrf import csrf_ok, csrf_token
from consentmail.web.deps import db, settings_of
from consentmail.web.recipient import (
    NO_STORE,
    expired,
    language,
    links,
    not_found,
    page,
    render,
)

router = APIRouter()

FORM = "preferences"
ACTIONS = ("save", "stop-tracking", "unsubscribe-all")


def _day(at: datetime | None) -> str:
    return at.date().isoformat() if at is not None else ""


def _page(
    request: Request, session: Session, r: Recipient, token: str, lang: str, status_text: str = ""
) -> HTMLResponse:
    t = i18n.Translator(lang)
    status = tracking_status(session, r, settings_of(request).default_jurisdiction)
    purposes = []
    for choice in service.purposes_of(session, r):
        notice = service.page_notice(session, choice.name, lang)
        purposes.append(
            {
                "name": choice.name,
                "label": t(f"purpose.{choice.name}"),
                "notice": notice.text,
                "notice_version": notice.version,
                "notice_lang": notice.language,
                "notice_sha256": notice.sha256,
                "granted": choice.granted,
                "since": _day(choice.since),
                # R11: unticked is an objection for an informed legacy contact.
                "legacy": choice.name == service.TRACKING and status.legacy is not None,
            }
        )
    return render(
        request,
        "preferences.html",
        lang,
        title=t("prefs.title"),
        contact_email=r.contact.email,
        purposes=purposes,
        lists=service.lists_of(session, r),
        # The language of our emails is the person's explicit choice, not the page's ?lang=.
        mail_language=service.language_code(r.contact.language),
        language_names=i18n.LANGUAGE_NAMES,
        status_text=status_text,
        **status.page_context(utcnow().date()),
        action=f"/p/{token}?lang={lang}",
        data_url=f"/p/{token}/data?lang={lang}",
        csrf=csrf_token(settings_of(request).secret_key, token, FORM),
        **links(request, token, lang),
    )


@page(router, "/p/{token}", response_class=HTMLResponse)
def preferences_page(token: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    r = actions.find_recipient(session, token)
    if r is None:
        return not_found(request)
    return _page(request, session, r, token, language(request, r.contact.language))


@router.post("/p/{token}", response_class=HTMLResponse)
async def preferences_post(token: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    if not csrf_ok(settings.secret_key, token, FORM, str(form.get("csrf") or "")):
        return expired(request, language(request), "expired.preferences")
    do = str(form.get("do") or "save")
    do = do if do in ACTIONS else "save"
    names = ["purpose", "purpose_was", "list_shown", "list", "mail_language", "objection_offered"]
    names += [f"notice{part}_{p}" for p in service.PURPOSES for part in ("", "_lang", "_sha")]
    fields: dict[str, list[object]] = {name: list(form.getlist(name)) for name in names}
    ip = request.client.host if request.client else ""

    def run() -> HTMLResponse:
        with session_factory(settings.database_url)() as session:
            r = actions.find_recipient(session, token)
            if r is None:
                return not_found(request)
            lang = language(request, r.contact.language)
            t = i18n.Translator(lang)
            jurisdiction = settings.default_jurisdiction
            if do == "stop-tracking":
                service.stop_tracking(session, r, default_jurisdiction=jurisdiction, ip=ip)
                status = t("prefs.stop_done")
            elif do == "unsubscribe-all":
                service.unsubscribe_all(session, r, ip=ip)
                status = t("prefs.unsub_all_done")
            else:
                choices = service.choices_from_form(fields, lang, ip)
                saved = service.apply_choices(session, r, choices,
                                              default_jurisdiction=jurisdiction)
                status = t("prefs.saved", n=saved.changes)
                if saved.notice_changed:
                    labels = ", ".join(t(f"purpose.{p}") for p in saved.notice_changed)
                    status = tracking_words.text(lang, "prefs.notice_changed", purposes=labels)
                    status += " " + t("prefs.saved", n=saved.changes)
            return _page(request, session, r, token, lang, status)

    return await run_in_threadpool(run)


def _when(value: str | None) -> str:
    """'2026-11-03T09:00:00.123+00:00' -> '2026-11-03 09:00 UTC'."""
    if not value:
        return ""
    return value[:16].replace("T", " ") + (" UTC" if "T" in value else "")


@page(router, "/p/{token}/data", response_class=HTMLResponse)
def data_page(token: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    r = actions.find_recipient(session, token)
    if r is None:
        return not_found(request)
    lang = language(request, r.contact.language)
    t = i18n.Translator(lang)
    export = access_export(session, r.contact.id)
    contact = export["contact"]
    return render(
        request,
        "data.html",
        lang,
        title=t("data.title"),
        export=export,
        generated=_when(export["generated_at"]),
        person_name=" ".join(p for p in (contact["first_name"], contact["last_name"]) if p),
        events=[
            {**e, "when": _when(e["at"]), "choice": t(f"action.{e['action']}")}
            for e in export["consent"]["events"]
        ],
        engagement=[
            {
                **e,
                "what": t("kind.open") if e["kind"] == "open"
                else t("kind.click", n=e["link_index"] + 1),
                "first": _when(e["first_at"]),
                "basis_text": t(basis_key(e["basis"])),
            }
            for e in export["engagement"]
        ],
        lists=[{**entry, "since": _when(entry["since"])} for entry in export["lists"]],
        json_url=f"/p/{token}/data.json",
        back_url=f"/p/{token}?lang={lang}",
        **links(request, token, lang),
    )


def basis_key(basis: str) -> str:
    """The i18n key that names a stored basis ("consent:42", "exemption:security", ...)."""
    kind, _, detail = basis.partition(":")
    if kind == "consent":
        return "basis.consent"
    if kind == "legacy":
        return "basis.legacy"
    if kind == "exemption" and detail in ("security", "mandatory", "deliverability"):
        return f"basis.{detail}"
    if basis == "anonymous-aggregate":
        return "basis.aggregate"
    return "basis.none"


@page(router, "/p/{token}/data.json")
def data_json(token: str, request: Request, session: Session = Depends(db)) -> Response:
    """GDPR Art. 15/20: the same data, machine-readable, as a download that no cache keeps."""
    r = actions.find_recipient(session, token)
    if r is None:
        return not_found(request)
    body = json.dumps(access_export(session, r.contact.id), indent=2, ensure_ascii=False)
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={
            **NO_STORE,
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "X-Content-Type-Options": "nosniff",
        },
    )
