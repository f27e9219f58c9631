"""The shipped demo loads whole, whatever day it is run (finding: 40 said, 39 loaded)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consentmail.config import Settings, load_settings
from consentmail.contacts.service import import_csv
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Contact
from consentmail.demo import CONTACTS, DemoError, load_demo

# The data only ages: every date before this one stays in the past for good.
WRITTEN = date(2026, 11, 1)


@pytest.fixture
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of a workspace in tmp_path (never ./var)."""
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    return load_settings()


def test_every_demo_date_is_months_before_it_was_written() -> None:
    with CONTACTS.open(encoding="utf-8", newline="") as fh:
        dates = [date.fromisoformat(row["consent_date"]) for row in csv.DictReader(fh)]
    assert len(dates) == 40
    assert max(dates) == date(2026, 5, 23) and max(dates) < WRITTEN


def test_the_demo_imports_with_no_rejection(db_url: str) -> None:
    with session_scope(db_url) as s:
        summary = import_csv(s, CONTACTS, "Demo newsletter", dry_run=True)
    assert (summary.created, summary.rejected) == (40, [])


def test_load_demo_counts_what_it_imported(db_url: str, settings: Settings) -> None:
    with session_scope(db_url) as s:
        loaded = load_demo(s, settings)
    assert loaded is not None and loaded.contacts == 40
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 40
        assert s.scalar(select(Campaign.name).where(Campaign.id == loaded.campaign_id)) == (
            "Demo: December news"
        )
        assert load_demo(s, settings) is None  # not empty any more


def test_a_rejected_demo_row_fails_loudly_and_loads_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    rows = CONTACTS.read_text(encoding="utf-8").splitlines()
    rows[36] = rows[36].replace("2026-05-11", "2999-12-11")  # paula.martinez35, line 37
    broken = tmp_path / "contacts.csv"
    broken.write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr("consentmail.demo.CONTACTS", broken)
    with session_scope(db_url) as s, pytest.raises(DemoError) as caught:
        load_demo(s, settings)
    assert str(caught.value).startswith(f"the demo data ({broken}) has 1 rejected rows: line 37 "
                                        "consent_date: in the future (today is ")
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0
