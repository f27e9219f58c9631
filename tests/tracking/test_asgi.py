"""The public open/click endpoints, in-process over a real SQLite database."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import inspect, text

from consentmail.db import get_engine
from consentmail.tracking import PIXEL, Agent, Hit, Ingest, Resolver, TrackingApp
from tests.tracking.world import ADA_INVITE, L1, L6, World, build, counters, engagements

pytestmark = pytest.mark.anyio
NO_STORE = "no-store, no-cache, must-revalidate, max-age=0"
UA = "Mozilla/5.0 (X11; Linux x86_64) Thunderbird/128.0 Special-Agent-7Q"
READER = "198.51.100.77"


async def fallback(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"fallback"})


@dataclass
class Rig:
    world: World
    ingest: Ingest
    client: httpx.AsyncClient

    @property
    def url(self) -> str:
        return self.world.url


def _client(app: TrackingApp, ip: str = READER) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://t", headers={"user-agent": UA})


@pytest.fixture
async def rig(sqlite_url: str) -> AsyncIterator[Rig]:
    world = build(sqlite_url)
    ingest = Ingest(sqlite_url)
    async with _client(TrackingApp(Resolver(sqlite_url), ingest, fallback)) as client:
        yield Rig(world, ingest, client)


class Sink:
    def __init__(self) -> None:
        self.hits: list[Hit] = []

    def add(self, hit: Hit) -> None:
        self.hits.append(hit)


class BrokenSink:
    def add(self, hit: Hit) -> None:
        raise RuntimeError("buffer unavailable")


async def test_personal_pixel_is_a_43_byte_uncached_gif_and_the_hit_is_recorded(rig: Rig) -> None:
    response = await rig.client.get(f"/o/{rig.world.track_token}.gif")
    assert response.status_code == 200
    assert response.content == PIXEL and len(response.content) == 43
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == NO_STORE
    rig.ingest.flush_now()
    [row] = engagements(rig.url)
    assert (row.message_id, row.kind, row.human_hits) == (rig.world.message_id, "open", 1)


async def test_aggregate_pixel_is_counted_without_identity(sqlite_url: str) -> None:
    world = build(sqlite_url, tracking=False)
    ingest = Ingest(sqlite_url)
    async with _client(TrackingApp(Resolver(sqlite_url), ingest, fallback)) as client:
        response = await client.get(f"/o/a/{world.aggregate_token}.gif")
    assert (response.status_code, response.content) == (200, PIXEL)
    ingest.flush_now()
    assert [(c.kind, c.human, c.machine) for c in counters(sqlite_url)] == [("open", 1, 0)]
    assert engagements(sqlite_url) == []


async def test_clicks_land_exactly_on_the_authors_url(rig: Rig) -> None:
    token, agg = rig.world.track_token, rig.world.aggregate_token
    expected = {
        f"/c/{token}/0": L6,  # L6: the fragment, on the original host
        f"/c/{token}/1": L1,  # L1: byte for byte
        f"/c/{token}/2": ADA_INVITE,  # L7: the recipient's own filled URL
        f"/c/a/{agg}/0": L6,
        f"/c/a/{agg}/1": L1,
    }
    for path, destination in expected.items():
        response = await rig.client.get(path)
        assert response.status_code == 302, path
        assert response.headers["location"] == destination
        assert response.headers["cache-control"] == NO_STORE
    assert rig.ingest.flush_now().hits == 5


async def test_unknown_forged_and_malformed_urls_are_404_and_never_redirect(rig: Rig) -> None:
    token, agg = rig.world.track_token, rig.world.aggregate_token
    forged = secrets.token_urlsafe(16)
    paths = [
        f"/o/{forged}.gif", f"/o/a/{forged}.gif", f"/c/{forged}/0", f"/c/a/{forged}/0",
        f"/c/{token}/9", f"/c/a/{agg}/9",  # forged link indexes
        f"/c/a/{agg}/2",  # a merge-field link is never tracked in aggregate (L7)
        f"/o/a/{token}.gif", f"/c/a/{token}/0", f"/o/{agg}.gif",  # token of the other kind
        f"/c/{token}/01", f"/c/{token}/-1", f"/c/{token}/0/x", f"/o/{token}.png", "/o/short.gif",
        "/c/", "/o/",
    ]
    for path in paths:
        response = await rig.client.get(path)
        assert response.status_code == 404, path
        assert "location" not in response.headers
    assert rig.ingest.accepted == 0


async def test_head_is_answered_and_never_counted(rig: Rig) -> None:
    token = rig.world.track_token
    pixel = await rig.client.head(f"/o/{token}.gif")
    assert (pixel.status_code, pixel.content) == (200, b"")
    assert pixel.headers["content-length"] == "43"
    assert pixel.headers["content-type"] == "image/gif"
    link = await rig.client.head(f"/c/{token}/0")
    assert (link.status_code, link.headers["location"]) == (302, L6)
    assert rig.ingest.accepted == 0
    assert rig.ingest.flush_now().hits == 0
    assert engagements(rig.url) == []


async def test_other_methods_are_refused(rig: Rig) -> None:
    response = await rig.client.post(f"/o/{rig.world.track_token}.gif")
    assert (response.status_code, response.headers["allow"]) == (405, "GET, HEAD")


async def test_everything_else_goes_to_the_fallback(rig: Rig) -> None:
    for path in ("/", "/health", "/o", "/ox/1", "/campaigns/o/"):
        response = await rig.client.get(path)
        assert (response.status_code, response.content) == (200, b"fallback"), path


async def test_urls_the_message_never_carried_are_404(sqlite_url: str) -> None:
    world = build(sqlite_url, profile="fr-cnil-2026", tracking=False)  # personal opens only
    assert world.click_mode == "none"
    async with _client(TrackingApp(Resolver(sqlite_url), Sink(), fallback)) as client:
        assert (await client.get(f"/o/{world.track_token}.gif")).status_code == 200
        assert (await client.get(f"/c/{world.track_token}/0")).status_code == 404


async def test_a_recording_failure_never_changes_the_answer(sqlite_url: str) -> None:
    world = build(sqlite_url)
    async with _client(TrackingApp(Resolver(sqlite_url), BrokenSink(), fallback)) as client:
        pixel = await client.get(f"/o/{world.track_token}.gif")
        link = await client.get(f"/c/{world.track_token}/0")
    assert (pixel.status_code, pixel.content) == (200, PIXEL)
    assert (link.status_code, link.headers["location"]) == (302, L6)


async def test_a_lookup_failure_still_serves_the_pixel_and_keeps_the_hit() -> None:
    def down(token: str, aggregate: bool) -> None:
        raise ConnectionError("database unreachable")

    sink = Sink()
    token = secrets.token_urlsafe(16)
    async with _client(TrackingApp(Resolver(loader=down), sink, fallback)) as client:
        pixel = await client.get(f"/o/{token}.gif")
        link = await client.get(f"/c/{token}/0")
    assert (pixel.status_code, pixel.content) == (200, PIXEL)
    assert link.status_code == 503  # no destination to send the reader to; never a guess
    assert [h.token for h in sink.hits] == [token]  # the flush resolves it again, or drops it


async def test_ip_and_user_agent_are_never_stored_or_logged(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = rig.world.track_token
    headers = {"x-forwarded-for": "192.0.2.201"}
    await rig.client.get(f"/o/{token}.gif", headers=headers)
    await rig.client.get(f"/c/{token}/1", headers=headers)
    await rig.client.get(f"/o/a/{rig.world.aggregate_token}.gif", headers=headers)
    assert rig.ingest.flush_now().counted == 3
    engine = get_engine(rig.url)
    with engine.connect() as conn:
        dump = repr([
            conn.execute(text(f'SELECT * FROM "{table}"')).all()
            for table in inspect(engine).get_table_names()
        ])
    for secret in (READER, "192.0.2.201", "Special-Agent-7Q", "Thunderbird"):
        assert secret not in dump
        assert secret not in caplog.text


async def test_forwarded_for_is_read_only_behind_a_trusted_proxy(sqlite_url: str) -> None:
    world = build(sqlite_url)
    path, proxy = f"/o/{world.track_token}.gif", "10.0.0.2"
    headers = {"x-forwarded-for": "192.0.2.1, 17.58.0.9", "user-agent": "Mozilla/5.0"}
    agents = []
    for trusted in (True, False):
        sink = Sink()
        app = TrackingApp(Resolver(sqlite_url), sink, fallback, trust_forwarded_for=trusted)
        async with _client(app, ip=proxy) as client:
            await client.get(path, headers=headers)
        agents.append(sink.hits[0].signals.agent)
    assert agents == [Agent.APPLE_PROXY, Agent.BARE]
