"""U+0000 is refused at the edge (web/nul_guard.py): PostgreSQL raised on it at the first look-up,
so a token or field with %00 was a 500 there and was stored as it came on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.recipients import client_for, settings_for

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": "Bearer test-token"}
CONSENT = {
    "email": "nul@example.com", "purposes": {"tracking": True},
    "notice_versions": {"tracking": "2026-12-01"}, "source": "shop", "language": "en",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/p/abc%00def"), ("GET", "/t/abc%00def"), ("GET", "/p/abc%00def/data"),
     ("HEAD", "/p/x%00"), ("POST", "/u/abc%00"), ("GET", "/confirm/abc%00"),
     ("GET", "/subscribe/demo%00newsletter")],
)
async def test_a_nul_in_the_path_is_not_found(
    db_url: str, tmp_path: Path, method: str, path: str
) -> None:
    async with client_for(settings_for(db_url, tmp_path)) as client:
        answer = await client.request(method, path)
    assert answer.status_code == 404


async def test_a_nul_in_the_query_is_a_bad_request(db_url: str, tmp_path: Path) -> None:
    async with client_for(settings_for(db_url, tmp_path)) as client:
        answer = await client.get("/privacy?lang=e%00n")
    assert (answer.status_code, answer.text) == (
        400, "the query string contains a NUL character (U+0000), which no field here accepts\n"
    )


@pytest.mark.parametrize(
    "body",
    [{**CONSENT, "list": "De\u0000mo"},
     {**CONSENT, "notice_versions": {"tracking": "2026-1\x0001"}}],
    ids=["list", "notice-version"],
)
async def test_a_nul_in_json_is_422_naming_it(
    db_url: str, tmp_path: Path, body: dict[str, object]
) -> None:
    async with client_for(settings_for(db_url, tmp_path)) as client:
        answer = await client.post("/api/consent", json=body, headers=AUTH)
    assert (answer.status_code, answer.json()) == (422, {
        "detail": "the request body contains a NUL character (U+0000), which no field here accepts"
    })


async def test_a_nul_in_a_form_split_across_chunks_is_found(db_url: str, tmp_path: Path) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b"email=a@example.com&first_name=A%0"
        yield b"0b&purpose=newsletter"

    async with client_for(settings_for(db_url, tmp_path)) as client:
        answer = await client.post(
            "/subscribe/news", content=chunks(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert answer.status_code == 422


async def test_ordinary_input_passes(db_url: str, tmp_path: Path) -> None:
    async with client_for(settings_for(db_url, tmp_path)) as client:
        assert (await client.get("/privacy?lang=en")).status_code == 200
        assert (await client.get("/p/no-such-token")).status_code == 404  # unknown, not refused
