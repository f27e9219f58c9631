"""The transparency page's facts (R2, R12), derived from the live policy profiles and settings:
per profile and category of mail, what may be measured, why, on which basis, for how long.

Rows follow decide()'s order: an exemption wins; else consent; else the legacy non-objection
regime; else the deliverability date; else anonymous totals; else nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from consentmail.config import Settings
from consentmail.policy import PROFILES, Category, Measure, Profile
from consentmail.privacy.retention import retention_days


@dataclass(frozen=True, slots=True)
class Row:
    when: str  # always | agreed | not_objected | otherwise
    measures: str  # personal | last_open_date | aggregate | aggregate_clicks | nothing
    purpose: str  # improve | security | mandatory | deliverability | statistics | none
    basis: str  # consent | legacy | security | mandatory | deliverability | aggregate | none
    retention_days: int | None


@dataclass(frozen=True, slots=True)
class CategoryRows:
    category: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    name: str
    is_default: bool
    legacy_collected_before: date | None
    categories: tuple[CategoryRows, ...]


def _rows(profile: Profile, category: Category, days: dict[str, int]) -> tuple[Row, ...]:
    plan = profile.tables[category][Measure.INDIVIDUAL]
    if plan.exempt is not None:
        purpose = "security" if category is Category.SECURITY else "mandatory"
        return (Row("always", "personal", purpose, purpose, days["exemption"]),)
    rows = [Row("agreed", "personal", "improve", "consent", days["personal"])]
    if plan.legacy is not None:
        rows.append(Row("not_objected", "personal", "improve", "legacy", days["personal"]))
    if plan.deliverability is not None:
        rows.append(
            Row("otherwise", "last_open_date", "deliverability", "deliverability",
                days["deliverability"])
        )
    if plan.aggregate_possible:
        # With the deliverability date, opens give the date and only clicks are totalled.
        measures = "aggregate_clicks" if plan.deliverability is not None else "aggregate"
        rows.append(Row("otherwise", measures, "statistics", "aggregate", days["aggregate"]))
    if plan.deliverability is None and not plan.aggregate_possible:
        rows.append(Row("otherwise", "nothing", "none", "none", None))
    return tuple(rows)


def transparency(settings: Settings) -> list[ProfileFacts]:
    """Every profile, the workspace default first, then by name."""
    days = retention_days(settings)
    names = sorted(PROFILES, key=lambda n: (n != settings.default_jurisdiction, n))
    facts = []
    for name in names:
        profile = PROFILES[name]
        legacy = profile.legacy.collected_before if profile.legacy is not None else None
        facts.append(
            ProfileFacts(
                name=name,
                is_default=name == settings.default_jurisdiction,
                legacy_collected_before=legacy,
                categories=tuple(CategoryRows(c.value, _rows(profile, c, days)) for c in Category),
            )
        )
    return facts
