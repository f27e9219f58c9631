"""Notices: immutable versions with their SHA-256, current version per language, and grants from
the preference page that point at the exact words shown (R12, R16)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
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


def test_current_notice_is_the_version_added_last_with_english_fallback(db_url: str) -> None:
    with session_scope(db_url) as s:
        for version in ("v9", "v10", "v2"):
            add_notice(s, "profiling", version, "de", f"Text {version}")
        add_notice(s, "profiling", "v1", "en", "English")
        # Added last wins, whatever the name: version names follow no order we can rely on.
        assert current_notice(s, "profiling", "de-AT").version == "v2"  # type: ignore[union-attr]
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
    # tracking/fr has the workspace's own words: a default added now would replace them as
    # current, so seeding fills the other 14 purposes and languages only.
    assert "14 default notices added" in runner.invoke(cli, ["notices", "seed"]).output


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


def _api(calls: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[int, Any]]:
    """(method, path, httpx keyword arguments) against the notices router, with the token."""
    web = FastAPI()
    web.state.settings = load_settings()
    web.include_router(api_notices.router)
    # JSON sent escaped (json.dumps' default), so a lone surrogate arrives as a client sends it.
    headers = {"Authorization": "Bearer test-token", "Content-Type": "application/json"}

    async def run() -> list[tuple[int, Any]]:
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            responses = [
                await c.request(m, p, headers=headers,
                                **({"content": json.dumps(kw["json"])} if "json" in kw else kw))
                for m, p, kw in calls
            ]
        return [(r.status_code, r.json()) for r in responses]

    return asyncio.run(run())


def test_a_version_added_after_the_defaults_becomes_current(cli_env: str, tmp_path: Path) -> None:
    """The review's case: "3" sorts below "2026-12-01" but was added later, so it is shown."""
    runner = CliRunner()
    assert runner.invoke(cli, ["notices", "seed"]).exit_code == 0
    f = tmp_path / "n.txt"
    f.write_text("Tracking v2 english words\n", encoding="utf-8")
    add = ["notices", "add", "--purpose", "tracking", "--version", "3", "--language", "en",
           "--file", str(f)]
    result = runner.invoke(cli, add)
    assert result.exit_code == 0, result.output
    assert "current for tracking/en" in result.output
    with session_scope(cli_env) as s:
        assert current_notice(s, "tracking", "en").version == "3"  # type: ignore[union-attr]
    rows = json.loads(runner.invoke(cli, ["notices", "list", "--json", "--purpose", "tracking",
                                          "--language", "en"]).output)
    assert [(r["version"], r["current"]) for r in rows] == [(DEFAULT_VERSION, False), ("3", True)]
    # Adding the old words again is a no-op and says what is shown instead.
    f.write_text(DEFAULT_TEXTS["tracking"]["en"], encoding="utf-8")
    result = runner.invoke(cli, [*add[:5], DEFAULT_VERSION, *add[6:]], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "already stored with this text: nothing changed" in result.output
    assert ("not current: tracking/en shows version 3, added later (to show these words again, "
            "add them under a new version)") in result.output
    table = runner.invoke(cli, ["notices", "list", "--language", "en"], env={"COLUMNS": "200"})
    [line] = [row for row in table.output.splitlines() if "│ 3 " in row]
    assert "current" in line
    [(status, api_rows)] = _api([("GET", "/api/notices", {"params": {"purpose": "tracking",
                                                                     "language": "en"}})])
    assert status == 200 and [r["current"] for r in api_rows] == [False, True]


def test_created_at_is_the_same_iso_utc_form_in_cli_and_api(cli_env: str) -> None:
    [(status, created)] = _api([("POST", "/api/notices", {"json": {
        "purpose": "tracking", "version": "v1", "language": "en", "text": "We measure."}})])
    assert status == 201 and created["current"] is True
    [cli_row] = json.loads(CliRunner().invoke(cli, ["notices", "list", "--json"]).output)
    [(_, [api_row])] = _api([("GET", "/api/notices", {})])
    assert cli_row["created_at"] == api_row["created_at"] == created["created_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", cli_row["created_at"])


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--purpose", "bogus",
         "--purpose: unknown purpose 'bogus'; expected one of newsletter, tracking, profiling"),
        ("--language", "xx", "--language: unknown language 'xx'; expected one of it, en, fr, "
                             "de, es"),
    ],
)
def test_unknown_list_filters_are_errors(cli_env: str, option: str, value: str,
                                         message: str) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["notices", "seed"])
    for extra in ([], ["--json"]):
        result = runner.invoke(cli, ["notices", "list", option, value, *extra],
                               env={"COLUMNS": "300"})
        assert result.exit_code == 1
        assert f"error: {message}" in result.output
    param = option.removeprefix("--")
    [(status, body)] = _api([("GET", "/api/notices", {"params": {param: value}})])
    assert status == 422
    assert body == {"detail": f"query parameter {param}: {message.split(': ', 1)[1]}"}


def test_a_valid_filter_matching_nothing_says_so(cli_env: str) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["notices", "seed"])
    with session_scope(cli_env) as s:
        add_notice(s, "tracking", "v1", "en", "Only tracking has a v1.")
    result = runner.invoke(cli, ["notices", "list", "--purpose", "newsletter", "--language",
                                 "en-GB", "--json"])
    assert [r["language"] for r in json.loads(result.output)] == ["en"]  # en-GB is en
    assert _api([("GET", "/api/notices", {"params": {"language": "es"}})])[0][0] == 200


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("nul\x00byte\n", "control character U+0000 (NUL) at line 1, column 4"),
        ("first line\nsecond\x07line", "control character U+0007 at line 2, column 7"),
        ("x \ud800", "lone surrogate U+D800 (not Unicode text) at line 1, column 3"),
    ],
)
def test_control_characters_are_refused_with_line_and_column(
    cli_env: str, tmp_path: Path, text: str, where: str
) -> None:
    message = (f"text: {where}; a notice is plain text (tabs and line breaks are the only "
               "control characters allowed)")
    with session_scope(cli_env) as s, pytest.raises(NoticeError) as caught:
        add_notice(s, "tracking", "v1", "en", text)
    assert str(caught.value) == message
    if "\ud800" in text:
        return  # pydantic refuses it before the API's code; a file cannot hold one
    body = {"purpose": "tracking", "version": "v1", "language": "en", "text": text}
    [(status, answer)] = _api([("POST", "/api/notices", {"json": body})])
    assert (status, answer) == (422, {"detail": message})
    f = tmp_path / "n.txt"
    f.write_bytes(text.encode())
    result = CliRunner().invoke(cli, ["notices", "add", "--purpose", "tracking", "--version",
                                      "v1", "--language", "en", "--file", str(f)],
                                env={"COLUMNS": "400"})
    assert result.exit_code == 1 and f"error: {f}: {message}" in result.output
    with session_scope(cli_env) as s:
        assert s.scalars(select(Notice)).all() == []


def test_tabs_and_line_breaks_are_text(db_url: str) -> None:
    with session_scope(db_url) as s:
        assert add_notice(s, "tracking", "v1", "en", "a\tb\r\nc\n").text == "a\tb\r\nc\n"


def test_notice_file_bom_is_dropped_and_bad_utf8_is_located(cli_env: str, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["notices", "add", "--purpose", "tracking", "--version", "v1", "--language", "en",
            "--file"]
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfBOM notice\n")
    assert runner.invoke(cli, [*args, str(bom)]).exit_code == 0
    with session_scope(cli_env) as s:
        stored = s.scalars(select(Notice)).one()
    assert (stored.text, stored.sha256) == ("BOM notice\n",
                                            hashlib.sha256(b"BOM notice\n").hexdigest())
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Première ligne\n".encode() + "deuxième".encode("latin-1"))
    result = runner.invoke(cli, [*args, str(latin)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert f"error: {latin}: not UTF-8 text (line 2, byte 21); save it as UTF-8" in result.output
    bom_latin = tmp_path / "bom_latin.txt"
    bom_latin.write_bytes(b"\xef\xbb\xbf\xff")  # the byte counts from the file's first byte
    result = runner.invoke(cli, [*args, str(bom_latin)], env={"COLUMNS": "300"})
    assert "not UTF-8 text (line 1, byte 3); save it as UTF-8" in result.output
    result = runner.invoke(cli, [*args, str(tmp_path)], env={"COLUMNS": "300"})
    assert f"error: {tmp_path}: is a directory, not a text file" in result.output
