"""The footer's words: every language has every sentence, and footer_reason says, in the
recipient's language, what the policy decided (the same sentence as the policy's, in English)."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import UTC, datetime

from consentmail.policy import (
    PROFILES,
    Category,
    ConsentSnapshot,
    Measure,
    MessageContext,
    PurposeState,
    decide,
)
from consentmail.render import FooterWords, footer_reason, footer_words
from consentmail.render.footer_words import LANGUAGES, WORDS

AGREED = datetime(2025, 10, 18, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
NEWS = PurposeState(True, 1, AGREED)
SNAPSHOTS = [
    ConsentSnapshot(newsletter=NEWS, tracking=PurposeState(True, 7, AGREED)),
    ConsentSnapshot(newsletter=NEWS),
    ConsentSnapshot(),
    # A fr-cnil-2026 legacy contact, told on 2026-05-02 and silent since (R11).
    ConsentSnapshot(
        newsletter=NEWS,
        collected_at=datetime(2025, 1, 5, tzinfo=UTC),
        legacy_informed_at=datetime(2026, 5, 2, 8, 0, tzinfo=UTC),
    ),
]


def _decisions():  # type: ignore[no-untyped-def]
    """Every sent decision the policy makes over the profiles, categories, measures and cohorts."""
    for profile in PROFILES.values():
        for category in Category:
            for measure in Measure:
                for cohort in (50, 3):
                    ctx = MessageContext(category, measure, aggregate_cohort=cohort, at=NOW)
                    for snapshot in SNAPSHOTS:
                        d = decide(snapshot, ctx, profile)
                        if d.send:
                            yield d, snapshot


def test_in_english_the_footer_says_what_the_policy_says() -> None:
    bases = set()
    for d, snapshot in _decisions():
        bases.add(d.basis.partition(":")[0] if d.basis.startswith("consent:") else d.basis)
        expected = WORDS["en"].not_measured if d.basis == "none" else d.reason
        assert footer_reason("en", d, snapshot) == expected, (d.rule_id, d.basis)
    assert bases == {
        "consent", "legacy:non-objector", "exemption:security", "exemption:mandatory",
        "exemption:deliverability", "anonymous-aggregate", "none",
    }


def test_every_decision_has_its_sentence_in_every_language() -> None:
    for d, snapshot in _decisions():
        said = {lang: footer_reason(lang, d, snapshot) for lang in LANGUAGES}
        assert len(set(said.values())) == len(LANGUAGES), (d.rule_id, said)  # none left English


def test_dated_sentences_exactly() -> None:
    consented = SNAPSHOTS[0]
    individual = MessageContext(Category.MARKETING, Measure.INDIVIDUAL)
    d = decide(consented, individual, PROFILES["eu-default"])
    assert footer_reason("de", d, consented) == (
        "Wir messen Öffnungen und Klicks für Sie persönlich, weil Sie am 2025-10-18 zugestimmt "
        "haben."
    )
    assert footer_reason("it-IT", d, consented) == (
        "Misuriamo aperture e clic per te personalmente perché hai acconsentito il 2025-10-18."
    )
    undated = replace(consented, tracking=PurposeState(True, 7, None))
    assert footer_reason("fr", d, undated) == (
        "Nous mesurons les ouvertures et les clics pour vous personnellement parce que vous "
        "l'avez accepté."
    )
    legacy = SNAPSHOTS[3]
    ctx = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, at=NOW)
    d = decide(legacy, ctx, PROFILES["fr-cnil-2026"])
    assert footer_reason("es", d, legacy) == (
        "Medimos las aperturas y los clics de forma personal porque te lo comunicamos el "
        "2026-05-02 y no te opusiste."
    )


def test_a_basis_the_table_does_not_know_keeps_the_policys_sentence() -> None:
    d, snapshot = next(_decisions())
    odd = replace(d, basis="exemption:fraud", reason="We note this for fraud checks.")
    assert footer_reason("de", odd, snapshot) == "We note this for fraud checks."


def test_languages_and_fallback() -> None:
    assert LANGUAGES == ("en", "it", "fr", "de", "es")
    for given, lang in [("de", "de"), ("de-AT", "de"), ("IT", "it"), ("es_ES", "es"),
                        (" fr ", "fr"), ("", "en"), (None, "en"), ("pt", "en"), ("xx-YY", "en")]:
        assert footer_words(given).language == lang, given


def test_every_language_has_every_text_and_the_same_placeholders() -> None:
    names = [f.name for f in fields(FooterWords) if f.name != "language"]
    for lang, words in WORDS.items():
        assert words.language == lang
        for name in names:
            text = getattr(words, name)
            if name != "on_day":  # " on {day}" is spliced in after a word
                assert text and text == text.strip(), (lang, name)
            expected = {"agreed": ["when"], "informed": ["when"], "on_day": ["day"]}.get(name, [])
            assert re.findall(r"\{(\w*)\}", text) == expected, (lang, name)
