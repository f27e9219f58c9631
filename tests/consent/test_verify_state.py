"""`consent verify` cross-checks the derived state against the ledger: a cut-off tail still
chains, but the states that rested on the removed events point at nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.consent import event_hash, verify_chain
from consentmail.consent.notices import add_notice, seed_default_notices
from consentmail.consent.verify import Anchor, verify_ledger
from consentmail.db import session_scope
from consentmail.db.models import ConsentEvent
from tests.consent.conftest import T0, add_contact, grant, tamper
from tests.consent.notice_tamper import tamper_notices


def _ledger(url: str) -> dict[str, int]:
    """Three people; 7 events; returns the ids the tests tamper with."""
    with session_scope(url) as s:
        ids: dict[str, int] = {}
        for n, email in enumerate(("a@example.com", "b@example.com", "c@example.com")):
            c = add_contact(s, email)
            ids[email] = c.id
            grant(s, c.id, "newsletter", "tracking", at=T0 + timedelta(hours=n))
        [ids["withdraw"]] = grant(s, ids["c@example.com"], "tracking", action="withdraw",
                                  at=T0 + timedelta(days=1))
        return ids


def test_intact_ledger_checks_every_state(db_url: str) -> None:
    _ledger(db_url)
    with session_scope(db_url) as s:
        check = verify_chain(s, batch=2)  # small chunks: the walks page through
    assert (check.ok, check.checked, check.states_checked) == (True, 7, 6)


def test_a_cut_off_tail_is_found(db_url: str) -> None:
    ids = _ledger(db_url)
    tamper(db_url, "DELETE FROM consent_event WHERE id > (SELECT max(id) - 2 FROM consent_event)")
    with session_scope(db_url) as s:
        check = verify_chain(s, batch=2)
    c = ids["c@example.com"]
    # The last two events were c's tracking grant and withdrawal: the five left still chain,
    # but c's tracking state names the withdrawal, which is gone.
    assert not check.ok and check.checked == 5
    assert (check.contact_id, check.purpose, check.first_broken_id) == (c, "tracking",
                                                                         ids["withdraw"])
    assert check.problem == (
        f"contact {c}, tracking: the state points at event {ids['withdraw']}, which is not in "
        "the ledger (events removed?)"
    )


def test_a_state_that_disagrees_with_its_event_is_found(db_url: str) -> None:
    ids = _ledger(db_url)
    c = ids["c@example.com"]
    tamper(db_url, f"UPDATE consent_state SET granted = true WHERE contact_id = {c} "
                 "AND purpose = 'tracking'")
    with session_scope(db_url) as s:
        check = verify_chain(s)
    assert (check.ok, check.contact_id, check.purpose) == (False, c, "tracking")
    assert check.problem == (
        f"contact {c}, tracking: the state says granted=True, objected=False, but event "
        f"{ids['withdraw']} is a 'withdraw'"
    )


def test_a_state_resting_on_an_older_event_is_found(db_url: str) -> None:
    ids = _ledger(db_url)
    c = ids["c@example.com"]
    tamper(db_url, f"UPDATE consent_state SET granted = true, event_id = {ids['withdraw'] - 1} "
                 f"WHERE contact_id = {c} AND purpose = 'tracking'")
    with session_scope(db_url) as s:
        check = verify_chain(s)
    assert check.problem == (
        f"contact {c}, tracking: the state rests on event {ids['withdraw'] - 1}, but the latest "
        f"event is {ids['withdraw']}"
    )


def test_an_event_without_state_is_found(db_url: str) -> None:
    ids = _ledger(db_url)
    a = ids["a@example.com"]
    tamper(db_url, f"DELETE FROM consent_state WHERE contact_id = {a} AND purpose = 'newsletter'")
    with session_scope(db_url) as s:
        check = verify_chain(s)
    assert (check.ok, check.contact_id, check.purpose) == (False, a, "newsletter")
    assert check.problem.endswith("has no derived consent state")


@pytest.mark.usefixtures("cli_env")
def test_cli_names_contact_purpose_and_event(db_url: str) -> None:
    ids = _ledger(db_url)
    runner = CliRunner()
    result = runner.invoke(cli, ["consent", "verify"])
    assert result.exit_code == 0
    assert "ledger intact: 7 events checked, 6 consent states match their latest event" in (
        result.output
    )
    tamper(db_url, "DELETE FROM consent_event WHERE id > (SELECT max(id) - 2 FROM consent_event)")
    result = runner.invoke(cli, ["consent", "verify"], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert "ledger intact" not in result.output
    assert (f"contact {ids['c@example.com']}, tracking: the state points at event "
            f"{ids['withdraw']}") in result.output


def _head(url: str) -> Anchor:
    with session_scope(url) as s:
        check = verify_chain(s)
    assert check.ok and check.head_id is not None and check.head_hash is not None
    return Anchor(check.head_id, check.head_hash)


def test_the_head_is_printed_to_be_recorded(cli_env: str) -> None:
    _ledger(cli_env)
    head = _head(cli_env)
    runner = CliRunner()
    result = runner.invoke(cli, ["consent", "verify"])
    assert result.exit_code == 0
    assert f"head: {head.id}:{head.hash}\n" in result.output  # one line, whatever the width
    check = json.loads(runner.invoke(cli, ["consent", "verify", "--json"]).output)
    assert (check["head_id"], check["head_hash"], check["anchor_checked"]) == (
        head.id, head.hash, False)
    result = runner.invoke(cli, ["consent", "verify", "--head", f"{head.id}:{head.hash.upper()}"],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert (f"anchor event {head.id} is there with the hash recorded: nothing up to it was "
            "removed or rewritten") in result.output


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize("value", ["54", "54:abc", "x:" + "a" * 64, "0:" + "a" * 64])
def test_a_malformed_anchor_is_refused(value: str) -> None:
    result = CliRunner().invoke(cli, ["consent", "verify", "--head", value],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert (f"error: --head: anchor {value!r}: expected ID:HASH, the event id and its 64 hex "
            "digit hash as `consentmail consent verify` prints the head") in result.output


def test_an_anchor_finds_a_tail_removed_with_its_states(db_url: str) -> None:
    """The review's case: the last event and the state resting on it deleted together; the rest
    still chains and every state matches, so only the recorded head can tell."""
    ids = _ledger(db_url)
    head = _head(db_url)
    tamper(db_url, f"DELETE FROM consent_event WHERE id = {head.id}",
           f"UPDATE consent_state SET event_id = {head.id - 1}, granted = true, "
           f"at = (SELECT at FROM consent_event WHERE id = {head.id - 1}) "
           f"WHERE contact_id = {ids['c@example.com']} AND purpose = 'tracking'")
    with session_scope(db_url) as s:
        assert verify_chain(s).ok  # unanchored: nothing to see
        check = verify_chain(s, anchor=head)
    assert (check.ok, check.kind, check.first_broken_id) == (False, "anchor", head.id)
    assert check.problem == (f"the anchor event {head.id} is not in the ledger, which ends at "
                             f"event {head.id - 1}: events were removed from its end")


def test_an_anchor_finds_a_rewritten_and_rehashed_event(db_url: str) -> None:
    """What REPLACE allowed on SQLite before migration 0007: an event rewritten with its hash
    computed again. The chain and the states agree; the anchor's hash does not."""
    ids = _ledger(db_url)
    head = _head(db_url)
    with session_scope(db_url) as s:
        ev = s.get(ConsentEvent, head.id)
        assert ev is not None and ev.action == "withdraw"
        ev.action = "grant"
        forged = event_hash(ev.prev_hash, ev)
        s.rollback()
    tamper(db_url, f"UPDATE consent_event SET action = 'grant', hash = '{forged}' "
                   f"WHERE id = {head.id}",
           f"UPDATE consent_state SET granted = true WHERE contact_id = "
           f"{ids['c@example.com']} AND purpose = 'tracking'")
    with session_scope(db_url) as s:
        assert verify_chain(s).ok
        check = verify_chain(s, anchor=head)
    assert (check.ok, check.kind) == (False, "anchor")
    assert check.problem == (
        f"event {head.id} has hash {forged[:16]}…, the anchor says {head.hash[:16]}…: the "
        f"ledger was rewritten at or before event {head.id} and hashed again"
    )


@pytest.mark.parametrize(
    ("removed", "problem"),
    [
        ([3], "event 3 is missing: event 4's prev_hash is not the hash of event 2, the record "
              "before it"),
        ([2, 3, 4], "events 2 to 4 are missing: event 5's prev_hash is not the hash of event 1, "
                    "the record before it"),
        ([1], "event 1 is missing: event 2 is the first record, but its prev_hash names one "
              "before it"),
    ],
)
def test_a_middle_deletion_names_the_missing_events(db_url: str, removed: list[int],
                                                    problem: str) -> None:
    _ledger(db_url)
    with session_scope(db_url) as s:
        first = s.scalar(select(func.min(ConsentEvent.id)))
    assert first is not None
    offset = first - 1  # PostgreSQL's sequence may not start the ledger at 1
    gone = ", ".join(str(offset + i) for i in removed)
    tamper(db_url, f"DELETE FROM consent_event WHERE id IN ({gone})")
    with session_scope(db_url) as s:
        check = verify_chain(s)
    expected = re.sub(r"\d+", lambda m: str(int(m.group()) + offset), problem)
    assert (check.ok, check.kind, check.first_broken_id) == (False, "chain", offset + removed[0])
    assert check.problem == expected


def test_cli_names_missing_events(cli_env: str) -> None:
    _ledger(cli_env)
    with session_scope(cli_env) as s:
        first = s.scalar(select(func.min(ConsentEvent.id)))
    assert first is not None
    tamper(cli_env, f"DELETE FROM consent_event WHERE id = {first + 2}")
    result = CliRunner().invoke(cli, ["consent", "verify"], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert (f"error: ledger broken: event {first + 2} is missing: event {first + 3}'s prev_hash "
            f"is not the hash of event {first + 1}, the record before it (2 events before it "
            "are intact)") in result.output


def test_verify_names_an_edited_notice_text(cli_env: str) -> None:
    _ledger(cli_env)
    with session_scope(cli_env) as s:
        seed_default_notices(s)
        n = add_notice(s, "tracking", "3", "en", "We measure opens.")
    runner = CliRunner()
    result = runner.invoke(cli, ["consent", "verify"])
    assert result.exit_code == 0 and "16 notice texts match their sha256" in result.output
    tamper_notices(cli_env, f"UPDATE notice SET text = 'We measure nothing.' WHERE id = {n.id}")
    with session_scope(cli_env) as s:
        check = verify_ledger(s)
    assert (check.ok, check.kind, check.notice_id, check.notices_checked) == (
        False, "notice", n.id, 15)
    message = (f"notice {n.id} (tracking/3/en): its text does not hash to its sha256 "
               f"{n.sha256[:12]}…; the words were changed after they were stored")
    assert check.problem == message
    result = runner.invoke(cli, ["consent", "verify"], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert (f"error: notice texts do not match the ledger: {message} (hash chain of 7 events "
            "and 6 consent states intact)") in result.output


def test_verify_names_an_event_whose_notice_is_gone(db_url: str) -> None:
    with session_scope(db_url) as s:
        c = add_contact(s, "ada@example.com")
        n = add_notice(s, "tracking", "3", "en", "We measure opens.")
        [event_id] = grant(s, c.id, "tracking", version=n.version, sha=n.sha256)
    with session_scope(db_url) as s:
        assert verify_ledger(s).ok
    tamper_notices(db_url, f"DELETE FROM notice WHERE id = {n.id}")
    with session_scope(db_url) as s:
        check = verify_ledger(s)
    assert (check.ok, check.kind, check.first_broken_id) == (False, "notice", event_id)
    assert check.problem == (
        f"event {event_id} names notice tracking/3 (sha256 {n.sha256[:12]}…), which is not "
        "stored: the words it proves are gone or were changed"
    )
