"""What we know about you (/p/{token}/data) and its JSON download (GDPR Art. 15/20)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import httpx
import pytest

from consentmail.db import session_scope
from consentmail.privacy import access_export
from tests.privacy.world import engage, last_open, sent_message
from tests.web.recipients import make_recipient

pytestmark = pytest.mark.anyio
SENT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


async def test_data_page_shows_history_and_tracked_events(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en")
    message_id, campaign_id = sent_message(db_url, made.contact_id, SENT, "exemption:security")
    engage(db_url, message_id, campaign_id, "exemption:security", SENT.replace(minute=30))
    last_open(db_url, made.contact_id, date(2026, 6, 2))
    page = await client.get(f"/p/{made.page_token}/data")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "What we know about you" in text and made.email in text
    assert 'data-cm="consent-history"' in text and "form:signup" in text
    assert text.count("<td>given</td>") == 2
    assert 'data-cm="tracked-events"' in text
    assert "click on link 1" in text and "2026-06-01 09:30 UTC" in text
    assert "account security (exemption)" in text
    assert "2026-06-02: only the date" in text
    assert f'href="/p/{made.page_token}/data.json"' in text
    page = await client.get(f"/p/{made.page_token}/data?lang=de")
    assert "Was wir über Sie wissen" in page.text and "Klick auf Link 1" in page.text


async def test_data_page_without_anything_tracked(client: httpx.AsyncClient, db_url: str) -> None:
    made = make_recipient(db_url, language="it", tracking=False)
    page = await client.get(f"/p/{made.page_token}/data")
    assert "Nessuna misurazione." in page.text and "Nessuna." in page.text


async def test_json_download_is_the_export_as_an_attachment_no_cache_keeps(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url)
    answer = await client.get(f"/p/{made.page_token}/data.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    data = answer.json()
    with session_scope(db_url) as s:
        expected = access_export(s, made.contact_id)
    data.pop("generated_at")
    expected.pop("generated_at")
    assert data == json.loads(json.dumps(expected))
    assert made.page_token not in answer.text
