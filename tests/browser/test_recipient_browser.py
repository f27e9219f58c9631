"""Issue 5, item 9: a real browser on pages served by a running consentmail (uvicorn, SMTP sink,
database), then the database checked. JavaScript is off: every page must work without it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from consentmail.db import session_scope
from consentmail.db.models import Message
from consentmail.reports.campaign import campaign_report
from tests.browser.conftest import chromium_page, require_chromium
from tests.e2e.harness import Mail, data_cm_links, html_of, running
from tests.web.recipients import add_contact, granted, subscribed

pytestmark = pytest.mark.browser

TEMPLATE = """<!doctype html><html><head><meta charset="utf-8"><title>June</title></head>
<body><h1>June news</h1><p>Hello {{ contact.first_name }}, our summer sale is on.</p>
<p><a href="https://shop.example/sale">See the sale</a></p>
<p><a href="https://news.example/story">Read the story</a></p></body></html>"""


@pytest.fixture(autouse=True)
def _chromium() -> None:
    require_chromium()


def _send(app, db_url: str, people: dict[str, bool]) -> tuple[int, dict[str, Mail]]:  # type: ignore[no-untyped-def]
    """One campaign to `people` (address -> tracking consent); the messages received over SMTP."""
    for email, tracking in people.items():
        add_contact(db_url, email, tracking=tracking)
    campaign_id = app.campaign(name="June", subject="June news", from_addr="news@shop.example",
                               html=TEMPLATE, list_name="news")
    assert app.send(campaign_id).queued == len(people)
    mails = {m.to: m for m in (Mail.of(r) for r in app.sink.received)}
    assert set(mails) == set(people)
    return campaign_id, mails


def _ids(db_url: str, email: str) -> tuple[int, int]:
    from sqlalchemy import select

    from consentmail.db.models import Contact, ContactList

    with session_scope(db_url) as s:
        contact = s.scalar(select(Contact.id).where(Contact.email == email))
        news = s.scalar(select(ContactList.id).where(ContactList.name == "news"))
    assert contact is not None and news is not None
    return contact, news


def test_preferences_stop_tracking_and_unsubscribe_in_chromium(
    db_url: str, tmp_path: Path
) -> None:
    people = {"ada@example.org": True, "bea@example.org": True, "carl@example.org": False}
    with running(db_url, tmp_path) as app:
        _, mails = _send(app, db_url, people)
        links = {to: data_cm_links(html_of(m)) for to, m in mails.items()}
        # R13: Carl's message measures nothing, yet it links his tracking choices too.
        assert "/t/" in links["carl@example.org"]["stop-tracking"]
        # U4: the header is the direct endpoint, never a tracking redirect.
        carl_unsubscribe = links["carl@example.org"]["unsubscribe"]
        assert mails["carl@example.org"].message["List-Unsubscribe"] == f"<{carl_unsubscribe}>"

        with chromium_page() as page:
            # Ada: preference centre, switch language, untick tracking, save.
            page.goto(links["ada@example.org"]["preferences"])
            assert page.get_attribute("html", "lang") == "it"
            page.click("nav a[hreflang=de]")
            assert page.get_attribute("html", "lang") == "de"
            assert page.inner_text("h1") == "Ihre Einstellungen"
            assert page.is_checked("#purpose-tracking")
            page.uncheck("#purpose-tracking")
            page.click("button[data-cm=save-preferences]")
            assert "Erfasste Änderungen: 1." in page.inner_text("[data-cm=status]")
            assert page.get_attribute("html", "lang") == "de"
            assert not page.is_checked("#purpose-tracking")
            page.click("a[data-cm=my-data]")
            assert page.inner_text("h1") == "Was wir über Sie wissen"
            assert "widerrufen" in page.inner_text("[data-cm=consent-history]")

            # Bea: the footer's stop-tracking page, press the button.
            page.goto(links["bea@example.org"]["stop-tracking"])
            page.click("button[data-cm=confirm-stop-tracking]")
            page.wait_for_selector("h1[data-cm=tracking-stopped]")

            # Carl: his tracking choices open the same page, with the button to refuse.
            page.goto(links["carl@example.org"]["stop-tracking"])
            assert page.is_visible("button[data-cm=confirm-stop-tracking]")

            # Carl: the unsubscribe page, press the button.
            page.goto(carl_unsubscribe)
            page.click("button[data-cm=confirm-unsubscribe]")
            page.wait_for_selector("h1[data-cm=unsubscribed]")

    ada, news = _ids(db_url, "ada@example.org")
    assert not granted(db_url, ada, "tracking")
    assert granted(db_url, ada, "newsletter") and subscribed(db_url, ada, news)
    bea, _ = _ids(db_url, "bea@example.org")
    assert not granted(db_url, bea, "tracking") and subscribed(db_url, bea, news)
    carl, _ = _ids(db_url, "carl@example.org")
    assert not subscribed(db_url, carl, news)


def test_webmail_view_fetches_the_pixel_and_follows_a_tracked_link(
    db_url: str, tmp_path: Path
) -> None:
    with running(db_url, tmp_path) as app:
        campaign_id, mails = _send(app, db_url, {"dan@example.org": True})
        # Read a minute after delivery: a click within 5 s is a gateway's check (HIT-early-click).
        with session_scope(db_url) as s:
            s.execute(update(Message).where(Message.campaign_id == campaign_id)
                      .values(sent_at=datetime.now(UTC) - timedelta(minutes=1)))
        html = html_of(mails["dan@example.org"])
        public = app.settings.public_url
        assert f'src="{public}/o/' in html

        with chromium_page() as page:
            landed: list[str] = []

            def shop(route) -> None:  # type: ignore[no-untyped-def]
                landed.append(route.request.url)
                route.fulfill(status=200, content_type="text/html", body="<p>Sale</p>")

            page.route("https://shop.example/**", shop)
            with page.expect_request(lambda r: r.url.startswith(f"{public}/o/")) as pixel:
                page.set_content(html)  # as a webmail shows it; waits for the images
            assert pixel.value.response().status == 200  # type: ignore[union-attr]
            page.click(f'a[href^="{public}/c/"]:has-text("See the sale")')
            page.wait_for_url("https://shop.example/sale")
        assert landed == ["https://shop.example/sale"]
        app.flushed()

    with session_scope(db_url) as s:
        report = campaign_report(s, campaign_id)
    assert report["opens"]["personal_unique"] == 1
    assert report["clicks"]["personal_unique"] == 1
    assert report["machine"] == {"opens": 0, "clicks": 0}


def test_hosted_subscribe_form_without_javascript(db_url: str, tmp_path: Path) -> None:
    """The form's CSRF cookie and field work in a real browser with JavaScript off; a browser
    whose cookie is gone (or never came) is refused, and the form loaded again works."""
    from consentmail.consent.notices import seed_default_notices
    from consentmail.contacts.service import get_or_create_list

    with session_scope(db_url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Weekly News")
    with running(db_url, tmp_path) as app:
        url = f"{app.settings.public_url}/subscribe/weekly-news?lang=de"
        with chromium_page() as page:
            page.goto(url)
            [cookie] = page.context.cookies()
            assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"]) == (
                "cm_visitor", True, "Lax"
            )
            page.fill("#email", "ada@example.org")
            page.check("#purpose-newsletter")
            page.context.clear_cookies()  # e.g. a forged post from elsewhere: no cookie
            page.click("button[type=submit]")
            assert page.inner_text("h1") == "Formular abgelaufen"
            assert app.sink.received == []

            page.goto(url)
            page.fill("#email", "ada@example.org")
            page.check("#purpose-newsletter")
            page.click("button[type=submit]")
            assert page.inner_text("h1") == "Sehen Sie in Ihrem Posteingang nach"
        assert app.sink.wait_for(1)
        assert app.sink.received[0].rcpt_tos == ("ada@example.org",)
