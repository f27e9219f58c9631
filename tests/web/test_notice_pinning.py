"""R12/R16 on the preference page: a grant names the notice the page showed (its version and
SHA-256 travel with the form, as on the hosted form). If another notice became current between
the page and the POST, nothing is granted for that purpose and the page shows the new words."""

from __future__ import annotations

import re

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from consentmail.consent.notices import add_notice, seed_default_notices, sha256_of
from consentmail.db import session_scope
from tests.web.recipients import granted, last_event, ledger_size, make_recipient
from tests.web.test_preferences import _form, _tick

pytestmark = pytest.mark.anyio
NEW_TEXT = "Mesure v2 : nous partageons vos ouvertures avec nos partenaires publicitaires."


def _shown(html: str, purpose: str) -> tuple[str, str, str]:
    tree = HTMLParser(html)

    def value(name: str) -> str:
        node = tree.css_first(f'input[name="{name}"]')
        assert node is not None, name
        return node.attributes.get("value") or ""

    return (value(f"notice_{purpose}"), value(f"notice_lang_{purpose}"),
            value(f"notice_sha_{purpose}"))


async def test_the_grant_names_the_notice_shown(client: httpx.AsyncClient, db_url: str) -> None:
    made = make_recipient(db_url, language="fr", tracking=False)
    page = await client.get(f"/p/{made.page_token}")
    version, language, sha256 = _shown(page.text, "tracking")
    assert language == "fr" and re.fullmatch(r"[0-9a-f]{64}", sha256)
    fields = _form(page.text)
    _tick(fields, "purpose", "tracking", True)
    saved = await client.post(f"/p/{made.page_token}", data=fields)
    assert "Modifications enregistrées : 1." in saved.text
    event = last_event(db_url, made.contact_id, "tracking")
    assert (event.action, event.notice_version, event.notice_sha256) == ("grant", version, sha256)


async def test_a_notice_added_between_page_and_post_is_not_granted_but_shown(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="fr", tracking=False)
    with session_scope(db_url) as s:
        seed_default_notices(s)
    page = await client.get(f"/p/{made.page_token}")
    fields = _form(page.text)
    _tick(fields, "purpose", "tracking", True)
    _tick(fields, "purpose", "profiling", True)
    with session_scope(db_url) as s:
        add_notice(s, "tracking", "2099-01-01", "fr", NEW_TEXT)
    before = ledger_size(db_url)

    saved = await client.post(f"/p/{made.page_token}", data=fields)

    assert saved.status_code == 200
    status = HTMLParser(saved.text).css_first('[data-cm="status"]').text()
    assert status == (
        "L'information a changé ; veuillez la relire. Rien n'a été enregistré pour : "
        "Mesurer mes ouvertures et mes clics. Vos choix sont enregistrés. Modifications "
        "enregistrées : 1."
    )
    # Profiling's notice did not change: granted. Tracking: nothing, not even a refusal.
    assert ledger_size(db_url) == before + 1
    assert granted(db_url, made.contact_id, "profiling")
    assert not granted(db_url, made.contact_id, "tracking")
    assert last_event(db_url, made.contact_id, "profiling").action == "grant"
    # The page shows the new words, unticked, with their fingerprint in the form.
    assert NEW_TEXT in HTMLParser(saved.text).css_first("#notice-tracking").text()
    assert _shown(saved.text, "tracking") == ("2099-01-01", "fr", sha256_of(NEW_TEXT))
    again = _form(saved.text)
    assert "tracking" not in again["purpose"]
    _tick(again, "purpose", "tracking", True)
    await client.post(f"/p/{made.page_token}", data=again)
    event = last_event(db_url, made.contact_id, "tracking")
    assert (event.action, event.notice_version, event.notice_sha256) == (
        "grant", "2099-01-01", sha256_of(NEW_TEXT)
    )


@pytest.mark.parametrize(
    "forged",
    [
        {},  # a form without the fields (an old page, a hand-made POST)
        {"notice_sha_tracking": ["0" * 64]},  # a version with other words
        {"notice_tracking": ["1999-01-01"]},  # an older version
    ],
    ids=["missing", "other-sha", "other-version"],
)
async def test_a_grant_needs_the_current_notices_fingerprint(
    client: httpx.AsyncClient, db_url: str, forged: dict[str, list[str]]
) -> None:
    made = make_recipient(db_url, language="en", tracking=False)
    fields = _form((await client.get(f"/p/{made.page_token}")).text)
    _tick(fields, "purpose", "tracking", True)
    if not forged:
        for name in ("notice_tracking", "notice_lang_tracking", "notice_sha_tracking"):
            fields.pop(name)
    fields.update(forged)
    saved = await client.post(f"/p/{made.page_token}", data=fields)
    assert "The information has changed; please read it again." in saved.text
    assert not granted(db_url, made.contact_id, "tracking")
