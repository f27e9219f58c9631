"""POST /api/campaigns refuses what `campaigns create` refuses, with the same sentences."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from consentmail.db import session_scope
from consentmail.db.models import Campaign, ContactList
from tests.web.recipients import client_for, settings_for

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": "Bearer test-token"}
BODY = {"name": "n", "subject": "s", "from": "news@shop.example", "html": "<p>Hi</p>"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def post(db_url: str, tmp_path: Path, **fields: object) -> httpx.Response:
    async with client_for(settings_for(db_url, tmp_path)) as client:
        return await client.post("/api/campaigns", json={**BODY, **fields}, headers=AUTH)


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"list": "news", "category": "security"},
         "category security cannot go to a list: security mail is sent to one person at a "
         "time, when an application triggers it; send it through the transactional API "
         "(POST /api/messages)"),
        ({"list": "nolist"}, "no list named 'nolist'"),
        ({"list": "news", "html": "  \n"}, "the template 'api' is empty"),
        ({"list": "news", "subject": " "}, "the subject (--subject) is empty"),
        ({"list": "news", "category": "mandatory", "segment": "engaged:3"},
         "--segment picks recipients of a marketing campaign to a list only"),
    ],
)
async def test_refused_like_the_cli(
    db_url: str, tmp_path: Path, fields: dict[str, object], detail: str
) -> None:
    with session_scope(db_url) as s:
        s.add(ContactList(name="news"))
    answer = await post(db_url, tmp_path, **fields)
    assert (answer.status_code, answer.json()) == (422, {"detail": detail})
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0
        assert s.scalars(select(ContactList.name)).all() == ["news"]


async def test_a_segment_is_stored(db_url: str, tmp_path: Path) -> None:
    with session_scope(db_url) as s:
        s.add(ContactList(name="news"))
    answer = await post(db_url, tmp_path, list="news", segment="engaged:4")
    assert answer.status_code == 201, answer.text
    with session_scope(db_url) as s:
        stored = s.get(Campaign, answer.json()["id"])
        assert stored is not None and stored.segment == "engaged:4"


@pytest.mark.parametrize("path", ["send", "report"])
async def test_an_id_beyond_64_bits_is_no_campaign(db_url: str, tmp_path: Path, path: str) -> None:
    huge = 2**70  # no database column holds it: the drivers would raise, not find nothing
    async with client_for(settings_for(db_url, tmp_path)) as client:
        method = client.post if path == "send" else client.get
        answer = await method(f"/api/campaigns/{huge}/{path}", headers=AUTH)
    assert answer.status_code == 404
