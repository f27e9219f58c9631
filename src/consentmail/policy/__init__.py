"""The pure policy engine: jurisdiction profiles, decide() at render, re-check at hit. No I/O."""

from consentmail.policy.engine import decide
from consentmail.policy.legacy import LegacyRegime
from consentmail.policy.profiles import (
    EU_DEFAULT,
    FR_CNIL_2026,
    FR_CNIL_2026_AGGREGATE,
    IT_GARANTE_2026,
    PROFILES,
    STRICT,
    UK_PECR_2026,
    Profile,
    get_profile,
    profile_for_country,
)
from consentmail.policy.recheck import personal_at_hit
from consentmail.policy.types import (
    NO_ANSWER,
    NO_EXPIRY,
    Category,
    ConsentSnapshot,
    Decision,
    Expiry,
    Measure,
    MessageContext,
    Mode,
    Purpose,
    PurposeState,
)

__all__ = [
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
]
