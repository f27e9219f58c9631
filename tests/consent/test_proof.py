"""`consentmail consent proof EMAIL`: every event with the words shown, and the state (R16)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.consent.ledger import iso_utc
from consentmail.consent.notices import add_notice
from consentmail.consent.proof import UnknownContact, proof_for
from consentmail.consent.repermission import record_legacy_notice
from consentmail.db import session_scope
from consentmail.db.models import Notice
from tests.consent.conftest import T0, add_contact, add_list, grant, tamper
from tests.consent.notice_tamper import tamper_notices

NOTICE = "Wir messen Öffnungen und Klicks, nur mit Ihrer Einwilligung."


def _person(url: str) -> dict[str, int]:
    with session_scope(url) as s:
        lst = add_list(s, "Kunden")
        c = add_contact(s, "Jürgen@Example.DE".lower(), country="DE", language="de", list_id=lst.id)
        n = add_notice(s, "tracking", "2027-01-01", "de", NOTICE)
        [nl, tr] = grant(s, c.id, "newsletter", "tracking", version=n.version, sha=n.sha256)
        [wd] = grant(s, c.id, "tracking", action="withdraw", at=T0 + timedelta(days=3))
        record_legacy_notice(s, c.id, T0)
        return {"contact": c.id, "newsletter": nl, "tracking": tr, "withdraw": wd}


def test_proof_lists_events_with_notice_text_and_state(db_url: str) -> None:
    ids = _person(db_url)
    with session_scope(db_url) as s:
        proof = proof_for(s, "  JÜRGEN@example.de ")  # any case and stray spaces
    assert proof["contact"]["id"] == ids["contact"]
    events = {e["id"]: e for e in proof["events"]}
    assert list(events) == [ids["newsletter"], ids["tracking"], ids["withdraw"]]
    tracking = events[ids["tracking"]]
    assert tracking["notice"]["text"] == NOTICE and tracking["notice"]["language"] == "de"
    assert tracking["notice"]["found"] and tracking["hash_ok"]
    assert tracking["notice"]["text_ok"] is True
    # Granted on 2026-11-01 (T0) to words stored today: the proof gives both dates.
    with session_scope(db_url) as s:
        stored = s.scalar(select(Notice.created_at).where(Notice.version == "2027-01-01"))
    assert tracking["notice"]["stored_at"] == iso_utc(stored)
    assert events[ids["newsletter"]]["notice"]["stored_at"] is None
    assert (tracking["source"], tracking["method"]) == ("test", "api")
    assert tracking["at"].startswith("2026-11-01T12:00:00")
    assert events[ids["newsletter"]]["notice"]["found"] is False  # no notice stored: said so
    assert events[ids["newsletter"]]["notice"]["text_ok"] is None  # no text to check
    assert proof["state"]["newsletter"]["answer"] == "granted"
    assert proof["state"]["tracking"] == {
        "granted": False,
        "objected": False,
        "since": (T0 + timedelta(days=3)).isoformat(),
        "event_id": ids["withdraw"],
        "answer": "refused",
    }
    assert proof["state"]["profiling"]["answer"] == "no answer"
    assert proof["lists"] == [
        {
            "list": "Kunden",
            "status": "subscribed",
            "since": proof["lists"][0]["since"],
            "source": "",
        }
    ]
    assert proof["requests"][0]["kind"] == "legacy-notice"
    json.dumps(proof)  # JSON-ready as it is


def test_tampered_event_shows_hash_mismatch(db_url: str) -> None:
    ids = _person(db_url)
    tamper(db_url, f"UPDATE consent_event SET source='forged' WHERE id={ids['tracking']}")
    with session_scope(db_url) as s:
        events = {e["id"]: e["hash_ok"] for e in proof_for(s, "jürgen@example.de")["events"]}
    assert events == {ids["newsletter"]: True, ids["tracking"]: False, ids["withdraw"]: True}


@pytest.mark.parametrize("email", ["nobody@example.com", "not an address"])
def test_unknown_address_is_a_clear_error(db_url: str, email: str) -> None:
    with session_scope(db_url) as s, pytest.raises(UnknownContact, match="address"):
        proof_for(s, email)


def test_cli_proof_json_and_table(cli_env: str) -> None:
    ids = _person(cli_env)
    runner = CliRunner()
    result = runner.invoke(cli, ["consent", "proof", "jürgen@example.de", "--json"])
    assert result.exit_code == 0, result.output
    assert [e["id"] for e in json.loads(result.output)["events"]] == list(ids.values())[1:]
    result = runner.invoke(cli, ["consent", "proof", "jürgen@example.de"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert NOTICE in result.output and "2027-01-01" in result.output and "Kunden" in result.output
    result = runner.invoke(cli, ["consent", "proof", "nobody@example.com"])
    assert result.exit_code == 1 and "no contact with address" in result.output


def test_cli_proof_json_error_is_json(cli_env: str) -> None:
    result = CliRunner().invoke(cli, ["consent", "proof", "nobody@example.com", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output) == {"error": "no contact with address 'nobody@example.com'"}


def test_edited_notice_text_is_flagged(cli_env: str) -> None:
    """The words under a stored sha256 rewritten past the database's guard: the proof shows the
    stored text but says it is not what the event hashed."""
    ids = _person(cli_env)
    tamper_notices(cli_env, "UPDATE notice SET text = 'Rewritten after the fact: you agreed to "
                            "everything.' WHERE version = '2027-01-01'")
    runner = CliRunner()
    proof = json.loads(runner.invoke(cli, ["consent", "proof", "jürgen@example.de",
                                           "--json"]).output)
    notice = {e["id"]: e["notice"] for e in proof["events"]}[ids["tracking"]]
    assert (notice["found"], notice["text_ok"]) == (True, False)
    result = runner.invoke(cli, ["consent", "proof", "jürgen@example.de"],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert "text edited: not these words" in result.output
    assert ("warning: the stored text below does not hash to this sha256: it was changed after "
            "the event and is not the words the person saw") in result.output


def test_cli_verify_still_works(cli_env: str) -> None:
    ids = _person(cli_env)
    runner = CliRunner()
    # _person's newsletter grant names the tracking notice's version and hash, which is stored
    # for tracking only: verify says the words that event proves are not there.
    result = runner.invoke(cli, ["consent", "verify", "--json"])
    assert result.exit_code == 1
    check = json.loads(result.output.split("\nerror:")[0])
    assert (check["kind"], check["first_broken_id"], check["checked"]) == (
        "notice", ids["newsletter"], 3)
    with session_scope(cli_env) as s:
        add_notice(s, "newsletter", "2027-01-01", "de", NOTICE)
    result = runner.invoke(cli, ["consent", "verify", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["checked"] == 3
