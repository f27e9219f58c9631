"""GDPR Art. 15/20 export: everything stored about one contact, nothing about anyone else, no
credentials."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from consentmail.db import session_scope
from consentmail.privacy import access_export
from tests.privacy.world import engage, last_open, sent_message
from tests.web.recipients import make_recipient

SENT = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_export_holds_consent_history_engagement_and_last_open(db_url: str) -> None:
    made = make_recipient(db_url, lists=("news", "offers"))
    other = make_recipient(db_url)
    message_id, campaign_id = sent_message(db_url, made.contact_id, SENT, "consent:2")
    engage(db_url, message_id, campaign_id, "consent:2", SENT.replace(hour=10))
    other_message, other_campaign = sent_message(db_url, other.contact_id, SENT, "consent:4")
    engage(db_url, other_message, other_campaign, "consent:4", SENT)
    last_open(db_url, made.contact_id, date(2026, 6, 1))

    with session_scope(db_url) as s:
        data = access_export(s, made.contact_id, now=SENT)
    assert data["format"] == "consentmail-access-export/1"
    assert data["contact"]["email"] == made.email
    assert [entry["list"] for entry in data["lists"]] == ["news", "offers"]
    events = data["consent"]["events"]
    assert [(e["purpose"], e["action"]) for e in events] == [
        ("newsletter", "grant"), ("tracking", "grant")
    ]
    assert {"notice_version", "notice_sha256", "source", "method", "hash"} <= set(events[0])
    assert data["consent"]["current"]["tracking"]["granted"] is True
    opens = [e for e in data["engagement"] if e["kind"] == "open"]
    clicks = [e for e in data["engagement"] if e["kind"] == "click"]
    assert len(opens) == len(clicks) == 1  # only this contact's messages
    assert opens[0]["first_at"] == "2026-06-01T10:00:00+00:00"
    assert (opens[0]["human_hits"], opens[0]["machine_hits"]) == (2, 1)
    assert clicks[0]["link_url"] == "https://shop.example/sale"
    assert data["deliverability"] == {"last_open_date": "2026-06-01"}
    assert data["never_stored"] == ["ip_address", "user_agent"]
    text = json.dumps(data)  # JSON-ready as it is
    with session_scope(db_url) as s:
        from consentmail.db.models import Message

        for message in s.query(Message).all():
            assert message.page_token not in text
            assert not message.track_token or message.track_token not in text
    assert other.email not in text


def test_unknown_contact_raises(db_url: str) -> None:
    with session_scope(db_url) as s, pytest.raises(LookupError):
        access_export(s, 424242)
