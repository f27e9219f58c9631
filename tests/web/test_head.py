"""HEAD on the public pages (link checkers, mail scanners and uptime probes send it): answered like
GET, status and headers without the body, and, like GET, it changes nothing (law 4)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from consentmail.consent.capture import (
    Signup,
    SignupStatus,
    find_list,
    form_notices,
    look_up_signup,
    submit_signup,
)
from consentmail.consent.notices import seed_default_notices
from consentmail.db import session_scope
from consentmail.web.app import create_app
from tests.web.recipients import (
    Made,
    granted,
    ledger_size,
    make_recipient,
    settings_for,
    subscribed,
)

pytestmark = pytest.mark.anyio


def _pages_app(db_url: str, tmp_path: Path) -> FastAPI:
    app = create_app(settings_for(db_url, tmp_path), retention_interval=None)
    fallback = app.fallback  # type: ignore[attr-defined]  # behind the raw tracking routes
    assert isinstance(fallback, FastAPI)
    return fallback


def _flat(routes: Iterable[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI keeps routers nested
        yield from _flat(included.routes) if included is not None else (route,)


def test_every_public_route_that_answers_get_answers_head(db_url: str, tmp_path: Path) -> None:
    public = [
        r for r in _flat(_pages_app(db_url, tmp_path).routes)
        if "GET" in (getattr(r, "methods", None) or ())
        and not r.path.startswith(("/api", "/admin"))
    ]
    assert len(public) >= 10
    missing = [r.path for r in public if "HEAD" not in r.methods]
    assert not missing, f"GET without HEAD: {missing}"


def _pending_signup(db_url: str) -> str:
    with session_scope(db_url) as s:
        seed_default_notices(s)
        lst = find_list(s, "news")
        assert lst is not None
        shown = {p: (n.language, n.version) for p, n in form_notices(s, "en").items()}
        signup = Signup("grace@example.org", ["newsletter", "tracking"], shown, "en")
        return submit_signup(s, lst, signup).token


def _state(db_url: str, made: Made, signup: str) -> tuple[object, ...]:
    with session_scope(db_url) as s:
        status = look_up_signup(s, signup).status
    return (
        ledger_size(db_url),
        subscribed(db_url, made.contact_id, made.list_ids["news"]),
        granted(db_url, made.contact_id, "newsletter"),
        granted(db_url, made.contact_id, "tracking"),
        status,
    )


async def test_head_answers_like_get_and_changes_nothing(
    client: httpx.AsyncClient, db_url: str
) -> None:
    made = make_recipient(db_url)
    signup = _pending_signup(db_url)
    before = _state(db_url, made, signup)
    assert before[1:] == (True, True, True, SignupStatus.OPEN)
    t = made.page_token
    paths = [
        f"/u/{t}", f"/t/{t}", f"/p/{t}", f"/p/{t}/data", f"/p/{t}/data.json", "/privacy?lang=it",
        "/subscribe/news", f"/confirm/{signup}", "/", "/healthz",
    ]
    for path in paths:
        for _ in range(2):  # a scanner may come twice
            head = await client.head(path)
            assert head.status_code == 200, (path, head.status_code)
            assert head.content == b""
        get = await client.get(path)
        assert get.status_code == 200 and get.content, path
        for name in ("content-type", "cache-control", "referrer-policy", "content-disposition"):
            assert head.headers.get(name) == get.headers.get(name), (path, name)
    assert _state(db_url, made, signup) == before  # still subscribed, tracking on, signup open


async def test_head_on_an_unknown_token_is_a_404_like_get(client: httpx.AsyncClient) -> None:
    for path in ("/u/nope", "/t/nope", "/p/nope", "/p/nope/data", "/confirm/nope"):
        head = await client.head(path)
        assert head.status_code == (await client.get(path)).status_code == 404, path
