"""POST /api/messages through the real FastAPI app, then a real delivery to an SMTP sink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from consentmail.campaigns.runner import builder_for
from consentmail.config import Settings
from consentmail.consent import NewEvent, record
from consentmail.db import session_scope
from consentmail.db.models import Campaign, ConsentEvent, Contact, Message
from consentmail.delivery import SmtpTransport, Worker
from consentmail.web import api_messages
from consentmail.web.app import create_app
from tests.smtp_sink import SmtpSink

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RESET = (
    "<p>Hello {{ contact.first_name or 'there' }},</p>"
    '<p><a href="https://app.example/reset?t={{ data.token }}">Reset your password</a></p>'
    "<p>Order {{ data.order.number }}: {% for i in data.order['items'] %}{{ i }} {% endfor %}</p>"
)


def settings_for(db_url: str, data_dir: Path, smtp_url: str = "capture://") -> Settings:
    return Settings(
        data_dir=data_dir, database_url=db_url, public_url="https://mail.shop.example",
        smtp_url=smtp_url, secret_key="s", api_token=TOKEN, run_worker=False,
    )


def app_for(settings: Settings) -> Any:
    """The real application (TrackingApp in front of FastAPI), with the messages router."""
    app = create_app(settings, run_worker=False)
    fastapi_app: FastAPI = app.fallback  # type: ignore[attr-defined]
    if not any(getattr(r, "path", "") == "/api/messages" for r in fastapi_app.routes):
        fastapi_app.include_router(api_messages.router)  # until app.py mounts it
    return app


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def connect(settings: Settings) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app_for(settings))
    return httpx.AsyncClient(transport=transport, base_url="https://mail.shop.example")


@pytest.fixture
async def client(db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(settings_for(db_url, tmp_path)) as c:
        yield c


def body(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "to": "Zoe.Client@Example.ORG",
        "category": "security",
        "subject": "Reset your password",
        "from": "security@shop.example",
        "template": RESET,
        "data": {"token": "tok-123", "order": {"number": "A-1042", "items": ["scarf", "hat"]}},
    }
    values.update(changes)
    return values


async def post(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **changes: Any
) -> httpx.Response:
    return await client.post("/api/messages", json=body(**changes), headers=headers or AUTH)


def count(db_url: str, model: Any) -> int:
    with session_scope(db_url) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


async def test_needs_the_bearer_token(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/messages", json=body())
    assert r.status_code == 401


async def test_queues_one_message_for_a_new_contact_without_consent(
    client: httpx.AsyncClient, db_url: str
) -> None:
    r = await post(client, idempotency_key="k-1")
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["status"] == "queued" and out["replayed"] is False
    assert out["tracking"] == {"open": "none", "click": "none"}  # measure none by default
    with session_scope(db_url) as s:
        msg = s.get(Message, out["id"])
        assert msg is not None and msg.list_id is None and msg.idempotency_key == "k-1"
        assert msg.transactional_data["order"]["number"] == "A-1042"
        campaign = s.get(Campaign, msg.campaign_id)
        assert campaign is not None and campaign.list_id is None
        assert campaign.status == "transactional" and campaign.category == "security"
        contact = s.get(Contact, msg.contact_id)
        assert contact is not None and contact.email == "zoe.client@example.org"
        events = select(ConsentEvent).where(ConsentEvent.contact_id == contact.id)
        assert not s.scalars(events).all()


async def test_the_same_idempotency_key_returns_the_same_message(
    client: httpx.AsyncClient, db_url: str
) -> None:
    first = await post(client, idempotency_key="order-1042")
    again = await post(client, idempotency_key="order-1042")
    header = await post(client, {**AUTH, "Idempotency-Key": "order-1042"})
    assert first.status_code == 202 and again.status_code == 200 and header.status_code == 200
    assert first.json()["id"] == again.json()["id"] == header.json()["id"]
    assert again.json()["replayed"] is True
    assert count(db_url, Message) == 1

    other = await post(client, idempotency_key="order-1042", data={"x": 1})
    assert other.status_code == 409
    assert count(db_url, Message) == 1
    fresh = await post(client, idempotency_key="order-1043")
    assert fresh.status_code == 202 and count(db_url, Message) == 2


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"category": "marketing"}, 422, "category"),
        ({"to": "not-an-address"}, 422, "to:"),
        ({"template_id": 1}, 422, "either template"),
        ({"template": None, "template_id": 999}, 404, "no such campaign"),
        ({"template": None, "template_id": 2**70}, 404, "no such campaign"),  # no 64-bit id
        ({"template": "<p>{% if %}</p>"}, 422, "api-message.html:1"),
        ({"subject": "Hi\r\nBcc: x@evil.example"}, 422, "single line"),
        ({"from": "a@b.example\r\nBcc: x@evil.example"}, 422, "control character"),
        ({"template": '<img src="https://img.example/{{ contact.email }}.gif">'}, 422,
         "img[src]"),
    ],
)
async def test_refused_requests(
    client: httpx.AsyncClient, changes: dict[str, Any], status: int, words: str, db_url: str
) -> None:
    r = await post(client, **changes)
    assert r.status_code == status, r.text
    assert words in r.text
    assert count(db_url, Message) == 0


async def test_policy_decides_with_the_recipients_consent(
    client: httpx.AsyncClient, db_url: str
) -> None:
    """Individual measurement needs tracking consent (law 1); with it, the policy allows it."""
    r = await post(client, category="transactional", measure="individual")
    assert r.status_code == 202 and "personal" not in r.json()["tracking"].values()

    with session_scope(db_url) as s:
        contact = Contact(email="ugo@example.it", country="IT")
        s.add(contact)
        s.flush()
        at = datetime(2026, 1, 5, tzinfo=UTC)
        record(s, [NewEvent(contact.id, "tracking", "grant", at, "test", "form")])
    r = await post(client, to="ugo@example.it", category="transactional", measure="individual")
    assert r.status_code == 202
    assert r.json()["tracking"] == {"open": "personal", "click": "personal"}


async def test_template_id_uses_a_campaign_template(
    client: httpx.AsyncClient, db_url: str
) -> None:
    with session_scope(db_url) as s:
        base = Campaign(
            name="receipt", subject="Receipt {{ data.n }}", from_addr="shop@shop.example",
            html="<p>Receipt {{ data.n }}</p>", category="transactional",
            aggregate_token="agg-receipt",
        )
        s.add(base)
        s.flush()
        base_id = base.id
    payload = {"to": "a@example.org", "category": "transactional", "template_id": base_id,
               "data": {"n": 7}}
    r = await client.post("/api/messages", json=payload, headers=AUTH)
    assert r.status_code == 202, r.text
    with session_scope(db_url) as s:
        msg = s.get(Message, r.json()["id"])
        assert msg is not None and msg.campaign_id != base_id
        hidden = s.get(Campaign, msg.campaign_id)
        assert hidden is not None and hidden.subject == "Receipt {{ data.n }}"


async def test_delivered_once_over_smtp_with_data_and_no_list_headers(
    db_url: str, tmp_path: Path
) -> None:
    with SmtpSink() as sink:
        settings = settings_for(db_url, tmp_path, sink.url)
        async with connect(settings) as c:
            r = await post(c, idempotency_key="reset-1")
            assert r.status_code == 202
            await _deliver(settings)
            again = await post(c, idempotency_key="reset-1")
            assert again.status_code == 200 and again.json()["status"] == "sent"
            await _deliver(settings)  # nothing left to send: the replay queued nothing
        assert len(sink.received) == 1
        mail = sink.received[0]
        message = mail.message
        assert mail.rcpt_tos == ("zoe.client@example.org",)
        assert message["Subject"] == "Reset your password"
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
        html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        assert "Hello there," in html and "https://app.example/reset?t=tok-123" in html
        assert "Order A-1042: scarf hat" in html
    with session_scope(db_url) as s:
        assert s.scalars(select(Message.status)).all() == ["sent"]


async def _deliver(settings: Settings) -> None:
    transport = SmtpTransport.from_url(settings.smtp_url, 1)
    worker = Worker(settings.database_url, transport, builder_for(settings), idle_sleep=0.01)
    try:
        await worker.run(until_idle=True)
    finally:
        await transport.aclose()
