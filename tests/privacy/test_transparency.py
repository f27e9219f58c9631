"""The transparency facts follow the profiles' flags (they are derived, not written by hand)."""

from __future__ import annotations

from pathlib import Path

from consentmail.policy import PROFILES
from consentmail.privacy import transparency
from tests.web.recipients import settings_for


def _facts(tmp_path: Path) -> dict[str, dict[str, list[tuple[str, str, str, int | None]]]]:
    settings = settings_for("sqlite://", tmp_path, default_jurisdiction="eu-default")
    return {
        p.name: {
            c.category: [(r.when, r.measures, r.basis, r.retention_days) for r in c.rows]
            for c in p.categories
        }
        for p in transparency(settings)
    }


def test_rows_per_profile(tmp_path: Path) -> None:
    facts = _facts(tmp_path)
    assert list(facts)[0] == "eu-default" and set(facts) == set(PROFILES)
    for name, profile in PROFILES.items():
        security = facts[name]["security"]
        if profile.security_exemption:
            assert security == [("always", "personal", "security", 90)]
        else:
            assert security[0] == ("agreed", "personal", "consent", 395)
        marketing = facts[name]["marketing"]
        assert marketing[0] == ("agreed", "personal", "consent", 395)
        measures = {row[1] for row in marketing[1:]}
        assert ("aggregate" in measures or "aggregate_clicks" in measures) == (
            profile.aggregate_exemption
        )
        assert ("last_open_date" in measures) == profile.deliverability_exemption
    assert facts["strict"]["marketing"][-1] == ("otherwise", "nothing", "none", None)
    assert ("not_objected", "personal", "legacy", 395) in facts["fr-cnil-2026"]["marketing"]
    assert facts["fr-cnil-2026-aggregate"]["marketing"][-1][1] == "aggregate_clicks"
