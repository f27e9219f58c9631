"""Asking again (R10) and the legacy notice (R11) end to end: queued, delivered by the real worker
over SMTP, answered on the real pages (yes on the preference page, an objection on the tracking
choices page), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from consentmail.campaigns.permission_mail import Sender, ask_again, send_legacy_notice
from consentmail.campaigns.runner import deliver
from consentmail.consent import snapshot
from consentmail.consent.repermission import next_request_allowed_at
from consentmail.db import session_scope
from consentmail.db.models import ConsentEvent, Contact, Message
from tests.campaigns.support import news_list, person
from tests.e2e.harness import Mail, data_cm_links, html_of, running, text_of, urls_in

SENDER = Sender("news@shop.example", "Shop")
LEGACY = datetime(2025, 3, 1, tzinfo=UTC)


def _save_form(page: str) -> dict[str, list[str]]:
    """What a browser submits from the preference form as shown (checked boxes only)."""
    form = next(f for f in HTMLParser(page).css("form")
                if f.css_first('input[name="do"][value="save"]') is not None)
    fields: dict[str, list[str]] = {}
    for node in form.css("input"):
        if node.attributes.get("type") == "checkbox" and "checked" not in node.attributes:
            continue
        fields.setdefault(node.attributes["name"] or "", []).append(
            node.attributes.get("value") or ""
        )
    return fields


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_ask_and_legacy_notice_delivered_and_answered(db_url: str, tmp_path: Path) -> None:
    with running(db_url, tmp_path) as app:
        settings = app.settings
        with session_scope(db_url) as s:
            ann = person(s, news_list(s, "news"), "ann", country="IT", language="en")
            bea = person(s, news_list(s, "fr"), "bea", country="FR", language="fr",
                         collected_at=LEGACY)
            asked = ask_again(s, "news", "tracking", sender=SENDER,
                              public_url=settings.public_url,
                              default_jurisdiction=settings.default_jurisdiction)
            informed = send_legacy_notice(s, "fr", sender=SENDER,
                                          public_url=settings.public_url,
                                          default_jurisdiction=settings.default_jurisdiction)
        assert (asked.queued, informed.queued) == (1, 1)
        for campaign_id in asked.campaign_ids + informed.campaign_ids:
            asyncio.run(deliver(settings, campaign_id))

        mails = {m.to: m for m in map(Mail.of, app.sink.received)}
        assert sorted(mails) == ["ann@example.org", "bea@example.org"]
        with session_scope(db_url) as s:
            rows = s.execute(
                select(Contact.email, Message.page_token)
                .join(Contact, Contact.id == Message.contact_id)
            )
            tokens = {address: token for address, token in rows}
        public = settings.public_url
        for to, mail in mails.items():
            html = html_of(mail)
            assert "/o/" not in html and "/c/" not in html and "<img" not in html
            token = tokens[to]  # only the recipient's pages: preferences, choices, unsubscribe
            assert set(urls_in(html)) == {f"{public}/p/{token}", f"{public}/t/{token}",
                                          f"{public}/u/{token}"}
            assert data_cm_links(html)["stop-tracking"] == f"{public}/t/{token}"

        # Ann says yes on the preference page the email links.
        yes = f"{public}/p/{tokens['ann@example.org']}"
        assert f"Yes: open my preferences: {yes}" in text_of(mails["ann@example.org"])
        client: httpx.Client = app.client
        page = client.get(yes)
        assert page.status_code == 200
        fields = _save_form(page.text)
        fields["purpose"] = [*fields.get("purpose", []), "tracking"]
        saved = client.post(yes, data=fields, follow_redirects=False)
        assert saved.status_code in (200, 303), saved.text

        # Béa objects with the one-click link of the legacy notice.
        objection = f"{public}/t/{tokens['bea@example.org']}"
        assert f"Je m'oppose : refuser le suivi: {objection}" in text_of(mails["bea@example.org"])
        page = client.get(objection)
        assert page.status_code == 200
        done = client.post(objection, data={"csrf": _csrf(page.text)}, follow_redirects=False)
        assert done.status_code == 200 and 'data-cm="tracking-stopped"' in done.text

        with session_scope(db_url) as s:
            granted = snapshot(s, ann, None).tracking
            assert granted.granted and granted.event_id is not None
            event = s.get(ConsentEvent, granted.event_id)
            assert event is not None and event.notice_version  # the words she agreed to (R16)
            assert next_request_allowed_at(s, ann, "tracking") is None  # the request is answered
            refused = snapshot(s, bea, None)
            assert not refused.tracking.granted and refused.tracking.event_id is not None
            assert refused.legacy_informed_at is not None and refused.subscribed
