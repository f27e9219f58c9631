"""The handed cases U1-U3 and U6 of ../shared/cases/unsubscribe.md, over HTTP against the app.
(U4 and U5, the headers, are checked on rendered messages in tests/render/test_message.py and on a
message received over SMTP in tests/browser.)"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.recipients import (
    Made,
    granted,
    last_event,
    ledger_size,
    make_recipient,
    subscribed,
)

pytestmark = pytest.mark.anyio
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _on_list(db_url: str, made: Made) -> bool:
    return subscribed(db_url, made.contact_id, made.list_ids["news"])


async def test_u1_one_click_post_unsubscribes_with_200_and_no_redirect(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url)
    answer = await client.post(
        f"/u/{made.page_token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200 and "location" not in answer.headers
    assert not client.cookies and "set-cookie" not in answer.headers
    assert answer.headers["cache-control"] == "no-store"
    # Durable before the answer: a new session sees it.
    assert not _on_list(db_url, made)
    assert not granted(db_url, made.contact_id, "newsletter")  # Art. 21
    assert granted(db_url, made.contact_id, "tracking")  # a separate purpose, untouched


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (None, "multipart"),
        (b"", None),
        (b"", "application/x-www-form-urlencoded"),
        (b"List-Unsubscribe=One-Click", "text/plain"),
        (b"List-Unsubscribe=One-Click", None),
        (b"--broken\r\nnot really multipart", "multipart/form-data; boundary=broken"),
    ],
    ids=["multipart", "empty-no-type", "empty-form", "text-plain", "no-type", "bad-multipart"],
)
async def test_u2_any_post_body_unsubscribes(
    client: httpx.AsyncClient, db_url: str, content: bytes | None, content_type: str | None
) -> None:
    made = make_recipient(db_url)
    url = f"/u/{made.page_token}"
    if content_type == "multipart":
        answer = await client.post(url, files={"List-Unsubscribe": (None, "One-Click")})
        assert answer.request.headers["content-type"].startswith("multipart/form-data")
    else:
        request = client.build_request("POST", url, content=content)
        if content_type is None:
            request.headers.pop("content-type", None)
        else:
            request.headers["content-type"] = content_type
        answer = await client.send(request)
    assert answer.status_code == 200 and "location" not in answer.headers
    assert not _on_list(db_url, made)


async def test_u3_get_shows_a_button_and_changes_nothing(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url)
    before = ledger_size(db_url)
    for _ in range(3):  # scanners and link previews
        page = await client.get(f"/u/{made.page_token}")
        assert page.status_code == 200
        assert 'data-cm="confirm-unsubscribe"' in page.text and 'method="post"' in page.text
    head = await client.head(f"/u/{made.page_token}")
    assert head.status_code == 200 and head.content == b""  # tests/web/test_head.py
    assert _on_list(db_url, made) and ledger_size(db_url) == before


async def test_page_form_post_unsubscribes_in_the_pages_language(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="de")
    page = await client.get(f"/u/{made.page_token}")
    assert '<html lang="de">' in page.text and "abmelden?" in page.text
    action = re.search(r'<form method="post" action="([^"]+)"', page.text)[1]  # type: ignore[index]
    csrf = CSRF.search(page.text)[1]  # type: ignore[index]
    done = await client.post(action, data={"csrf": csrf})
    assert done.status_code == 200 and 'data-cm="unsubscribed"' in done.text
    assert "Sie sind abgemeldet" in done.text
    assert not _on_list(db_url, made)


async def test_message_without_list_is_never_a_fake_success(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en", message_list=None)
    answer = await client.post(f"/u/{made.page_token}", content=b"List-Unsubscribe=One-Click")
    assert answer.status_code == 200
    assert "Nothing to unsubscribe from" in answer.text and "unsubscribed" not in answer.text
    assert _on_list(db_url, made) and granted(db_url, made.contact_id, "newsletter")


async def test_unknown_token_is_404_and_changes_nothing(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url)
    before = ledger_size(db_url)
    for method, path in [("GET", "/u/"), ("POST", "/u/"), ("GET", "/t/"), ("POST", "/t/"),
                         ("GET", "/p/"), ("POST", "/p/"), ("GET", "/p/")]:
        answer = await client.request(method, path + "x" * 22)
        assert answer.status_code in (403, 404), (method, path)
    assert (await client.get("/p/" + "x" * 22 + "/data.json")).status_code == 404
    assert _on_list(db_url, made) and ledger_size(db_url) == before


async def test_u6_stop_tracking_withdraws_tracking_and_keeps_the_subscription(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="fr")
    before = ledger_size(db_url)
    page = await client.get(f"/t/{made.page_token}")
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert 'data-cm="confirm-stop-tracking"' in page.text
    assert ledger_size(db_url) == before and granted(db_url, made.contact_id, "tracking")

    refused = await client.post(f"/t/{made.page_token}", data={"csrf": "forged"})
    assert refused.status_code == 403 and granted(db_url, made.contact_id, "tracking")

    csrf = CSRF.search(page.text)[1]  # type: ignore[index]
    done = await client.post(f"/t/{made.page_token}", data={"csrf": csrf})
    assert done.status_code == 200 and 'data-cm="tracking-stopped"' in done.text
    assert "Suivi arrêté" in done.text
    assert not granted(db_url, made.contact_id, "tracking")
    assert granted(db_url, made.contact_id, "newsletter")
    assert _on_list(db_url, made)  # R15: stopping tracking never unsubscribes


async def test_u6_tracking_choices_of_a_recipient_never_tracked(
    client: httpx.AsyncClient, db_url: str
) -> None:
    """R13: messages measured only in aggregate, or not at all, link /t/ too ("Your tracking
    choices"). The page says nothing is measured personally and records a refusal that lasts:
    no later basis (fr-cnil-2026 deliverability, legacy non-objection) may then track."""
    made = make_recipient(db_url, language="en", tracking=False)
    before = ledger_size(db_url)
    page = await client.get(f"/t/{made.page_token}")
    assert page.status_code == 200
    assert "We do not measure your opens and clicks individually." in page.text
    assert f'href="http://pages.test/p/{made.page_token}?lang=en"' in page.text
    assert ledger_size(db_url) == before
    csrf = CSRF.search(page.text)[1]  # type: ignore[index]
    done = await client.post(f"/t/{made.page_token}", data={"csrf": csrf})
    assert done.status_code == 200 and 'data-cm="tracking-stopped"' in done.text
    assert ledger_size(db_url) == before + 1
    assert last_event(db_url, made.contact_id, "tracking").action == "withdraw"
    assert _on_list(db_url, made) and granted(db_url, made.contact_id, "newsletter")
    prefs = await client.get(f"/p/{made.page_token}")
    assert prefs.status_code == 200 and 'data-cm="save-preferences"' in prefs.text
