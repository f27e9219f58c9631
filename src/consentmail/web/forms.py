"""Hosted subscription forms and their scanner-safe double opt-in (public routes).

GET  /subscribe/{slug}   the form: one unticked box per purpose with its layered notice (R10, R12)
POST /subscribe/{slug}   record a pending signup and send the confirmation email; grants nothing.
                         Within minutes of the last one for that address and list it sends
                         nothing and says so (429, with when to try again)
GET  /confirm/{token}    shows what will be confirmed, with a button; changes nothing (law 4);
                         ?cancel=1 (the email's "it was not me" link) leads with the cancel button
POST /confirm/{token}    confirms (or cancels): subscription and one grant per ticked purpose

CSRF (web/csrf.py): the form sets one cookie, a random per-visitor value (strictly necessary:
it only secures the form), and its hidden field is bound to that value, to the list and to the
time it was issued (valid 2 hours); a POST without the matching pair is refused with 403. The
confirmation's field is an HMAC of its token, so it needs no cookie.

Every word is in it, en, fr, de or es (web/i18n.py). The form and its answers follow `?lang=`
(else the browser's language); the confirmation email is in the language chosen on the form,
kept with the signup, and so is the confirmation page unless `?lang=` says otherwise. capture's
errors are English, for the API; the form shows its own words for each field.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from consentmail.consent import capture, confirmation_mail
from consentmail.consent.capture import (
    CaptureError,
    Signup,
    SignupStatus,
    SignupView,
    Submitted,
)
from consentmail.consent.confirmation_mail import ConfirmationWords
from consentmail.consent.ledger import PURPOSES
from consentmail.contacts.values import NAME_MAX
from consentmail.db import session_factory
from consentmail.db.models import ContactList
from consentmail.delivery import Outgoing
from consentmail.web import i18n
from consentmail.web.csrf import (
    VISITOR_FIELD_TTL,
    csrf_ok,
    csrf_token,
    new_visitor,
    valid_visitor,
    visitor_cookie_name,
    visitor_field,
    visitor_field_ok,
)
from consentmail.web.deps import db, settings_of
from consentmail.web.recipient import language, page, render

router = APIRouter()

DAYS = capture.CONFIRM_WITHIN.days  # how long a confirmation link stays valid

_GONE = {  # status, title key, text key
    SignupStatus.UNKNOWN: (404, "notfound.title", "confirm.unknown_text"),
    SignupStatus.EXPIRED: (410, "confirm.expired_title", "confirm.expired_text"),
    SignupStatus.USED: (410, "confirm.used_title", "confirm.used_text"),
}


def _message(
    request: Request, lang: str, status: int, title_key: str, text_key: str
) -> HTMLResponse:
    t = i18n.Translator(lang)
    title, text = t(title_key), t(text_key, days=DAYS)
    return render(request, "message.html", lang, status, title=title, text=text)


def _privacy(lang: str) -> str:
    return f"/privacy?lang={lang}"


def _labels(purposes: Iterable[str], lang: str) -> list[str]:
    return [i18n.text(lang, f"purpose.{p}") for p in purposes]


# --- CSRF --------------------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    return settings_of(request).public_url.startswith("https://")


def _cookie(request: Request) -> str:
    return visitor_cookie_name(_secure(request))


def _visitor(request: Request) -> str | None:
    return valid_visitor(request.cookies.get(_cookie(request)))


def _with_visitor(request: Request, response: HTMLResponse, visitor: str) -> HTMLResponse:
    """The visitor's cookie, (re)set with each form so it lasts as long as the form's field."""
    response.set_cookie(
        _cookie(request),
        visitor,
        max_age=VISITOR_FIELD_TTL,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="lax",
    )
    return response


def _form_name(slug: str) -> str:
    return f"subscribe:{slug}"  # a field for one list is no key to another


def _form_csrf_ok(request: Request, slug: str, supplied: str) -> bool:
    secret = settings_of(request).secret_key
    return visitor_field_ok(secret, _visitor(request), _form_name(slug), supplied, _now())


def _now() -> int:
    return int(time.time())


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
    visitor = _visitor(request) or new_visitor()
    notices = capture.form_notices(session, lang)
    purposes = [
        {"name": p, "label": label, "notice": notice}
        for (p, notice), label in zip(notices.items(), _labels(notices, lang), strict=True)
    ]
    response = render(
        request,
        "subscribe.html",
        lang,
        status,
        title=i18n.text(lang, "form.title", list=lst.name),
        list_name=lst.name,
        purposes=purposes,
        language_names=i18n.LANGUAGE_NAMES,
        privacy_url=_privacy(lang),
        footer_privacy_url=_privacy(lang),
        ip_kept=capture.ip_capture_enabled(session),  # what is kept before confirming
        days=DAYS,
        action=f"/subscribe/{slug}?lang={lang}",  # an error page speaks the same language
        csrf=visitor_field(settings_of(request).secret_key, visitor, _form_name(slug), _now()),
        errors=errors or {},
        values=values or {"language": lang, "purposes": ()},
    )
    return _with_visitor(request, response, visitor)


def _no_list(request: Request, lang: str) -> HTMLResponse:
    return _message(request, lang, 404, "form.not_found_title", "form.not_found_text")


def _field_error(
    lang: str, exc: CaptureError, typed_email: str, typed_name: str
) -> dict[str, str]:
    """The form's own words for what capture refused (its English message is for the API),
    keyed by the field the page shows it at; "form" is above the form."""
    t = i18n.Translator(lang)
    match exc.field:
        case "email" if typed_email.strip():
            text = t("form.error.email")
        case "email":
            text = t("form.error.email_missing")
        case "first_name" if len(typed_name.strip()) > NAME_MAX:
            text = t("form.error.first_name")
        case "first_name":  # a line break or another control character (a header injection)
            text = t("form.error.first_name_control")
        case "language":
            text = t("form.error.language")
        case "newsletter":
            text = t("form.error.newsletter", newsletter=t("purpose.newsletter"))
        case field if field.startswith("notice_"):
            text = t("form.error.notice")
        case _:  # e.g. a purpose the form does not offer: the request was not made by it
            return {"form": t("form.error.other")}
    return {exc.field: text}


def _mail_words(submitted: Submitted) -> ConfirmationWords:
    """The confirmation email's words, in the language the person chose on the form."""
    t = i18n.Translator(submitted.language)
    name, list_name = submitted.first_name, submitted.list_name
    return ConfirmationWords(
        language=t.lang,
        subject=t("mail.confirm.subject", list=list_name),
        greeting=t("mail.confirm.hello_name", name=name) if name else t("mail.confirm.hello"),
        intro=t("mail.confirm.intro", list=list_name),
        link=t("mail.confirm.link"),
        ignore=t("mail.confirm.ignore", days=DAYS),
        cancel=t("mail.confirm.cancel"),
        unmeasured=t("mail.confirm.unmeasured"),
    )


@page(router, "/subscribe/{slug}", response_class=HTMLResponse)
def subscribe_page(slug: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    lang = language(request)
    lst = capture.find_list(session, slug)
    if lst is None:
        return _no_list(request, lang)
    return _form(request, session, lst, slug, lang)


@router.post("/subscribe/{slug}", response_class=HTMLResponse)
async def subscribe_post(slug: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    lang = language(request)
    if not _form_csrf_ok(request, slug, str(form.get("csrf") or "")):
        return _message(request, lang, 403, "expired.title", "expired.subscribe")
    ticked = [str(v) for v in form.getlist("purpose")]
    signup = Signup(
        email=str(form.get("email") or ""),
        first_name=str(form.get("first_name") or ""),
        language=str(form.get("language") or lang),
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
                return _no_list(request, lang)
            try:
                submitted = capture.submit_signup(session, lst, signup)
            except CaptureError as exc:
                session.rollback()
                values: dict[str, object] = {"email": signup.email, "purposes": ticked}
                values |= {"first_name": signup.first_name, "language": signup.language}
                errors = _field_error(lang, exc, signup.email, signup.first_name)
                return _form(
                    request, session, lst, slug, lang, status=422, errors=errors, values=values
                )
            if not submitted.send:  # a confirmation went out moments ago: none is sent now
                return submitted, None
            sender = confirmation_mail.sender_address(session, settings.public_url)
            return submitted, confirmation_mail.confirmation_message(
                submitted, _mail_words(submitted), public_url=settings.public_url, sender=sender
            )

    outcome = await run_in_threadpool(submit)
    if isinstance(outcome, HTMLResponse):
        return outcome
    submitted, message = outcome
    if message is None:
        return _already_sent(request, lang, submitted.resend_in_minutes)
    if not (await confirmation_mail.send_confirmation(settings, message)).ok:

        def forget() -> None:
            with session_factory(settings.database_url)() as session:
                capture.forget_unsent_signup(session, submitted.pending_id)

        await run_in_threadpool(forget)
        return _message(request, lang, 502, "form.not_sent_title", "form.not_sent_text")
    title = i18n.text(lang, "confirm.sent_title")
    return render(request, "confirm.html", lang, title=title, state="sent", days=DAYS)


def _already_sent(request: Request, lang: str, minutes: int) -> HTMLResponse:
    """No second mail within minutes (no mail bombing), and the page says so: the choices just
    sent were not kept, the earlier email's link still works."""
    response = render(
        request,
        "confirm.html",
        lang,
        429,
        title=i18n.text(lang, "confirm.already_sent_title"),
        state="already_sent",
        minutes=minutes,
    )
    response.headers["Retry-After"] = str(minutes * 60)
    return response


# --- double opt-in -----------------------------------------------------------------------------


def _gone(request: Request, view: SignupView) -> HTMLResponse:
    status, title_key, text_key = _GONE[view.status]
    return _message(request, language(request, view.language), status, title_key, text_key)


@page(router, "/confirm/{token}", response_class=HTMLResponse)
def confirm_page(token: str, request: Request, session: Session = Depends(db)) -> HTMLResponse:
    view = capture.look_up_signup(session, token)
    if view.status is not SignupStatus.OPEN:
        return _gone(request, view)
    lang = language(request, view.language)
    cancel_first = request.query_params.get("cancel") == "1"  # the email's "it was not me"
    return render(
        request,
        "confirm.html",
        lang,
        title=i18n.text(lang, "confirm.cancel_title" if cancel_first else "confirm.open_title"),
        state="open",
        cancel_first=cancel_first,
        email=view.email,
        list_name=view.list_name,
        purposes=_labels(view.purposes, lang),
        privacy_url=_privacy(lang),
        footer_privacy_url=_privacy(lang),
        action=f"/confirm/{token}?lang={lang}",  # the answer speaks the page's language
        csrf=csrf_token(settings_of(request).secret_key, token, "confirm"),
    )


@router.post("/confirm/{token}", response_class=HTMLResponse)
async def confirm_post(token: str, request: Request) -> HTMLResponse:
    form = await request.form()
    settings = settings_of(request)
    if not csrf_ok(settings.secret_key, token, "confirm", str(form.get("csrf") or "")):
        return _message(request, language(request), 403, "expired.title", "expired.confirm")
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
        title=i18n.text(lang, "confirm.done_title" if confirmed else "confirm.cancelled_title"),
        state=view.status.value,
        email=view.email,
        list_name=view.list_name,
        purposes=_labels(view.purposes, lang),
        privacy_url=_privacy(lang),
        footer_privacy_url=_privacy(lang),
    )
