"""API bearer token and admin Basic login: any bytes a client sends are a plain 401, never a 500;
a token with non-ASCII characters works when sent as UTF-8."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from tests.web.recipients import client_for, settings_for

pytestmark = pytest.mark.anyio


def _basic(user: bytes, password: bytes) -> bytes:
    return b"Basic " + base64.b64encode(user + b":" + password)


async def _statuses(client: httpx.AsyncClient, path: str, values: list[bytes]) -> list[int]:
    return [(await client.get(path, headers={"Authorization": v})).status_code for v in values]


async def test_non_ascii_bearer_tokens_are_refused_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    values = [b"Bearer \xe9", "Bearer é".encode(), b"Bearer test-token\xe9", b"Bearer \xff\xfe"]
    assert await _statuses(client, "/api/notices", values) == [401, 401, 401, 401]
    refused = await client.get("/api/notices", headers={"Authorization": b"Bearer \xe9"})
    assert refused.headers["www-authenticate"] == "Bearer"
    assert await _statuses(client, "/api/notices", [b"Bearer test-token"]) == [200]


async def test_non_ascii_admin_passwords_are_refused_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    values = [
        _basic(b"admin", "é".encode()),
        _basic(b"admin", b"\xe9"),  # Latin-1, not UTF-8
        _basic("ädmin".encode(), b"test-token"),
        b"Basic \xe9",  # not base64 at all
        b"Basic YWRtaW4",  # base64 of "admin": no colon, no password
    ]
    assert await _statuses(client, "/admin", values) == [401, 401, 401, 401, 401]
    refused = await client.get("/admin", headers={"Authorization": values[0]})
    assert refused.headers["www-authenticate"] == 'Basic realm="consentmail"'
    assert await _statuses(client, "/admin", [_basic(b"admin", b"test-token")]) == [200]


async def test_a_non_ascii_token_is_accepted_as_utf8(db_url: str, tmp_path: Path) -> None:
    async with client_for(settings_for(db_url, tmp_path, api_token="clé-secrète")) as c:
        token = "clé-secrète".encode()
        assert await _statuses(c, "/api/notices", [b"Bearer " + token]) == [200]
        assert await _statuses(c, "/admin", [_basic(b"admin", token)]) == [200]
        assert await _statuses(c, "/api/notices", [b"Bearer cl\xe9-secr\xe8te"]) == [401]
