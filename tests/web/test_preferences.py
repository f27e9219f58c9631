"""The preference centre over HTTP: purposes with their notices, lists, stop tracking, unsubscribe
all, language, CSRF, and labels for every control."""

from __future__ import annotations

import re

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from consentmail.db import session_scope
from consentmail.db.models import Contact
from tests.web.recipients import (
    granted,
    last_event,
    ledger_size,
    make_recipient,
    subscribed,
)

pytestmark = pytest.mark.anyio
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _form(html: str, do: str = "save") -> dict[str, list[str]]:
    """The fields a browser would submit from the form whose `do` is `do`, as shown."""
    tree = HTMLParser(html)
    for form in tree.css("form"):
        if form.css_first(f'input[name="do"][value="{do}"]') is None:
            continue
        fields: dict[str, list[str]] = {}
        for node in form.css("input"):
            kind = node.attributes.get("type")
            if kind == "checkbox" and "checked" not in node.attributes:
                continue
            name = node.attributes["name"] or ""
            fields.setdefault(name, []).append(node.attributes.get("value") or "")
        return fields
    raise AssertionError(f"no form {do!r}")


def _tick(fields: dict[str, list[str]], name: str, value: str, on: bool) -> None:
    values = [v for v in fields.get(name, []) if v != value]
    fields[name] = [*values, value] if on else values


async def test_page_shows_each_purpose_with_notice_state_and_lists(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="it", lists=("news", "offers"))
    page = await client.get(f"/p/{made.page_token}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    tree = HTMLParser(page.text)
    assert tree.css_first("html").attributes["lang"] == "it"
    assert tree.css_first("h1").text() == "Le tue preferenze"
    boxes = {n.attributes["value"]: "checked" in n.attributes
             for n in tree.css('input[name="purpose"]')}
    assert boxes == {"newsletter": True, "tracking": True, "profiling": False}
    # The notice shown is the one a grant would name (built-in texts, in Italian).
    assert "Misurazione di aperture e clic" in page.text
    assert "Ora: sì, dal 2026-05-02." in page.text and "Ora: no." in page.text
    lists = {n.attributes["value"] for n in tree.css('input[name="list"][checked]')}
    assert lists == {str(made.list_ids["news"]), str(made.list_ids["offers"])}
    for do in ("save", "stop-tracking", "unsubscribe-all"):
        assert _form(page.text, do)["csrf"]
    assert f'/p/{made.page_token}/data?lang=it' in page.text


async def test_every_control_is_labelled_and_grouped(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, lists=("news", "offers"))
    tree = HTMLParser((await client.get(f"/p/{made.page_token}")).text)
    labels = {n.attributes.get("for") for n in tree.css("label")}
    visible = [n for n in tree.css("input, select, textarea")
               if n.attributes.get("type") != "hidden"]
    assert visible and all(n.attributes.get("id") in labels for n in visible)
    for fieldset in tree.css("fieldset"):
        assert fieldset.css_first("legend") is not None
    for button in tree.css("button"):
        assert button.text().strip()
    for form in tree.css("form"):  # no JavaScript needed: plain posts
        assert form.attributes["method"] == "post"
    assert tree.css("script") == []


async def test_language_from_contact_query_and_browser(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="es")
    page = await client.get(f"/p/{made.page_token}")
    assert '<html lang="es">' in page.text and "Tus preferencias" in page.text
    page = await client.get(f"/p/{made.page_token}?lang=de")
    assert '<html lang="de">' in page.text and "Ihre Einstellungen" in page.text
    assert 'hreflang="fr"' in page.text and 'aria-current="true">Deutsch' in page.text
    page = await client.get(f"/p/{made.page_token}?lang=xx")  # unsupported: the contact's
    assert '<html lang="es">' in page.text
    unknown = make_recipient(db_url, language="")
    page = await client.get(
        f"/p/{unknown.page_token}", headers={"Accept-Language": "pt;q=1, fr-CH;q=0.9, en;q=0.8"}
    )
    assert '<html lang="fr">' in page.text and "Vos préférences" in page.text
    page = await client.get(f"/p/{unknown.page_token}")
    assert '<html lang="en">' in page.text


async def test_get_changes_nothing_and_post_needs_the_csrf_field(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url)
    other = make_recipient(db_url)
    before = ledger_size(db_url)
    await client.get(f"/p/{made.page_token}")
    await client.get(f"/p/{made.page_token}/data")
    await client.get(f"/p/{made.page_token}/data.json")
    assert ledger_size(db_url) == before
    for do in ("save", "stop-tracking", "unsubscribe-all"):
        refused = await client.post(f"/p/{made.page_token}", data={"do": do, "csrf": "nope"})
        assert refused.status_code == 403
    # A valid field of another page is no key to this one.
    csrf = CSRF.search((await client.get(f"/p/{other.page_token}")).text)[1]  # type: ignore[index]
    refused = await client.post(f"/p/{made.page_token}", data={"do": "stop-tracking",
                                                               "csrf": csrf})
    assert refused.status_code == 403
    assert ledger_size(db_url) == before and granted(db_url, made.contact_id, "tracking")


async def test_untick_tracking_keeps_the_subscription(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="it")
    page = await client.get(f"/p/{made.page_token}")
    fields = _form(page.text)
    _tick(fields, "purpose", "tracking", False)
    saved = await client.post(f"/p/{made.page_token}?lang=it", data=fields)
    assert saved.status_code == 200 and "Modifiche registrate: 1." in saved.text
    assert not granted(db_url, made.contact_id, "tracking")
    assert granted(db_url, made.contact_id, "newsletter")
    assert subscribed(db_url, made.contact_id, made.list_ids["news"])
    # Saving the same form again records nothing.
    again = await client.post(f"/p/{made.page_token}", data=_form(saved.text))
    assert "Modifiche registrate: 0." in again.text


async def test_a_grant_names_the_notice_shown_in_the_pages_language(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="it")
    page = await client.get(f"/p/{made.page_token}?lang=fr")
    shown = re.search(r"Version de l(?:'|&#39;)information : ([\w.:+-]+)", page.text)
    assert shown is not None
    fields = _form(page.text)
    _tick(fields, "purpose", "profiling", True)
    saved = await client.post(f"/p/{made.page_token}?lang=fr", data=fields)
    assert saved.status_code == 200 and '<html lang="fr">' in saved.text
    event = last_event(db_url, made.contact_id, "profiling")
    assert (event.action, event.method, event.notice_version) == ("grant", "page", shown[1])
    assert event.notice_sha256
    # ?lang= is how the page is shown: the emails stay in the contact's language.
    assert _mail_language(db_url, made.contact_id) == "it"
    again = await client.get(f"/p/{made.page_token}")
    assert '<html lang="it">' in again.text


async def test_only_the_language_field_changes_the_language_of_emails(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="it")
    page = await client.get(f"/p/{made.page_token}?lang=de")
    tree = HTMLParser(page.text)
    select_ = tree.css_first('select[name="mail_language"]')
    assert select_.attributes["id"] == "mail-language"
    assert tree.css_first('label[for="mail-language"]').text() == "Sprache unserer E-Mails"
    assert [o.attributes["value"] for o in select_.css("option[selected]")] == ["it"]
    fields = _form(page.text)
    fields["mail_language"] = ["it"]  # as shown: no change
    saved = await client.post(f"/p/{made.page_token}?lang=de", data=fields)
    assert "Erfasste Änderungen: 0." in saved.text
    assert _mail_language(db_url, made.contact_id) == "it"
    fields["mail_language"] = ["xx"]  # not a language we write in: ignored
    await client.post(f"/p/{made.page_token}?lang=de", data=fields)
    assert _mail_language(db_url, made.contact_id) == "it"
    fields["mail_language"] = ["es"]
    saved = await client.post(f"/p/{made.page_token}?lang=de", data=fields)
    assert "Erfasste Änderungen: 1." in saved.text and '<html lang="de">' in saved.text
    assert _mail_language(db_url, made.contact_id) == "es"
    shown = HTMLParser(saved.text).css('select[name="mail_language"] option[selected]')
    assert [o.attributes["value"] for o in shown] == ["es"]


def _mail_language(db_url: str, contact_id: int) -> str:
    with session_scope(db_url) as s:
        language = s.scalar(select(Contact.language).where(Contact.id == contact_id))
    assert language is not None
    return language


async def test_leave_one_list_keep_the_other(client: httpx.AsyncClient, db_url: str) -> None:
    made = make_recipient(db_url, lists=("news", "offers"))
    fields = _form((await client.get(f"/p/{made.page_token}")).text)
    _tick(fields, "list", str(made.list_ids["offers"]), False)
    saved = await client.post(f"/p/{made.page_token}", data=fields)
    assert saved.status_code == 200
    assert not subscribed(db_url, made.contact_id, made.list_ids["offers"])
    assert subscribed(db_url, made.contact_id, made.list_ids["news"])
    # The newsletter box stayed ticked: the other list keeps coming.
    assert granted(db_url, made.contact_id, "newsletter")
    # And back again.
    fields = _form(saved.text)
    _tick(fields, "list", str(made.list_ids["offers"]), True)
    await client.post(f"/p/{made.page_token}", data=fields)
    assert subscribed(db_url, made.contact_id, made.list_ids["offers"])


async def test_a_list_not_shown_is_left_alone(client: httpx.AsyncClient, db_url: str) -> None:
    made = make_recipient(db_url, lists=("news", "offers"))
    fields = _form((await client.get(f"/p/{made.page_token}")).text)
    fields["list_shown"] = [str(made.list_ids["news"]), "999999"]
    fields["list"] = [str(made.list_ids["news"])]
    await client.post(f"/p/{made.page_token}", data=fields)
    assert subscribed(db_url, made.contact_id, made.list_ids["offers"])


async def test_stop_tracking_and_unsubscribe_all_from_the_centre(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en", lists=("news", "offers"))
    page = await client.get(f"/p/{made.page_token}")
    stopped = await client.post(f"/p/{made.page_token}", data=_form(page.text, "stop-tracking"))
    assert "Tracking stopped. You stay on your lists." in stopped.text
    assert not granted(db_url, made.contact_id, "tracking")
    assert all(subscribed(db_url, made.contact_id, i) for i in made.list_ids.values())

    left = await client.post(f"/p/{made.page_token}", data=_form(page.text, "unsubscribe-all"))
    assert "You are unsubscribed from every list." in left.text
    assert not any(subscribed(db_url, made.contact_id, i) for i in made.list_ids.values())
    assert not granted(db_url, made.contact_id, "newsletter")
    assert last_event(db_url, made.contact_id, "newsletter").action == "withdraw"
