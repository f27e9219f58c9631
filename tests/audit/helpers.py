"""Small helpers for the audit tests: fixtures of our own and corpus readers."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from consentmail.audit import AuditReport, audit_bytes, audit_pair
from tests.conftest import FIXTURES, shared_path

OWN = FIXTURES / "audit"


def own_pair() -> AuditReport:
    """Our handmade newsletter, sent to two recipients, compared."""
    first = audit_bytes((OWN / "newsletter.u1.eml").read_bytes(), source="newsletter.u1.eml")
    second = audit_bytes((OWN / "newsletter.u2.eml").read_bytes(), source="newsletter.u2.eml")
    return audit_pair(first, second)


def corpus_email(name: str) -> Path:
    return shared_path("corpus", "emails", name)


@lru_cache(maxsize=32)
def audit_corpus(name: str, second: str | None = None) -> AuditReport:
    """A corpus email's report (or a pair's), computed once per test session."""
    path = corpus_email(name)
    report = audit_bytes(path.read_bytes(), source=name)
    if second is None:
        return report
    other = corpus_email(second)
    return audit_pair(report, audit_bytes(other.read_bytes(), source=second))


def jsonl(*parts: str) -> list[dict[str, Any]]:
    """Records of a JSONL file in ../shared ([] when absent: parametrized tests then skip)."""
    from tests.conftest import SHARED

    path = SHARED.joinpath(*parts)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
