"""R11 (fr-cnil-2026): a legacy contact informed more than three months ago who never objected
may be tracked personally; one who objected may not. The information date comes from the
permission_request table (kind "legacy-notice") through the consent snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from consentmail.campaigns.queue import queue_campaign
from consentmail.consent import snapshot
from consentmail.consent.explain import explain
from consentmail.consent.repermission import record_legacy_notice
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Contact, Message
from consentmail.policy import FR_CNIL_2026, Category, Measure, MessageContext, decide
from tests.consent.conftest import add_campaign, add_contact, add_list, grant

COLLECTED = datetime(2026, 1, 10, tzinfo=UTC)  # before 14 April 2026: a legacy address
INFORMED = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 8, 1, tzinfo=UTC)  # window closed 14 Jul; 91 days after 20 Apr is 20 Jul
CTX = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, at=NOW)


def _legacy(url: str) -> dict[str, int]:
    """Four FR contacts on one list, all with newsletter consent and no tracking answer except
    as named: informed (silent), objected, informed too recently, never informed."""
    with session_scope(url) as s:
        lst = add_list(s)
        ids = {}
        for name in ("silent", "objected", "recent", "uninformed"):
            c = add_contact(
                s, f"{name}@example.fr", country="FR", collected_at=COLLECTED, list_id=lst.id
            )
            grant(s, c.id, "newsletter", at=COLLECTED)
            ids[name] = c.id
        for name in ("silent", "objected"):
            record_legacy_notice(s, ids[name], INFORMED)
            record_legacy_notice(s, ids[name], INFORMED + timedelta(days=60))  # a reminder
        record_legacy_notice(s, ids["recent"], NOW - timedelta(days=30))
        grant(s, ids["objected"], "tracking", action="object", at=INFORMED + timedelta(days=5))
        ids["list"] = lst.id
        ids["campaign"] = add_campaign(s, lst.id).id
        return ids


def test_snapshot_carries_first_information_date(db_url: str) -> None:
    ids = _legacy(db_url)
    with session_scope(db_url) as s:
        assert snapshot(s, ids["silent"], ids["list"]).legacy_informed_at == INFORMED
        assert snapshot(s, ids["uninformed"], ids["list"]).legacy_informed_at is None


def test_informed_non_objector_gets_r11_legacy_objector_does_not(db_url: str) -> None:
    ids = _legacy(db_url)
    with session_scope(db_url) as s:
        rules = {
            name: decide(snapshot(s, ids[name], ids["list"]), CTX, FR_CNIL_2026).rule_id
            for name in ("silent", "objected", "recent", "uninformed")
        }
    assert rules["silent"] == "FR-R11-legacy"
    # The others fall back to the deliverability exemption (date of the last open only).
    assert {rules[n] for n in ("recent", "uninformed")} == {"FR-R7-deliverability"}
    # An objection also ends the deliverability pixel: nothing measures this person.
    assert rules["objected"] == "ALL-R20-default-deny"


def test_explain_names_the_information_message(db_url: str) -> None:
    ids = _legacy(db_url)
    with session_scope(db_url) as s:
        result = explain(
            s,
            ids["campaign"],
            "silent@example.fr",
            k_min=10,
            default_jurisdiction="strict",
            now=NOW,
        )
    current = result["current"]
    assert (current["rule_id"], current["basis"]) == ("FR-R11-legacy", "legacy:non-objector")
    assert current["basis_source"]["kind"] == "legacy-notice"
    assert current["basis_source"]["informed_at"] == INFORMED.isoformat()
    assert "told you on 2026-04-20" in current["reason"]


def test_queue_applies_the_legacy_regime(db_url: str) -> None:
    ids = _legacy(db_url)  # queued now (after 20 Jul 2026): the objection window is over
    with session_scope(db_url) as s:
        queue_campaign(
            s, s.get_one(Campaign, ids["campaign"]), k_min=10, default_jurisdiction="strict"
        )
        rows = dict(
            s.execute(
                select(Contact.email, Message.rule_id).join(
                    Contact, Contact.id == Message.contact_id
                )
            ).all()
        )
    assert rows["silent@example.fr"] == "FR-R11-legacy"
    assert rows["objected@example.fr"] == "ALL-R20-default-deny"
