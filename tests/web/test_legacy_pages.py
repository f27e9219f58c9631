"""The pages tell an informed fr-cnil-2026 legacy contact the truth (R11): tracked from a date
unless they object. Their "no" on /t or on /p (tracking left unticked on a page that said so) is
recorded as that objection, naming the notice, which is then answered. Other contacts read what
their profile measures: the last open's date (R7), service notices (R6), or nothing personal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select, update

from consentmail.consent import snapshot
from consentmail.consent.repermission import record_legacy_notice
from consentmail.db import session_scope
from consentmail.db.models import Contact, PermissionRequest
from consentmail.policy import FR_CNIL_2026, Category, Measure, MessageContext, decide
from consentmail.web import tracking_words
from tests.web.recipients import Made, last_event, make_recipient
from tests.web.test_preferences import CSRF, _form

pytestmark = pytest.mark.anyio
COLLECTED = datetime(2025, 3, 1, tzinfo=UTC)  # before 14 April 2026: a legacy address
NOW = datetime.now(UTC)
LANGUAGES = ("it", "en", "fr", "de", "es")


def _legacy(db_url: str, informed: datetime, language: str = "fr") -> tuple[Made, int]:
    """An FR contact collected long ago, newsletter only, told about tracking at `informed`."""
    made = make_recipient(db_url, language=language, tracking=False)
    with session_scope(db_url) as s:
        s.execute(
            update(Contact)
            .where(Contact.id == made.contact_id)
            .values(country="FR", collected_at=COLLECTED)
        )
        request_id = record_legacy_notice(s, made.contact_id, informed).id
    return made, request_id


def _state(html: str) -> str:
    node = HTMLParser(html).css_first('[data-cm="tracking-state"]')
    assert node is not None
    return node.text()


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_stop_tracking_page_says_when_tracking_starts_in_every_language(
    client: httpx.AsyncClient, db_url: str, lang: str
) -> None:
    informed = NOW - timedelta(days=10)
    made, _ = _legacy(db_url, informed)
    page = await client.get(f"/t/{made.page_token}?lang={lang}")
    starts = (informed + timedelta(days=91)).date().isoformat()
    assert _state(page.text) == tracking_words.text(
        lang, "status.legacy_before", date=starts, informed=informed.date().isoformat()
    )
    text = HTMLParser(page.text).body.text()  # type: ignore[union-attr]
    assert tracking_words.text(lang, "status.legacy_object_here") in text
    # Before the date, the fr-cnil-2026 deliverability pixel keeps the last open's date: said.
    assert tracking_words.text(lang, "status.last_open_date") in text
    assert tracking_words.text(lang, "stop.explain") in text


async def test_once_started_the_page_says_since_when(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made, _ = _legacy(db_url, datetime(2026, 5, 1, 9, 0, tzinfo=UTC), language="en")
    page = await client.get(f"/t/{made.page_token}")
    assert _state(page.text) == (
        "Since 2026-07-31 we measure your opens and clicks individually, because we told you "
        "on 2026-05-01 and you did not object."
    )
    assert 'data-cm="last-open-date"' not in page.text  # personal now, not just a date


async def test_stop_tracking_post_is_the_objection_naming_the_notice(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made, request_id = _legacy(db_url, NOW - timedelta(days=10))
    csrf = CSRF.search((await client.get(f"/t/{made.page_token}")).text)[1]  # type: ignore[index]
    done = await client.post(f"/t/{made.page_token}", data={"csrf": csrf})
    assert done.status_code == 200
    _assert_objected(db_url, made, request_id, page="stop-tracking")


async def test_saving_preferences_with_tracking_unticked_objects(
    client: httpx.AsyncClient, db_url: str
) -> None:
    informed = NOW - timedelta(days=10)
    made, request_id = _legacy(db_url, informed, language="de")
    page = await client.get(f"/p/{made.page_token}")
    state = HTMLParser(page.text).css_first('[data-cm="state-tracking"]').text()
    starts = (informed + timedelta(days=91)).date().isoformat()
    assert state.startswith(
        f"Am {informed.date().isoformat()} haben wir Ihnen mitgeteilt, dass wir ab dem {starts} "
        "Ihre Öffnungen und Klicks personenbezogen messen dürfen, sofern Sie nicht "
        "widersprechen. Sie haben bisher nicht widersprochen. Wenn Sie speichern, ohne dieses "
        "Kästchen anzukreuzen, erfassen wir Ihren Widerspruch."
    )
    fields = _form(page.text)
    assert "tracking" not in fields["purpose"] and fields["objection_offered"] == ["tracking"]
    saved = await client.post(f"/p/{made.page_token}", data=fields)
    assert "Erfasste Änderungen: 1." in saved.text
    _assert_objected(db_url, made, request_id, page="preferences")
    # The page no longer offers an objection, and says what holds now.
    again = _form(saved.text)
    assert "objection_offered" not in again
    assert HTMLParser(saved.text).css_first('[data-cm="state-tracking"]').text().startswith(
        "Derzeit: nein."
    )


async def test_a_page_without_the_offer_records_no_objection(
    client: httpx.AsyncClient, db_url: str
) -> None:
    """Only a page that told the person "unticked is an objection" makes it one."""
    made, _ = _legacy(db_url, NOW - timedelta(days=10))
    fields = _form((await client.get(f"/p/{made.page_token}")).text)
    fields.pop("objection_offered")
    saved = await client.post(f"/p/{made.page_token}", data=fields)
    assert "Modifications enregistrées : 0." in saved.text


def _assert_objected(db_url: str, made: Made, request_id: int, *, page: str) -> None:
    event = last_event(db_url, made.contact_id, "tracking")
    assert (event.action, event.method) == ("object", "page")
    assert event.evidence == {
        "message_page": page,
        "legacy_notice": request_id,
        "legacy_informed_at": (NOW - timedelta(days=10)).date().isoformat(),
    }
    with session_scope(db_url) as s:
        snap = snapshot(s, made.contact_id, None)
        assert snap.tracking.objected and not snap.tracking.granted
        answered = s.scalar(
            select(PermissionRequest.answered_at).where(PermissionRequest.id == request_id)
        )
        assert answered is not None
        later = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, at=NOW + timedelta(days=200))
        assert decide(snap, later, FR_CNIL_2026).rule_id == "ALL-R20-default-deny"


@pytest.mark.parametrize(
    ("country", "collected", "shown", "hidden"),
    [
        # fr-cnil-2026, collected after the cut-off: only the last open's date is kept.
        ("FR", datetime(2026, 6, 1, tzinfo=UTC), ["last-open-date"],
         ["tracking-state", "service-notices"]),
        # it-garante-2026: nothing personal in marketing, but service notices are measured.
        ("IT", COLLECTED, ["tracking-state", "service-notices"], ["last-open-date"]),
        # strict: nothing at all without consent.
        ("US", COLLECTED, ["tracking-state"], ["last-open-date", "service-notices"]),
    ],
)
async def test_other_contacts_read_what_their_profile_measures(
    client: httpx.AsyncClient, db_url: str, country: str, collected: datetime,
    shown: list[str], hidden: list[str],
) -> None:
    made = make_recipient(db_url, language="en", tracking=False)
    with session_scope(db_url) as s:
        s.execute(update(Contact).where(Contact.id == made.contact_id)
                  .values(country=country, collected_at=collected))
    page = await client.get(f"/t/{made.page_token}")
    for name in shown:
        assert f'data-cm="{name}"' in page.text, name
    for name in hidden:
        assert f'data-cm="{name}"' not in page.text, name
    if "tracking-state" in shown:
        assert _state(page.text) == "We do not measure your opens and clicks individually."
