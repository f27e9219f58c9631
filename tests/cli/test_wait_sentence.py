"""`consent ask|legacy-notice` say who delivers what they queued: the worker, or this command
when --wait was given (it used to suggest --wait to someone who had given it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from consentmail.cli.app import app

WORKER = ("delivered by the worker (`consentmail serve` or `consentmail worker`), or now with "
          "--wait")


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> None:
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_API_TOKEN", "test-token")
    monkeypatch.setenv("CONSENTMAIL_SMTP_URL", "capture://")
    assert CliRunner().invoke(app, ["init", "--demo"]).exit_code == 0


def consent(*args: str) -> list[str]:
    result = CliRunner().invoke(app, ["consent", *args, "--list", "Demo newsletter"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("campaigns ")]


def test_without_wait_the_worker_delivers(demo: None) -> None:
    # The demo campaign is campaign 1; the notice is one campaign per language (French only).
    assert consent("legacy-notice") == [f"campaigns 2: {WORKER}"]


def test_with_wait_this_command_delivers(demo: None) -> None:
    assert consent("legacy-notice", "--wait") == ["campaigns 2: delivering now (--wait)"]
    assert consent("ask", "--purpose", "tracking", "--wait") == [
        "campaigns 3, 4, 5, 6, 7: delivering now (--wait)"
    ]
