"""The hosted form over HTTP, with the confirmation email received by a real SMTP server."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from consentmail.config import Settings
from consentmail.consent.capture import IP_SETTING
from consentmail.consent.notices import add_notice, seed_default_notices
from consentmail.contacts.service import get_or_create_list
from consentmail.db import session_scope
from consentmail.db.models import (
    ConsentEvent,
    Contact,
    Notice,
    PendingSignup,
    Setting,
    Subscription,
    utcnow,
)
from consentmail.web import forms, i18n, privacy_page
from consentmail.web.csrf import VISITOR_FIELD_TTL, visitor_field
from tests.e2e.harness import free_port
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.anyio
PUBLIC = "http://forms.test"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
VERSION = re.compile(r'name="notice_(\w+)" value="([^"]+)"')
# The confirmation link in the text part (the cancel link is the same with "?cancel=1...").
CONFIRM_LINK = re.compile(r"http://forms\.test/confirm/[A-Za-z0-9_-]+(?=\s)")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as s:
        yield s


def _settings(db_url: str, data_dir: Path, smtp_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=db_url,
        public_url=PUBLIC,
        smtp_url=smtp_url,
        secret_key="test-secret",
        api_token="test-token",
        run_worker=False,
    )


def _app(settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.settings = settings
    app.include_router(forms.router)
    app.include_router(privacy_page.router)
    return app


@pytest.fixture
async def client(db_url: str, tmp_path: Path, sink: SmtpSink) -> AsyncIterator[httpx.AsyncClient]:
    with session_scope(db_url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Weekly News")
    transport = httpx.ASGITransport(app=_app(_settings(db_url, tmp_path, sink.url)))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as c:
        yield c


def _form_fields(html: str, **fields: str) -> dict[str, object]:
    data: dict[str, object] = {"csrf": CSRF.findall(html)[0]}
    data |= {f"notice_{p}": v for p, v in VERSION.findall(html)}
    data |= fields
    return data


async def _subscribe(
    client: httpx.AsyncClient, purposes: list[str], **fields: str
) -> httpx.Response:
    page = await client.get("/subscribe/weekly-news?lang=en")
    data = _form_fields(page.text, email="ada@example.org", language="en", **fields)
    data["purpose"] = purposes
    return await client.post("/subscribe/weekly-news", data=data)


def _plain(sink: SmtpSink) -> str:
    return sink.received[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def _events(db_url: str) -> list[ConsentEvent]:
    with session_scope(db_url) as s:
        return list(s.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))


def _subscribed(db_url: str) -> bool:
    with session_scope(db_url) as s:
        return s.scalar(select(Subscription.status)) == "subscribed"


async def test_form_offers_one_unticked_box_per_purpose_with_its_notice(
    client: httpx.AsyncClient, db_url: str
) -> None:
    page = await client.get("/subscribe/weekly-news?lang=it")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    boxes = re.findall(r'<input type="checkbox"[^>]*>', page.text)
    assert [re.search(r'value="(\w+)"', b)[1] for b in boxes] == [  # type: ignore[index]
        "newsletter",
        "tracking",
        "profiling",
    ]
    assert not any("checked" in b for b in boxes)  # silence is refusal
    with session_scope(db_url) as s:
        for notice in s.scalars(select(Notice).where(Notice.language == "it")):
            assert notice.text.split("\n\n")[0] in page.text.replace("&#39;", "'")
    # The layered notice's "more", for each of the three purposes.
    assert len(re.findall(r'id="notice-\w+".*?href="/privacy\?lang=it"', page.text)) == 3
    assert (await client.get("/subscribe/nope")).status_code == 404


async def test_double_opt_in_end_to_end(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    answer = await _subscribe(client, ["newsletter", "tracking"], first_name="Ada")
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert _events(db_url) == [] and not _subscribed(db_url)  # nothing before confirmation

    assert sink.wait_for(1)
    [received] = sink.received
    mail = received.message
    assert received.rcpt_tos == ("ada@example.org",)
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<img" not in html.lower()  # no pixel of any kind
    urls = set(re.findall(r'href="([^"]+)"', html)) | set(re.findall(r"https?://\S+", text))
    assert not any("/o/" in u or "/c/" in u for u in urls)  # no tracked link
    # The confirmation link, and the same page opened on "it was not me" (cancel).
    [link] = {u for u in urls if "/confirm/" in u and "?" not in u}
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 22 and "ada" not in link
    assert {u for u in urls if "/confirm/" in u and "?" in u} == {
        f"{link}?cancel=1&amp;lang=en",  # as the HTML part writes it
        f"{link}?cancel=1&lang=en",
    }

    # A mail scanner prefetching the link (twice) changes nothing.
    for _ in range(2):
        page = await client.get(link)
        assert page.status_code == 200 and "Confirm" in page.text
    assert _events(db_url) == [] and not _subscribed(db_url)

    csrf = CSRF.findall(page.text)[0]
    done = await client.post(link, data={"csrf": csrf, "action": "confirm"})
    assert done.status_code == 200 and "Subscription confirmed" in done.text
    assert _subscribed(db_url)
    events = _events(db_url)
    assert [e.purpose for e in events] == ["newsletter", "tracking"]
    with session_scope(db_url) as s:
        for e in events:
            notice = s.scalar(
                select(Notice).where(
                    Notice.purpose == e.purpose,
                    Notice.version == e.notice_version,
                    Notice.language == "en",
                )
            )
            assert notice is not None and notice.sha256 == e.notice_sha256
            assert (e.source, e.method) == ("form:weekly-news", "double-opt-in")
            assert e.ip_truncated == ""

    again = await client.post(link, data={"csrf": csrf, "action": "confirm"})
    assert again.status_code == 410 and len(_events(db_url)) == 2
    assert (await client.get(link)).status_code == 410


async def test_bad_address_shows_the_form_again_with_the_error_by_the_field(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    page = await client.get("/subscribe/weekly-news?lang=en")
    data = _form_fields(page.text, email="ada@@example", language="en", purpose="tracking")
    answer = await client.post("/subscribe/weekly-news", data=data)
    assert answer.status_code == 422
    assert re.search(r'id="email"[^>]*aria-invalid="true"', answer.text)
    assert 'data-error="email"' in answer.text
    assert 'value="ada@@example"' in answer.text  # what was typed is kept
    with session_scope(db_url) as s:
        assert s.scalars(select(PendingSignup)).all() == []
    assert sink.received == []


async def test_newsletter_box_is_needed_to_subscribe(client: httpx.AsyncClient) -> None:
    answer = await _subscribe(client, ["tracking"])
    assert answer.status_code == 422 and 'data-error="newsletter"' in answer.text
    # The box the person ticked stays ticked; the others stay unticked.
    assert re.search(r'value="tracking" checked', answer.text)
    assert not re.search(r'value="(newsletter|profiling)" checked', answer.text)


async def test_forms_without_a_valid_csrf_field_are_refused(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    data = {"email": "ada@example.org", "purpose": "newsletter", "csrf": "forged"}
    assert (await client.post("/subscribe/weekly-news", data=data)).status_code == 403
    await _subscribe(client, ["newsletter"])
    assert sink.wait_for(1)
    with session_scope(db_url) as s:
        token = s.scalar(select(PendingSignup.token))
    answer = await client.post(f"/confirm/{token}", data={"csrf": "forged"})
    assert answer.status_code == 403 and _events(db_url) == []


COOKIE = re.compile(r"cm_visitor=([A-Za-z0-9_-]{22}); HttpOnly; Max-Age=7200; Path=/; SameSite=lax")


async def test_each_visitor_gets_a_cookie_and_a_field_bound_to_it(
    client: httpx.AsyncClient, db_url: str, tmp_path: Path, sink: SmtpSink
) -> None:
    page = await client.get("/subscribe/weekly-news?lang=en")
    cookie = COOKIE.fullmatch(page.headers["set-cookie"])
    assert cookie is not None and client.cookies["cm_visitor"] == cookie[1]
    # The same visitor keeps the value; the cookie is set again so it lasts as long as the field.
    again = await client.get("/subscribe/weekly-news?lang=en")
    assert again.headers["set-cookie"] == page.headers["set-cookie"]
    field = CSRF.findall(page.text)[0]
    transport = httpx.ASGITransport(app=_app(_settings(db_url, tmp_path, sink.url)))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as other:
        theirs = await other.get("/subscribe/weekly-news?lang=en")
        their_cookie = COOKIE.fullmatch(theirs.headers["set-cookie"])
        assert their_cookie is not None and their_cookie[1] != cookie[1]
        assert CSRF.findall(theirs.text)[0] != field
        # My field with their cookie, or with no cookie at all, is refused.
        data = _form_fields(page.text, email="ada@example.org", language="en", purpose="newsletter")
        assert (await other.post("/subscribe/weekly-news", data=data)).status_code == 403
        other.cookies.clear()
        assert (await other.post("/subscribe/weekly-news", data=data)).status_code == 403
    assert sink.received == [] and _events(db_url) == []
    with session_scope(db_url) as s:
        assert s.scalars(select(PendingSignup)).all() == []


async def test_a_field_works_for_two_hours_and_for_its_own_list_only(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    with session_scope(db_url) as s:
        get_or_create_list(s, "Offers")
    page = await client.get("/subscribe/weekly-news?lang=en")
    visitor = client.cookies["cm_visitor"]
    data = _form_fields(page.text, email="ada@example.org", language="en", purpose="newsletter")
    assert (await client.post("/subscribe/offers", data=data)).status_code == 403

    def field(age: int, form: str = "subscribe:weekly-news") -> str:
        return visitor_field("test-secret", visitor, form, int(time.time()) - age)

    refused = [field(VISITOR_FIELD_TTL + 5), field(-60), field(0, "subscribe:offers"),
               field(0)[:-1], "", "é", f"{'9' * 40}.x", "²." + field(0).partition(".")[2]]
    for forged in refused:
        answer = await client.post("/subscribe/weekly-news", data={**data, "csrf": forged})
        assert answer.status_code == 403, forged
        assert "Form expired" in answer.text
    assert sink.received == []
    accepted = await client.post(
        "/subscribe/weekly-news", data={**data, "csrf": field(VISITOR_FIELD_TTL - 60)}
    )
    assert accepted.status_code == 200 and "Check your inbox" in accepted.text
    assert sink.wait_for(1)


async def test_over_https_the_cookie_is_secure_and_host_only(
    db_url: str, tmp_path: Path, sink: SmtpSink
) -> None:
    with session_scope(db_url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Weekly News")
    settings = replace(_settings(db_url, tmp_path, sink.url), public_url="https://forms.test")
    transport = httpx.ASGITransport(app=_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="https://forms.test") as client:
        page = await client.get("/subscribe/weekly-news?lang=en")
        assert re.fullmatch(
            r"__Host-cm_visitor=[A-Za-z0-9_-]{22}; HttpOnly; Max-Age=7200; Path=/; "
            r"SameSite=lax; Secure",
            page.headers["set-cookie"],
        )
        data = _form_fields(page.text, email="ada@example.org", language="en")
        data["purpose"] = ["newsletter"]
        answer = await client.post("/subscribe/weekly-news", data=data)
        assert answer.status_code == 200 and "Check your inbox" in answer.text


async def test_expired_and_unknown_links(client: httpx.AsyncClient, db_url: str) -> None:
    await _subscribe(client, ["newsletter"])
    with session_scope(db_url) as s:
        token = s.scalar(select(PendingSignup.token))
        s.execute(update(PendingSignup).values(submitted_at=utcnow() - timedelta(days=8)))
    page = await client.get(f"/confirm/{token}")
    assert page.status_code == 410 and "expired" in page.text.lower()
    assert (await client.get("/confirm/not-a-token")).status_code == 404
    assert _events(db_url) == []


async def test_cancel_records_nothing(client: httpx.AsyncClient, db_url: str) -> None:
    await _subscribe(client, ["newsletter", "profiling"])
    with session_scope(db_url) as s:
        token = s.scalar(select(PendingSignup.token))
    page = await client.get(f"/confirm/{token}")
    answer = await client.post(
        f"/confirm/{token}", data={"csrf": CSRF.findall(page.text)[0], "action": "cancel"}
    )
    assert answer.status_code == 200 and "cancelled" in answer.text.lower()
    assert (await client.get(f"/confirm/{token}")).status_code == 404
    assert _events(db_url) == [] and not _subscribed(db_url)


async def test_truncated_ip_when_the_workspace_enables_it(
    db_url: str, tmp_path: Path, sink: SmtpSink
) -> None:
    with session_scope(db_url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Weekly News")
        s.add(Setting(key=IP_SETTING, value="1"))
    transport = httpx.ASGITransport(
        app=_app(_settings(db_url, tmp_path, sink.url)), client=("203.0.113.77", 40000)
    )
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        await _subscribe(client, ["newsletter"])
        assert sink.wait_for(1)
        [link] = set(CONFIRM_LINK.findall(_plain(sink)))
        page = await client.get(link)
        await client.post(link, data={"csrf": CSRF.findall(page.text)[0]})
    [event] = _events(db_url)
    assert event.ip_truncated == "203.0.113.0"


async def test_notices_shown_in_two_languages_are_proved_exactly(
    db_url: str, tmp_path: Path, sink: SmtpSink
) -> None:
    """French page; the tracking notice exists only in English, so English is shown and proved."""
    with session_scope(db_url) as s:
        fr = add_notice(s, "newsletter", "n1", "fr", "Lettre d'information.")
        en = add_notice(s, "tracking", "t1", "en", "Measuring opens and clicks.")
        proof = {"newsletter": (fr.version, fr.sha256), "tracking": (en.version, en.sha256)}
        get_or_create_list(s, "Weekly News")
    transport = httpx.ASGITransport(app=_app(_settings(db_url, tmp_path, sink.url)))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        page = await client.get("/subscribe/weekly-news?lang=fr")
        assert i18n.text("fr", "purpose.tracking").replace("'", "&#39;") in page.text
        assert 'value="profiling"' not in page.text  # no notice, so not offered
        data = _form_fields(page.text, email="eve@example.org", language="fr")
        data["purpose"] = ["newsletter", "tracking"]
        assert (await client.post("/subscribe/weekly-news", data=data)).status_code == 200
        assert sink.wait_for(1)
        [link] = set(CONFIRM_LINK.findall(_plain(sink)))
        page = await client.get(link)
        await client.post(link, data={"csrf": CSRF.findall(page.text)[0]})
    events = _events(db_url)
    assert {e.purpose: (e.notice_version, e.notice_sha256) for e in events} == proof
    assert {e.purpose: e.evidence["notice_language"] for e in events} == {
        "newsletter": "fr",
        "tracking": "en",
    }


def _stored(db_url: str) -> tuple[list[str], int]:
    """The contacts' addresses and the number of pending signups."""
    with session_scope(db_url) as s:
        emails = list(s.scalars(select(Contact.email)))
        return emails, len(s.scalars(select(PendingSignup)).all())


async def test_a_name_with_a_line_break_is_422_on_the_field_and_stores_nothing(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    answer = await _subscribe(
        client, ["newsletter"], first_name="Bob\r\nBcc: evil@attacker.example"
    )
    assert answer.status_code == 422
    assert re.search(r'id="first_name"[^>]*aria-invalid="true"', answer.text)
    assert (
        '<span class="error" id="first_name-error" data-error="first_name">The first name cannot '
        "contain line breaks or other control characters.</span>" in answer.text
    )
    assert _stored(db_url) == ([], 0) and sink.received == []
    # The address is not blocked: with a clean name the confirmation goes out at once, greeting
    # the person by the name typed.
    answer = await _subscribe(client, ["newsletter"], first_name="Bob")
    assert answer.status_code == 200 and sink.wait_for(1)
    assert _plain(sink).startswith("Hello Bob,")
    assert sink.received[0].message["To"] == "Bob <ada@example.org>"


async def test_the_confirmation_greets_with_the_name_typed_not_an_older_one(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    with session_scope(db_url) as s:
        s.add(Contact(email="ada@example.org", first_name="Adelaide", language="en"))
    assert (await _subscribe(client, ["newsletter"], first_name="Ada")).status_code == 200
    assert sink.wait_for(1)
    assert _plain(sink).startswith("Hello Ada,")
    assert sink.received[0].message["To"] == "Ada <ada@example.org>"
    with session_scope(db_url) as s:  # unconfirmed: the stored name is not changed
        assert s.scalar(select(Contact.first_name)) == "Adelaide"


async def test_a_second_submission_within_minutes_says_no_mail_was_sent(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    assert (await _subscribe(client, ["newsletter"])).status_code == 200
    assert sink.wait_for(1)
    page = await client.get("/subscribe/weekly-news?lang=fr")
    data = _form_fields(page.text, email="ada@example.org", language="fr")
    data["purpose"] = ["newsletter", "tracking"]
    answer = await client.post("/subscribe/weekly-news?lang=fr", data=data)
    assert answer.status_code == 429 and answer.headers["retry-after"] == "600"
    assert "<h1>E-mail déjà envoyé</h1>" in answer.text
    assert (
        "Nous avons envoyé un e-mail de confirmation à cette adresse il y a quelques minutes : "
        "nous n&#39;en avons donc pas envoyé d&#39;autre, et les choix que vous venez de faire "
        "n&#39;ont pas été conservés. Utilisez le lien de cet e-mail, ou réessayez dans 10 min."
    ) in answer.text
    time.sleep(0.3)
    assert len(sink.received) == 1  # still one mail
    with session_scope(db_url) as s:
        [pending] = s.scalars(select(PendingSignup)).all()
        assert (pending.purposes, pending.language) == (["newsletter"], "en")


async def test_the_form_says_what_it_keeps_before_confirmation(
    client: httpx.AsyncClient, db_url: str
) -> None:
    page = await client.get("/subscribe/weekly-news?lang=en")
    assert "Nothing is recorded" not in page.text
    assert (
        "We will email you a link to confirm. Until you confirm, you are not subscribed and have "
        "agreed to nothing: we keep only what you enter here, to send that email, and delete it "
        "if you do not confirm within 7 days."
    ) in page.text
    with session_scope(db_url) as s:
        s.add(Setting(key=IP_SETTING, value="1"))
    page = await client.get("/subscribe/weekly-news?lang=de")
    assert "und Ihre gekürzte IP-Adresse" in page.text


async def test_the_emails_cancel_link_opens_the_page_on_cancel(
    client: httpx.AsyncClient, db_url: str, sink: SmtpSink
) -> None:
    await _subscribe(client, ["newsletter"])
    assert sink.wait_for(1)
    text = _plain(sink)
    [link] = set(CONFIRM_LINK.findall(text))
    cancel = f"{link}?cancel=1&lang=en"
    assert f"It was not me: cancel this request: {cancel}" in text
    assert f"Cancel this request: {cancel}" in text and f"Review your choices: {link}" in text
    page = await client.get(cancel)
    assert page.status_code == 200 and "<h1>Cancel this request?</h1>" in page.text
    buttons = re.findall(r'data-cm="(confirm-signup|cancel-signup)"', page.text)
    assert buttons == ["cancel-signup", "confirm-signup"]  # cancelling comes first
    assert _stored(db_url) == (["ada@example.org"], 1)  # looking changed nothing
    done = await client.post(
        cancel, data={"csrf": CSRF.findall(page.text)[0], "action": "cancel"}
    )
    assert done.status_code == 200 and _stored(db_url) == ([], 0)


async def test_an_unsent_confirmation_leaves_no_contact(db_url: str, tmp_path: Path) -> None:
    with session_scope(db_url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Weekly News")
    nobody = f"smtp://127.0.0.1:{free_port()}"  # nothing listens: the mail cannot be sent
    transport = httpx.ASGITransport(app=_app(_settings(db_url, tmp_path, nobody)))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        answer = await _subscribe(client, ["newsletter"])
    assert answer.status_code == 502 and "Email not sent" in answer.text
    assert _stored(db_url) == ([], 0)
