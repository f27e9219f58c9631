"""Hosted subscription forms and their scanner-safe double opt-in (public routes).

GET  /subscribe/{slug}   the form: one unticked box per purpose with its layered notice (R10, R12)
POST /subscribe/{slug}   record a pending signup and send the confirmation email; grants nothing
GET  /confirm/{token}    shows what will be confirmed, with a button; changes nothing (law 4)
POST /confirm/{token}    confirms (or cancels): subscription and one grant per ticked purpose

No cookies: the form's CSRF field is an HMAC of the list and the hour (valid up to 2 hours); the
confirmation's is an HMAC of its token. Notices and purpose labels follow `?lang=` (else the
browser's language); the rest of the page is in English for now.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from consentmail.consent import capture
from consentmail.consent.capture import CaptureError, Signup, SignupStatus, SignupView, Submitted
from consentmail.consent.ledger import PURPOSES
from consentmail.db import session_factory
from consentmail.db.models import ContactList
from consentmail.delivery import Outgoing
from consentmail.web import i18n
from consentmail.web.csrf import csrf_ok, csrf_token
from consentmail.web.deps import db, settings_of
from consentmail.web.recipient import language, page, render

router = APIRouter()

_GONE = {
    SignupStatus.UNKNOWN: (404, "Link not recognised", "This confirmation link is not valid."),
    SignupStatus.EXPIRED: (
        410,
        "Link expired",
        "This confirmation link is older than 7 days, so nothing was recorded. "
        "Please fill in the form again.",
    ),
    SignupStatus.USED: (
        410,
        "Already confirmed",
        "This link was already used: your subscription is confirmed.",
    ),
}


def _message(request: Request, status: int, title: str, text: str) -> HTMLResponse:
    return render(request, "message.html", language(request), status, title=title, text=text)


def _privacy(lang: str) -> str:
    return f"/privacy?lang={lang}"


def _labels(purposes: Iterable[str], lang: str) -> list[str]:
    return [i18n.text(lang, f"purpose.{p}") for p in purposes]


# --- CSRF --------------------------------------------------------------------------------------


def _hour() -> int:
    return int(time.time() // 3600)


def _form_csrf(secret: str, slug: str, hour: int) -> str:
    return csrf_token(secret, f"{slug}:{hour}", "subscribe")


def _form_csrf_ok(secret: str, slug: str, supplied: str) -> bool:
    now = _hour()
    return any(csrf_ok(secret, f"{slug}:{h}", "subscribe", supplied) for h in (now, now - 1))


# --- the form ----------------------------------------------------------------------------------


def _form(
    request: Request,
    session: Session,
    lst: ContactList,
    slug: str,
    lang: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
) -> HTMLResponse:
    notices = capture.form_notices(session, lang)
    purposes = [
        {"name": p, "label": label, "notice": notice}
        for (p, notice), label in zip(notices.items(), _labels(notices, lang), strict=True)
    ]
    return render(
        request,
        "subscribe.html",
        lang,
        status,
        title=f"Subscribe to {lst.name}",
        list_name=lst.name,
        purposes=purposes,
        language_names=i18n.LANGUAGE_NAMES,
        privacy_url=_privacy(lang),
        footer_privacy_url=_privacy(lang),
        action=f"/subscribe/{slug}?lang={lang}",  # an error page speaks the same language
        csrf=_form_csrf(settings_of(request).secret_key, slug, _hour()),
        errors=errors or {},
        values=values or {"language": lang, "purposes": ()},
    )


def _no_list(request: Request) -> HTMLResponse:
    return _message(
        request, 404, "Form not found", "There is no subscription form at this address."
    )


@page(router, "/subscribe/{slug}", response_class=HTMLResponse)
def subscribe_page(slug: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    lst = capture.find_list(session, slug)
    if lst is None:
        return _no_list(request)
    return _form(request, session, lst, slug, language(request))


@router.post("/subscribe/{slug}", response_class=HTMLResponse)
async def subscribe_post(slug: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    if not _form_csrf_ok(settings.secret_key, slug, str(form.get("csrf") or "")):
        return _message(
            request, 403, "Form expired", "Please open the subscription form again and resend it."
        )
    ticked = [str(v) for v in form.getlist("purpose")]
    lang = language(request)
    signup = Signup(
        email=str(form.get("email") or ""),
        first_name=str(form.get("first_name") or ""),
        language=str(form.get("language") or "en"),
        purposes=ticked,
        notices_shown={
            p: (str(form.get(f"notice_lang_{p}") or ""), str(form.get(f"notice_{p}") or ""))
            for p in PURPOSES
        },
        ip=request.client.host if request.client else "",
    )

    def submit() -> HTMLResponse | tuple[Submitted, Outgoing | None]:
        with session_factory(settings.database_url)() as session:
            lst = capture.find_list(session, slug)
            if lst is None:
                return _no_list(request)
            try:
                submitted = capture.submit_signup(session, lst, signup)
            except CaptureError as exc:
                session.rollback()
                values: dict[str, object] = {"email": signup.email, "purposes": ticked}
                values |= {"first_name": signup.first_name, "language": signup.language}
                errors = {exc.field: exc.message}
                return _form(
                    request, session, lst, slug, lang, status=422, errors=errors, values=values
                )
            if not submitted.send:  # a confirmation went out moments ago: answer the same
                return submitted, None
            sender = capture.sender_address(session, settings.public_url)
            return submitted, capture.confirmation_message(
                submitted, public_url=settings.public_url, sender=sender
            )

    outcome = await run_in_threadpool(submit)
    if isinstance(outcome, HTMLResponse):
        return outcome
    submitted, message = outcome
    if message is not None and not (await capture.send_confirmation(settings, message)).ok:

        def forget() -> None:
            with session_factory(settings.database_url)() as session:
                capture.discard_signup(session, submitted.pending_id)

        await run_in_threadpool(forget)
        return _message(
            request,
            502,
            "Email not sent",
            "We could not send the confirmation email just now. Please try again later.",
        )
    return render(
        request, "confirm.html", language(request), title="Check your inbox", state="sent"
    )


# --- double opt-in -----------------------------------------------------------------------------


def _gone(request: Request, view: SignupView) -> HTMLResponse:
    status, title, text = _GONE[view.status]
    return _message(request, status, title, text)


@page(router, "/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    view = capture.look_up_signup(session, token)
    if view.status is not SignupStatus.OPEN:
        return _gone(request, view)
    lang = language(request, view.language)
    return render(
        request,
        "confirm.html",
        lang,
        title="Confirm your subscription",
        state="open",
        email=view.email,
        list_name=view.list_name,
        purposes=_labels(view.purposes, lang),
        privacy_url=_privacy(lang),
        footer_privacy_url=_privacy(lang),
        action=f"/confirm/{token}",
        csrf=csrf_token(settings_of(request).secret_key, token, "confirm"),
    )


@router.post("/confirm/{token}", response_class=HTMLResponse)
async def confirm_post(token: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    if not csrf_ok(settings.secret_key, token, "confirm", str(form.get("csrf") or "")):
        return _message(
            request, 403, "Form expired", "Please open the link in the email again and confirm."
        )
    cancel = form.get("action") == "cancel"
    ip = request.client.host if request.client else ""

    def run() -> SignupView:
        with session_factory(settings.database_url)() as session:
            if cancel:
                return capture.cancel_signup(session, token)
            return capture.confirm_signup(session, token, ip=ip)  # commits before we answer

    view = await run_in_threadpool(run)
    if view.status in _GONE:
        return _gone(request, view)
    lang = language(request, view.language)
    confirmed = view.status is SignupStatus.CONFIRMED
    return render(
        request,
        "confirm.html",
        lang,
        title="Subscription confirmed" if confirmed else "Request cancelled",
        state=view.status.value,
        email=view.email,
        list_name=view.list_name,
        purposes=_labels(view.purposes, lang),
        privacy_url=_privacy(lang),
        footer_privacy_url=_privacy(lang),
    )
