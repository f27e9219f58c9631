"""Request body limits (web/limits.py) in process: 413 by Content-Length, and by counting a
chunked body, which is not read past the limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from consentmail.web.limits import API_LIMIT, AUDIT_LIMIT, PUBLIC_LIMIT, body_limit
from tests.web.recipients import client_for, settings_for

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": "Bearer test-token"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    from consentmail.db import upgrade

    url = f"sqlite:///{tmp_path / 'limits.db'}"
    upgrade(url)
    async with client_for(settings_for(url, tmp_path)) as c:
        yield c


def test_limits_by_route() -> None:
    assert (PUBLIC_LIMIT, API_LIMIT) == (65536, 1048576)
    for path in ("/subscribe/news", "/confirm/x", "/p/x", "/t/x", "/u/x", "/privacy", "/"):
        assert body_limit(path) == PUBLIC_LIMIT, path
    assert body_limit("/api/consent") == body_limit("/api/notices") == API_LIMIT
    assert body_limit("/api/audit") == AUDIT_LIMIT == 2 * 50 * 1048576 + 1048576


async def test_a_declared_length_over_the_limit_is_413_without_reading(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/subscribe/news", content=b"a=" + b"x" * PUBLIC_LIMIT, headers=FORM)
    assert answer.status_code == 413
    assert answer.headers["connection"] == "close"
    assert answer.text == (
        "request body too large: at most 64 KiB (65536 bytes) for /subscribe/news\n"
    )
    # At the limit it goes through, to the form's own answer (no CSRF field: 403).
    answer = await client.post("/subscribe/news", content=b"x" * PUBLIC_LIMIT, headers=FORM)
    assert answer.status_code == 403 and "Form expired" in answer.text


async def test_a_chunked_body_is_counted_and_not_read_past_the_limit(
    client: httpx.AsyncClient,
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(1000):  # 16 MB if it were all read
            sent += 1
            yield b"x" * 16384

    answer = await client.post("/confirm/some-token", content=chunks(), headers=FORM)
    assert answer.status_code == 413
    assert "content-length" not in answer.request.headers  # it really was chunked
    assert answer.text.startswith("request body too large: at most 64 KiB (65536 bytes)")
    assert sent == 5  # 4 chunks are exactly 64 KiB; the fifth passes it and ends the reading


async def test_the_api_allows_a_mebibyte(client: httpx.AsyncClient) -> None:
    text = "x" * (API_LIMIT - 200)
    body = json.dumps({"purpose": "tracking", "version": "9", "language": "en", "text": text})
    answer = await client.post(
        "/api/notices", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422  # the notice's own limit of 20,000 characters, not 413
    answer = await client.post(
        "/api/notices",
        content=body + " " * 200,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json() == {
        "detail": "request body too large: at most 1 MiB (1048576 bytes) for /api/notices"
    }


async def test_the_audit_upload_takes_emails_larger_than_a_mebibyte(
    client: httpx.AsyncClient,
) -> None:
    html = b"<html><body>" + b"<p>news</p>" * 200_000 + b"</body></html>"  # 2.2 MB
    answer = await client.post(
        "/api/audit", files={"file": ("big.html", html, "text/html")}, headers=AUTH
    )
    assert answer.status_code == 200, answer.text[:200]
