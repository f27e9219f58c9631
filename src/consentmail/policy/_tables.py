"""Per-profile decision tables, built once when a Profile is created.

Everything that does not depend on the recipient (rule ids, sentences, whole Decisions) is decided
here, so that decide() only looks at the recipient's few facts and mostly returns a shared Decision.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from consentmail.policy import _reasons as reasons
from consentmail.policy.types import Category, Decision, Measure, Mode

if TYPE_CHECKING:
    from consentmail.policy.legacy import LegacyRegime
    from consentmail.policy.profiles import Profile

CONSENT_BASIS_PREFIX = "consent:"
LEGACY_BASIS = "legacy:non-objector"
SECURITY_BASIS = "exemption:security"
MANDATORY_BASIS = "exemption:mandatory"
DELIVERABILITY_BASIS = "exemption:deliverability"
AGGREGATE_BASIS = "anonymous-aggregate"
NO_BASIS = "none"

# Rules that are the same in every profile.
UNSUBSCRIBED_RULE = "ALL-R23-unsubscribed"
NO_NEWSLETTER_RULE = "ALL-R24-no-newsletter"
OBJECTED_RULE = "ALL-R24-objection"
NOT_MEASURED_RULE = "ALL-R20-not-measured"
DEFAULT_DENY_RULE = "ALL-R20-default-deny"
SMALL_COHORT_RULE = "ALL-R4-small-cohort"  # law 3: below k, no aggregate either

# R7 covers mail linked to a requested service: transactional and consented marketing; the
# jurisdiction table adds that in France service mail is measured "via deliverability only".
DELIVERABILITY_CATEGORIES = frozenset(
    {Category.MARKETING, Category.TRANSACTIONAL, Category.MANDATORY}
)
# R11 is about legacy marketing lists; every other category keeps needing consent or an exemption.
LEGACY_CATEGORIES = frozenset({Category.MARKETING})

P, A, N = Mode.PERSONAL, Mode.AGGREGATE, Mode.NONE

# Decisions indexed [aggregate_allowed][profiling_allowed]; pairs are indexed [profiling_allowed].
Grid = tuple[tuple[Decision, ...], ...]
Pair = tuple[Decision, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """What one profile decides for one category and measure, before looking at the recipient."""

    profile_name: str
    needs_newsletter: bool  # marketing: not sent without a newsletter consent
    aggregate_possible: bool  # the measure asks for it and the profile has the exemption
    unsubscribed: Decision  # any category: off the list (or suppressed) is not sent
    no_newsletter: Decision
    objected: Decision
    exempt: Grid | None  # security/mandatory exemption: wins over consent (purpose limitation)
    # The mandatory exemption ends for whoever refused tracking (R6 with R13): then this grid.
    refusal_ends_exemption: bool
    exempt_refused: Grid
    consent_rule: str | None  # None: the measure is not individual, consent is not looked at
    legacy: LegacyRegime | None
    legacy_rule: str
    deliverability: Grid | None
    aggregate: Pair
    denied: Pair


def build_tables(profile: Profile) -> dict[Category, dict[Measure, Plan]]:
    return {c: {m: _plan(profile, c, m) for m in Measure} for c in Category}


def _plan(profile: Profile, category: Category, measure: Measure) -> Plan:
    name, prefix = profile.name, profile.rule_prefix
    individual = measure is Measure.INDIVIDUAL
    aggregate_possible = measure is not Measure.NONE and profile.aggregate_exemption

    def decision(
        opens: Mode, clicks: Mode, basis: str, rule_id: str, reason: str, date_only: bool = False
    ) -> Decision:
        return Decision(True, opens, clicks, basis, rule_id, reason, name, date_only)

    def not_sent(rule_id: str, reason: str) -> Decision:
        return Decision(False, N, N, NO_BASIS, rule_id, reason, name)

    exempt = None
    if individual and category is Category.SECURITY and profile.security_exemption:
        exempt = _grid(decision(P, P, SECURITY_BASIS, f"{prefix}-R5-security", reasons.SECURITY))
    if individual and category is Category.MANDATORY and profile.mandatory_exemption:
        exempt = _grid(decision(P, P, MANDATORY_BASIS, f"{prefix}-R6-mandatory", reasons.MANDATORY))
    # After a tracking refusal, a service notice is measured at most in the anonymous total.
    refused_rule = f"{prefix}-R6-R13-refused"
    exempt_refused = _grid(
        decision(N, N, NO_BASIS, refused_rule, reasons.MANDATORY_REFUSED),
        decision(A, A, AGGREGATE_BASIS, refused_rule, reasons.MANDATORY_REFUSED_AGGREGATE),
    )

    deliverability = None
    if individual and profile.deliverability_exemption and category in DELIVERABILITY_CATEGORIES:
        basis, rule_id = DELIVERABILITY_BASIS, f"{prefix}-R7-deliverability"
        # Clicks never fall under deliverability: counted in the aggregate at best.
        deliverability = _grid(
            decision(P, N, basis, rule_id, reasons.DELIVERABILITY, date_only=True),
            decision(P, A, basis, rule_id, reasons.DELIVERABILITY_AND_AGGREGATE, date_only=True),
        )

    if measure is Measure.NONE:
        denied = decision(N, N, NO_BASIS, NOT_MEASURED_RULE, reasons.NOT_MEASURED)
    elif aggregate_possible:
        denied = decision(N, N, NO_BASIS, SMALL_COHORT_RULE, reasons.NOT_MEASURED)
    else:
        denied = decision(N, N, NO_BASIS, DEFAULT_DENY_RULE, reasons.NOT_MEASURED)
    aggregate = replace(
        decision(A, A, AGGREGATE_BASIS, f"{prefix}-{profile.aggregate_rule}", reasons.AGGREGATE),
        aggregate_allowed=True,
    )

    legacy = profile.legacy if individual and category in LEGACY_CATEGORIES else None
    return Plan(
        profile_name=name,
        needs_newsletter=category is Category.MARKETING,
        aggregate_possible=aggregate_possible,
        unsubscribed=not_sent(UNSUBSCRIBED_RULE, reasons.UNSUBSCRIBED),
        no_newsletter=not_sent(NO_NEWSLETTER_RULE, reasons.NO_NEWSLETTER),
        objected=not_sent(OBJECTED_RULE, reasons.OBJECTED),
        exempt=exempt,
        refusal_ends_exemption=category is Category.MANDATORY,
        exempt_refused=exempt_refused,
        consent_rule=f"{prefix}-R1-consent" if individual else None,
        legacy=legacy,
        legacy_rule=f"{prefix}-R11-legacy",
        deliverability=deliverability,
        aggregate=_pair(aggregate),
        denied=_pair(denied),
    )


def _pair(decision: Decision) -> Pair:
    return tuple(replace(decision, profiling_allowed=p) for p in (False, True))


def _grid(without_aggregate: Decision, with_aggregate: Decision | None = None) -> Grid:
    with_aggregate = with_aggregate or without_aggregate
    return (
        _pair(without_aggregate),
        _pair(replace(with_aggregate, aggregate_allowed=True)),
    )
