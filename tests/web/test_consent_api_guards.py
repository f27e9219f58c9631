"""POST /api/consent through the whole app: strict booleans, plausible dates, no undoing a later
choice, one grant set for concurrent duplicates, and 422s that never echo the input."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from consentmail.consent import NewEvent, record
from consentmail.consent.notices import seed_default_notices
from consentmail.contacts.service import get_or_create_list
from consentmail.db import session_scope
from consentmail.db.models import Campaign, ConsentEvent, ConsentState, Contact, Notice
from tests.web.recipients import client_for, settings_for

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture
async def client(db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    with session_scope(db_url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Weekly News")
    async with client_for(settings_for(db_url, tmp_path)) as c:
        yield c


def _body(db_url: str, **kw: object) -> dict[str, object]:
    with session_scope(db_url) as s:
        versions = {
            n.purpose: n.version for n in s.scalars(select(Notice).where(Notice.language == "en"))
        }
    body: dict[str, object] = {
        "email": "alice@example.com",
        "purposes": {"tracking": True},
        "notice_versions": versions,
        "source": "shop-sync",
        "language": "en",
    }
    return body | kw


def _events(db_url: str) -> list[ConsentEvent]:
    with session_scope(db_url) as s:
        return list(s.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))


@pytest.mark.parametrize("value", ["yes", "on", "t", "1", 1, 0, "false", None])
async def test_only_json_true_or_false_is_a_choice(
    client: httpx.AsyncClient, db_url: str, value: object
) -> None:
    body = _body(db_url, purposes={"newsletter": False, "tracking": value})
    answer = await client.post("/api/consent", json=body, headers=AUTH)
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": [
            {
                "loc": ["body", "purposes", "tracking"],
                "msg": "Input should be a valid boolean",
                "type": "bool_type",
            }
        ]
    }
    assert _events(db_url) == []


@pytest.mark.parametrize(
    ("collected_at", "msg"),
    [
        ("0001-01-01T00:00:00+14:00", "collected_at: not a representable date"),
        ("0001-01-01T00:00:00Z", "collected_at: before 2000-01-01: not a plausible consent date"),
        ("1990-01-01T00:00:00Z", "collected_at: before 2000-01-01: not a plausible consent date"),
    ],
)
async def test_implausible_consent_dates_are_422_naming_collected_at(
    client: httpx.AsyncClient, db_url: str, collected_at: str, msg: str
) -> None:
    body = _body(db_url, collected_at=collected_at)
    answer = await client.post("/api/consent", json=body, headers=AUTH)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"loc": ["body", "collected_at"], "msg": msg, "type": "value_error"}
    ]
    assert _events(db_url) == []


async def test_a_backdated_grant_does_not_undo_a_later_withdrawal(
    client: httpx.AsyncClient, db_url: str
) -> None:
    given = _body(db_url, collected_at="2026-11-20T09:00:00Z", source="checkout")
    assert (await client.post("/api/consent", json=given, headers=AUTH)).status_code == 201
    with session_scope(db_url) as s:
        contact_id = s.scalar(select(Contact.id))
        assert contact_id is not None
        at = datetime(2026, 12, 4, 17, 6, 30, tzinfo=UTC)
        record(s, [NewEvent(contact_id, "tracking", "withdraw", at, "campaign:1/stop", "web")])
    late = _body(db_url, collected_at="2026-12-01T10:00:00Z")
    answer = await client.post("/api/consent", json=late, headers=AUTH)
    assert answer.status_code == 409
    assert answer.json()["detail"] == [
        {
            "loc": ["body", "purposes", "tracking"],
            "msg": "purposes.tracking: a later choice is on record: withdraw on "
            "2026-12-04T17:06:30Z; send the current choice or omit collected_at",
            "type": "conflict",
        }
    ]
    with session_scope(db_url) as s:
        state = s.get(ConsentState, (contact_id, "tracking"))
        assert state is not None and not state.granted
    # Without collected_at the grant is the current choice: recorded.
    now = _body(db_url)
    assert (await client.post("/api/consent", json=now, headers=AUTH)).status_code == 201


async def test_a_lone_surrogate_is_a_422_that_does_not_echo_it(
    client: httpx.AsyncClient, db_url: str
) -> None:
    raw = json.dumps(_body(db_url)).replace('"shop-sync"', '"sh\\ud800op"')
    answer = await client.post(
        "/api/consent", content=raw, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {
            "loc": ["body", "source"],
            "msg": "Input should be a valid string, unable to parse raw data as a unicode string",
            "type": "string_unicode",
        }
    ]
    # A surrogate in a key comes back escaped, never as unencodable text.
    raw = json.dumps(_body(db_url, purposes={"x": True})).replace('"x"', '"\\udfff"')
    answer = await client.post(
        "/api/consent", content=raw, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {
            "loc": ["body", "purposes", "\\udfff"],
            "msg": "purposes.\\udfff: unknown purpose; expected one of newsletter, tracking, "
            "profiling",
            "type": "value_error",
        }
    ]


async def test_a_validation_error_never_echoes_the_input(
    client: httpx.AsyncClient, db_url: str
) -> None:
    big = "x" * 900_000  # under the API's body limit, over the field's 200 characters
    answer = await client.post("/api/consent", json=_body(db_url, source=big), headers=AUTH)
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": [
            {
                "loc": ["body", "source"],
                "msg": "String should have at most 200 characters",
                "type": "string_too_long",
            }
        ]
    }
    assert len(answer.content) < 200


async def test_many_errors_are_cut_to_the_first_twenty(
    client: httpx.AsyncClient, db_url: str
) -> None:
    purposes = {f"p{i}": "yes" for i in range(50)}
    answer = await client.post("/api/consent", json=_body(db_url, purposes=purposes), headers=AUTH)
    detail = answer.json()["detail"]
    assert answer.status_code == 422 and len(detail) == 21
    assert detail[-1] == {"loc": [], "msg": "30 more errors not shown", "type": "too_many"}


async def test_eight_identical_concurrent_requests_record_one_grant(
    client: httpx.AsyncClient, db_url: str
) -> None:
    body = _body(db_url, purposes={"newsletter": True, "tracking": True}, list="Weekly News")
    with session_scope(db_url) as s:  # known already: no insert of the contact to queue behind
        s.add(Contact(email="alice@example.com"))
    # The route runs in the thread pool: eight threads race on the same database.
    answers = await asyncio.gather(
        *(client.post("/api/consent", json=body, headers=AUTH) for _ in range(8))
    )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    ids = [e.id for e in _events(db_url)]
    assert len(ids) == 2 and all(a.json()["event_ids"] == ids for a in answers)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/messages", {"to": "a@example.org", "category": "transactional", "subject": "Hi",
                           "from": "n@example.org", "template": "<p>hello</p>"}),
        ("/api/campaigns", {"name": "Dec", "subject": "Hi", "from": "n@example.org",
                            "html": "<p>x</p>"}),
    ],
)
async def test_a_sender_name_with_a_line_break_is_422_on_its_field(
    client: httpx.AsyncClient, db_url: str, path: str, body: dict[str, object]
) -> None:
    body = body | {"from_name": "Shop\r\nBcc: evil@attacker.example"}
    answer = await client.post(path, json=body, headers=AUTH)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {
            "loc": ["body", "from_name"],
            "msg": "Value error, contains a line break (CR); names are used in mail headers",
            "type": "value_error",
        }
    ]
    with session_scope(db_url) as s:
        assert s.scalars(select(Campaign)).all() == []


async def test_bad_json_says_where_and_why(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/api/consent", content=b'{"email": ', headers={**AUTH, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error == {
        "loc": ["body", 10], "msg": "JSON decode error: Expecting value", "type": "json_invalid"
    }
