"""personal_at_hit(): law 2, the basis is checked again when the hit arrives (R14)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from consentmail.policy import (
    EU_DEFAULT,
    FR_CNIL_2026,
    IT_GARANTE_2026,
    STRICT,
    Category,
    ConsentSnapshot,
    Measure,
    MessageContext,
    Mode,
    Profile,
    PurposeState,
    decide,
    personal_at_hit,
)

RENDER = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
HIT = datetime(2026, 11, 5, 18, 0, tzinfo=UTC)
CONSENTED = ConsentSnapshot(
    newsletter=PurposeState(True, 1, RENDER), tracking=PurposeState(True, 7, RENDER)
)
WITHDRAWN = replace(CONSENTED, tracking=PurposeState(False, 8, HIT))
NEVER_ASKED = ConsentSnapshot(newsletter=PurposeState(True, 1, RENDER))


def _message(category: Category, cohort: int = 50) -> MessageContext:
    return MessageContext(category, Measure.INDIVIDUAL, aggregate_cohort=cohort, at=RENDER)


@pytest.mark.parametrize(
    ("profile", "cohort", "expected"),
    [
        (IT_GARANTE_2026, 50, Mode.AGGREGATE),
        (IT_GARANTE_2026, 9, Mode.NONE),  # the render cohort was below k: dropped
        (FR_CNIL_2026, 50, Mode.NONE),
        (STRICT, 50, Mode.NONE),
    ],
)
def test_withdrawn_consent_never_counts_as_personal(
    profile: Profile, cohort: int, expected: Mode
) -> None:
    decision = decide(CONSENTED, _message(Category.MARKETING, cohort), profile)
    assert decision.open_mode is Mode.PERSONAL
    assert personal_at_hit(CONSENTED, decision, profile, HIT) is Mode.PERSONAL
    assert personal_at_hit(WITHDRAWN, decision, profile, HIT) is expected


def test_a_new_grant_after_a_withdrawal_holds_again() -> None:
    decision = decide(CONSENTED, _message(Category.MARKETING), EU_DEFAULT)
    regranted = replace(CONSENTED, tracking=PurposeState(True, 9, HIT))
    assert personal_at_hit(regranted, decision, EU_DEFAULT, HIT) is Mode.PERSONAL


def test_the_aggregate_fallback_needs_the_profile_at_hit_time_too() -> None:
    decision = decide(CONSENTED, _message(Category.MARKETING), EU_DEFAULT)
    assert personal_at_hit(WITHDRAWN, decision, STRICT, HIT) is Mode.NONE


def test_the_security_exemption_does_not_depend_on_tracking_consent() -> None:
    decision = decide(NEVER_ASKED, _message(Category.SECURITY), EU_DEFAULT)
    assert decision.basis == "exemption:security"
    # R5: the links of a password reset are the function; a tracking refusal does not end it.
    assert personal_at_hit(WITHDRAWN, decision, EU_DEFAULT, HIT) is Mode.PERSONAL
    # The exemption is gone from the profile the hit is checked under: no basis any more.
    assert personal_at_hit(WITHDRAWN, decision, STRICT, HIT) is Mode.NONE


@pytest.mark.parametrize(("cohort", "expected"), [(50, Mode.AGGREGATE), (9, Mode.NONE)])
def test_a_tracking_refusal_ends_the_mandatory_exemption_at_hit_as_at_render(
    cohort: int, expected: Mode
) -> None:
    """R6 with R13: "stop tracking" promises nothing that measures the person; a service
    notice sent before the refusal is re-checked like any other (law 2 agrees with decide())."""
    decision = decide(NEVER_ASKED, _message(Category.MANDATORY, cohort), EU_DEFAULT)
    assert (decision.basis, decision.rule_id) == ("exemption:mandatory", "EU-R6-mandatory")
    assert personal_at_hit(NEVER_ASKED, decision, EU_DEFAULT, HIT) is Mode.PERSONAL
    assert personal_at_hit(WITHDRAWN, decision, EU_DEFAULT, HIT) is expected
    after = decide(WITHDRAWN, replace(_message(Category.MANDATORY, cohort), at=HIT), EU_DEFAULT)
    assert Mode.PERSONAL not in (after.open_mode, after.click_mode)
    assert after.rule_id == "EU-R6-R13-refused"


def test_deliverability_holds_under_its_profile_only() -> None:
    decision = decide(NEVER_ASKED, _message(Category.TRANSACTIONAL), FR_CNIL_2026)
    assert decision.deliverability_only
    assert personal_at_hit(NEVER_ASKED, decision, FR_CNIL_2026, HIT) is Mode.PERSONAL
    assert personal_at_hit(NEVER_ASKED, decision, IT_GARANTE_2026, HIT) is Mode.NONE
    # Stopping tracking ends it for messages already sent too (R14).
    assert personal_at_hit(WITHDRAWN, decision, FR_CNIL_2026, HIT) is Mode.NONE


def test_legacy_basis_ends_with_an_objection() -> None:
    legacy = replace(
        NEVER_ASKED,
        collected_at=datetime(2023, 5, 1, tzinfo=UTC),
        legacy_informed_at=datetime(2026, 4, 20, tzinfo=UTC),
    )
    decision = decide(legacy, _message(Category.MARKETING), FR_CNIL_2026)
    assert decision.basis == "legacy:non-objector"
    assert personal_at_hit(legacy, decision, FR_CNIL_2026, HIT) is Mode.PERSONAL
    objected = replace(legacy, tracking=PurposeState(False, 8, HIT, objected=True))
    assert personal_at_hit(objected, decision, FR_CNIL_2026, HIT) is Mode.NONE


@pytest.mark.parametrize("profile", [IT_GARANTE_2026, STRICT])
def test_a_render_without_personal_basis_never_becomes_personal(profile: Profile) -> None:
    decision = decide(NEVER_ASKED, _message(Category.MARKETING), profile)
    assert decision.basis in {"anonymous-aggregate", "none"}
    assert personal_at_hit(CONSENTED, decision, profile, HIT) is not Mode.PERSONAL


def test_stopping_tracking_ends_the_deliverability_pixel() -> None:
    """R7 needs no consent, but a recorded refusal of tracking ends it, at render and at hit."""
    from datetime import UTC, datetime

    from consentmail.policy import (
        FR_CNIL_2026,
        Category,
        ConsentSnapshot,
        Measure,
        MessageContext,
        Mode,
        PurposeState,
        decide,
        personal_at_hit,
    )

    at = datetime(2026, 12, 1, tzinfo=UTC)
    newsletter = PurposeState(granted=True, event_id=1, at=at)
    silent = ConsentSnapshot(newsletter=newsletter)
    ctx = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, aggregate_cohort=0, at=at)
    render = decide(silent, ctx, FR_CNIL_2026)
    assert render.open_mode is Mode.PERSONAL and render.basis == "exemption:deliverability"
    refused = ConsentSnapshot(newsletter=newsletter, tracking=PurposeState(False, 7, at))
    assert decide(refused, ctx, FR_CNIL_2026).open_mode is Mode.NONE
    assert personal_at_hit(refused, render, FR_CNIL_2026, at) is Mode.NONE
