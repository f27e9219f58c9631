"""POST /api/consent: external forms' consent, recorded with its proof; errors name the field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from consentmail.config import Settings
from consentmail.consent.capture import IP_SETTING
from consentmail.consent.notices import seed_default_notices
from consentmail.contacts.service import get_or_create_list
from consentmail.db import session_scope
from consentmail.db.models import ConsentEvent, Notice, Setting, Subscription
from consentmail.web import api_consent

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    with session_scope(db_url) as s:
        seed_default_notices(s)
        get_or_create_list(s, "Weekly News")
    app = FastAPI()
    app.state.settings = Settings(
        data_dir=tmp_path,
        database_url=db_url,
        public_url="http://api.test",
        smtp_url="capture://",
        secret_key="test-secret",
        api_token="test-token",
        run_worker=False,
    )
    app.include_router(api_consent.router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
        yield c


def _versions(db_url: str) -> dict[str, str]:
    with session_scope(db_url) as s:
        return {
            n.purpose: n.version for n in s.scalars(select(Notice).where(Notice.language == "en"))
        }


def _body(db_url: str, **kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": "ada@example.org",
        "list": "Weekly News",
        "purposes": {"newsletter": True, "tracking": True, "profiling": False},
        "notice_versions": _versions(db_url),
        "source": "shop-checkout",
        "language": "en",
        "collected_at": "2026-12-02T10:00:00Z",
        "ip": "203.0.113.7",
    }
    body.update(kw)
    return body


def _events(db_url: str) -> list[ConsentEvent]:
    with session_scope(db_url) as s:
        return list(s.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))


async def test_needs_the_bearer_token(client: httpx.AsyncClient, db_url: str) -> None:
    answer = await client.post("/api/consent", json=_body(db_url))
    assert answer.status_code == 401 and _events(db_url) == []


async def test_records_consent_with_its_proof(client: httpx.AsyncClient, db_url: str) -> None:
    answer = await client.post("/api/consent", json=_body(db_url), headers=AUTH)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    assert data["subscribed"] is True and data["duplicate"] is False
    events = _events(db_url)
    assert [e.id for e in events] == data["event_ids"]
    assert [e.purpose for e in events] == ["newsletter", "tracking"]  # false records nothing
    with session_scope(db_url) as s:
        for e in events:
            notice = s.scalar(
                select(Notice).where(Notice.purpose == e.purpose, Notice.language == "en")
            )
            assert notice is not None
            assert (e.notice_version, e.notice_sha256) == (notice.version, notice.sha256)
            assert (e.source, e.method, e.action) == ("api:shop-checkout", "api", "grant")
            assert e.at.isoformat().startswith("2026-12-02T10:00:00")
            assert e.evidence["collected_at"].startswith("2026-12-02T10:00:00")
            assert e.ip_truncated == ""  # the workspace did not enable it
        assert s.scalar(select(Subscription.status)) == "subscribed"

    again = await client.post("/api/consent", json=_body(db_url), headers=AUTH)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["event_ids"] == data["event_ids"] and len(_events(db_url)) == 2


async def test_truncated_ip_only_when_enabled(client: httpx.AsyncClient, db_url: str) -> None:
    with session_scope(db_url) as s:
        s.add(Setting(key=IP_SETTING, value="1"))
    body = _body(db_url, ip="2001:db8:abcd:12::7", purposes={"tracking": True})
    assert (await client.post("/api/consent", json=body, headers=AUTH)).status_code == 201
    [event] = _events(db_url)
    assert event.ip_truncated == "2001:db8:abcd::"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "ada@@example"}, "email"),
        ({"notice_versions": {"newsletter": "2026-12-01"}}, "notice_versions.tracking"),
        ({"notice_versions": {"newsletter": "v9", "tracking": "v9"}}, "notice_versions.newsletter"),
        ({"purposes": {"newsletter": True, "marketing": True}}, "purposes.marketing"),
        ({"list": "Nope"}, "list"),
        ({"ip": "999.1.1.1"}, "ip"),
        ({"collected_at": "2999-01-01T00:00:00Z"}, "collected_at"),
        ({"source": None}, "source"),
        ({"notice_version": {}}, "notice_version"),  # misspelt field
    ],
)
async def test_validation_errors_name_the_field(
    client: httpx.AsyncClient, db_url: str, change: dict[str, object], field: str
) -> None:
    body = {k: v for k, v in _body(db_url, **change).items() if v is not None}
    answer = await client.post("/api/consent", json=body, headers=AUTH)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert ".".join(str(p) for p in error["loc"][1:]) == field
    if field not in ("source", "notice_version"):  # pydantic's own errors name it in loc
        assert error["msg"].startswith(f"{field}: ")
    assert _events(db_url) == []
