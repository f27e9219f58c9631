"""Consent expiry per purpose: configured in days, default none; expiry is a ledger event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.consent import snapshot, verify_chain
from consentmail.consent.expiry import ExpiryError, expire_due, expiry_days, set_expiry_days
from consentmail.db import session_scope
from consentmail.db.models import ConsentEvent
from tests.consent.conftest import T0, add_contact, grant

NOW = T0 + timedelta(days=100)


def _people(url: str) -> dict[str, int]:
    with session_scope(url) as s:
        old = add_contact(s, "old@example.com")
        new = add_contact(s, "new@example.com")
        grant(s, old.id, "tracking", "newsletter", at=T0)  # 100 days before NOW
        grant(s, new.id, "tracking", at=NOW - timedelta(days=10))
        return {"old": old.id, "new": new.id}


def test_no_expiry_by_default(db_url: str) -> None:
    _people(db_url)
    with session_scope(db_url) as s:
        assert expiry_days(s) == {}
        assert expire_due(s, NOW) == 0


def test_old_grants_expire_once_with_a_system_event(db_url: str) -> None:
    ids = _people(db_url)
    with session_scope(db_url) as s:
        set_expiry_days(s, "tracking", 90)
        assert expire_due(s, NOW) == 1
        assert expire_due(s, NOW) == 0  # already expired: nothing more
    with session_scope(db_url) as s:
        [ev] = s.scalars(select(ConsentEvent).where(ConsentEvent.action == "expire")).all()
        assert (ev.contact_id, ev.purpose, ev.source, ev.method) == (
            ids["old"],
            "tracking",
            "expiry",
            "system",
        )
        assert ev.evidence["expiry_days"] == 90
        old = snapshot(s, ids["old"], None)
        assert not old.tracking.granted and old.tracking.event_id == ev.id
        assert old.newsletter.granted  # other purposes keep their own limit (none here)
        assert snapshot(s, ids["new"], None).tracking.granted
        assert verify_chain(s).ok


def test_limits_are_validated_and_cleared(db_url: str) -> None:
    with session_scope(db_url) as s:
        with pytest.raises(ExpiryError, match="positive"):
            set_expiry_days(s, "tracking", 0)
        with pytest.raises(ExpiryError, match="purpose 'ads'"):
            set_expiry_days(s, "ads", 10)
        set_expiry_days(s, "profiling", 30)
        set_expiry_days(s, "profiling", 60)
        assert expiry_days(s) == {"profiling": 60}
        set_expiry_days(s, "profiling", None)
        assert expiry_days(s) == {}


def test_cli_expiry_and_expire(cli_env: str) -> None:
    now = datetime.now(UTC)  # the command runs on the real clock
    with session_scope(cli_env) as s:
        grant(s, add_contact(s, "old@example.com").id, "tracking", at=now - timedelta(days=40))
        grant(s, add_contact(s, "new@example.com").id, "tracking", at=now - timedelta(days=20))
    runner = CliRunner()
    assert "no expiry configured" in runner.invoke(cli, ["consent", "expire"]).output
    result = runner.invoke(cli, ["consent", "expiry", "tracking", "30"])
    assert result.exit_code == 0 and "tracking: 30 days" in result.output
    result = runner.invoke(cli, ["consent", "expire", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"expired": 1, "expiry_days": {"tracking": 30}}
    assert runner.invoke(cli, ["consent", "expiry", "tracking"]).exit_code == 1
    result = runner.invoke(cli, ["consent", "expiry", "tracking", "--clear"])
    assert "consents last until withdrawn" in result.output
