"""The shared corpus exports (skipped without ../shared): I1-I8 on realistic, messy files."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentmail.consent.ip_capture import set_ip_capture
from consentmail.consent.verify import verify_chain
from consentmail.contacts.service import find_contact, import_csv
from consentmail.db.models import ConsentEvent, Contact
from tests.conftest import shared_path
from tests.contacts.test_import import events, states, subscription, utc

# After every consent date in the corpus (the generator writes dates up to 2026-12-28).
LATER = datetime(2027, 1, 1, tzinfo=UTC)


def test_signup_export(session: Session) -> None:
    path = shared_path("corpus", "contacts", "signup-export-2000.csv")
    set_ip_capture(session, True)  # I8 below checks the truncated IP kept as evidence
    summary = import_csv(session, path, "signup", now=LATER)
    assert (summary.created, summary.updated, summary.unchanged, summary.kept) == (2000, 0, 18, 0)
    assert summary.ip_dropped == 0
    assert summary.events == 3101
    # I6: the bad rows, with their physical line numbers; everything else is in
    assert [(r.line, r.value) for r in summary.rejected] == [
        (451, "a b@example.com"),
        (556, "@example.com"),
        (597, "not-an-email"),
        (649, "anna@localhost"),
        (768, "mario.rossi@"),
        (929, "luca@ex ample.com"),
        (977, "luca@ex ample.com"),
        (1042, "a b@example.com"),
        (1097, "anna@localhost"),
        (1126, "x@example..com"),
        (1279, "jean..dupont@example.org"),
        (1641, "mario.rossi@"),
        (1851, "@example.com"),
        (1918, "anna@localhost"),
        (2029, "@example.com"),
    ]
    assert summary.rejected[4].reason == "There must be something after the @-sign."
    assert session.scalar(select(func.count()).select_from(Contact)) == 2000
    # I1: the BOM did not end up in the first address
    assert find_contact(session, "martin.sanchez0@example.com") is not None
    assert session.scalar(select(func.count()).where(Contact.email.contains("\ufeff"))) == 0
    # I5
    marco = find_contact(session, "marco.d_angelo8@müller.example")
    assert marco is not None and marco.email == "marco.d_angelo8@müller.example"
    assert find_contact(session, "oliver.taylor124@例え.テスト") is not None
    # I7: line 2 says 01/10/2024 (1 October), line 3 says 2025-10-18
    martin = events(session, "martin.sanchez0@example.com")
    assert {utc(e.at).date() for e in martin} == {date(2024, 10, 1)}
    mia = events(session, "mia.schmidt1@example.org")
    assert [(e.purpose, utc(e.at).date()) for e in mia] == [("newsletter", date(2025, 10, 18))]
    # I2: TRUE / nein / FALSE
    assert states(session, "mia.schmidt1@example.org") == {"newsletter": True}
    # I8
    assert martin[0].evidence == {
        "imported": True,
        "line": 2,
        "consent_source": "api",
        "ip": "203.0.113.0",
    }
    assert martin[0].source == "import:signup-export-2000.csv"
    assert verify_chain(session).ok

    again = import_csv(session, path, "signup", now=LATER)
    assert (again.created, again.updated, again.unchanged, again.events) == (0, 0, 2018, 0)


def test_crm_export_duplicates_and_reimport(session: Session) -> None:
    path = shared_path("corpus", "contacts", "crm-export-300.csv")
    summary = import_csv(session, path, "crm", now=LATER)
    assert (summary.created, summary.updated, summary.unchanged) == (300, 0, 2)
    assert [r.line for r in summary.rejected] == [94, 119, 148]
    # I4: "  EMMA.MOORE49@EXAMPLE.COM " is the same contact as emma.moore49@example.com
    emma = find_contact(session, "  EMMA.MOORE49@EXAMPLE.COM ")
    assert emma is not None and emma.email == "emma.moore49@example.com"
    assert subscription(session, "emma.moore49@example.com", "crm") == "subscribed"
    before = session.scalar(select(func.count()).select_from(ConsentEvent))
    again = import_csv(session, path, "crm", now=LATER)
    assert (again.unchanged, again.events, again.kept) == (302, 0, 0)
    assert session.scalar(select(func.count()).select_from(ConsentEvent)) == before


def test_corpus_dry_run_matches(session: Session) -> None:
    path = shared_path("corpus", "contacts", "crm-export-300.csv")
    dry = import_csv(session, path, "x", dry_run=True, now=LATER)
    assert session.scalar(select(func.count()).select_from(Contact)) == 0
    assert dry.as_dict() == import_csv(session, path, "x", now=LATER).as_dict()
