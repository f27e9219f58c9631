"""`consent verify` cross-checks the derived state against the ledger: a cut-off tail still
chains, but the states that rested on the removed events point at nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.consent import verify_chain
from consentmail.db import session_scope
from tests.consent.conftest import T0, add_contact, grant, tamper


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
