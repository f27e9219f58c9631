"""Expiry is not a withdrawal: a yes dated after the grant that lapsed, and not past the expiry
limit itself, renews it on import; an older (or undated) yes leaves it expired. `contacts show`
and `consent proof` both say "expired on <date>"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from consentmail.cli.app import app
from consentmail.consent.expiry import expire_due, set_expiry_days
from consentmail.consent.proof import proof_for
from consentmail.contacts.service import find_contact, import_csv
from consentmail.db.models import ConsentEvent
from tests.contacts.conftest import write_csv

FIRST = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
EXPIRED = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # the `consent expire` run
LATER = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
HEADER = "email,newsletter_consent,tracking_consent,consent_date"


def _expired_contact(session: Session, tmp_path: Path, *purposes: str) -> None:
    first = write_csv(tmp_path / "first.csv", [HEADER, "x@example.com,yes,yes,2025-12-01"])
    import_csv(session, first, "news", now=FIRST)
    for purpose in purposes:
        set_expiry_days(session, purpose, 100)
    assert expire_due(session, EXPIRED) == len(purposes)
    session.commit()


def _actions(session: Session) -> list[tuple[str, str]]:
    contact = find_contact(session, "x@example.com")
    assert contact is not None
    rows = session.execute(
        select(ConsentEvent.purpose, ConsentEvent.action)
        .where(ConsentEvent.contact_id == contact.id)
        .order_by(ConsentEvent.id)
    )
    return [(p, a) for p, a in rows]


def test_a_newer_yes_renews_an_expired_consent(session: Session, tmp_path: Path) -> None:
    _expired_contact(session, tmp_path, "tracking")
    renewed = write_csv(tmp_path / "renewed.csv", [HEADER, "x@example.com,yes,yes,2026-12-01"])
    summary = import_csv(session, renewed, "news", now=LATER)
    assert (summary.updated, summary.kept, summary.expired_kept, summary.events) == (1, 0, 0, 1)
    assert _actions(session)[-2:] == [("tracking", "expire"), ("tracking", "grant")]
    assert proof_for(session, "x@example.com")["state"]["tracking"]["answer"] == "granted"


@pytest.mark.parametrize(
    "date",
    ["2025-12-01", "2026-05-31", ""],
    # the lapsed grant again; newer than it but past the 100 days itself; no date at all
    ids=["same-grant", "past-the-limit", "undated"],
)
def test_an_older_or_undated_yes_leaves_it_expired(
    session: Session, tmp_path: Path, date: str
) -> None:
    _expired_contact(session, tmp_path, "tracking")
    old = write_csv(tmp_path / "old.csv", [HEADER, f"x@example.com,yes,yes,{date}"])
    summary = import_csv(session, old, "news", now=LATER)
    assert (summary.unchanged, summary.kept, summary.expired_kept, summary.events) == (1, 0, 1, 0)
    assert _actions(session)[-1] == ("tracking", "expire")
    forced = import_csv(session, old, "news", force=True, force_source="ticket 7", now=LATER)
    assert (forced.expired_kept, forced.events) == (0, 1)


def test_the_reported_case_renews(session: Session, tmp_path: Path) -> None:
    """`consent expiry tracking 400; consent expire` on a grant of 2025-01-01, then a file
    saying yes on 2026-12-01: imported, not "kept (unsubscribed or withdrawn)"."""
    first = write_csv(tmp_path / "first.csv", [HEADER, "x@example.com,yes,yes,2025-01-01"])
    import_csv(session, first, "news", now=datetime(2025, 1, 2, tzinfo=UTC))
    set_expiry_days(session, "tracking", 400)
    assert expire_due(session, LATER) == 1
    session.commit()
    renewed = write_csv(tmp_path / "renewed.csv", [HEADER, "x@example.com,yes,yes,2026-12-01"])
    summary = import_csv(session, renewed, "news", now=LATER)
    assert (summary.updated, summary.kept, summary.expired_kept, summary.events) == (1, 0, 0, 1)
    assert proof_for(session, "x@example.com")["state"]["tracking"]["answer"] == "granted"


def test_an_expired_newsletter_is_not_leaving(session: Session, tmp_path: Path) -> None:
    """Unlike a withdrawal (I3), an expired newsletter consent does not block the file's
    newer yes for the other purposes, nor for the newsletter itself."""
    _expired_contact(session, tmp_path, "newsletter", "tracking")
    renewed = write_csv(tmp_path / "renewed.csv", [HEADER, "x@example.com,yes,yes,2026-12-01"])
    summary = import_csv(session, renewed, "news", now=LATER)
    assert (summary.kept, summary.expired_kept, summary.events) == (0, 0, 2)
    assert _actions(session)[-2:] == [("newsletter", "grant"), ("tracking", "grant")]


def test_show_and_proof_say_expired_on_the_date(
    session: Session, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _expired_contact(session, tmp_path, "tracking")
    answer = proof_for(session, "x@example.com")["state"]["tracking"]["answer"]
    assert answer == "expired on 2026-06-01"
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    runner = CliRunner()
    shown = runner.invoke(app, ["contacts", "show", "x@example.com"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    # The consent table's row comes first; the events table below names tracking too.
    [tracking] = [line for line in shown.output.splitlines() if " tracking " in line][:1]
    assert "expired on 2026-06-01" in tracking and "refused" not in tracking
    proof = runner.invoke(app, ["consent", "proof", "x@example.com"], env={"COLUMNS": "200"})
    [state] = [line for line in proof.output.splitlines() if " tracking " in line][:1]
    assert "expired on 2026-06-01" in state
