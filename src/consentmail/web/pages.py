"""Recipient pages. GET never changes anything (law 4); every change is a POST.

/u/{token}  unsubscribe (RFC 8058 one-click: any POST body, no cookie, no CSRF field, no redirect)
/t/{token}  stop tracking (stays subscribed)
/p/{token}  preference centre and what we know about you (web/preferences.py)
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from consentmail.consent import actions
from consentmail.db import session_factory
from consentmail.db.models import utcnow
from consentmail.privacy import preferences as service
from consentmail.privacy.tracking_status import tracking_status
from consentmail.web import preferences
from consentmail.web.csrf import csrf_ok, csrf_token
from consentmail.web.deps import db, settings_of
from consentmail.web.recipient import (
    NO_STORE,
    PURPOSE_TEXT,
    expired,
    language,
    links,
    not_found,
    page,
    render,
    templates,
    with_lang,
)

__all__ = ["NO_STORE", "PURPOSE_TEXT", "router", "templates"]

router = APIRouter()
router.include_router(preferences.router)


@page(router, "/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    r = actions.find_recipient(session, token)
    if r is None:
        return not_found(request)
    lang = language(request, r.contact.language)
    return render(
        request,
        "unsubscribe.html",
        lang,
        done=False,
        list_name=r.list.name if r.list else None,
        contact_email=r.contact.email,
        action=with_lang(f"/u/{token}", lang),
        csrf=csrf_token(settings_of(request).secret_key, token, "unsubscribe"),
        **links(request, token, lang),
    )


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe_post(token: str, request: Request) -> HTMLResponse:
    # RFC 8058: whatever the body and its type (form, multipart, text/plain, empty, none), the
    # token in the URL is what counts. The body is read only to tell one-click from the page.
    body = await request.body()
    method = "one-click" if b"List-Unsubscribe=One-Click" in body else "page"
    url = settings_of(request).database_url
    # A one-click POST comes from the mailbox provider's servers: their address proves nothing
    # about the person, so only the page's POST offers one (kept only if the workspace allows).
    ip = request.client.host if request.client and method == "page" else ""

    def run() -> tuple[str | None, str, str] | None:
        with session_factory(url)() as session:
            r = actions.find_recipient(session, token)
            if r is None:
                return None
            actions.unsubscribe(session, r, method, ip=ip)  # commits before we answer
            return r.list.name if r.list else None, r.contact.email, r.contact.language

    found = await run_in_threadpool(run)
    if found is None:
        return not_found(request)
    list_name, email, contact_language = found
    lang = language(request, contact_language)
    return render(
        request,
        "unsubscribe.html",
        lang,
        done=True,
        list_name=list_name,
        contact_email=email,
        **links(request, token, lang),
    )


@page(router, "/t/{token}", response_class=HTMLResponse)
def stop_tracking_page(
    token: str, request: Request, session: Session = Depends(db)
) -> HTMLResponse:
    r = actions.find_recipient(session, token)
    if r is None:
        return not_found(request)
    lang = language(request, r.contact.language)
    status = tracking_status(session, r, settings_of(request).default_jurisdiction)
    return render(
        request,
        "stop_tracking.html",
        lang,
        done=False,
        **status.page_context(utcnow().date()),
        action=with_lang(f"/t/{token}", lang),
        csrf=csrf_token(settings_of(request).secret_key, token, "stop-tracking"),
        **links(request, token, lang),
    )


@router.post("/t/{token}", response_class=HTMLResponse)
async def stop_tracking_post(token: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    if not csrf_ok(settings.secret_key, token, "stop-tracking", str(form.get("csrf") or "")):
        return expired(request, language(request), "expired.stop")
    ip = request.client.host if request.client else ""

    def run() -> str | None:
        with session_factory(settings.database_url)() as session:
            r = actions.find_recipient(session, token)
            if r is None:
                return None
            # Commits before we answer; an informed legacy contact's "no" is their objection.
            service.stop_tracking(
                session, r, default_jurisdiction=settings.default_jurisdiction, ip=ip
            )
            return r.contact.language

    contact_language = await run_in_threadpool(run)
    if contact_language is None:
        return not_found(request)
    lang = language(request, contact_language)
    return render(request, "stop_tracking.html", lang, done=True, **links(request, token, lang))

