"""The package's public surface: a sorted __all__ that changes only on purpose."""

from __future__ import annotations

import consentmail.policy as policy

EXPECTED = {
    "Category",
    "ConsentSnapshot",
    "Decision",
    "EU_DEFAULT",
    "Expiry",
    "FR_CNIL_2026",
    "FR_CNIL_2026_AGGREGATE",
    "IT_GARANTE_2026",
    "LegacyRegime",
    "Measure",
    "MessageContext",
    "Mode",
    "NO_ANSWER",
    "NO_EXPIRY",
    "PROFILES",
    "Profile",
    "Purpose",
    "PurposeState",
    "STRICT",
    "UK_PECR_2026",
    "decide",
    "get_profile",
    "personal_at_hit",
    "profile_for_country",
}


def test_all_is_sorted_and_exact() -> None:
    assert policy.__all__ == sorted(policy.__all__)
    assert set(policy.__all__) == EXPECTED


def test_every_exported_name_exists() -> None:
    for name in policy.__all__:
        assert getattr(policy, name) is not None
