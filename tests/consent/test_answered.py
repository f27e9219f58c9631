"""A permission request is answered by the first choice on its purpose at or after it was sent,
whichever path records it: record() (API, pages, forms) or record_bulk() (imports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from consentmail.consent import NewEvent
from consentmail.consent.bulk import record_bulk
from consentmail.consent.proof import proof_for
from consentmail.consent.repermission import eligible_for_request, record_request
from consentmail.db import session_scope
from consentmail.db.models import PermissionRequest
from tests.consent.conftest import T0, add_contact, grant

LONG_AGO = T0 - timedelta(days=365)  # collected long before: only the requests hold anything


def _answered(db_url: str) -> dict[str, datetime | None]:
    with session_scope(db_url) as s:
        rows = s.execute(select(PermissionRequest.purpose, PermissionRequest.answered_at)).all()
        return {p: (a.replace(tzinfo=UTC) if a and a.tzinfo is None else a) for p, a in rows}


def test_a_choice_after_the_request_answers_it_and_the_proof_says_so(db_url: str) -> None:
    with session_scope(db_url) as s:
        c = add_contact(s, "a@example.com", collected_at=LONG_AGO)
        record_request(s, c.id, "profiling", T0)
        record_request(s, c.id, "tracking", T0)
        grant(s, c.id, "profiling", at=T0 + timedelta(hours=2))
        grant(s, c.id, "profiling", action="withdraw", at=T0 + timedelta(days=1))
    # The first answer is the one kept; tracking's request is still open.
    assert _answered(db_url) == {"profiling": T0 + timedelta(hours=2), "tracking": None}
    with session_scope(db_url) as s:
        proof = proof_for(s, "a@example.com")
    answers = {r["purpose"]: r["answered_at"] for r in proof["requests"]}
    assert answers == {"profiling": (T0 + timedelta(hours=2)).isoformat(), "tracking": None}


def test_an_expiry_or_an_older_choice_answers_nothing(db_url: str) -> None:
    with session_scope(db_url) as s:
        c = add_contact(s, "a@example.com", collected_at=LONG_AGO)
        record_request(s, c.id, "tracking", T0)
        grant(s, c.id, "tracking", action="expire", at=T0 + timedelta(days=1))
        # A grant dated before the request (an import of an older consent) is no answer to it.
        grant(s, c.id, "tracking", at=T0 - timedelta(days=3))
        grant(s, c.id, "newsletter", at=T0 + timedelta(days=1))  # another purpose
        other = add_contact(s, "b@example.com", collected_at=LONG_AGO)
        grant(s, other.id, "tracking", at=T0 + timedelta(days=1))  # another person
    assert _answered(db_url) == {"tracking": None}


def test_bulk_appends_answer_requests_too(db_url: str) -> None:
    with session_scope(db_url) as s:
        a = add_contact(s, "a@example.com", collected_at=LONG_AGO)
        b = add_contact(s, "b@example.com", collected_at=LONG_AGO)
        record_request(s, a.id, "tracking", T0)
        record_request(s, b.id, "tracking", T0)
        record_bulk(
            s,
            [
                NewEvent(a.id, "tracking", "grant", T0 + timedelta(days=2), "import:x", "import"),
                NewEvent(a.id, "newsletter", "grant", T0 + timedelta(days=2), "import:x",
                         "import"),
                NewEvent(b.id, "tracking", "grant", T0 - timedelta(days=2), "import:x", "import"),
            ],
        )
        s.commit()
        rows = dict(
            s.execute(select(PermissionRequest.contact_id, PermissionRequest.answered_at)).all()
        )
        assert rows[b.id] is None
        assert rows[a.id] is not None
        assert rows[a.id].replace(tzinfo=UTC) == T0 + timedelta(days=2)
        # b's open request still holds the six months; a's answered one does not.
        assert eligible_for_request(s, a.id, "profiling", T0 + timedelta(days=3))
        assert not eligible_for_request(s, b.id, "tracking", T0 + timedelta(days=30))
