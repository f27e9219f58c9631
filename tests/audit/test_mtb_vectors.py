"""MailTrackerBlocker's test vectors (../shared/corpus/trackers), one test each.

What each vector says, read as audit expectations:
- ``sanitizedHtml``: the images and CSS urls MailTrackerBlocker removed are the ones we report as
  loaded-on-open trackers (known or generic), no more and no fewer;
- ``detectedTracker``: a known tracker of that vendor is found (``same_as`` another vector: the
  same vendor as that vector's);
- certainty HARD_MATCH: a known tracker; MODERATE_HEURISTIC: a generic pixel and no known tracker;
  LOW_NO_MATCHES: nothing;
- ``knownTrackerCount``: that many known trackers; ``detectedTrackers.count``: that many vendors;
  ``detectedTrackers_contains``: those vendors among them.
"""

from __future__ import annotations

import pytest

from consentmail.audit import AuditReport, Finding, audit_html
from tests.audit.helpers import jsonl
from tests.conftest import shared_path

VECTORS = jsonl("corpus", "trackers", "mailtrackerblocker_test_vectors.jsonl")


def _html(vector: dict) -> str:
    html = vector["input_html"]
    if isinstance(html, dict):
        return shared_path("corpus", "emails", html["resource_file"]).read_text(encoding="utf-8")
    return html


def _loaded(report: AuditReport) -> list[Finding]:
    return [f for f in report.findings if f.category in ("known_tracker", "generic_pixel")]


def _known(report: AuditReport) -> list[Finding]:
    return [f for f in report.findings if f.category == "known_tracker"]


def _primary_vendors(report: AuditReport) -> list[str]:
    return list(dict.fromkeys(f.vendors[0] for f in _known(report)))


def _by_name(test: str, var: str) -> dict:
    return next(v for v in VECTORS if v["test"] == test and v["var"] == var)


@pytest.mark.parametrize(
    "vector", VECTORS, ids=[f"{v['test']}-{v['var']}" for v in VECTORS] or None
)
def test_vector(vector: dict) -> None:
    shared_path("corpus", "trackers")
    expect = vector["expect"]
    html = _html(vector)
    report = audit_html(html)
    loaded, known = _loaded(report), _known(report)

    if "sanitizedHtml" in expect:
        kept = expect["sanitizedHtml"].lower()
        removed = (html.lower().count("<img") - kept.count("<img")) + (
            html.lower().count("url(") - kept.count("url(")
        )
        assert len(loaded) == removed, [(f.category, f.url) for f in loaded]

    tracker = expect.get("detectedTracker")
    if isinstance(tracker, str):
        assert any(tracker in f.vendors for f in known), [f.vendors for f in known]
    elif isinstance(tracker, dict):
        test, field = tracker["same_as"].split(".")
        other = audit_html(_html(_by_name(vector["test"], test)))
        assert _primary_vendors(report) == _primary_vendors(other) != []
    elif "detectedTracker" in expect:  # explicitly null
        assert not loaded

    certainty = expect.get("certainty", "")
    if certainty.endswith("HARD_MATCH"):
        assert known
    elif certainty.endswith("HEURISTIC"):
        assert loaded and not known
        assert all(f.category == "generic_pixel" and not f.vendors for f in loaded)
    elif certainty.endswith("NO_MATCHES"):
        assert not report.tracking_findings

    if "knownTrackerCount" in expect:
        assert len(known) == expect["knownTrackerCount"]
    if "detectedTrackers.count" in expect:
        assert len(_primary_vendors(report)) == expect["detectedTrackers.count"]
    for vendor in expect.get("detectedTrackers_contains", []):
        assert vendor in _primary_vendors(report)
    if expect.get("note", "").startswith("unchanged"):
        assert not report.tracking_findings


def test_vectors_are_present_or_skipped() -> None:
    shared_path("corpus", "trackers", "mailtrackerblocker_test_vectors.jsonl")
    assert len(VECTORS) >= 40
