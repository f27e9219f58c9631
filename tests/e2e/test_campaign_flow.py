"""The main job end to end: import, render, deliver over SMTP, open, click, stop tracking,
unsubscribe, report, on SQLite and PostgreSQL, with real templates and the 2,000-row export."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consentmail.audit import audit_html, audit_pair
from consentmail.contacts.service import import_csv
from consentmail.db import session_scope
from consentmail.db.models import (
    CampaignLink,
    ConsentState,
    Contact,
    ContactList,
    Message,
    Subscription,
)
from consentmail.reports.campaign import campaign_report
from tests.conftest import SHARED
from tests.e2e.harness import Mail, data_cm_links, html_of, running, text_of, urls_in

DEMO = Path(__file__).resolve().parents[2] / "src" / "consentmail" / "demo"


def _inputs() -> list[tuple[Path, str, Path]]:
    """(contacts file, list, template) per campaign: the real corpus when present (the 2,000-row
    export with the gallery template, two more templates on the 300-row CRM export to keep the
    run short); the project's own demo data in a bare clone."""
    corpus = SHARED / "corpus"
    if (corpus / "contacts" / "signup-export-2000.csv").exists():
        return [
            (
                corpus / "contacts" / "signup-export-2000.csv",
                "news",
                corpus / "templates" / "mailchimp_gallery-1-4-2.html",
            ),
            (
                corpus / "contacts" / "crm-export-300.csv",
                "crm",
                corpus / "templates" / "leemunroe_email.html",
            ),
            (
                corpus / "contacts" / "crm-export-300.csv",
                "crm",
                corpus / "templates" / "sendwithus_mantra_coupon.html",
            ),
        ]
    return [(DEMO / "contacts.csv", "news", DEMO / "newsletter.html")]


def _expected_recipients(url: str, list_name: str) -> set[str]:
    with session_scope(url) as s:
        return set(
            s.scalars(
                select(Contact.email)
                .join(Subscription, Subscription.contact_id == Contact.id)
                .join(ContactList, ContactList.id == Subscription.list_id)
                .join(ConsentState, ConsentState.contact_id == Contact.id)
                .where(
                    ContactList.name == list_name,
                    Subscription.status == "subscribed",
                    ConsentState.purpose == "newsletter",
                    ConsentState.granted.is_(True),
                )
            )
        )


def _messages_by_header(url: str, campaign_id: int) -> dict[str, Message]:
    with session_scope(url) as s:
        rows = s.scalars(select(Message).where(Message.campaign_id == campaign_id)).all()
        return {m.message_id_header: m for m in rows}


@pytest.mark.slow
def test_campaign_end_to_end(db_url: str, tmp_path: Path) -> None:
    with running(db_url, tmp_path) as app:
        campaign_ids = []
        expected: dict[int, set[str]] = {}
        imported: set[str] = set()
        for contacts_file, list_name, template in _inputs():
            if list_name not in imported:
                with session_scope(db_url) as s:
                    assert import_csv(s, contacts_file, list_name).created > 0
                imported.add(list_name)
            cid = app.campaign(
                name=template.stem,
                subject=f"News: {template.stem}",
                from_addr="news@shop.example",
                html=template.read_text(encoding="utf-8-sig"),
                template_name=template.name,
                list_name=list_name,
            )
            expected[cid] = _expected_recipients(db_url, list_name)
            queued = app.send(cid)
            assert queued.queued == len(expected[cid]) > 0
            campaign_ids.append(cid)

        received = [Mail.of(r) for r in app.sink.received]
        by_campaign: dict[int, list] = defaultdict(list)
        for cid in campaign_ids:
            rows = _messages_by_header(db_url, cid)
            for r in received:
                if r.message_id in rows:
                    by_campaign[cid].append((r, rows[r.message_id]))

        for cid in campaign_ids:
            delivered = by_campaign[cid]
            # Exactly one message to every contact with newsletter consent, nobody else.
            tos = Counter(r.to for r, _ in delivered)
            assert set(tos) == expected[cid] and max(tos.values()) == 1
            _check_tracking_markers(app.settings.public_url, delivered)

        _interact_and_report(app, db_url, campaign_ids[0], by_campaign[campaign_ids[0]])


def _check_tracking_markers(public_url: str, delivered: list) -> None:
    personal_tokens: list[str] = []
    shared_urls: dict[str, set[frozenset[str]]] = defaultdict(set)
    for received, msg in delivered:
        html = html_of(received)
        roles = data_cm_links(html)
        assert roles["unsubscribe"] == f"{public_url}/u/{msg.page_token}"
        assert roles["preferences"] == f"{public_url}/p/{msg.page_token}"
        header = received.message["List-Unsubscribe"]
        assert header == f"<{public_url}/u/{msg.page_token}>"
        assert received.message["List-Unsubscribe-Post"] is None  # http public URL: no one-click
        urls = urls_in(html)
        for u in urls:  # law 6: no address and no id in any URL
            assert received.to not in u
        # R13: the tracking choices in every message, whatever it measures.
        assert roles["stop-tracking"] == f"{public_url}/t/{msg.page_token}"
        mode = "personal" if "personal" in (msg.open_mode, msg.click_mode) else msg.open_mode
        if mode == "personal":
            personal_tokens.append(msg.track_token)
            pixels = urls.count(f"{public_url}/o/{msg.track_token}.gif")
            assert pixels == (1 if msg.open_mode == "personal" else 0)
            # L10: the text part's links follow the same mode as the HTML part's.
            tracked_text = f"{public_url}/c/{msg.track_token}/" in text_of(received)
            tracked_html = f"{public_url}/c/{msg.track_token}/" in html
            assert tracked_text == tracked_html
            if msg.click_mode == "personal":
                assert tracked_html or not any("/c/" in u for u in urls)
            if msg.deliverability_only:  # fr-cnil-2026 R7: a dated open, never clicks
                assert msg.click_mode != "personal" and msg.basis == "exemption:deliverability"
        else:
            assert not any(f"/o/{t}" in html for t in personal_tokens[-1:])
            recipient_urls = {u for u in urls if u not in roles.values()}
            shared_urls[mode].add(frozenset(recipient_urls))
    assert len(set(personal_tokens)) == len(personal_tokens)
    for mode, variants in shared_urls.items():
        # Identical for every non-personal recipient: nothing in a URL tells them apart.
        assert len(variants) == 1, f"{mode} messages differ in their URLs"
    for mode in ("aggregate", "none"):
        # The audit agrees: two recipients' copies hold no personal tracker (the footer's
        # per-recipient links are the recipient's controls, not trackers).
        pair = [r for r, m in delivered if m.open_mode == m.click_mode == mode][:2]
        if len(pair) == 2:
            a, b = (audit_html(html_of(r), headers={"To": r.to}) for r in pair)
            verdict = audit_pair(a, b).verdict
            assert verdict.code == mode, verdict.reasons


def _pick(delivered: list, mode: str, profile: str | None = None, skip: int = 0):  # type: ignore[no-untyped-def]
    found = [
        (r, m)
        for r, m in delivered
        if (
            (m.open_mode == m.click_mode == "personal")
            if mode == "personal"
            else m.open_mode == mode and m.click_mode != "personal"
        )
        and (profile is None or m.profile == profile)
    ]
    return found[skip] if len(found) > skip else None


def _interact_and_report(app, db_url: str, campaign_id: int, delivered: list) -> None:  # type: ignore[no-untyped-def]
    client = app.client
    # Readers act minutes after delivery; a click seconds after it is a gateway's check (B1).
    with session_scope(db_url) as s:
        for m in s.scalars(select(Message).where(Message.campaign_id == campaign_id)):
            m.sent_at = m.sent_at - timedelta(minutes=5)
    opener = _pick(delivered, "personal")
    assert opener is not None, "the corpus has recipients who consented to tracking"
    r, msg = opener
    html = html_of(r)
    pixel = f"{app.settings.public_url}/o/{msg.track_token}.gif"
    got = client.get(pixel)
    assert got.status_code == 200 and got.headers["content-type"] == "image/gif"
    assert "no-store" in got.headers["cache-control"]
    click = next(u for u in urls_in(html) if f"/c/{msg.track_token}/" in u)
    index = int(click.rsplit("/", 1)[1])
    landed = client.get(click, follow_redirects=False)
    with session_scope(db_url) as s:
        destination = s.get(CampaignLink, (campaign_id, index)).url
    assert landed.status_code == 302 and landed.headers["location"] == destination

    # An aggregate recipient opens: the shared pixel, counted only in total.
    aggregate = _pick(delivered, "aggregate")
    expected_aggregate_opens = 0
    if aggregate is not None:
        agg_pixel = next(u for u in urls_in(html_of(aggregate[0])) if "/o/a/" in u)
        assert client.get(agg_pixel).status_code == 200
        expected_aggregate_opens += 1

    # A consenting recipient under the Italian profile stops tracking from the footer link,
    # then opens the message already received: law 2, the open is no longer personal.
    stopper = _pick(delivered, "personal", "it-garante-2026", skip=1)
    assert stopper is not None
    r2, msg2 = stopper
    stop_url = data_cm_links(html_of(r2))["stop-tracking"]
    page = client.get(stop_url)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = client.post(stop_url, data={"csrf": csrf}, follow_redirects=False)
    # The page speaks the contact's language: its marker, not its English words.
    assert done.status_code == 200 and 'data-cm="tracking-stopped"' in done.text
    assert client.get(f"{app.settings.public_url}/o/{msg2.track_token}.gif").status_code == 200
    if aggregate is not None:
        expected_aggregate_opens += 1  # falls back to the aggregate the profile allows

    # Someone else unsubscribes with RFC 8058 one-click, no cookie, no CSRF field.
    leaver = _pick(delivered, "none") or _pick(delivered, "aggregate", skip=1)
    assert leaver is not None
    unsub = leaver[0].message["List-Unsubscribe"].strip("<>")
    posted = client.post(
        unsub,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert posted.status_code == 200

    app.flushed()
    with session_scope(db_url) as s:
        report = campaign_report(s, campaign_id)
        still_subscribed = s.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.contact_id == msg2.contact_id, Subscription.status == "subscribed")
        )
    assert report["sent"] == len(delivered)
    assert sum(report["tracking"].values()) == len(delivered)
    assert report["opens"]["personal_unique"] == 1
    assert report["clicks"]["personal_unique"] == 1
    assert report["opens"]["aggregate"] == expected_aggregate_opens
    assert report["stopped_tracking"] == 1
    assert report["unsubscribed"] == 1
    assert still_subscribed == 1  # stopping tracking never unsubscribes (R15)
