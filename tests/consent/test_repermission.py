"""R10: no new request within six months of a refusal or of an unanswered request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consentmail.consent.repermission import (
    RepermissionError,
    add_months,
    eligible_for_request,
    mark_answered,
    next_request_allowed_at,
    record_request,
)
from consentmail.db import session_scope
from tests.consent.conftest import T0, add_contact, grant

LONG_AGO = T0 - timedelta(days=365)  # collected a year before: the collection holds nothing back


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 8, 31, tzinfo=UTC), 6) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 1, 12, tzinfo=UTC), 6) == datetime(
        2027, 5, 1, 12, tzinfo=UTC
    )


def test_never_asked_may_be_asked_granted_need_not(db_url: str) -> None:
    with session_scope(db_url) as s:
        c = add_contact(s, "a@example.com", collected_at=LONG_AGO)
        assert eligible_for_request(s, c.id, "tracking", T0)
        grant(s, c.id, "tracking")
        assert not eligible_for_request(s, c.id, "tracking", T0 + timedelta(days=400))
        with pytest.raises(RepermissionError, match="while it is granted"):
            record_request(s, c.id, "tracking", T0)


def test_no_answer_at_collection_holds_six_months_from_it(db_url: str) -> None:
    # Collected with tracking unticked (or "no" in the file): no event, but the collection was
    # the ask; a grant then an expiry is a choice on record, and the collection no longer holds.
    with session_scope(db_url) as s:
        c = add_contact(s, "a@example.com", collected_at=T0)
        assert next_request_allowed_at(s, c.id, "tracking") == datetime(2027, 5, 1, 12, tzinfo=UTC)
        assert not eligible_for_request(s, c.id, "tracking", T0 + timedelta(days=38))
        with pytest.raises(RepermissionError, match="before 2027-05-01"):
            record_request(s, c.id, "tracking", T0 + timedelta(days=38))
        assert eligible_for_request(s, c.id, "tracking", datetime(2027, 5, 1, 12, tzinfo=UTC))
        grant(s, c.id, "tracking", at=T0 + timedelta(days=1))
        grant(s, c.id, "tracking", action="expire", at=T0 + timedelta(days=2))
        assert next_request_allowed_at(s, c.id, "tracking") is None


@pytest.mark.parametrize("refusal", ["withdraw", "object"])
def test_six_months_after_a_refusal(db_url: str, refusal: str) -> None:
    with session_scope(db_url) as s:
        c = add_contact(s, "a@example.com", collected_at=LONG_AGO)
        grant(s, c.id, "tracking", action=refusal, at=T0)
        assert next_request_allowed_at(s, c.id, "tracking") == datetime(2027, 5, 1, 12, tzinfo=UTC)
        assert not eligible_for_request(s, c.id, "tracking", datetime(2027, 5, 1, 11, tzinfo=UTC))
        assert eligible_for_request(s, c.id, "tracking", datetime(2027, 5, 1, 12, tzinfo=UTC))
        assert eligible_for_request(s, c.id, "profiling", T0)  # other purposes are separate


def test_unanswered_request_pauses_six_months_answered_does_not(db_url: str) -> None:
    with session_scope(db_url) as s:
        c = add_contact(s, "a@example.com", collected_at=LONG_AGO)
        record_request(s, c.id, "tracking", T0)
        with pytest.raises(RepermissionError, match="before 2027-05-01"):
            record_request(s, c.id, "tracking", T0 + timedelta(days=30))
        assert eligible_for_request(s, c.id, "tracking", T0 + timedelta(days=182))
        # Answered (the person chose something after the request): the pause no longer applies,
        # but a refusal starts its own six months.
        assert mark_answered(s, c.id, "tracking", T0 + timedelta(days=2)) == 1
        assert eligible_for_request(s, c.id, "tracking", T0 + timedelta(days=3))
        grant(s, c.id, "tracking", action="withdraw", at=T0 + timedelta(days=3))
        assert not eligible_for_request(s, c.id, "tracking", T0 + timedelta(days=100))


def test_a_choice_after_the_request_counts_as_its_answer(db_url: str) -> None:
    with session_scope(db_url) as s:
        c = add_contact(s, "a@example.com", collected_at=LONG_AGO)
        record_request(s, c.id, "profiling", T0)
        grant(s, c.id, "profiling", at=T0 + timedelta(days=1))
        grant(s, c.id, "profiling", action="expire", at=T0 + timedelta(days=2))
        assert eligible_for_request(s, c.id, "profiling", T0 + timedelta(days=3))


def test_unknown_purpose(db_url: str) -> None:
    with session_scope(db_url) as s, pytest.raises(RepermissionError, match="purpose 'ads'"):
        eligible_for_request(s, 1, "ads", T0)
