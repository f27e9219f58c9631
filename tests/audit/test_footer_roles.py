"""Our own footer, in every language it is written in, reads as it should to the audit: the
tracking-choices link as a refusal control (R13), the others as unsubscribe and preferences."""

from __future__ import annotations

import pytest

from consentmail.audit import audit_html
from consentmail.audit.roles import link_role
from consentmail.render.footer_words import WORDS

BASE = "https://mail.shop.example"


@pytest.mark.parametrize("lang", list(WORDS))
def test_footer_labels_have_their_roles(lang: str) -> None:
    words = WORDS[lang]
    assert link_role(words.stop_tracking, f"{BASE}/t/Tok3n") == "refusal"
    assert link_role(words.tracking_choices, f"{BASE}/t/Tok3n") == "refusal"
    assert link_role(words.unsubscribe, f"{BASE}/u/Tok3n") == "unsubscribe"
    assert link_role(words.preferences, f"{BASE}/p/Tok3n") == "preferences"


@pytest.mark.parametrize("lang", list(WORDS))
def test_an_audit_finds_the_refusal_link(lang: str) -> None:
    words = WORDS[lang]
    html = (
        f'<html><body><p>Hi</p><p><a href="{BASE}/u/Tok3n">{words.unsubscribe}</a> | '
        f'<a href="{BASE}/t/Tok3n">{words.tracking_choices}</a> | '
        f'<a href="{BASE}/p/Tok3n">{words.preferences}</a></p></body></html>'
    )
    report = audit_html(html)
    assert [r.text for r in report.refusal_links] == [words.tracking_choices]


def test_german_measurement_phrases_are_refusals_and_settings_alone_are_not() -> None:
    assert link_role("Messung ablehnen", "https://x.example/a") == "refusal"
    assert link_role("Einstellungen", "https://x.example/a") == "preferences"
    assert link_role("Messung der Reichweite", "https://x.example/a") == ""
