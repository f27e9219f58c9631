"""R13 with R6: after "stop tracking", service notices stop measuring the person too, as the page
promises; the page names the one exception, security mail whose links are the function (R5)."""

from __future__ import annotations

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from consentmail.campaigns.queue import queue_campaign
from consentmail.db import session_scope
from consentmail.db.models import Message
from tests.campaigns.support import campaign, page
from tests.web.recipients import make_recipient
from tests.web.test_preferences import CSRF

pytestmark = pytest.mark.anyio


def _queue_mandatory(db_url: str, contact_id: int) -> Message:
    with session_scope(db_url) as s:
        notice = campaign(s, page('<p>Terms change</p><a href="https://shop.example/">Terms</a>'),
                          category="mandatory")
        queue_campaign(s, notice, k_min=10, default_jurisdiction="strict")
        msg = s.scalars(select(Message).where(Message.campaign_id == notice.id,
                                              Message.contact_id == contact_id)).one()
        s.expunge(msg)
        return msg


async def test_a_service_notice_after_stop_tracking_measures_nothing_personal(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url, language="it")
    before = _queue_mandatory(db_url, made.contact_id)
    assert (before.rule_id, before.open_mode, before.basis) == (
        "IT-R6-mandatory", "personal", "exemption:mandatory"
    )
    shown = await client.get(f"/t/{made.page_token}")
    body = HTMLParser(shown.text).body.text()  # type: ignore[union-attr]
    assert (
        "senza nulla che ti misuri individualmente, tranne i messaggi di sicurezza come il "
        "ripristino della password, i cui link sono la funzione stessa."
    ) in body
    csrf = CSRF.search(shown.text)[1]  # type: ignore[index]
    done = await client.post(f"/t/{made.page_token}", data={"csrf": csrf})
    assert "tranne i messaggi di sicurezza" in done.text
    after = _queue_mandatory(db_url, made.contact_id)
    # A cohort of one is below k: not even counted in the aggregate.
    assert (after.rule_id, after.open_mode, after.click_mode, after.basis, after.track_token) == (
        "IT-R6-R13-refused", "none", "none", "none", None
    )
