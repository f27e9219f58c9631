"""The profiling gate (issue 3 item 7): an engagement segment never holds a contact without
profiling consent, whatever they opened, and a withdrawal takes them out at once."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.campaigns.queue import queue_campaign
from consentmail.consent import NewEvent, record
from consentmail.consent.expiry import set_expiry_days
from consentmail.contacts.segments import engaged_segment, segment_members
from consentmail.db import session_scope
from consentmail.db.models import (
    Campaign,
    Contact,
    ContactList,
    Engagement,
    Message,
    Subscription,
)

# The SQLite + PostgreSQL fixture of tests/conftest.py (tests/contacts/conftest.py narrows
# db_url to SQLite for the import tests; the gate must hold on both databases).
from tests.conftest import db_url  # noqa: F401

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _event(cid: int, purpose: str, action: str = "grant", days: int = 0) -> NewEvent:
    return NewEvent(cid, purpose, action, T0 + timedelta(days=days), "test", "api")


def _campaign(s: Session, list_id: int, status: str = "sent") -> int:
    c = Campaign(name="c", list_id=list_id, subject="s", from_addr="n@example.com", html="<p>",
                 status=status, aggregate_token=secrets.token_urlsafe(16))
    s.add(c)
    s.flush()
    return c.id


def _opened(
    s: Session, campaign_id: int, contact_id: int, list_id: int, *, basis: str = "consent:1",
    kind: str = "open", human: int = 1, machine: int = 0,
) -> None:
    m = Message(campaign_id=campaign_id, contact_id=contact_id, list_id=list_id,
                page_token=secrets.token_urlsafe(16), status="sent")
    s.add(m)
    s.flush()
    s.add(Engagement(message_id=m.id, campaign_id=campaign_id, kind=kind, basis=basis,
                     human_hits=human, machine_hits=machine,
                     first_human_at=T0 if human else None))
    s.flush()


def _contact(s: Session, name: str, list_id: int, *purposes: str) -> int:
    c = Contact(email=f"{name}@example.com")
    s.add(c)
    s.flush()
    s.add(Subscription(contact_id=c.id, list_id=list_id))
    record(s, [_event(c.id, p) for p in ("newsletter", "tracking", *purposes)])
    return c.id


def test_only_profiling_consent_enters_the_segment(db_url: str) -> None:  # noqa: F811
    with session_scope(db_url) as s:
        lst = ContactList(name="news")
        s.add(lst)
        s.flush()
        yes = _contact(s, "yes", lst.id, "profiling")
        no = _contact(s, "no", lst.id)  # tracked with consent, opened, never agreed to profiling
        clicker = _contact(s, "clicker", lst.id, "profiling")
        machine = _contact(s, "machine", lst.id, "profiling")
        old = _contact(s, "old", lst.id, "profiling")
        exempt = _contact(s, "exempt", lst.id, "profiling")
        gone = _contact(s, "gone", lst.id, "profiling")
        first = _campaign(s, lst.id)
        _opened(s, first, old, lst.id)  # only in a campaign older than the last three
        recent = [_campaign(s, lst.id) for _ in range(3)]
        _campaign(s, lst.id, status="draft")  # drafts were never sent: not "the last campaigns"
        _opened(s, recent[0], yes, lst.id)
        _opened(s, recent[1], no, lst.id)
        _opened(s, recent[2], clicker, lst.id, kind="click")
        _opened(s, recent[2], machine, lst.id, human=0, machine=3)  # a proxy prefetch (R26)
        # Exemption data serves its own purpose only, never a marketing segment.
        _opened(s, recent[2], exempt, lst.id, basis="exemption:deliverability")
        _opened(s, recent[1], gone, lst.id)
        s.execute(Subscription.__table__.update().where(Subscription.contact_id == gone)
                  .values(status="unsubscribed"))
        list_id = lst.id
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == sorted([yes, clicker])
        assert engaged_segment(s, list_id, last_n_campaigns=4) == sorted([yes, clicker, old])
        assert no not in engaged_segment(s, list_id, last_n_campaigns=10)


def test_withdrawing_or_objecting_leaves_the_segment_at_once(db_url: str) -> None:  # noqa: F811
    with session_scope(db_url) as s:
        lst = ContactList(name="news")
        s.add(lst)
        s.flush()
        ada = _contact(s, "ada", lst.id, "profiling")
        bob = _contact(s, "bob", lst.id, "profiling")
        camp = _campaign(s, lst.id)
        _opened(s, camp, ada, lst.id)
        _opened(s, camp, bob, lst.id)
        list_id = lst.id
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == sorted([ada, bob])
        record(s, [_event(ada, "profiling", "withdraw", days=1)])
        # R24: objecting to direct marketing also ends the related profiling.
        record(s, [_event(bob, "newsletter", "object", days=1)])
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == []
        record(s, [_event(ada, "profiling", "grant", days=2)])  # a fresh, proven grant
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == [ada]


def test_bad_n(db_url: str) -> None:  # noqa: F811
    with session_scope(db_url) as s, pytest.raises(ValueError, match="at least 1"):
        engaged_segment(s, 1, last_n_campaigns=0)


def test_a_withdrawn_newsletter_consent_leaves_the_segment(db_url: str) -> None:  # noqa: F811
    """R24 and F6: an unsubscribe from another list withdraws the newsletter consent (granted
    false, not an objection) but leaves this list's subscription row as it was: out all the
    same, as a send would leave them out."""
    with session_scope(db_url) as s:
        lst = ContactList(name="news")
        s.add(lst)
        s.flush()
        ada = _contact(s, "ada", lst.id, "profiling")
        ben = _contact(s, "ben", lst.id, "profiling")
        camp = _campaign(s, lst.id)
        _opened(s, camp, ada, lst.id)
        _opened(s, camp, ben, lst.id)
        record(s, [_event(ben, "newsletter", "withdraw", days=1)])
        list_id = lst.id
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == [ada]


def test_opens_measured_under_a_withdrawn_tracking_consent_do_not_count(
    db_url: str,  # noqa: F811
) -> None:
    """R14 and F7: withdrawal applies to mail already sent, so the opens recorded under the
    tracking consent no longer place the person in a segment (profiling kept)."""
    with session_scope(db_url) as s:
        lst = ContactList(name="news")
        s.add(lst)
        s.flush()
        ada = _contact(s, "ada", lst.id, "profiling")
        cy = _contact(s, "cy", lst.id, "profiling")
        camp = _campaign(s, lst.id)
        _opened(s, camp, ada, lst.id)
        _opened(s, camp, cy, lst.id)
        record(s, [_event(cy, "tracking", "withdraw", days=1)])
        list_id = lst.id
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == [ada]


def test_the_segment_shown_is_the_segment_queued(db_url: str) -> None:  # noqa: F811
    """`contacts segment` (segment_members) and a send (queue_campaign) agree, whichever
    consent is missing."""
    with session_scope(db_url) as s:
        lst = ContactList(name="news")
        s.add(lst)
        s.flush()
        ada = _contact(s, "ada", lst.id, "profiling")
        left = [_contact(s, name, lst.id, "profiling") for name in ("ben", "cy", "dee")]
        camp = _campaign(s, lst.id)
        for cid in (ada, *left):
            _opened(s, camp, cid, lst.id)
        record(s, [
            _event(left[0], "newsletter", "withdraw", days=1),
            _event(left[1], "tracking", "withdraw", days=1),
            _event(left[2], "profiling", "withdraw", days=1),
        ])
        draft = Campaign(name="d", list_id=lst.id, subject="s", from_addr="n@example.com",
                         html="<p>Hi</p>", segment="engaged:3",
                         aggregate_token=secrets.token_urlsafe(16))
        s.add(draft)
        s.flush()
        shown = segment_members(s, "news", 3).emails
        queued = queue_campaign(s, draft, k_min=10, default_jurisdiction="strict")
        sent_to = s.scalars(
            select(Contact.email).join(Message, Message.contact_id == Contact.id)
            .where(Message.campaign_id == draft.id)
        ).all()
    assert shown == sent_to == ["ada@example.com"]
    assert (queued.queued, queued.outside_segment) == (1, 3)


def test_a_grant_past_the_workspace_expiry_leaves_the_segment(db_url: str) -> None:  # noqa: F811
    """As decide() reads it: a profiling grant older than its purpose's expiry is no basis, even
    before `consent expire` has recorded the expiry."""
    with session_scope(db_url) as s:
        lst = ContactList(name="news")
        s.add(lst)
        s.flush()
        ada = _contact(s, "ada", lst.id, "profiling")  # granted on T0, 2026-11-01
        ben = _contact(s, "ben", lst.id, "profiling")
        record(s, [_event(ben, "profiling", days=30)])  # granted again on 2026-12-01
        camp = _campaign(s, lst.id)
        _opened(s, camp, ada, lst.id)
        _opened(s, camp, ben, lst.id)
        list_id = lst.id
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == [ada, ben]
        set_expiry_days(s, "profiling", (datetime.now(UTC) - T0).days - 1)  # ada's has lapsed
    with session_scope(db_url) as s:
        assert engaged_segment(s, list_id) == [ben]
        assert segment_members(s, "news", 3).emails == ["ben@example.com"]
