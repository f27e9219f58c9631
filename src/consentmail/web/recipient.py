"""What every recipient page shares: templates, the language choice, no-store answers.

Pages speak it, en, fr, de or es: `?lang=xx`, else the contact's language, else the browser's
(Accept-Language), else English. Nothing here logs: the token in a URL is a credential, and the
pages show a person's address.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from consentmail.campaigns import urls
from consentmail.web import i18n, tracking_words
from consentmail.web.deps import settings_of

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PAGE_METHODS = ["GET", "HEAD"]


def page(router: APIRouter, path: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A public page's route: GET and HEAD (link checkers, mail scanners and uptime probes send
    HEAD). HEAD runs the GET handler and answers its status and headers without the body; a GET
    never changes anything (law 4), so neither does a HEAD. Pages are for people, not API
    operations: they stay out of the OpenAPI document."""
    return router.api_route(path, methods=PAGE_METHODS, include_in_schema=False, **options)


# English labels and one-line notices of the purposes, for pages outside the recipient pages
# (hosted forms); the recipient pages use i18n and the stored notices.
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


def language(request: Request, contact_language: str | None = None) -> str:
    return i18n.choose(request.query_params.get("lang"), contact_language, request.headers)


def render(
    request: Request, template: str, lang: str, http_status: int = 200, /, **ctx: object
) -> HTMLResponse:
    """A page in `lang`, with plain links to the same page in the other languages (the switch
    works without JavaScript)."""
    path = request.url.path
    switch = [
        {"code": code, "name": i18n.LANGUAGE_NAMES[code], "url": f"{path}?lang={code}"}
        for code in i18n.LANGUAGES
    ]
    context = {
        "lang": lang,
        "t": i18n.Translator(lang),
        "tw": tracking_words.Words(lang),
        "switch_languages": switch,
        **ctx,
    }
    response = templates.TemplateResponse(request, template, context, status_code=http_status)
    response.headers.update(NO_STORE)
    return response


def not_found(request: Request) -> HTMLResponse:
    t = i18n.Translator(language(request))
    return render(
        request, "message.html", t.lang, 404, title=t("notfound.title"), text=t("notfound.text")
    )


def expired(request: Request, lang: str, text_key: str) -> HTMLResponse:
    t = i18n.Translator(lang)
    return render(request, "message.html", lang, 403, title=t("expired.title"), text=t(text_key))


def with_lang(path: str, lang: str) -> str:
    """Links and forms carry the page's language, so the next page speaks it too."""
    return f"{path}?lang={lang}"


def links(request: Request, token: str, lang: str) -> dict[str, str]:
    base = settings_of(request).public_url
    return {
        "stop_tracking_url": with_lang(urls.stop_tracking_url(base, token), lang),
        "preferences_url": with_lang(urls.preferences_url(base, token), lang),
        "footer_privacy_url": with_lang(f"{base}/privacy", lang),
    }
