"""/privacy is generated from the live settings: every profile and category, the retention
periods and k as configured, in five languages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from selectolax.lexbor import LexborHTMLParser

from consentmail.policy import PROFILES
from tests.web.recipients import client_for, settings_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        f"sqlite:///{tmp_path / 'unused.db'}", tmp_path,
        retention_personal_days=123, retention_exemption_days=45, retention_aggregate_days=678,
        k_min=25, default_jurisdiction="it-garante-2026",
    )
    async with client_for(settings) as c:
        yield c


async def test_every_profile_and_category_with_live_settings(client: httpx.AsyncClient) -> None:
    page = await client.get("/privacy?lang=en")
    assert page.status_code == 200
    tree = LexborHTMLParser(page.text)
    sections = [s.attributes["data-profile"] for s in tree.css("section[data-profile]")]
    assert sections[0] == "it-garante-2026" and sorted(sections) == sorted(PROFILES)
    for section in tree.css("section[data-profile]"):
        categories = [b.attributes["data-category"] for b in section.css("tbody")]
        assert categories == ["marketing", "transactional", "security", "mandatory"]
    retention = tree.css_first('ul[data-cm="retention"]').text()
    assert "123 days" in retention and "45 days" in retention and "678 days" in retention
    assert "at least 25 people" in page.text
    assert "Italy (Garante, measure 284/2026) (applied when your country is unknown)" in page.text


async def test_rows_follow_each_profile(client: httpx.AsyncClient) -> None:
    tree = LexborHTMLParser((await client.get("/privacy?lang=en")).text)

    def rows(profile: str, category: str) -> str:
        section = tree.css_first(f'section[data-profile="{profile}"]')
        return section.css_first(f'tbody[data-category="{category}"]').text()

    assert "account security (exemption)" in rows("it-garante-2026", "security")
    assert "45 days" in rows("it-garante-2026", "security")
    assert "Only the date of your last open" in rows("fr-cnil-2026", "marketing")
    assert "did not object" in rows("fr-cnil-2026", "marketing")
    assert "2026-04-14" in rows("fr-cnil-2026", "marketing")
    strict = rows("strict", "security")
    assert "your consent" in strict and "Nothing" in strict and "exemption" not in strict
    assert "Anonymous totals" in rows("uk-pecr-2026", "marketing")
    assert "123 days" in rows("eu-default", "marketing")


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("it", "Come misuriamo le nostre email"),
        ("fr", "Comment nous mesurons nos e-mails"),
        ("de", "Wie wir unsere E-Mails messen"),
        ("es", "Cómo medimos nuestros correos"),
    ],
)
async def test_languages(client: httpx.AsyncClient, lang: str, title: str) -> None:
    page = await client.get(f"/privacy?lang={lang}")
    assert f'<html lang="{lang}">' in page.text and f"<h1>{title}</h1>" in page.text
    browser = await client.get("/privacy", headers={"Accept-Language": f"{lang};q=0.9"})
    assert f'<html lang="{lang}">' in browser.text
