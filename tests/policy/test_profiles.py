"""Profiles encode REGULATION.md's jurisdiction table; countries map onto them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from consentmail.policy import (
    EU_DEFAULT,
    FR_CNIL_2026,
    FR_CNIL_2026_AGGREGATE,
    IT_GARANTE_2026,
    PROFILES,
    STRICT,
    UK_PECR_2026,
    Category,
    ConsentSnapshot,
    Measure,
    MessageContext,
    Mode,
    PurposeState,
    decide,
    get_profile,
    profile_for_country,
)

# name: single consent, aggregate, security, mandatory, deliverability, legacy regime
TABLE = {
    "it-garante-2026": (True, True, True, True, False, False),
    "fr-cnil-2026": (False, False, True, False, True, True),
    "fr-cnil-2026-aggregate": (False, True, True, False, True, True),
    "uk-pecr-2026": (False, True, True, False, False, False),
    "eu-default": (False, True, True, True, False, False),
    "strict": (False, False, False, False, False, False),
}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_profile_flags_follow_the_jurisdiction_table(name: str) -> None:
    p = get_profile(name)
    flags = (
        p.single_consent_allowed,
        p.aggregate_exemption,
        p.security_exemption,
        p.mandatory_exemption,
        p.deliverability_exemption,
        p.legacy is not None,
    )
    assert flags == TABLE[name]


def test_known_profiles() -> None:
    assert sorted(PROFILES) == sorted(TABLE)
    assert UK_PECR_2026.aggregate_rule == "R25-statistical"
    assert {p.rule_prefix for p in PROFILES.values()} == {"IT", "FR", "UK", "EU", "STRICT"}


def test_cnil_legacy_window_dates() -> None:
    legacy = FR_CNIL_2026.legacy
    assert legacy is not None
    assert (legacy.collected_before.isoformat(), legacy.window_closes.isoformat()) == (
        "2026-04-14",
        "2026-07-14",
    )


def test_get_profile_is_case_and_space_insensitive() -> None:
    assert get_profile("  IT-Garante-2026 ") is IT_GARANTE_2026


def test_get_profile_unknown_lists_valid_names() -> None:
    with pytest.raises(ValueError) as error:
        get_profile("de-bfdi-2026")
    message = str(error.value)
    assert "'de-bfdi-2026'" in message
    for name in TABLE:
        assert name in message


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        ("IT", IT_GARANTE_2026),
        ("SM", IT_GARANTE_2026),
        ("va", IT_GARANTE_2026),
        ("FR", FR_CNIL_2026),
        (" mc ", FR_CNIL_2026),
        ("RE", FR_CNIL_2026),
        ("GB", UK_PECR_2026),
        ("uk", UK_PECR_2026),
        ("DE", EU_DEFAULT),
        ("es", EU_DEFAULT),
        ("NO", EU_DEFAULT),
        ("IS", EU_DEFAULT),
        ("LI", EU_DEFAULT),
        ("US", STRICT),
        ("CH", STRICT),
        ("", STRICT),
        ("   ", STRICT),
        (None, STRICT),
    ],
)
def test_profile_for_country(country: str | None, expected: object) -> None:
    assert profile_for_country(country) is expected


def test_unknown_country_gets_the_workspace_default() -> None:
    assert profile_for_country("US", default="eu-default") is EU_DEFAULT
    assert profile_for_country(None, default="EU-DEFAULT") is EU_DEFAULT
    assert profile_for_country("IT", default="eu-default") is IT_GARANTE_2026


def test_overrides_win_and_are_case_insensitive() -> None:
    overrides = {" fr ": "fr-cnil-2026-aggregate", "US": "eu-default"}
    assert profile_for_country("Fr", overrides=overrides) is FR_CNIL_2026_AGGREGATE
    assert profile_for_country("us", overrides=overrides) is EU_DEFAULT
    assert profile_for_country("IT", overrides=overrides) is IT_GARANTE_2026


def test_misconfiguration_fails_loudly() -> None:
    with pytest.raises(ValueError, match="valid profiles"):
        profile_for_country("IT", default="lenient")
    with pytest.raises(ValueError, match="valid profiles"):
        profile_for_country("FR", overrides={"FR": "fr-cnil"})


def test_a_derived_profile_gets_its_own_tables() -> None:
    lenient_fr = replace(FR_CNIL_2026, aggregate_exemption=True)
    snapshot = ConsentSnapshot(newsletter=PurposeState(True, 1))
    message = MessageContext(Category.MARKETING, Measure.AGGREGATE, aggregate_cohort=50)
    decision = decide(snapshot, message, lenient_fr)
    assert (decision.open_mode, decision.rule_id) == (Mode.AGGREGATE, "FR-R4-aggregate")
    assert decide(snapshot, message, FR_CNIL_2026).open_mode is Mode.NONE


def test_profiles_are_hashable_values() -> None:
    assert len({*PROFILES.values(), replace(STRICT)}) == len(PROFILES)
