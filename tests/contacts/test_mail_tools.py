"""Exports of mail tools: Mailchimp's columns mapped, the rest named as ignored, no consent
invented. mailchimp_subscribed.csv is synthetic (reserved addresses and IPs) in the column
layout of Mailchimp's "subscribed members" audience export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.ip_capture import set_ip_capture
from consentmail.contacts.columns import ImportFormatError
from consentmail.contacts.csv_read import ContactReader
from consentmail.contacts.service import NO_CONSENT_COLUMN, find_contact, import_csv
from consentmail.db.models import ContactList, Subscription
from tests.contacts.conftest import CONTACT_FIXTURES, NOW, write_csv
from tests.contacts.test_import import count, events, utc

MAILCHIMP = CONTACT_FIXTURES / "mailchimp_subscribed.csv"
MAILCHIMP_IGNORED = [
    "MEMBER_RATING", "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "REGION",
    "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS",
]


def test_mailchimp_columns_are_mapped() -> None:
    with ContactReader(MAILCHIMP, now=NOW) as reader:
        h = reader.headers
        assert {c: h[i] for c, i in reader.columns.items()} == {
            "email": "Email Address",
            "first_name": "First Name",
            "last_name": "Last Name",
            "consent_date": "CONFIRM_TIME",  # the confirmation is the consent...
            "consent_ip": "CONFIRM_IP",
            "country": "CC",
        }
        assert reader.ignored_columns == MAILCHIMP_IGNORED
        rows = list(reader)
    assert [(r.email, r.country, r.consent_date, r.ip) for r in rows] == [  # type: ignore[union-attr]
        ("giulia.rossi1@example.com", "IT", datetime(2023, 5, 1, 12, 34, 56, tzinfo=UTC),
         "198.51.100.0"),
        # ...and the form submission stands in where the confirmation is empty
        ("lea.dubois2@example.org", "FR", datetime(2024, 2, 3, 8, 0, tzinfo=UTC), "203.0.113.0"),
    ]


def test_mailchimp_export_without_consent_column_grants_nothing(session: Session) -> None:
    summary = import_csv(session, MAILCHIMP, "news", now=NOW)
    assert (summary.created, summary.rejected, summary.events) == (2, [], 0)
    assert summary.ignored_columns == MAILCHIMP_IGNORED
    assert summary.notes == [NO_CONSENT_COLUMN]
    assert count(session, Subscription) == 0 and events(session) == []
    giulia = find_contact(session, "giulia.rossi1@example.com")
    assert giulia is not None and (giulia.first_name, giulia.country) == ("Giulia", "IT")


def test_consent_times_become_event_times(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "times.csv", [
        "email,newsletter_consent,OPTIN_TIME,CONFIRM_TIME,OPTIN_IP",
        "a@example.com,yes,2023-05-01 12:30:00,2023-05-01 12:34:56,203.0.113.7",
        "b@example.com,yes,,2023-05-01T12:34:56Z,",
        "c@example.com,yes,,2023-05-01T12:34:56+02:00,",
        "d@example.com,yes,2023-05-01,,",
        "e@example.com,yes,,2026-01-15 09:31:00,",  # a minute after NOW
        "f@example.com,yes,,2026-01-15 09:29:00,",
    ])
    set_ip_capture(session, True)  # the OPTIN_IP column is read as the consent IP
    summary = import_csv(session, path, "news", now=NOW)
    assert [(r.line, r.field, r.reason) for r in summary.rejected] == [
        (6, "consent_date", "in the future (now is 2026-01-15 09:30:00 UTC)"),
    ]
    assert summary.ignored_columns == []
    assert [(e.contact_id, utc(e.at), e.ip_truncated) for e in events(session)] == [
        (1, datetime(2023, 5, 1, 12, 34, 56, tzinfo=UTC), "203.0.113.0"),
        (2, datetime(2023, 5, 1, 12, 34, 56, tzinfo=UTC), ""),
        (3, datetime(2023, 5, 1, 10, 34, 56, tzinfo=UTC), ""),
        (4, datetime(2023, 5, 1, tzinfo=UTC), ""),
        (5, datetime(2026, 1, 15, 9, 29, tzinfo=UTC), ""),
    ]


def test_header_only_file_creates_nothing(session: Session, tmp_path: Path) -> None:
    header_only = write_csv(tmp_path / "h.csv", ["email,newsletter_consent", ""])
    with pytest.raises(ImportFormatError, match="no data rows after the header line"):
        import_csv(session, header_only, "news", now=NOW)
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="empty file"):
        import_csv(session, empty, "news", now=NOW)
    with pytest.raises(ImportFormatError, match="is a directory"):
        import_csv(session, tmp_path, "news", now=NOW)
    bad_only = write_csv(tmp_path / "b.csv", ["email,newsletter_consent", "x@,yes"])
    assert len(import_csv(session, bad_only, "news", now=NOW).rejected) == 1
    assert session.scalars(select(ContactList)).all() == []
