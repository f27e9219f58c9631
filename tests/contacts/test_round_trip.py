"""Export then import: a list keeps its subscriptions, consent states and names (exactly)."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.ledger import NewEvent, record
from consentmail.consent.verify import verify_chain
from consentmail.contacts.export import EXPORT_HEADER, export_rows
from consentmail.contacts.formula import neutralise, restore
from consentmail.contacts.service import find_contact, import_csv
from consentmail.db import session_factory
from consentmail.db.models import ConsentEvent, Subscription
from tests.contacts.conftest import HEADER, NOW, write_csv
from tests.contacts.test_import import events, states, subscription

EVIL = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def fresh(tmp_path: Path, migrated_template: Path) -> Iterator[Session]:
    """A second, empty database: where the export is imported."""
    shutil.copyfile(migrated_template, tmp_path / "fresh.db")
    sess = session_factory("sqlite:///" + str(tmp_path / "fresh.db"))()
    try:
        yield sess
    finally:
        sess.close()


def export(session: Session, path: Path, list_name: str = "main") -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(EXPORT_HEADER)
        out.writerows(export_rows(session, list_name))
    return path


def unsubscribe(session: Session, email: str) -> None:
    """What the unsubscribe link does (consent.actions.unsubscribe), without a message."""
    contact = find_contact(session, email)
    assert contact is not None
    sub = session.scalar(select(Subscription).where(Subscription.contact_id == contact.id))
    assert sub is not None
    sub.status = "unsubscribed"
    record(session, [NewEvent(contact.id, "newsletter", "withdraw", NOW, "unsubscribe", "link")])
    session.commit()


PEOPLE = ("ann@example.com", "bob@example.com", "cy@example.com", "di@example.com")


def world(session: Session, tmp_path: Path) -> None:
    rows = [
        HEADER,
        f'ann@example.com,"{EVIL.replace(chr(34), chr(34) * 2)}",O\'Brien,IT,it,yes,yes,,,,',
        "bob@example.com,Bob,-5,FR,fr,yes,no,no,,,",
        "cy@example.com,''=x,+39 Rossi,DE,de,yes,yes,yes,,,",  # stored as '=x
        "di@example.com,@di,Smith,,,yes,,,,,",
    ]
    import_csv(session, write_csv(tmp_path / "first.csv", rows), "main", now=NOW)
    unsubscribe(session, "bob@example.com")
    unsubscribe(session, "cy@example.com")  # tracking and profiling stay granted


def snapshot(session: Session) -> dict[str, tuple[str | None, dict[str, bool], tuple[str, str]]]:
    result = {}
    for email in PEOPLE:
        contact = find_contact(session, email)
        assert contact is not None
        result[email] = (
            subscription(session, email), states(session, email),
            (contact.first_name, contact.last_name),
        )
    return result


EXPECTED = {
    "ann@example.com": ("subscribed", {"newsletter": True, "tracking": True}, (EVIL, "O'Brien")),
    "bob@example.com": ("unsubscribed", {"newsletter": False}, ("Bob", "-5")),
    "cy@example.com": (
        "unsubscribed", {"newsletter": False, "tracking": True, "profiling": True},
        ("'=x", "+39 Rossi"),
    ),
    "di@example.com": ("subscribed", {"newsletter": True}, ("@di", "Smith")),
}


def test_export_round_trips_into_a_fresh_database(
    session: Session, fresh: Session, tmp_path: Path
) -> None:
    world(session, tmp_path)
    assert snapshot(session) == EXPECTED
    path = export(session, tmp_path / "export.csv")
    summary = import_csv(fresh, path, "main", now=NOW)
    assert (summary.created, summary.rejected, summary.ignored_columns) == (4, [], [])
    assert snapshot(fresh) == EXPECTED
    # The unsubscribe is on the ledger of the new database too, with what the file said.
    withdrawal = events(fresh, "bob@example.com")[-1]
    assert (withdrawal.purpose, withdrawal.action, withdrawal.source, withdrawal.evidence) == (
        "newsletter", "withdraw", "import:export.csv",
        {"imported": True, "line": 3, "subscription": "unsubscribed"},
    )
    assert verify_chain(fresh).ok
    # Exported again from the new database: the same file.
    again = export(fresh, tmp_path / "again.csv")
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_an_unsubscribe_that_travelled_is_still_protected(
    session: Session, fresh: Session, tmp_path: Path
) -> None:
    world(session, tmp_path)
    import_csv(fresh, export(session, tmp_path / "export.csv"), "main", now=NOW)
    before = len(events(fresh))
    yes = write_csv(tmp_path / "yes.csv", ["email,newsletter_consent", "bob@example.com,yes"])
    for list_name in ("main", "other"):  # the withdrawal protects on every list (I3)
        summary = import_csv(fresh, yes, list_name, now=NOW)
        assert (summary.kept, summary.unchanged, summary.events) == (1, 1, 0)
    assert len(events(fresh)) == before
    assert subscription(fresh, "bob@example.com") == "unsubscribed"
    assert subscription(fresh, "bob@example.com", "other") is None
    forced = import_csv(fresh, yes, "main", force=True, force_source="ticket 7", now=NOW)
    assert (forced.updated, forced.events) == (1, 1)
    assert subscription(fresh, "bob@example.com") == "subscribed"
    assert states(fresh, "bob@example.com") == {"newsletter": True}


def test_unsubscribed_in_a_file_unsubscribes_a_subscribed_contact(
    session: Session, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "first.csv", [HEADER, "ann@example.com,,,,,yes,yes,,,,"])
    import_csv(session, first, "main", now=NOW)
    left = write_csv(tmp_path / "left.csv", [
        "email,subscription,newsletter_consent",
        "ann@example.com,Opted-Out,yes",  # the status wins over the stale yes
        "new@example.com,unsubscribed,",
    ])
    summary = import_csv(session, left, "main", now=NOW)
    assert (summary.created, summary.updated, summary.kept, summary.events) == (1, 1, 0, 2)
    assert subscription(session, "ann@example.com") == "unsubscribed"
    assert states(session, "ann@example.com") == {"newsletter": False, "tracking": True}
    assert subscription(session, "new@example.com") == "unsubscribed"
    assert states(session, "new@example.com") == {"newsletter": False}
    again = import_csv(session, left, "main", now=NOW)
    assert (again.unchanged, again.events) == (2, 0)  # idempotent


def test_unknown_subscription_status_rejects_the_row_only(
    session: Session, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "s.csv", [
        "email,subscription,newsletter_consent",
        "ann@example.com,cleaned,yes",
        "bob@example.com,Subscribed,yes",
        "cy@example.com,subscribed,",  # a status is not consent
    ])
    summary = import_csv(session, path, "main", now=NOW)
    assert [(r.line, r.field, r.value) for r in summary.rejected] == [
        (2, "subscription", "cleaned"),
    ]
    assert summary.rejected[0].reason.startswith("unknown subscription status 'cleaned'")
    assert (summary.created, summary.events) == (2, 1)
    assert subscription(session, "bob@example.com") == "subscribed"
    assert (subscription(session, "cy@example.com"), states(session, "cy@example.com")) == (
        None, {},
    )
    assert session.scalar(select(ConsentEvent.source)) == "import:s.csv"


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        (EVIL, "'" + EVIL),
        ("+39 06 1234", "'+39 06 1234"),
        ("-5", "'-5"),
        ("@di", "'@di"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # a genuine quote before a trigger survives the round trip
        ("''+x", "'''+x"),
        ("O'Brien", "O'Brien"),
        ("'quoted'", "'quoted'"),
        ("Anne-Marie", "Anne-Marie"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised_and_restored(stored: str, exported: str) -> None:
    assert neutralise(stored) == exported
    assert restore(exported) == stored
