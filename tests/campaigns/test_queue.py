"""queue_campaign against its definition, on SQLite and PostgreSQL.

The definition: the anonymous aggregate cohort is the messages queued earlier with an aggregate
mode plus the newcomers who get one with a cohort assumed large; then every recipient not yet
queued is decided with that count (law 3), from the consent snapshot the ledger derives
(consent.snapshot). The queue reads chunks in one query and
decides each recipient once; these tests hold it to the definition, chunk boundaries included.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from consentmail.campaigns import queue
from consentmail.campaigns.queue import (
    UNLIMITED_COHORT,
    QueueSummary,
    context_for,
    decide_for,
    decision_fields,
    queue_campaign,
    tracking_mode,
)
from consentmail.consent import NewEvent, record, snapshot
from consentmail.consent.overrides import profile_overrides, set_override
from consentmail.consent.repermission import record_legacy_notice
from consentmail.consent.state import list_members
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Contact, ContactList, Message, Subscription
from consentmail.policy import Mode
from tests.campaigns.support import campaign, page

COUNTRIES = ("IT", "FR", "GB", "DE", "US", "", "FR", "IT")
LEGACY = datetime(2025, 6, 1, tzinfo=UTC)  # collected before fr-cnil-2026's 14 April 2026
RECENT = datetime(2026, 6, 1, tzinfo=UTC)
GIVEN = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
HTML = page('<p>Hi {{ contact.first_name }}</p><a href="https://shop.example/sale">Sale</a>')


def add_population(session: Session, list_name: str, start: int, n: int) -> int:
    """n contacts on the list with every kind of consent history the policy distinguishes."""
    lst = session.scalar(select(ContactList).where(ContactList.name == list_name))
    if lst is None:
        lst = ContactList(name=list_name)
        session.add(lst)
        session.flush()
    events = []
    for i in range(start, start + n):
        contact = Contact(
            email=f"p{i}@example.org",
            first_name=f"P{i}",
            country=COUNTRIES[i % len(COUNTRIES)],
            suppressed=i % 17 == 8,
            collected_at=LEGACY if i % 2 else RECENT,
        )
        session.add(contact)
        session.flush()
        status = "unsubscribed" if i % 10 == 9 else "subscribed"
        session.add(Subscription(contact_id=contact.id, list_id=lst.id, status=status))
        at = GIVEN + timedelta(hours=i)
        if i % 13 != 0:  # else never answered
            events.append(NewEvent(contact.id, "newsletter", "grant", at, "test", "form"))
        if i % 7 == 3:
            events.append(NewEvent(contact.id, "newsletter", "withdraw", at, "test", "page"))
        if i % 11 == 5:
            events.append(NewEvent(contact.id, "newsletter", "object", at, "test", "page"))
        if i % 3 == 0:
            events.append(NewEvent(contact.id, "tracking", "grant", at, "test", "form"))
        if i % 3 == 1 and i % 2:
            events.append(NewEvent(contact.id, "tracking", "grant", at, "test", "form"))
            events.append(NewEvent(contact.id, "tracking", "withdraw", at, "test", "page"))
        if i % 9 == 4:
            events.append(NewEvent(contact.id, "tracking", "object", at, "test", "page"))
        if i % 5 == 0:
            events.append(NewEvent(contact.id, "profiling", "grant", at, "test", "form"))
        if i % 4 == 2:
            record_legacy_notice(session, contact.id, datetime(2026, 4, 20, tzinfo=UTC))
    record(session, events)
    session.flush()
    return lst.id


def expected(
    session: Session, c: Campaign, *, k_min: int, default: str,
    before: dict[int, tuple] | None = None,
) -> tuple[QueueSummary, int, dict[int, tuple]]:
    """The definition, one recipient at a time: (summary, cohort, outbox values by contact)."""
    members = session.execute(
        select(Contact.id, Contact.country)
        .join(Subscription, Subscription.contact_id == Contact.id)
        .where(Subscription.list_id == c.list_id)
        .order_by(Contact.id)
    ).all()
    snaps = {cid: snapshot(session, cid, c.list_id) for cid, _ in members}
    overrides = profile_overrides(session)
    at = c.queued_at
    assert at is not None

    def decide_all(cohort: int) -> list:
        ctx = context_for(c, cohort, k_min, at)
        return [(cid, decide_for(snaps[cid], cc, ctx, default, overrides)) for cid, cc in members]

    skip = set(before or {})
    cohort = sum(1 for row in (before or {}).values() if Mode.AGGREGATE in row[:2]) + sum(
        1
        for cid, d in decide_all(UNLIMITED_COHORT)
        if cid not in skip and d.send and Mode.AGGREGATE in (d.open_mode, d.click_mode)
    )
    summary, rows = QueueSummary(already_queued=len(skip)), {}
    for cid, d in decide_all(cohort):
        if cid in skip:
            continue
        if not d.send:
            summary.not_sent += 1
            continue
        personal = Mode.PERSONAL in (d.open_mode, d.click_mode)
        rows[cid] = (*decision_fields(d).values(), personal)
        summary.queued += 1
        summary.modes[tracking_mode(d.open_mode, d.click_mode)] += 1
    return summary, cohort, rows


def stored(session: Session, campaign_id: int) -> dict[int, tuple]:
    messages = session.scalars(
        select(Message).where(Message.campaign_id == campaign_id).order_by(Message.id)
    ).all()
    # Rows are written in contact order, like the worker later claims them.
    assert [m.contact_id for m in messages] == sorted(m.contact_id for m in messages)
    for m in messages:
        assert m.status == "queued" and m.page_token and m.track_token != m.page_token
    return {
        m.contact_id: (
            m.open_mode,
            m.click_mode,
            m.basis,
            m.rule_id,
            m.reason,
            m.profile,
            m.deliverability_only,
            m.track_token is not None,
        )
        for m in messages
    }


CASES = [
    # category, measure, k_min, default jurisdiction
    ("marketing", "individual", 10, "strict"),
    ("marketing", "individual", 10, "it-garante-2026"),
    ("marketing", "aggregate", 10, "eu-default"),
    ("marketing", "individual", 500, "it-garante-2026"),  # the list ends below k: corrected
    ("marketing", "aggregate", 500, "strict"),
    ("marketing", "none", 10, "eu-default"),
    ("mandatory", "individual", 10, "it-garante-2026"),  # the R6 exemption, list members only
    ("mandatory", "individual", 500, "eu-default"),
    ("mandatory", "aggregate", 10, "it-garante-2026"),
]


@pytest.mark.parametrize(("category", "measure", "k_min", "default"), CASES)
def test_queue_matches_the_definition(
    db_url: str, monkeypatch: pytest.MonkeyPatch, category: str, measure: str, k_min: int,
    default: str,
) -> None:
    monkeypatch.setattr(queue, "CHUNK", 7)  # many chunks, and boundaries inside the history mix
    with session_scope(db_url) as s:
        add_population(s, "news", 0, 60)
        c = campaign(s, HTML, category=category, measure=measure)
        summary = queue_campaign(s, c, k_min=k_min, default_jurisdiction=default)
        want_summary, want_cohort, want_rows = expected(s, c, k_min=k_min, default=default)
        assert stored(s, c.id) == want_rows
        assert vars(summary) == vars(want_summary)
        assert c.aggregate_cohort == want_cohort
        assert c.status == "queued"


def test_a_cohort_below_k_gets_no_aggregate_at_all(db_url: str) -> None:
    with session_scope(db_url) as s:
        add_population(s, "news", 0, 60)
        c = campaign(s, HTML, measure="aggregate")
        summary = queue_campaign(s, c, k_min=500, default_jurisdiction="it-garante-2026")
        assert 0 < c.aggregate_cohort < 500
        assert summary.modes["aggregate"] == 0
        assert all(
            Mode.AGGREGATE not in row[:2] for row in stored(s, c.id).values()
        )


def test_requeueing_adds_only_newcomers(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue, "CHUNK", 7)
    with session_scope(db_url) as s:
        add_population(s, "news", 0, 30)
        c = campaign(s, HTML)
        first = queue_campaign(s, c, k_min=10, default_jurisdiction="it-garante-2026")
        before = stored(s, c.id)
        add_population(s, "news", 30, 30)
        again = queue_campaign(s, c, k_min=10, default_jurisdiction="it-garante-2026")
        _, cohort, want = expected(s, c, k_min=10, default="it-garante-2026", before=before)
        after = stored(s, c.id)
    assert again.already_queued == first.queued == len(before)
    assert {cid: after[cid] for cid in before} == before  # queued rows are left as they were
    assert {cid: row for cid, row in after.items() if cid not in before} == want
    assert again.queued == len(want) and c.aggregate_cohort == cohort


def test_newcomers_below_k_share_no_pixel_with_a_list_that_had_none(db_url: str) -> None:
    """Queued below k (no pixel), then newcomers: only they could share it, fewer than k."""
    with session_scope(db_url) as s:
        add_population(s, "news", 0, 30)
        c = campaign(s, HTML, measure="aggregate")
        queue_campaign(s, c, k_min=12, default_jurisdiction="it-garante-2026")
        first = stored(s, c.id)
        # The cohort it would have had, below k: suppressed.
        assert 0 < c.aggregate_cohort < 12
        assert all(Mode.AGGREGATE not in r[:2] for r in first.values())
        add_population(s, "news", 30, 6)  # some newcomers would be aggregate, fewer than k
        again = queue_campaign(s, c, k_min=12, default_jurisdiction="it-garante-2026")
        after = stored(s, c.id)
    assert again.queued > 0 and again.modes["aggregate"] == 0
    assert all(Mode.AGGREGATE not in row[:2] for row in after.values())
    assert 0 < c.aggregate_cohort < 12  # the newcomers alone: the first run's carry no pixel


def test_a_cohort_already_sent_grows_with_its_newcomers(db_url: str) -> None:
    with session_scope(db_url) as s:
        add_population(s, "news", 0, 60)
        c = campaign(s, HTML, measure="aggregate")
        queue_campaign(s, c, k_min=10, default_jurisdiction="it-garante-2026")
        cohort = c.aggregate_cohort
        assert cohort >= 10
        add_population(s, "news", 60, 6)
        again = queue_campaign(s, c, k_min=10, default_jurisdiction="it-garante-2026")
        aggregate_rows = sum(Mode.AGGREGATE in r[:2] for r in stored(s, c.id).values())
    assert again.modes["aggregate"] > 0
    assert c.aggregate_cohort == aggregate_rows == cohort + again.modes["aggregate"]


def test_overrides_choose_the_profile(db_url: str) -> None:
    with session_scope(db_url) as s:
        add_population(s, "news", 0, 40)
        set_override(s, "FR", "fr-cnil-2026-aggregate")
        c = campaign(s, HTML)
        queue_campaign(s, c, k_min=10, default_jurisdiction="strict")
        assert stored(s, c.id) == expected(s, c, k_min=10, default="strict")[2]
        profiles = set(s.scalars(select(Message.profile).where(Message.campaign_id == c.id)))
    assert "fr-cnil-2026-aggregate" in profiles and "fr-cnil-2026" not in profiles


def test_list_members_gives_the_snapshots_of_the_ledger(db_url: str) -> None:
    with session_scope(db_url) as s:
        list_id = add_population(s, "news", 0, 60)
        other = add_population(s, "other", 60, 5)
        s.execute(insert(Subscription), [{"contact_id": 3, "list_id": other}])  # on two lists
        conn = s.connection()
        members, after = [], 0
        while chunk := list_members(conn, list_id, after, 11):
            members += chunk
            after = chunk[-1][0]
        ids = s.scalars(
            select(Subscription.contact_id)
            .where(Subscription.list_id == list_id)
            .order_by(Subscription.contact_id)
        ).all()
        countries = {cid: cc for cid, cc in s.execute(select(Contact.id, Contact.country))}
        assert members == [(cid, countries[cid], snapshot(s, cid, list_id)) for cid in ids]


def test_a_mandatory_campaign_goes_to_the_list_only(db_url: str) -> None:
    """The R6 exemption measures a notice; it never widens the audience beyond the list."""
    with session_scope(db_url) as s:
        list_id = add_population(s, "news", 0, 60)
        c = campaign(s, HTML, category="mandatory")
        summary = queue_campaign(s, c, k_min=10, default_jurisdiction="it-garante-2026")
        audience = set(s.scalars(
            select(Contact.id).join(Subscription, Subscription.contact_id == Contact.id)
            .where(Subscription.list_id == list_id, Subscription.status == "subscribed",
                   Contact.suppressed.is_(False))
        ))
        rows = s.execute(
            select(Message.contact_id, Contact.country, Message.rule_id)
            .join(Contact, Contact.id == Message.contact_id)
            .where(Message.campaign_id == c.id)
        ).all()
        refused = {cid for cid, _, _ in rows if snapshot(s, cid, list_id).tracking.event_id
                   and not snapshot(s, cid, list_id).tracking.granted}
    # 6 unsubscribed (i % 10 == 9) and 4 suppressed (i % 17 == 8), p59 being both.
    assert (summary.queued, summary.not_sent, len(audience)) == (51, 9, 51)
    assert {cid for cid, _, _ in rows} == audience
    # Who stopped tracking is not measured personally by a notice either (R6 with R13).
    it_rules = {cid: rule for cid, country, rule in rows if country == "IT"}
    assert refused & set(it_rules)
    assert it_rules == {
        cid: "IT-R6-R13-refused" if cid in refused else "IT-R6-mandatory" for cid in it_rules
    }
