"""The sentences about how a person is measured exist in it, en, fr, de and es with the same
placeholders, and the recipient templates use only keys that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from consentmail.web import i18n, tracking_words

TEMPLATES = Path(i18n.__file__).parent / "templates"


@pytest.mark.parametrize("key", tracking_words.all_keys())
def test_every_key_in_every_language_with_the_same_placeholders(key: str) -> None:
    english = tracking_words.text("en", key)
    for lang in i18n.LANGUAGES:
        text = tracking_words._W[key][lang]  # written, not the English fallback
        assert text.strip() and text == text.strip() and "  " not in text, (key, lang)
        assert i18n.placeholders(text) == i18n.placeholders(english), (key, lang)
        if lang != "en":
            assert text != english, (key, lang)


def test_templates_use_only_known_keys() -> None:
    used: set[str] = set()
    for name in ("stop_tracking.html", "preferences.html"):
        source = (TEMPLATES / name).read_text()
        used |= set(re.findall(r"\btw\('([a-z_]+\.[a-z_]+)'", source))
        used |= set(re.findall(r"'(status\.[a-z_]+)'", source))
    assert used and used <= set(tracking_words.all_keys()), used - set(tracking_words.all_keys())


def test_unknown_languages_fall_back_to_english() -> None:
    assert tracking_words.Words("pt")("status.legacy_object_box") == (
        "Saving with this box unticked records your objection."
    )
