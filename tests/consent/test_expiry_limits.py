"""Consent expiry without waiting for `consent expire`: limits are bounded, `serve`'s daily turn
appends the expiries, and decisions ignore a lapsed grant even before its `expire` event exists."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from consentmail.campaigns.queue import queue_campaign
from consentmail.cli.app import app as cli
from consentmail.consent import snapshot
from consentmail.consent.expiry import (
    MAX_DAYS,
    ExpiryError,
    expire_due,
    expiry_days,
    set_expiry_days,
    workspace_expiry,
)
from consentmail.consent.explain import explain
from consentmail.db import session_scope
from consentmail.db.models import Campaign, ConsentEvent, Message, Setting
from consentmail.policy import NO_EXPIRY, Expiry
from consentmail.privacy import RetentionTask
from tests.consent.conftest import T0, add_campaign, add_contact, add_list, grant
from tests.web.recipients import settings_for

NOW = T0 + timedelta(days=100)


def test_a_limit_above_100_years_is_refused_with_the_bound(db_url: str) -> None:
    with session_scope(db_url) as s:
        with pytest.raises(ExpiryError) as refused:
            set_expiry_days(s, "tracking", 1_000_000)
        assert str(refused.value) == (
            "expiry for tracking: 1000000 days; at most 36500 (100 years), or --clear for no "
            "expiry"
        )
        set_expiry_days(s, "tracking", MAX_DAYS)
        assert expiry_days(s) == {"tracking": 36_500}


def test_a_huge_limit_stored_before_the_bound_never_crashes_expire(db_url: str) -> None:
    with session_scope(db_url) as s:
        grant(s, add_contact(s, "old@example.com").id, "tracking", at=T0)
        s.add(Setting(key="expiry_days:tracking", value="99999999999999999999"))
    with session_scope(db_url) as s:
        assert expiry_days(s) == {"tracking": MAX_DAYS}
        assert expire_due(s, NOW) == 0


@pytest.mark.parametrize("days", ["1000000", "99999999999999999999"])
def test_cli_refuses_a_huge_limit(cli_env: str, days: str) -> None:
    result = CliRunner().invoke(cli, ["consent", "expiry", "tracking", days],
                                env={"COLUMNS": "300"})
    assert (result.exit_code, result.output) == (
        1,
        f"error: expiry for tracking: {days} days; at most 36500 (100 years), or --clear for "
        "no expiry\n",
    )
    assert CliRunner().invoke(cli, ["consent", "expire"]).exit_code == 0


def test_serves_daily_turn_expires_and_logs_counts(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with session_scope(db_url) as s:
        old = add_contact(s, "old@example.com")
        grant(s, old.id, "tracking", at=T0)
        set_expiry_days(s, "tracking", 90)
        old_id = old.id
    task = RetentionTask(settings_for(db_url, tmp_path), clock=lambda: NOW)
    with caplog.at_level(logging.INFO, logger="consentmail.expiry"):
        task.run_once()
        task.run_once()  # a second turn (or another process) expires nothing twice
    assert task.expired == 0 and task.runs == 2
    assert [r.getMessage() for r in caplog.records if r.name == "consentmail.expiry"] == [
        "consent expiry: tracking: 1 grants expired (limit 90 days)",
        "consent expiry: tracking: 0 grants expired (limit 90 days)",
    ]
    with session_scope(db_url) as s:
        [ev] = s.scalars(select(ConsentEvent).where(ConsentEvent.action == "expire")).all()
        assert (ev.contact_id, ev.source, ev.at.date()) == (old_id, "expiry", NOW.date())
        assert not snapshot(s, old_id, None).tracking.granted


def test_workspace_expiry_is_what_decide_takes(db_url: str) -> None:
    with session_scope(db_url) as s:
        assert workspace_expiry(s) is NO_EXPIRY
        set_expiry_days(s, "tracking", 90)
        set_expiry_days(s, "profiling", 30)
        assert workspace_expiry(s) == Expiry(tracking=90, profiling=30)


def test_a_lapsed_grant_is_no_basis_before_expire_runs(db_url: str) -> None:
    """Law 1 with R16 (time): queueing and explain read the limit; no `expire` event yet."""
    with session_scope(db_url) as s:
        lst = add_list(s)
        ids = {}
        for name, granted_at in (("old", T0 - timedelta(days=400)), ("fresh", T0)):
            c = add_contact(s, f"{name}@example.com", country="FR", list_id=lst.id)
            grant(s, c.id, "newsletter", at=granted_at)
            grant(s, c.id, "tracking", at=granted_at)
            ids[name] = c.id
        set_expiry_days(s, "tracking", 395)
        campaign = add_campaign(s, lst.id)
        queue_campaign(s, campaign, k_min=10, default_jurisdiction="strict")
        campaign_id = campaign.id
    with session_scope(db_url) as s:
        rules = {m.contact_id: (m.rule_id, m.open_mode) for m in s.scalars(select(Message))}
        assert s.scalar(select(ConsentEvent).where(ConsentEvent.action == "expire")) is None
        now = explain(s, campaign_id, "old@example.com", k_min=10, default_jurisdiction="strict")
    # The lapsed grant reads as an expiry: no consent, and (as after `expire`) no
    # deliverability pixel either, since a tracking event is on record and it is not a grant.
    assert rules == {
        ids["old"]: ("ALL-R20-default-deny", "none"),
        ids["fresh"]: ("FR-R1-consent", "personal"),
    }
    assert (now["current"]["rule_id"], now["stored"]["rule_id"]) == (
        "ALL-R20-default-deny", "ALL-R20-default-deny"
    )
    with session_scope(db_url) as s:
        assert s.get_one(Campaign, campaign_id).status == "queued"
