"""Which findings of two recipients' copies are personal, identical, or in one copy only.

Both copies' findings are settled the same way, so the result does not depend on which copy
comes first: a URL aligned with a counterpart is personal when the two differ; a URL found
verbatim anywhere in the other copy is identical; a URL the other copy lacks altogether is
personal to its own copy's recipient (a pixel sent to one recipient and not to the other tells
the sender who opened, just as a per-recipient token does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from consentmail.audit.model import TRACKING, AuditReport, CopyName, Finding, PersonalToken
from consentmail.audit.pair import Pair


def _settle(
    f: Finding, aligned: set[str], differing: set[str], other_urls: set[str], copy: CopyName
) -> Finding:
    if f.url not in aligned and f.url not in other_urls:
        return dataclasses.replace(f, personal=True, only_in=copy)
    if f.category == "address_in_url":  # personal whatever the other copy holds (R19)
        return f
    return dataclasses.replace(f, personal=f.url in aligned and f.url in differing)


def settle_findings(
    first: AuditReport, second: AuditReport, pairs: Sequence[Pair],
    tokens: Sequence[PersonalToken],
) -> list[Finding]:
    """``first``'s findings settled, then ``second``'s findings that ``first`` lacks."""
    urls_a = {r.url for r in first.resources}
    urls_b = {r.url for r in second.resources}
    aligned_a, aligned_b = {a.url for a, _ in pairs}, {b.url for _, b in pairs}
    differing_a, differing_b = {t.url_a for t in tokens}, {t.url_b for t in tokens}
    findings = [_settle(f, aligned_a, differing_a, urls_b, "first") for f in first.findings]
    for f in second.findings:
        settled = _settle(f, aligned_b, differing_b, urls_a, "second")
        if settled.only_in == "second":
            findings.append(settled)
    return findings


def tracked_copies(
    findings: Sequence[Finding], tokens: Sequence[PersonalToken]
) -> set[CopyName]:
    """The copies whose recipient is tracked personally."""
    tracking = [f for f in findings if f.category in TRACKING and f.personal]
    both = any(f.only_in is None for f in tracking) or any(
        t.purpose == "tracking" for t in tokens)
    copies: set[CopyName] = {"first", "second"} if both else set()
    return copies | {f.only_in for f in tracking if f.only_in is not None}
