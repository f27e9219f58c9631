"""`policy explain` says what the send does (law 7): on a draft it counts the aggregate cohort as
queueing would, and it tells "never on this list" from "unsubscribed" and "bounced"."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from consentmail.campaigns.queue import queue_campaign
from consentmail.consent.explain import ExplainError, explain
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Contact, Subscription
from tests.consent.conftest import add_campaign, add_contact, add_list, grant


def _three_italians(url: str, *, measure: str = "individual") -> int:
    """A draft to a list of three IT contacts with the newsletter only (aggregate at best)."""
    with session_scope(url) as s:
        lst = add_list(s)
        for i in range(3):
            c = add_contact(s, f"p{i}@example.it", country="IT", list_id=lst.id)
            grant(s, c.id, "newsletter")
        return add_campaign(s, lst.id, measure=measure).id


@pytest.mark.parametrize(
    ("k_min", "rule_id", "mode"),
    [(3, "IT-R4-aggregate", "aggregate"), (4, "ALL-R4-small-cohort", "none")],
)
def test_a_draft_is_explained_with_the_cohort_the_send_will_count(
    db_url: str, k_min: int, rule_id: str, mode: str
) -> None:
    campaign_id = _three_italians(db_url)
    settings = {"k_min": k_min, "default_jurisdiction": "strict"}
    with session_scope(db_url) as s:
        draft = explain(s, campaign_id, "p1@example.it", **settings)
    assert draft["campaign"]["status"] == "draft"
    assert draft["campaign"]["aggregate_cohort"] == 3
    assert draft["campaign"]["aggregate_cohort_from"] == (
        "predicted for a draft: what queueing would count now"
    )
    assert (draft["current"]["rule_id"], draft["current"]["open_mode"]) == (rule_id, mode)
    with session_scope(db_url) as s:
        queue_campaign(s, s.get_one(Campaign, campaign_id), **settings)
    with session_scope(db_url) as s:
        sent = explain(s, campaign_id, "p1@example.it", **settings)
    assert sent["campaign"]["aggregate_cohort_from"] == "stored at queueing"
    assert sent["campaign"]["aggregate_cohort"] == 3  # counted, and below k it measures nothing
    # What explain said of the draft is what queueing decided and stored.
    assert (sent["stored"]["rule_id"], sent["stored"]["open_mode"]) == (rule_id, mode)
    assert sent["current"]["rule_id"] == rule_id


def test_never_on_the_list_unsubscribed_and_bounced_are_told_apart(db_url: str) -> None:
    campaign_id = _three_italians(db_url)
    with session_scope(db_url) as s:
        stranger = add_contact(s, "stranger@example.it", country="IT")
        grant(s, stranger.id, "newsletter")
        p0 = s.scalars(select(Contact).where(Contact.email == "p0@example.it")).one()
        s.execute(
            update(Subscription)
            .where(Subscription.contact_id == p0.id)
            .values(status="unsubscribed")
        )
        s.execute(update(Contact).where(Contact.email == "p2@example.it").values(suppressed=True))
    settings = {"k_min": 10, "default_jurisdiction": "strict"}
    with session_scope(db_url) as s:
        found = {
            email: explain(s, campaign_id, email, **settings)["current"]
            for email in ("stranger@example.it", "p0@example.it", "p2@example.it")
        }
    assert {e: (d["send"], d["rule_id"], d["reason"]) for e, d in found.items()} == {
        "stranger@example.it": (
            False, "ALL-R23-not-on-list", "Not sent: you are not on this list."
        ),
        "p0@example.it": (
            False, "ALL-R23-unsubscribed", "Not sent: you are no longer on this list."
        ),
        "p2@example.it": (
            False,
            "ALL-R23-suppressed",
            "Not sent: an earlier email to this address could not be delivered "
            "(permanent failure).",
        ),
    }


@pytest.mark.parametrize("campaign_id", [0, -1, 2**63, 99999999999999999999])
def test_ids_no_column_can_hold_are_no_campaign(db_url: str, campaign_id: int) -> None:
    _three_italians(db_url)
    with session_scope(db_url) as s, pytest.raises(
        ExplainError, match=f"^no campaign with id {campaign_id}$"
    ):
        explain(s, campaign_id, "p0@example.it", k_min=10, default_jurisdiction="strict")
