"""Recipient pages. GET never changes anything (law 4); every change is a POST.

/u/{token}  unsubscribe (RFC 8058 one-click: any POST body, no cookie, no CSRF field, no redirect)
/t/{token}  stop tracking (stays subscribed)
/p/{token}  preferences
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from consentmail.campaigns import urls
from consentmail.consent import actions
from consentmail.db import session_factory
from consentmail.web.csrf import csrf_ok, csrf_token
from consentmail.web.deps import db, settings_of

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()

PURPOSE_TEXT = {
    "newsletter": ("Newsletter", "Receive the messages of the lists you joined."),
    "tracking": (
        "Measure my opens and clicks",
        "We record whether you open our messages and which links you click, to improve them.",
    ),
    "profiling": (
        "Personalise by my interests",
        "We use what you open and click to choose what to send you.",
    ),
}
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page(request: Request, name: str, status: int = 200, **ctx: object) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers.update(NO_STORE)
    return response


def _not_found(request: Request) -> HTMLResponse:
    return _page(
        request,
        "message.html",
        404,
        title="Link not recognised",
        text="This link is not valid. If you copied it, check that it is complete.",
    )


def _links(request: Request, token: str) -> dict[str, str]:
    base = settings_of(request).public_url
    return {
        "stop_tracking_url": urls.stop_tracking_url(base, token),
        "preferences_url": urls.preferences_url(base, token),
    }


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    r = actions.find_recipient(session, token)
    if r is None:
        return _not_found(request)
    return _page(
        request,
        "unsubscribe.html",
        title="Unsubscribe",
        done=False,
        list_name=r.list.name if r.list else "",
        contact_email=r.contact.email,
        action=f"/u/{token}",
        csrf=csrf_token(settings_of(request).secret_key, token, "unsubscribe"),
        **_links(request, token),
    )


@router.post("/u/{token}", response_class=HTMLResponse)
async def unsubscribe_post(token: str, request: Request) -> HTMLResponse:
    body = await request.body()
    method = "one-click" if b"List-Unsubscribe=One-Click" in body else "page"
    url = settings_of(request).database_url

    def run() -> tuple[bool, str, str]:
        with session_factory(url)() as session:
            r = actions.find_recipient(session, token)
            if r is None:
                return False, "", ""
            actions.unsubscribe(session, r, method)  # commits before we answer
            return True, r.list.name if r.list else "", r.contact.email

    found, list_name, email = await run_in_threadpool(run)
    if not found:
        return _not_found(request)
    return _page(
        request,
        "unsubscribe.html",
        title="Unsubscribed",
        done=True,
        list_name=list_name,
        contact_email=email,
        **_links(request, token),
    )


@router.get("/t/{token}", response_class=HTMLResponse)
def stop_tracking_page(
    token: str, request: Request, session: Session = Depends(db)
) -> HTMLResponse:
    r = actions.find_recipient(session, token)
    if r is None:
        return _not_found(request)
    state = actions.current_state(session, r)
    sentence = (
        "You agreed that we measure your opens and clicks."
        if state.tracking.granted
        else "We do not measure your opens and clicks personally."
    )
    return _page(
        request,
        "stop_tracking.html",
        title="Stop tracking",
        done=False,
        state_sentence=sentence,
        action=f"/t/{token}",
        csrf=csrf_token(settings_of(request).secret_key, token, "stop-tracking"),
        **_links(request, token),
    )


@router.post("/t/{token}", response_class=HTMLResponse)
async def stop_tracking_post(token: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    if not csrf_ok(settings.secret_key, token, "stop-tracking", str(form.get("csrf") or "")):
        return _page(
            request,
            "message.html",
            403,
            title="Form expired",
            text="Please open the stop-tracking page again and press the button.",
        )

    def run() -> bool:
        with session_factory(settings.database_url)() as session:
            r = actions.find_recipient(session, token)
            if r is None:
                return False
            actions.stop_tracking(session, r, "page")
            return True

    if not await run_in_threadpool(run):
        return _not_found(request)
    return _page(
        request, "stop_tracking.html", title="Tracking stopped", done=True, **_links(request, token)
    )


def _preferences(
    request: Request, session: Session, token: str, saved: int | None = None
) -> HTMLResponse:
    r = actions.find_recipient(session, token)
    if r is None:
        return _not_found(request)
    state = actions.current_state(session, r)
    purposes = [
        {"name": name, "label": label, "notice": notice, "granted": getattr(state, name).granted}
        for name, (label, notice) in PURPOSE_TEXT.items()
    ]
    return _page(
        request,
        "preferences.html",
        title="Your preferences",
        contact_email=r.contact.email,
        purposes=purposes,
        list_name=r.list.name if r.list else "",
        subscribed=state.subscribed,
        saved=saved,
        action=f"/p/{token}",
        csrf=csrf_token(settings_of(request).secret_key, token, "preferences"),
    )


@router.get("/p/{token}", response_class=HTMLResponse)
def preferences_page(token: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    return _preferences(request, session, token)


@router.post("/p/{token}", response_class=HTMLResponse)
async def preferences_post(token: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    if not csrf_ok(settings.secret_key, token, "preferences", str(form.get("csrf") or "")):
        return _page(
            request,
            "message.html",
            403,
            title="Form expired",
            text="Please open your preferences again and save.",
        )
    chosen = {str(v) for v in form.getlist("purpose")}
    wants_list = form.get("subscribed") == "1"

    def run() -> HTMLResponse:
        with session_factory(settings.database_url)() as session:
            r = actions.find_recipient(session, token)
            if r is None:
                return _not_found(request)
            wanted = {p: p in chosen for p in PURPOSE_TEXT}
            changes = actions.set_preferences(session, r, wanted, "page")
            if r.list is not None:
                subscribed = actions.current_state(session, r).subscribed
                if subscribed and not wants_list:
                    changes += int(actions.unsubscribe(session, r, "page"))
                elif wants_list and not subscribed:
                    changes += int(actions.resubscribe(session, r))
            return _preferences(request, session, token, saved=changes)

    return await run_in_threadpool(run)
