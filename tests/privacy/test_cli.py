"""`consentmail retention run [--json]` through the real command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentmail.cli.app import app
from tests.privacy.world import engage, sent_message
from tests.web.recipients import make_recipient

runner = CliRunner()


@pytest.fixture(autouse=True)
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_RETENTION_PERSONAL_DAYS", "30")


def test_retention_run_json(db_url: str) -> None:
    ada = make_recipient(db_url)
    old = datetime.now(UTC) - timedelta(days=31)
    message, campaign = sent_message(db_url, ada.contact_id, old, "consent:1")
    engage(db_url, message, campaign, "consent:1", old)
    result = runner.invoke(app, ["retention", "run", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["deleted"] == {
        "personal": 2, "exemption": 0, "deliverability": 0, "aggregate": 0, "unconfirmed": 0,
    }
    assert data["retention_days"]["personal"] == 30
    result = runner.invoke(app, ["retention", "run"])
    assert result.exit_code == 0 and "personal: 0 deleted (kept 30 days)" in result.output


def test_bad_setting_is_an_error_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSENTMAIL_RETENTION_AGGREGATE_DAYS", "0")
    result = runner.invoke(app, ["retention", "run"])
    assert result.exit_code == 1 and "CONSENTMAIL_RETENTION_AGGREGATE_DAYS" in result.output
