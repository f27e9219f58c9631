"""import_csv end to end on SQLite: cases I1-I8 with exact values, on our fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentmail.consent.ip_capture import set_ip_capture
from consentmail.consent.ledger import NewEvent, record
from consentmail.consent.verify import verify_chain
from consentmail.contacts.csv_read import Rejection
from consentmail.contacts.service import find_contact, get_or_create_list, import_csv
from consentmail.db.models import (
    ConsentEvent,
    ConsentState,
    Contact,
    ContactList,
    Subscription,
)
from tests.contacts.conftest import CONTACT_FIXTURES, HEADER, NOW, write_csv

BOM_CRLF = CONTACT_FIXTURES / "bom_crlf.csv"


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt  # SQLite returns naive UTC


def states(session: Session, email: str) -> dict[str, bool]:
    contact = find_contact(session, email)
    assert contact is not None
    rows = session.execute(
        select(ConsentState.purpose, ConsentState.granted).where(
            ConsentState.contact_id == contact.id
        )
    )
    return {purpose: granted for purpose, granted in rows}


def subscription(session: Session, email: str, list_name: str = "main") -> str | None:
    contact = find_contact(session, email)
    assert contact is not None
    return session.scalar(
        select(Subscription.status)
        .join(ContactList, ContactList.id == Subscription.list_id)
        .where(Subscription.contact_id == contact.id, ContactList.name == list_name)
    )


def events(session: Session, email: str | None = None) -> list[ConsentEvent]:
    query = select(ConsentEvent).order_by(ConsentEvent.id)
    if email is not None:
        contact = find_contact(session, email)
        assert contact is not None
        query = query.where(ConsentEvent.contact_id == contact.id)
    return list(session.scalars(query))


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_fixture_import_counts_and_rejections(session: Session) -> None:
    summary = import_csv(session, BOM_CRLF, "main", now=NOW)
    assert (summary.created, summary.updated, summary.unchanged, summary.kept) == (8, 1, 0, 0)
    # I6: each bad row reported with its line, field and reason; every good row imported
    assert [(r.line, r.field) for r in summary.rejected] == [
        (5, "email"),
        (6, "email"),
        (7, "email"),
        (10, "newsletter_consent"),
        (11, "consent_date"),
    ]
    assert summary.rejected[0] == Rejection(
        5, "email", "mario.rossi@", "There must be something after the @-sign.", str(BOM_CRLF)
    )
    assert summary.events == 12
    assert (count(session, Contact), count(session, ConsentEvent)) == (8, 12)
    assert count(session, Subscription) == 8
    assert verify_chain(session).ok


def test_i1_no_bom_in_stored_values(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", now=NOW)
    for contact in session.scalars(select(Contact)):
        for value in (contact.email, contact.first_name, contact.last_name, contact.country):
            assert "\ufeff" not in value and "\r" not in value
    for ev in events(session):
        assert "\ufeff" not in repr(ev.evidence) and "\r" not in repr(ev.evidence)
    assert find_contact(session, "jurgen.fischer9@courrier.example") is not None


def test_i2_spellings_read_as_booleans_and_unknown_rejected(session: Session) -> None:
    summary = import_csv(session, BOM_CRLF, "main", now=NOW)
    assert states(session, "wei.wang6@example.net") == {"newsletter": True}  # 是 / 否 / 否
    assert states(session, "olivia.smith7@example.com") == {"newsletter": True}  # Y / N / N
    assert states(session, "emma.moore8@example.com") == {"newsletter": True}  # x / false / 0
    assert states(session, "lucia.garcia9@example.com") == {"newsletter": True, "tracking": True}
    assert states(session, "chloe.dubois3@courrier.example") == {
        "newsletter": True,
        "profiling": True,  # vrai / faux / OUI
    }
    bad = [r for r in summary.rejected if r.field == "newsletter_consent"]
    assert [(r.line, r.value) for r in bad] == [(10, "maybe")]
    assert find_contact(session, "luca.romano4@posta.example") is None  # never a silent no/yes


def test_i3_unsubscribe_and_withdrawal_are_kept(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", now=NOW)
    jurgen = find_contact(session, "jurgen.fischer9@courrier.example")
    marco = find_contact(session, "marco.d_angelo8@müller.example")
    assert jurgen is not None and marco is not None
    sub = session.scalar(select(Subscription).where(Subscription.contact_id == jurgen.id))
    assert sub is not None
    sub.status = "unsubscribed"
    record(session, [NewEvent(marco.id, "tracking", "withdraw", NOW, "page:preferences", "page")])
    session.commit()
    before = count(session, ConsentEvent)

    summary = import_csv(session, BOM_CRLF, "main", now=NOW)
    assert (summary.kept, summary.created, summary.updated, summary.unchanged) == (2, 0, 0, 9)
    assert count(session, ConsentEvent) == before  # no re-grant
    assert subscription(session, "jurgen.fischer9@courrier.example") == "unsubscribed"
    assert states(session, "marco.d_angelo8@müller.example")["tracking"] is False

    with pytest.raises(ValueError, match="force needs a stated source"):
        import_csv(session, BOM_CRLF, "main", force=True, now=NOW)

    forced = import_csv(session, BOM_CRLF, "main", force=True, force_source="ticket 4711", now=NOW)
    # Forced, the file is authoritative row by row: Jürgen's line 2 resubscribes him and says
    # "nein" to tracking (withdrawn), his line 8 says "ja" again (granted); Marco is re-granted.
    assert (forced.kept, forced.updated, forced.unchanged, forced.events) == (0, 3, 6, 3)
    assert subscription(session, "jurgen.fischer9@courrier.example") == "subscribed"
    assert states(session, "marco.d_angelo8@müller.example")["tracking"] is True
    regrant = events(session, "marco.d_angelo8@müller.example")[-1]
    assert (regrant.purpose, regrant.action, regrant.source) == ("tracking", "grant", "ticket 4711")
    # F8: a forced event happens at the import; the file's name and date are its evidence.
    assert regrant.at.replace(tzinfo=UTC) == NOW
    assert regrant.evidence == {
        "imported": True,
        "forced": True,
        "line": 3,
        "consent_source": "event-2025-milano",
        "file": "bom_crlf.csv",
        "file_consent_date": "2024-10-01",
    }
    sub_source = session.scalar(select(Subscription.source).where(Subscription.id == sub.id))
    assert sub_source == "ticket 4711"
    assert verify_chain(session).ok


def test_i3_someone_who_left_gets_no_new_grant_from_a_file(
    session: Session, tmp_path: Path
) -> None:
    # Ann subscribed without any tracking choice, then unsubscribed (which withdraws the
    # newsletter consent). An older export saying yes to everything must not make her tracked.
    first = write_csv(tmp_path / "first.csv", [HEADER, "ann@example.com,,,,,yes,,,,,"])
    old = write_csv(tmp_path / "old.csv", [HEADER, "ann@example.com,,,,,yes,yes,yes,,,"])
    import_csv(session, first, "main", now=NOW)
    ann = find_contact(session, "ann@example.com")
    assert ann is not None
    sub = session.scalar(select(Subscription).where(Subscription.contact_id == ann.id))
    assert sub is not None
    sub.status = "unsubscribed"
    record(session, [NewEvent(ann.id, "newsletter", "withdraw", NOW, "unsubscribe", "link")])
    session.commit()

    summary = import_csv(session, old, "main", now=NOW)
    assert (summary.kept, summary.unchanged, summary.events) == (1, 1, 0)
    assert states(session, "ann@example.com") == {"newsletter": False}
    assert subscription(session, "ann@example.com") == "unsubscribed"

    forced = import_csv(session, old, "main", force=True, force_source="ticket 99", now=NOW)
    assert (forced.kept, forced.updated, forced.events) == (0, 1, 3)
    assert states(session, "ann@example.com") == {
        "newsletter": True, "tracking": True, "profiling": True,
    }
    assert {e.source for e in events(session, "ann@example.com")[-3:]} == {"ticket 99"}
    assert verify_chain(session).ok


def test_i3_a_withdrawn_newsletter_blocks_other_grants_too(
    session: Session, tmp_path: Path
) -> None:
    # Withdrawn on the ledger without any subscription row (say, by the API): the same rule.
    first = write_csv(tmp_path / "first.csv", [HEADER, "bo@example.com,,,,,yes,,,,,"])
    import_csv(session, first, "other", now=NOW)
    bo = find_contact(session, "bo@example.com")
    assert bo is not None
    record(session, [NewEvent(bo.id, "newsletter", "withdraw", NOW, "api", "api")])
    session.commit()
    old = write_csv(tmp_path / "old.csv", [HEADER, "bo@example.com,,,,,,yes,,,,"])
    summary = import_csv(session, old, "main", now=NOW)
    assert (summary.kept, summary.events) == (1, 0)
    assert states(session, "bo@example.com") == {"newsletter": False}


def test_i3_no_in_the_file_is_not_a_withdrawal_unless_forced(
    session: Session, tmp_path: Path
) -> None:
    yes = write_csv(tmp_path / "yes.csv", [HEADER, "ann@example.com,,,,,yes,yes,,,,"])
    no = write_csv(tmp_path / "no.csv", [HEADER, "ann@example.com,,,,,no,no,no,,,"])
    import_csv(session, yes, "main", now=NOW)
    summary = import_csv(session, no, "main", now=NOW)
    assert (summary.unchanged, summary.events) == (1, 0)
    assert states(session, "ann@example.com") == {"newsletter": True, "tracking": True}
    forced = import_csv(session, no, "main", force=True, force_source="DPO request 12", now=NOW)
    assert (forced.updated, forced.events) == (1, 2)  # profiling had no state: nothing
    assert states(session, "ann@example.com") == {"newsletter": False, "tracking": False}
    assert subscription(session, "ann@example.com") == "unsubscribed"
    withdrawal = events(session, "ann@example.com")[-1]
    assert (withdrawal.action, withdrawal.source, utc(withdrawal.at)) == (
        "withdraw",
        "DPO request 12",
        NOW,
    )


def test_i4_duplicates_and_lookups(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", now=NOW)
    found = session.scalars(select(Contact).where(Contact.email.like("jurgen%"))).all()
    assert [c.email for c in found] == ["jurgen.fischer9@courrier.example"]
    for variant in ("  JURGEN.FISCHER9@COURRIER.EXAMPLE ", "Jurgen.Fischer9@courrier.example"):
        contact = find_contact(session, variant)
        assert contact is not None and contact.id == found[0].id
    # The later duplicate row (line 8) merged into the contact: its tracking yes was granted.
    assert states(session, "jurgen.fischer9@courrier.example") == {
        "newsletter": True,
        "tracking": True,
    }
    assert find_contact(session, "not an address") is None


def test_i5_idn_addresses_stored_in_nfc(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", now=NOW)
    emails = set(session.scalars(select(Contact.email)))
    assert "marco.d_angelo8@müller.example" in emails
    assert "hannah.schmidt119@例え.テスト" in emails
    hannah = find_contact(session, "hannah.schmidt119@xn--r8jz45g.xn--zckzah")
    assert hannah is not None and hannah.country == "DE"
    marco = find_contact(session, "marco.d_angelo8@mu\u0308ller.example")  # NFD spelling
    assert marco is not None and marco.email == "marco.d_angelo8@müller.example"


def test_i7_consent_dates_become_event_times(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", now=NOW)
    [grant] = [
        e for e in events(session, "jurgen.fischer9@courrier.example") if e.purpose == "newsletter"
    ]
    assert utc(grant.at) == datetime(2025, 10, 18, tzinfo=UTC)
    marco = events(session, "marco.d_angelo8@müller.example")
    assert {utc(e.at) for e in marco} == {datetime(2024, 10, 1, tzinfo=UTC)}  # 01/10/2024


def test_i7_month_first(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", day_first=False, now=NOW)
    marco = events(session, "marco.d_angelo8@müller.example")
    assert {utc(e.at) for e in marco} == {datetime(2024, 1, 10, tzinfo=UTC)}


def test_i8_imported_evidence_without_invented_proof(session: Session) -> None:
    set_ip_capture(session, True)  # the workspace keeps truncated IPs
    summary = import_csv(session, BOM_CRLF, "main", now=NOW)
    assert summary.ip_dropped == 0
    jurgen = events(session, "jurgen.fischer9@courrier.example")
    assert [(e.purpose, e.action, e.source, e.method) for e in jurgen] == [
        ("newsletter", "grant", "import:bom_crlf.csv", "import"),
        ("tracking", "grant", "import:bom_crlf.csv", "import"),
    ]
    assert jurgen[0].evidence == {
        "imported": True,
        "line": 2,
        "consent_source": "signup-form/v3",
        "ip": "203.0.113.0",
    }
    assert jurgen[1].evidence["line"] == 8
    assert (jurgen[0].notice_version, jurgen[0].notice_sha256) == ("", "")
    assert jurgen[0].ip_truncated == "203.0.113.0"
    assert utc(jurgen[0].recorded_at) == NOW
    # No date in the file: the import time.
    [hannah] = events(session, "hannah.schmidt119@例え.テスト")
    assert utc(hannah.at) == NOW
    assert hannah.evidence == {"imported": True, "line": 4, "consent_source": "checkout"}
    [chloe_nl, _] = events(session, "chloe.dubois3@courrier.example")
    assert chloe_nl.evidence["ip"] == "2001:db8:abcd::"


def test_ip_capture_off_drops_the_files_ip_and_says_so_once(session: Session) -> None:
    summary = import_csv(session, BOM_CRLF, "main", now=NOW)  # off: the default
    assert summary.ip_dropped == 3 and summary.as_dict()["ip_dropped"] == 3  # rows, not contacts
    jurgen = events(session, "jurgen.fischer9@courrier.example")
    assert jurgen[0].evidence == {"imported": True, "line": 2, "consent_source": "signup-form/v3"}
    assert [e.ip_truncated for e in jurgen] == ["", ""]
    assert {e.ip_truncated for e in events(session)} == {""}
    assert not any("ip" in e.evidence for e in events(session))


def test_reimport_is_idempotent(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", now=NOW)
    before = count(session, ConsentEvent)
    again = import_csv(session, BOM_CRLF, "main", now=NOW)
    assert (again.created, again.updated, again.unchanged, again.kept) == (0, 0, 9, 0)
    assert again.events == 0 and count(session, ConsentEvent) == before
    assert len(again.rejected) == 5


def test_silence_records_nothing_and_no_subscription_without_newsletter_yes(
    session: Session, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "quiet.csv", [HEADER, "bob@example.com,Bob,,,,no,,,,,"])
    summary = import_csv(session, path, "main", now=NOW)
    assert (summary.created, summary.events) == (1, 0)
    assert states(session, "bob@example.com") == {}
    assert subscription(session, "bob@example.com") is None


def test_updates_fields_but_empty_cells_never_erase(session: Session, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", [HEADER, "eve@example.com,Eve,Adams,GB,en,yes,,,,,"])
    second = write_csv(tmp_path / "b.csv", [HEADER, "EVE@example.com,Evelyn,,IE,,yes,,,,,"])
    import_csv(session, first, "main", now=NOW)
    summary = import_csv(session, second, "main", now=NOW)
    assert (summary.updated, summary.events) == (1, 0)
    eve = find_contact(session, "eve@example.com")
    assert eve is not None
    session.refresh(eve)
    assert (eve.first_name, eve.last_name, eve.country, eve.language) == (
        "Evelyn",
        "Adams",
        "IE",
        "en",
    )


def test_second_list_subscribes_existing_contacts(session: Session) -> None:
    import_csv(session, BOM_CRLF, "main", now=NOW)
    summary = import_csv(session, BOM_CRLF, "autumn", now=NOW)
    assert (summary.updated, summary.events) == (8, 0)
    assert subscription(session, "emma.moore8@example.com", "autumn") == "subscribed"


def test_dry_run_reports_the_same_and_writes_nothing(session: Session) -> None:
    dry = import_csv(session, BOM_CRLF, "main", dry_run=True, now=NOW)
    assert (count(session, Contact), count(session, ConsentEvent), count(session, ContactList)) == (
        0,
        0,
        0,
    )
    real = import_csv(session, BOM_CRLF, "main", now=NOW)
    assert dry.as_dict() == real.as_dict()


def test_batches_do_not_change_the_result(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = (
        [HEADER]
        + [f"p{i}@example.com,,,,,yes,{'yes' if i % 2 else 'no'},,,," for i in range(25)]
        + ["P3@EXAMPLE.COM,,,,,yes,yes,yes,,,"]
    )
    path = write_csv(tmp_path / "many.csv", lines)
    monkeypatch.setattr("consentmail.contacts.service.BATCH", 4)
    summary = import_csv(session, path, "main", now=NOW)
    assert (summary.created, summary.updated, summary.events) == (25, 1, 25 + 12 + 1)
    assert states(session, "p3@example.com") == {
        "newsletter": True,
        "tracking": True,
        "profiling": True,
    }
    assert verify_chain(session).ok


def test_get_or_create_list(session: Session) -> None:
    first = get_or_create_list(session, " Newsletter IT ")
    again = get_or_create_list(session, "Newsletter IT")
    assert first.id == again.id and first.name == "Newsletter IT"
    with pytest.raises(ValueError):
        get_or_create_list(session, "  ")


def test_summary_as_dict(session: Session) -> None:
    data = import_csv(session, BOM_CRLF, "main", now=NOW).as_dict()
    assert list(data) == [
        "created", "updated", "unchanged", "kept", "expired_kept", "ip_dropped", "duplicates",
        "duplicates_updated", "not_subscribed", "rejected", "ignored_columns", "notes",
    ]
    assert (data["ignored_columns"], data["notes"]) == ([], [])
    assert data["rejected"][1] == {
        "file": str(BOM_CRLF),
        "line": 6,
        "field": "email",
        "value": "a b@example.com",
        "reason": "The email address contains invalid characters before the @-sign: SPACE.",
    }


def test_duplicate_rows_and_contacts_left_unsubscribed_are_counted_across_batches(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repeated address is a duplicate row whether its first row is in the same batch or an
    earlier one; "not subscribed" is what the whole file leaves, counted once per contact."""
    path = write_csv(tmp_path / "dupes.csv", [
        HEADER,
        "a@example.com,,,,,yes,,,,,",  # batch 1: created
        "b@example.com,,,,,no,,,,,",  # created, not subscribed (yet)
        "A@example.com,,,,,yes,,,,,",  # duplicate in the same batch, unchanged
        "c@example.com,,,,,yes,,,,,",  # batch 2: created
        "b@example.com,,,,,yes,,,,,",  # duplicate of batch 1: granted and subscribed now
        "d@example.com,,,,,no,,,,,",  # created, not subscribed
        "a@example.com,Ada,,,,yes,,,,,",  # batch 3: duplicate that sets a name
    ])
    monkeypatch.setattr("consentmail.contacts.service.BATCH", 3)
    summary = import_csv(session, path, "main", now=NOW)
    assert (summary.created, summary.updated, summary.unchanged) == (4, 2, 1)
    assert (summary.duplicates, summary.duplicates_updated, summary.not_subscribed) == (3, 2, 1)
    again = import_csv(session, path, "main", now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert (again.duplicates, again.duplicates_updated, again.not_subscribed) == (3, 0, 1)


def test_fixture_duplicate_row_and_a_list_without_newsletter_column(
    session: Session, tmp_path: Path
) -> None:
    summary = import_csv(session, BOM_CRLF, "main", now=NOW)
    # Line 8 repeats line 2's address (other case and spaces) and adds a tracking grant.
    assert (summary.duplicates, summary.duplicates_updated, summary.not_subscribed) == (1, 1, 0)
    no_column = write_csv(tmp_path / "names.csv", ["email,first_name", "a@example.com,Ada"])
    quiet = import_csv(session, no_column, "other", now=NOW)
    assert (quiet.created, quiet.duplicates, quiet.not_subscribed) == (1, 0, 1)
