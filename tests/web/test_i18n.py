"""Every recipient-page string exists in the five languages with the same placeholders, and the
language is chosen as promised: ?lang, then the contact's, then the browser's, then English."""

from __future__ import annotations

from pathlib import Path

import pytest

from consentmail.web import i18n

TEMPLATES = Path(i18n.__file__).parent / "templates"
RECIPIENT_TEMPLATES = (
    "unsubscribe.html", "stop_tracking.html", "preferences.html", "data.html", "privacy.html",
    "base.html",
)


@pytest.mark.parametrize("key", i18n.all_keys())
def test_every_key_in_every_language_with_the_same_placeholders(key: str) -> None:
    english = i18n.text("en", key)
    for lang in i18n.LANGUAGES:
        text = i18n.text(lang, key)
        assert text.strip(), (key, lang)
        assert i18n.placeholders(text) == i18n.placeholders(english), (key, lang)
        assert text == text.strip() and "  " not in text, (key, lang)


def test_translations_differ_from_english_where_words_differ() -> None:
    same = {k for k in i18n.all_keys() for lang in ("it", "de")
            if i18n.text(lang, k) == i18n.text("en", k)}
    # Loanwords and names only: newsletter, "Name", "Status"... never a sentence.
    assert all(len(i18n.text("en", k).split()) <= 3 for k in same), sorted(same)


def test_templates_use_only_known_keys() -> None:
    import re

    used = set()
    for name in RECIPIENT_TEMPLATES:
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_.]*)'", (TEMPLATES / name).read_text()))
    known = set(i18n.all_keys())
    exact = {k for k in used if not k.endswith(".")}
    prefixes = used - exact  # t('cat.' ~ c.category): some key must start with it
    assert exact and exact <= known, exact - known
    assert all(any(k.startswith(p) for k in known) for p in prefixes), prefixes


@pytest.mark.parametrize(
    ("requested", "contact", "accept", "expected"),
    [
        ("de", "it", "fr", "de"),
        ("DE", None, "", "de"),
        (None, "it-IT", "fr", "it"),
        (None, "es_ES", "", "es"),
        ("xx", "fr", "", "fr"),
        (None, "", "pt-BR, de-CH;q=0.9, en;q=0.8", "de"),
        (None, "pt", "en;q=0.5, fr;q=0.7", "fr"),
        (None, None, "fr;q=0, es", "es"),
        (None, None, "da, pt", "en"),
        (None, None, "", "en"),
        (None, None, "it;q=bogus, de", "de"),
    ],
)
def test_choose(requested: str | None, contact: str | None, accept: str, expected: str) -> None:
    assert i18n.choose(requested, contact, {"accept-language": accept}) == expected


def test_translator_falls_back_to_english_for_other_languages() -> None:
    t = i18n.Translator("pt")
    assert t.lang == "en" and t("prefs.title") == "Your preferences"
    assert i18n.Translator("it")("prefs.for", email="a@b.example") == "Per a@b.example."
