"""The words of the permission emails: complete in every language, never template code."""

from __future__ import annotations

import re
import string

import pytest

from consentmail.campaigns.permission_content import (
    FALLBACK,
    TEXTS,
    ask_content,
    legacy_content,
)
from consentmail.render import compile_campaign


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_every_language_has_every_text_with_the_same_placeholders(lang: str) -> None:
    assert TEXTS[lang].keys() == TEXTS[FALLBACK].keys()
    for key, text in TEXTS[lang].items():
        assert _placeholders(text) == _placeholders(TEXTS[FALLBACK][key]), key
        # Wording goes into the template as it is: it must hold no Jinja syntax.
        assert not re.search(r"\{[{%#]", text), key


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_every_template_compiles_without_links_or_fields(lang: str) -> None:
    for content in (
        ask_content(lang, "tracking", "news", "notice"),
        ask_content(lang, "profiling", "news", "notice"),
        legacy_content(lang, "news", "notice", "2026-04-14", "2027-03-04"),
    ):
        assert content.language == lang
        compiled = compile_campaign(content.html, subject=content.subject, text=content.text,
                                    name=content.name)
        # Nothing to track: the only link is the recipient's page, from the message's data.
        assert compiled.links == ()
        assert compiled.fields == frozenset()


def test_unknown_language_falls_back_to_english() -> None:
    content = ask_content("nl", "tracking", "news", "Wij meten.")
    assert (content.language, content.subject) == ("en", TEXTS["en"]["ask.subject.tracking"])
    assert content.name == "permission-request-tracking-en"
