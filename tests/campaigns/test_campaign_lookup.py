"""Every command that takes a campaign id answers "no campaign with id N" for an id that does not
exist, also one no database column can hold (no OverflowError traceback), on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentmail.campaigns.lookup import find_campaign
from consentmail.cli.app import app as cli
from consentmail.db import session_scope

HUGE = "99999999999999999999"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_API_TOKEN", "test-token")
    monkeypatch.delenv("CONSENTMAIL_DEFAULT_JURISDICTION", raising=False)
    return db_url


@pytest.mark.parametrize(
    "args",
    [
        ["campaigns", "send", HUGE],
        ["campaigns", "send", "0"],
        ["campaigns", "report", HUGE],
        ["campaigns", "preflight", HUGE],
        ["campaigns", "send", "424242"],
        ["policy", "explain", "--campaign", HUGE, "--contact", "x@example.org"],
    ],
    ids=["send", "send-zero", "report", "preflight", "send-missing", "explain"],
)
def test_unknown_campaign_ids_are_a_clear_error(workspace: str, args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "300"})
    campaign_id = args[2] if args[0] == "campaigns" else HUGE
    assert (result.exit_code, result.output) == (1, f"error: no campaign with id {campaign_id}\n")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_find_campaign_never_asks_the_database_for_an_impossible_id(db_url: str) -> None:
    with session_scope(db_url) as s:
        assert find_campaign(s, 2**63) is None
        assert find_campaign(s, 2**63 - 1) is None
        assert find_campaign(s, 0) is None
