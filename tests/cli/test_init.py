"""`consentmail init`: a fresh workspace gets the default notices (the hosted form needs them),
and `--demo` says how many contacts it really loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from consentmail.cli.app import app
from consentmail.consent.notices import store_notice
from consentmail.db import session_scope
from consentmail.db.models import Notice


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_API_TOKEN", "test-token")
    monkeypatch.setenv("CONSENTMAIL_SMTP_URL", "capture://")
    return tmp_path


def init(*args: str) -> list[str]:
    result = CliRunner().invoke(app, ["init", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def notices(db_url: str) -> int:
    with session_scope(db_url) as s:
        return s.scalar(select(func.count()).select_from(Notice)) or 0


def test_init_demo_seeds_notices_and_counts_the_contacts_it_loaded(
    workspace: Path, db_url: str
) -> None:
    lines = init("--demo")
    assert lines[1:3] == [
        "default notices stored (15): review them with `consentmail notices list`",
        "demo loaded: 40 contacts, campaign 1 (send it with `.venv/bin/consentmail campaigns "
        "send 1`: the server's worker delivers it)",
    ]
    assert notices(db_url) == 15
    again = init("--demo")  # idempotent: nothing seeded or loaded twice
    assert again[1] == "workspace not empty: demo not loaded"
    assert not any("default notices" in line for line in again)
    assert notices(db_url) == 15


def test_init_leaves_a_workspace_that_chose_its_own_notices_alone(
    workspace: Path, db_url: str
) -> None:
    with session_scope(db_url) as s:
        store_notice(s, "newsletter", "2027-01", "en", "Our own words about the newsletter.")
    lines = init()
    assert not any("default notices" in line for line in lines)
    assert notices(db_url) == 1
