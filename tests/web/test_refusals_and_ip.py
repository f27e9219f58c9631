"""A "no" on a recipient page is always a refusal on the ledger (R10 counts from it), and the
pages keep a truncated IP with it only where the workspace enabled IP capture (off by default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from consentmail.consent import NewEvent, record
from consentmail.consent.ip_capture import set_ip_capture
from consentmail.consent.repermission import (
    add_months,
    eligible_for_request,
    next_request_allowed_at,
    record_request,
)
from consentmail.db import session_scope
from consentmail.db.models import Contact, PermissionRequest, utcnow
from tests.web.recipients import Made, granted, last_event, ledger_size, make_recipient
from tests.web.test_preferences import CSRF, _form, _tick

pytestmark = pytest.mark.anyio
EXPIRED_AT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


def _expire(db_url: str, made: Made, purpose: str = "tracking") -> None:
    """What `consentmail consent expire` appends for a lapsed grant."""
    with session_scope(db_url) as s:
        record(s, [NewEvent(made.contact_id, purpose, "expire", EXPIRED_AT, "expiry", "system",
                            evidence={"expiry_days": 30})])


def _ip_capture(db_url: str, on: bool) -> None:
    with session_scope(db_url) as s:
        set_ip_capture(s, on)


async def _stop(client: httpx.AsyncClient, made: Made) -> httpx.Response:
    page = await client.get(f"/t/{made.page_token}")
    csrf = CSRF.search(page.text)[1]  # type: ignore[index]
    return await client.post(f"/t/{made.page_token}", data={"csrf": csrf})


async def test_stop_tracking_after_an_expiry_records_a_refusal_and_pauses_asking(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en")
    _expire(db_url, made)
    before = ledger_size(db_url)
    done = await _stop(client, made)
    assert done.status_code == 200 and 'data-cm="tracking-stopped"' in done.text
    assert ledger_size(db_url) == before + 1
    refusal = last_event(db_url, made.contact_id, "tracking")
    assert (refusal.action, refusal.method, refusal.evidence) == (
        "withdraw", "page", {"message_page": "stop-tracking"},
    )
    with session_scope(db_url) as s:
        now = utcnow()
        assert not eligible_for_request(s, made.contact_id, "tracking", now)
        at = refusal.at.replace(tzinfo=UTC)
        assert next_request_allowed_at(s, made.contact_id, "tracking") == add_months(at, 6)


async def test_stop_tracking_again_records_the_new_no(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en")
    await _stop(client, made)
    first = last_event(db_url, made.contact_id, "tracking")
    await _stop(client, made)
    second = last_event(db_url, made.contact_id, "tracking")
    assert (first.action, second.action) == ("withdraw", "withdraw")
    assert second.id == first.id + 1 and not granted(db_url, made.contact_id, "tracking")


async def test_centre_stop_tracking_after_an_expiry_records_a_refusal(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en")
    _expire(db_url, made)
    page = await client.get(f"/p/{made.page_token}")
    await client.post(f"/p/{made.page_token}", data=_form(page.text, "stop-tracking"))
    assert last_event(db_url, made.contact_id, "tracking").action == "withdraw"


async def test_unticking_a_box_whose_grant_lapsed_since_the_page_was_shown_is_a_refusal(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en")
    page = await client.get(f"/p/{made.page_token}")  # tracking shown ticked
    assert 'name="purpose_was" value="tracking"' in page.text
    assert 'name="purpose_was" value="profiling"' not in page.text
    _expire(db_url, made)  # ... and it lapses before the person saves
    fields = _form(page.text)
    _tick(fields, "purpose", "tracking", False)
    saved = await client.post(f"/p/{made.page_token}", data=fields)
    assert "Changes recorded: 1." in saved.text
    assert last_event(db_url, made.contact_id, "tracking").action == "withdraw"
    # The refusal is on record now: saving the same form again adds nothing.
    again = await client.post(f"/p/{made.page_token}", data=fields)
    assert "Changes recorded: 0." in again.text


async def test_a_box_shown_unticked_and_left_so_records_nothing(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en")
    _expire(db_url, made)
    page = await client.get(f"/p/{made.page_token}")  # expired: shown unticked
    assert 'name="purpose_was" value="tracking"' not in page.text
    before = ledger_size(db_url)
    saved = await client.post(f"/p/{made.page_token}", data=_form(page.text))
    assert "Changes recorded: 0." in saved.text and ledger_size(db_url) == before


async def test_an_answer_on_the_page_closes_the_request(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="en", tracking=False)
    with session_scope(db_url) as s:
        contact = s.get(Contact, made.contact_id)
        assert contact is not None
        contact.collected_at = utcnow() - timedelta(days=365)  # collected then, not asked since
        request_id = record_request(s, made.contact_id, "profiling", utcnow()).id
    fields = _form((await client.get(f"/p/{made.page_token}")).text)
    _tick(fields, "purpose", "profiling", True)
    await client.post(f"/p/{made.page_token}", data=fields)
    grant = last_event(db_url, made.contact_id, "profiling")
    with session_scope(db_url) as s:
        answered = s.get(PermissionRequest, request_id)
        assert answered is not None and answered.answered_at is not None
        assert answered.answered_at.replace(tzinfo=UTC) == grant.at.replace(tzinfo=UTC)


@pytest.mark.parametrize(("on", "kept"), [(False, ""), (True, "127.0.0.0")])
async def test_pages_keep_a_truncated_ip_only_when_enabled(
    client: httpx.AsyncClient, db_url: str, on: bool, kept: str
) -> None:
    """httpx's in-process transport reports the client as 127.0.0.1."""
    _ip_capture(db_url, on)
    stopped = make_recipient(db_url, language="en")
    await _stop(client, stopped)
    assert last_event(db_url, stopped.contact_id, "tracking").ip_truncated == kept

    saved = make_recipient(db_url, language="en")
    fields = _form((await client.get(f"/p/{saved.page_token}")).text)
    _tick(fields, "purpose", "profiling", True)
    await client.post(f"/p/{saved.page_token}", data=fields)
    assert last_event(db_url, saved.contact_id, "profiling").ip_truncated == kept

    left = make_recipient(db_url, language="en")
    page = await client.get(f"/u/{left.page_token}")
    await client.post(f"/u/{left.page_token}", data={"csrf": CSRF.search(page.text)[1]})  # type: ignore[index]
    assert last_event(db_url, left.contact_id, "newsletter").ip_truncated == kept


async def test_one_click_unsubscribe_never_keeps_the_providers_ip(
    client: httpx.AsyncClient, db_url: str
) -> None:
    _ip_capture(db_url, True)
    made = make_recipient(db_url, language="en")
    await client.post(
        f"/u/{made.page_token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    event = last_event(db_url, made.contact_id, "newsletter")
    assert (event.action, event.method, event.ip_truncated) == ("withdraw", "one-click", "")
