"""`consentmail consent ask` and `consentmail consent legacy-notice`: counts, errors, --wait."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Message
from tests.campaigns.support import news_list, person

LEGACY = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    """The `consentmail` command on the test database; returns its data folder."""
    data_dir = tmp_path / "var"
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_API_TOKEN", "test-token")
    monkeypatch.setenv("CONSENTMAIL_SMTP_URL", "capture://")
    monkeypatch.delenv("CONSENTMAIL_DEFAULT_JURISDICTION", raising=False)
    with session_scope(db_url) as s:
        lid = news_list(s)
        person(s, lid, "it1", country="IT")
        person(s, lid, "it2", country="IT", status="unsubscribed")
        person(s, lid, "fr1", country="FR", language="fr", collected_at=LEGACY)
        s.add(Campaign(name="December", list_id=lid, subject="News", html="<p>x</p>",
                       from_addr="news@shop.example", from_name="Shop", aggregate_token="t"))
    return data_dir


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["consent", *args])
    return result.exit_code, result.output


def test_ask_dry_run_then_wait_then_nothing_more(cli_env: Path, db_url: str) -> None:
    code, out = run("ask", "--list", "news", "--purpose", "tracking", "--dry-run")
    assert code == 0, out
    assert "tracking permission request, list news: would queue 2" in out
    assert "unsubscribed from the list" in out
    code, out = run("ask", "--list", "news", "--purpose", "tracking", "--wait", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["queued"] == 2 and data["delivered"] == 2
    assert data["skipped"] == {"unsubscribed": 1} and len(data["campaigns"]) == 2
    captured = sorted((cli_env / "capture").glob("*.eml"))
    assert len(captured) == 2
    for path in captured:  # the sender of the list's latest campaign; nothing that measures
        msg = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        assert msg["From"] == "Shop <news@shop.example>"
        assert b"/o/" not in path.read_bytes() and b"/c/" not in path.read_bytes()
    with session_scope(db_url) as s:
        assert {m.status for m in s.scalars(select(Message))} == {"sent"}
        statuses = s.scalars(select(Campaign.status).where(Campaign.id.in_(data["campaigns"])))
        assert set(statuses) == {"sent"}  # closed by the worker like any campaign
    first = str(data["campaigns"][0])
    report = CliRunner().invoke(cli, ["campaigns", "report", first, "--json"])
    assert report.exit_code == 0, report.output
    figures = json.loads(report.output)
    assert (figures["sent"], figures["tracking"]) == (
        1, {"personal": 0, "aggregate": 0, "none": 1}
    )
    # Never re-queued to the whole list behind the six-month rule's back.
    resend = CliRunner().invoke(cli, ["campaigns", "send", first])
    assert resend.exit_code == 1 and "has no list" in resend.output
    code, out = run("ask", "--list", "news", "--purpose", "tracking", "--json")
    assert code == 0, out
    again = json.loads(out)
    assert (again["queued"], again["skipped"], again["delivered"]) == (
        0, {"too_soon": 2, "unsubscribed": 1}, 0
    )


def test_legacy_notice_command(cli_env: Path) -> None:
    code, out = run("legacy-notice", "--list", "news", "--from", "dpo@shop.example")
    assert code == 0, out
    assert "legacy tracking notice, list news: queued 1" in out
    assert "not a legacy contact" in out  # the Italian contact
    assert "delivered by the worker" in out
    code, out = run("legacy-notice", "--list", "news", "--json", "--dry-run")
    assert code == 0, out
    assert json.loads(out)["skipped"] == {
        "already_informed": 1, "not_legacy": 1, "unsubscribed": 1
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "--list", "nope", "--purpose", "tracking"), "no list named 'nope'"),
        (("ask", "--list", "news", "--purpose", "ads"), "purpose 'ads'"),
        (("ask", "--list", "news", "--purpose", "newsletter"), "is itself marketing"),
        (("legacy-notice", "--list", "nope"), "no list named 'nope'"),
        (("legacy-notice", "--list", "news", "--from", "nobody"), "from"),
    ],
)
def test_errors_are_clear(cli_env: Path, args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(cli, ["consent", *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())  # rich wraps long errors
    assert "Traceback" not in result.output
