"""`policy explain` names the rule, basis, reason and ledger event; workspace overrides per country
change the profile queueing and building use (issue 3 item 3, law 7)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from consentmail.campaigns.queue import queue_campaign
from consentmail.cli.app import app as cli
from consentmail.consent.expiry import set_expiry_days
from consentmail.consent.explain import ExplainError, explain
from consentmail.consent.notices import add_notice
from consentmail.consent.overrides import (
    OverrideError,
    clear_override,
    profile_overrides,
    set_override,
)
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Message
from tests.consent.conftest import T0, add_campaign, add_contact, add_list, grant

QUEUE = {"k_min": 1, "default_jurisdiction": "strict"}


def _world(url: str) -> dict[str, int]:
    with session_scope(url) as s:
        lst = add_list(s)
        ada = add_contact(s, "ada@example.it", country="IT", list_id=lst.id)
        n = add_notice(s, "tracking", "v1", "en", "We measure opens and clicks.")
        grant(s, ada.id, "newsletter")
        [tracking] = grant(s, ada.id, "tracking", version=n.version, sha=n.sha256)
        camp = add_campaign(s, lst.id)
        return {"campaign": camp.id, "list": lst.id, "contact": ada.id, "event": tracking}


def test_explain_now_and_stored_with_ledger_event(db_url: str) -> None:
    w = _world(db_url)
    with session_scope(db_url) as s:
        before = explain(s, w["campaign"], "ADA@example.it", **QUEUE)
    assert before["stored"] is None
    assert before["profile"] == {
        "name": "it-garante-2026",
        "from": "country IT",
        "summary": before["profile"]["summary"],
    }
    now = before["current"]
    assert (now["rule_id"], now["basis"]) == ("IT-R1-consent", f"consent:{w['event']}")
    assert now["open_mode"] == now["click_mode"] == "personal"
    assert "because you agreed on 2026-11-01" in now["reason"]
    ev = now["basis_source"]["event"]
    assert (ev["id"], ev["source"], ev["notice"]["text"]) == (
        w["event"],
        "test",
        "We measure opens and clicks.",
    )
    with session_scope(db_url) as s:
        queue_campaign(s, s.get_one(Campaign, w["campaign"]), **QUEUE)
        [withdrawal] = grant(
            s, w["contact"], "tracking", action="withdraw", at=T0 + timedelta(days=1)
        )
    with session_scope(db_url) as s:
        after = explain(s, w["campaign"], "ada@example.it", **QUEUE)
    stored = after["stored"]
    assert stored["rule_id"] == "IT-R1-consent" and stored["basis"] == f"consent:{w['event']}"
    assert stored["basis_source"]["event"]["id"] == w["event"]
    # Withdrawn since: no personal basis now, and the cohort counted at queueing (0: Ada was
    # personal then) is below k, so not even the aggregate (law 3), exactly as build decides.
    assert (after["current"]["basis"], after["current"]["rule_id"]) == (
        "none",
        "ALL-R4-small-cohort",
    )
    assert after["campaign"]["aggregate_cohort"] == 0
    assert after["current"]["basis_source"] is None
    # No basis, because Ada said no: the decision names her withdrawal.
    ended = after["current"]["ended_by"]
    assert (ended["kind"], ended["purpose"]) == ("refusal-event", "tracking")
    assert (ended["event"]["id"], ended["event"]["action"], ended["event"]["at"]) == (
        withdrawal, "withdraw", "2026-11-02T12:00:00+00:00"
    )
    assert before["current"]["ended_by"] is None  # granted: basis_source says it all


def test_explain_errors(db_url: str) -> None:
    w = _world(db_url)
    with session_scope(db_url) as s, pytest.raises(ExplainError, match="no campaign with id 999"):
        explain(s, 999, "ada@example.it", **QUEUE)
    with session_scope(db_url) as s, pytest.raises(LookupError, match="no contact"):
        explain(s, w["campaign"], "bob@example.it", **QUEUE)


def test_overrides_are_stored_validated_and_cleared(db_url: str) -> None:
    with session_scope(db_url) as s:
        assert set_override(s, "fr", "FR-CNIL-2026-aggregate") == "fr-cnil-2026-aggregate"
        set_override(s, "FR", "eu-default")
        assert profile_overrides(s) == {"FR": "eu-default"}
        with pytest.raises(OverrideError, match="unknown policy profile"):
            set_override(s, "FR", "lenient")
        with pytest.raises(OverrideError, match="two-letter"):
            set_override(s, "France", "strict")
        assert clear_override(s, "fr") and not clear_override(s, "fr")
        assert profile_overrides(s) == {}


def test_queue_and_explain_use_the_override(db_url: str) -> None:
    with session_scope(db_url) as s:
        lst = add_list(s)
        ids = []
        for i in range(3):
            c = add_contact(s, f"p{i}@example.fr", country="FR", list_id=lst.id)
            grant(s, c.id, "newsletter")
            ids.append(c.id)
        plain = add_campaign(s, lst.id, name="plain", measure="aggregate")
        queue_campaign(s, plain, **QUEUE)
        set_override(s, "FR", "fr-cnil-2026-aggregate")
        overridden = add_campaign(s, lst.id, name="overridden", measure="aggregate")
        queue_campaign(s, overridden, **QUEUE)
        rows = {
            (m.campaign_id, m.profile, m.rule_id, m.open_mode) for m in s.scalars(select(Message))
        }
        plain_id, over_id = plain.id, overridden.id
    # The disputed French aggregate exemption is off unless the workspace accepts it.
    assert rows == {
        (plain_id, "fr-cnil-2026", "ALL-R20-default-deny", "none"),
        (over_id, "fr-cnil-2026-aggregate", "FR-R4-aggregate", "aggregate"),
    }
    with session_scope(db_url) as s:
        result = explain(s, over_id, "p0@example.fr", **QUEUE)
    assert result["profile"]["from"] == "workspace override for FR"
    assert result["current"]["rule_id"] == "FR-R4-aggregate"


def test_profile_from_default_when_country_unknown(db_url: str) -> None:
    with session_scope(db_url) as s:
        lst = add_list(s)
        c = add_contact(s, "x@example.com", country="US", list_id=lst.id)
        grant(s, c.id, "newsletter")
        camp = add_campaign(s, lst.id)
        result = explain(s, camp.id, "x@example.com", k_min=10, default_jurisdiction="strict")
    assert result["profile"]["name"] == "strict"
    assert result["profile"]["from"].startswith("workspace default")
    assert result["current"]["rule_id"] == "ALL-R20-default-deny"


def test_cli_policy_override_show_explain(cli_env: str) -> None:
    w = _world(cli_env)
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["policy", "override", "it", "strict"]).output.strip() == "IT -> strict"
    )
    shown = json.loads(runner.invoke(cli, ["policy", "show", "--json"]).output)
    assert shown["overrides"] == {"IT": "strict"} and shown["default"] == "strict"
    assert "it-garante-2026" in shown["profiles"]
    result = runner.invoke(
        cli,
        [
            "policy",
            "explain",
            "--campaign",
            str(w["campaign"]),
            "--contact",
            "ada@example.it",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["profile"]["name"] == "strict"
    assert data["current"]["rule_id"] == "STRICT-R1-consent"
    result = runner.invoke(
        cli,
        ["policy", "explain", "--campaign", str(w["campaign"]), "--contact", "ada@example.it"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "STRICT-R1-consent" in result.output and f"ledger event {w['event']}" in result.output
    assert "workspace override for IT" in result.output
    assert runner.invoke(cli, ["policy", "override", "IT", "--clear"]).exit_code == 0
    assert "no country overrides" in runner.invoke(cli, ["policy", "show"]).output
    bad = runner.invoke(cli, ["policy", "override", "IT", "nope"])
    assert bad.exit_code == 1 and "unknown policy profile" in bad.output
    missing = runner.invoke(cli, ["policy", "explain", "--campaign", "42", "--contact", "a@b.it"])
    assert missing.exit_code == 1 and "no campaign with id 42" in missing.output


def test_explain_names_the_withdrawal_objection_or_lapse_that_ended_the_basis(
    cli_env: str,
) -> None:
    """`rests on` names the record the decision follows from, a refusal as much as a grant."""
    w = _world(cli_env)
    with session_scope(cli_env) as s:
        [objection] = grant(s, w["contact"], "tracking", action="object",
                            at=T0 + timedelta(hours=3))
        bob = add_contact(s, "bob@example.it", country="IT", list_id=w["list"])
        grant(s, bob.id, "newsletter")
        [bob_withdrew] = grant(s, bob.id, "newsletter", action="withdraw",
                               at=T0 + timedelta(days=2))
        eve = add_contact(s, "eve@example.it", country="IT", list_id=w["list"])
        grant(s, eve.id, "newsletter")
        [old_grant] = grant(s, eve.id, "tracking", at=T0 - timedelta(days=400))
        set_expiry_days(s, "tracking", 395)
        silent = add_contact(s, "sam@example.it", country="IT", list_id=w["list"])
        grant(s, silent.id, "newsletter")

    def rests_on(email: str) -> str:
        result = CliRunner().invoke(
            cli, ["policy", "explain", "--campaign", str(w["campaign"]), "--contact", email],
            env={"COLUMNS": "200"},
        )
        assert result.exit_code == 0, result.output
        [line] = [ln.strip() for ln in result.output.splitlines() if "rests on" in ln]
        return line

    assert rests_on("ada@example.it") == (
        f"rests on: ledger event {objection} (tracking object at 2026-11-01 15:00 UTC, "
        "source test)"
    )
    assert rests_on("bob@example.it") == (
        f"rests on: ledger event {bob_withdrew} (newsletter withdraw at 2026-11-03 12:00 UTC, "
        "source test)"
    )
    assert rests_on("eve@example.it") == (
        f"rests on: ledger event {old_grant} (tracking grant at 2025-09-27 12:00 UTC, source "
        "test, lapsed: older than the workspace's expiry)"
    )
    with session_scope(cli_env) as s:
        security = add_campaign(s, w["list"], name="reset", category="security").id
        account = explain(s, security, "ada@example.it", **QUEUE)["current"]
    # Security mail keeps its exemption after the objection (R5): it rests on that, not on her no.
    assert (account["basis"], account["ended_by"]) == ("exemption:security", None)
    # Never asked: silence is no, and no record says so.
    assert rests_on("sam@example.it") == (
        "rests on: no personal record (exemption, aggregate or none)"
    )
