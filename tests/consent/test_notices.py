"""Notices: immutable versions with their SHA-256, current version per language, and grants from
the preference page that point at the exact words shown (R12, R16)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.config import load_settings
from consentmail.consent import actions
from consentmail.consent._default_notices import DEFAULT_TEXTS, DEFAULT_VERSION
from consentmail.consent.notices import (
    CATALOGUE,
    LANGUAGES,
    NoticeConflict,
    NoticeError,
    add_notice,
    current_notice,
    seed_default_notices,
)
from consentmail.db import session_scope
from consentmail.db.models import ConsentEvent, Notice
from consentmail.web import api_notices
from tests.consent.conftest import add_contact, add_list, add_message


def test_add_notice_hashes_utf8_text_and_is_idempotent(db_url: str) -> None:
    text = "Misuriamo aperture e clic: è facoltativo."
    with session_scope(db_url) as s:
        n = add_notice(s, "tracking", "2027-01-01", "IT", text)
        assert (n.language, n.sha256) == ("it", hashlib.sha256(text.encode()).hexdigest())
        again = add_notice(s, "tracking", "2027-01-01", "it", text)
        assert again.id == n.id
        assert s.scalar(select(Notice.id).where(Notice.id != n.id)) is None


def test_stored_version_never_changes(db_url: str) -> None:
    with session_scope(db_url) as s:
        add_notice(s, "tracking", "v1", "en", "We measure opens.")
    with session_scope(db_url) as s, pytest.raises(NoticeConflict, match="new version"):
        add_notice(s, "tracking", "v1", "en", "We measure opens and clicks.")
    with session_scope(db_url) as s:
        assert current_notice(s, "tracking", "en").text == "We measure opens."  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("purpose", "version", "language", "text", "field"),
    [
        ("marketing", "v1", "en", "x", "purpose"),
        ("tracking", "", "en", "x", "version"),
        ("tracking", "v 1", "en", "x", "version"),
        ("tracking", "v1", "english", "x", "language"),
        ("tracking", "v1", "en", "  \n", "text"),
    ],
)
def test_invalid_notice_says_which_field(
    db_url: str, purpose: str, version: str, language: str, text: str, field: str
) -> None:
    with session_scope(db_url) as s, pytest.raises(NoticeError, match=f"^{field}"):
        add_notice(s, purpose, version, language, text)


def test_current_notice_is_latest_version_with_english_fallback(db_url: str) -> None:
    with session_scope(db_url) as s:
        for version in ("v9", "v10", "v2"):
            add_notice(s, "profiling", version, "de", f"Text {version}")
        add_notice(s, "profiling", "v1", "en", "English")
        assert current_notice(s, "profiling", "de-AT").version == "v10"  # type: ignore[union-attr]
        assert current_notice(s, "profiling", "pt").text == "English"  # type: ignore[union-attr]
        assert current_notice(s, "profiling", "").text == "English"  # type: ignore[union-attr]
        assert current_notice(s, "tracking", "de") is None


def test_seed_defaults_covers_every_purpose_and_language_once(db_url: str) -> None:
    assert set(DEFAULT_TEXTS) == set(CATALOGUE)
    with session_scope(db_url) as s:
        assert seed_default_notices(s) == len(CATALOGUE) * len(LANGUAGES)
        assert seed_default_notices(s) == 0
        for purpose in CATALOGUE:
            for lang in LANGUAGES:
                n = current_notice(s, purpose, lang)
                assert n is not None and n.language == lang and n.version == DEFAULT_VERSION
    # The texts are distinct per language and say how to withdraw (R12, R13).
    for purpose, texts in DEFAULT_TEXTS.items():
        assert len(set(texts.values())) == len(LANGUAGES), purpose


def test_preference_grants_carry_notice_of_contact_language(db_url: str) -> None:
    with session_scope(db_url) as s:
        lst = add_list(s)
        c = add_contact(s, "lucia@example.it", language="it", list_id=lst.id)
        token = add_message(s, None, c.id, lst.id).page_token
        add_notice(s, "tracking", "2027-02-01", "it", "Nuovo testo sul tracciamento.")
    with session_scope(db_url) as s:
        r = actions.find_recipient(s, token)
        assert r is not None
        assert actions.set_preferences(s, r, {"tracking": True, "profiling": True}, "page") == 2
        assert actions.set_preferences(s, r, {"profiling": False}, "page") == 1
        events = {(e.purpose, e.action): e for e in s.scalars(select(ConsentEvent))}
    tracking = events[("tracking", "grant")]
    assert tracking.notice_version == "2027-02-01"
    assert tracking.notice_sha256 == hashlib.sha256(b"Nuovo testo sul tracciamento.").hexdigest()
    # No profiling notice was stored: the defaults were seeded so the grant still has its proof.
    profiling = events[("profiling", "grant")]
    assert profiling.notice_version == DEFAULT_VERSION
    assert (
        profiling.notice_sha256
        == hashlib.sha256(DEFAULT_TEXTS["profiling"]["it"].encode()).hexdigest()
    )
    assert events[("profiling", "withdraw")].notice_version == ""  # a withdrawal needs no notice


def test_cli_add_and_list(cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    f = tmp_path / "n.txt"
    f.write_text("Nous mesurons les ouvertures.", encoding="utf-8")
    args = [
        "notices",
        "add",
        "--purpose",
        "tracking",
        "--version",
        "v1",
        "--language",
        "fr",
        "--file",
        str(f),
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(b"Nous mesurons les ouvertures.").hexdigest() in result.output
    assert runner.invoke(cli, args).exit_code == 0  # same text: no-op
    f.write_text("Autre texte.", encoding="utf-8")
    result = runner.invoke(cli, args)
    assert result.exit_code == 1 and "already stored with different text" in result.output
    result = runner.invoke(cli, ["notices", "list", "--json"])
    [row] = json.loads(result.output)
    assert (row["purpose"], row["version"], row["language"]) == ("tracking", "v1", "fr")
    assert "Nous mesurons" in runner.invoke(cli, ["notices", "list"]).output
    assert "15 default notices added" in runner.invoke(cli, ["notices", "seed"]).output


def test_api_get_and_post(cli_env: str) -> None:
    web = FastAPI()
    web.state.settings = load_settings()
    web.include_router(api_notices.router)
    auth = {"Authorization": "Bearer test-token"}
    body = {"purpose": "tracking", "version": "v1", "language": "es", "text": "Medimos."}

    async def calls() -> list[tuple[int, Any]]:
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            responses = [
                await c.get("/api/notices"),
                await c.post("/api/notices", json=body),
                await c.post("/api/notices", json=body, headers=auth),
                await c.post("/api/notices", json=body, headers=auth),
                await c.post("/api/notices", json={**body, "text": "Otro."}, headers=auth),
                await c.post("/api/notices", json={**body, "purpose": "ads"}, headers=auth),
                await c.get("/api/notices", params={"language": "es"}, headers=auth),
                await c.get("/api/notices", params={"language": "it"}, headers=auth),
            ]
        return [(r.status_code, r.json()) for r in responses]

    (anon_get, _), (anon_post, _), created, again, conflict, bad, es, it = asyncio.run(calls())
    assert anon_get == anon_post == 401
    assert created[0] == 201
    assert created[1]["sha256"] == hashlib.sha256(b"Medimos.").hexdigest()
    assert again[0] == 200 and again[1]["id"] == created[1]["id"]
    assert conflict[0] == 409 and "new version" in conflict[1]["detail"]
    assert bad[0] == 422 and "purpose" in bad[1]["detail"]
    assert [n["text"] for n in es[1]] == ["Medimos."]
    assert it == (200, [])


def test_grant_uses_the_language_the_page_was_shown_in(db_url: str) -> None:
    with session_scope(db_url) as s:
        lst = add_list(s)
        c = add_contact(s, "lea@example.de", language="de", list_id=lst.id)
        token = add_message(s, None, c.id, lst.id).page_token
    with session_scope(db_url) as s:
        r = actions.find_recipient(s, token)
        assert r is not None
        actions.set_preferences(s, r, {"tracking": True}, "page", notice_language="fr")
        ev = s.scalars(select(ConsentEvent)).one()
    fr = DEFAULT_TEXTS["tracking"]["fr"]
    assert ev.notice_sha256 == hashlib.sha256(fr.encode()).hexdigest()
