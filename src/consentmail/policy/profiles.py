"""Jurisdiction profiles: the table at the end of REGULATION.md, as data, and country lookup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from consentmail.policy._tables import Plan, build_tables
from consentmail.policy.legacy import LegacyRegime
from consentmail.policy.types import Category, Measure


@dataclass(frozen=True, slots=True)
class Profile:
    """What one regulator allows beyond consent. Consent is a basis in every profile."""

    name: str
    rule_prefix: str  # starts every profile-specific rule id: "IT" in "IT-R4-aggregate"
    # R8, Garante: one neutrally worded consent may cover newsletter and tracking. Such a form
    # records a tracking event too, so decide() only ever reads the tracking purpose; the flag
    # tells consent capture whether a single checkbox is acceptable.
    single_consent_allowed: bool
    aggregate_exemption: bool  # R4 / R25: an identical pixel and links, counted only in total
    security_exemption: bool  # R5: authentication and account-security mail
    mandatory_exemption: bool  # R6: service and institutional notices whose receipt matters
    deliverability_exemption: bool  # R7: only the date of the last open
    aggregate_rule: str = "R4-aggregate"  # the requirement cited when aggregate is used
    legacy: LegacyRegime | None = None  # R11 legacy-list regime, if the regulator set one
    summary: str = ""
    tables: Mapping[Category, Mapping[Measure, Plan]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", build_tables(self))


IT_GARANTE_2026 = Profile(
    name="it-garante-2026",
    rule_prefix="IT",
    single_consent_allowed=True,
    aggregate_exemption=True,
    security_exemption=True,
    mandatory_exemption=True,
    deliverability_exemption=False,
    # Garante's legacy rule (inform at the first useful message) is a notice duty, not a basis.
    summary="Garante Provv. 284/2026: aggregate, security and service exemptions.",
)
FR_CNIL_2026 = Profile(
    name="fr-cnil-2026",
    rule_prefix="FR",
    single_consent_allowed=False,
    aggregate_exemption=False,  # disputed in the final recommendation: off unless chosen
    security_exemption=True,
    mandatory_exemption=False,  # service mail is measured through deliverability only
    deliverability_exemption=True,
    legacy=LegacyRegime(collected_before=date(2026, 4, 14), window_closes=date(2026, 7, 14)),
    summary="CNIL 2026-042: security and deliverability exemptions, legacy objection window.",
)
# The workspace may accept the disputed aggregate exemption for France (e.g. overrides {"FR": ...}).
FR_CNIL_2026_AGGREGATE = replace(
    FR_CNIL_2026,
    name="fr-cnil-2026-aggregate",
    aggregate_exemption=True,
    summary=FR_CNIL_2026.summary + " Aggregate exemption accepted by the workspace.",
)
UK_PECR_2026 = Profile(
    name="uk-pecr-2026",
    rule_prefix="UK",
    single_consent_allowed=False,
    aggregate_exemption=True,
    aggregate_rule="R25-statistical",
    security_exemption=True,
    mandatory_exemption=False,  # not settled by the ICO: default deny
    deliverability_exemption=False,
    summary="PECR reg. 6 (2026): statistical exception and security mail.",
)
EU_DEFAULT = Profile(
    name="eu-default",
    rule_prefix="EU",
    single_consent_allowed=False,
    aggregate_exemption=True,
    security_exemption=True,
    mandatory_exemption=True,
    deliverability_exemption=False,
    summary="EDPB reading of ePrivacy 5(3): aggregate, security and service exemptions.",
)
STRICT = Profile(
    name="strict",
    rule_prefix="STRICT",
    single_consent_allowed=False,
    aggregate_exemption=False,
    security_exemption=False,  # security mail is still sent, never measured without consent
    mandatory_exemption=False,
    deliverability_exemption=False,
    summary="Consent only: no exemption and no aggregate counting.",
)

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        p.name: p
        for p in (IT_GARANTE_2026, FR_CNIL_2026, FR_CNIL_2026_AGGREGATE, UK_PECR_2026,
                  EU_DEFAULT, STRICT)
    }
)

_EEA = (
    # EU; EL is the EU's own code for Greece.
    "AT BE BG HR CY CZ DK EE FI DE GR EL HU IE LV LT LU MT NL PL PT RO SK SI ES SE"
    " AX"  # Åland, part of Finland
    " IS LI NO"  # EEA
)
_COUNTRY_PROFILES: Mapping[str, str] = MappingProxyType(
    {
        **{code: EU_DEFAULT.name for code in _EEA.split()},
        **{code: IT_GARANTE_2026.name for code in ("IT", "SM", "VA")},
        # France with its outermost regions, and Monaco.
        **{code: FR_CNIL_2026.name for code in ("FR", "MC", "GP", "GF", "MQ", "RE", "YT", "MF")},
        **{code: UK_PECR_2026.name for code in ("GB", "UK")},
    }
)


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name.strip().lower()]
    except KeyError:
        valid = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown policy profile {name!r}; valid profiles: {valid}") from None


def profile_for_country(
    country: str | None,
    default: str = "strict",
    overrides: Mapping[str, str] | None = None,
) -> Profile:
    """The profile for an ISO 3166 country code; unknown or missing -> the workspace default.

    `overrides` maps country codes to profile names and wins over the built-in table.
    """
    fallback = get_profile(default)  # a misconfigured default fails even when not needed
    code = (country or "").strip().upper()
    if overrides:
        for override_code, name in overrides.items():
            if override_code.strip().upper() == code:
                return get_profile(name)
    built_in = _COUNTRY_PROFILES.get(code)
    return get_profile(built_in) if built_in is not None else fallback
