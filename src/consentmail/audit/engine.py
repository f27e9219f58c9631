"""The audit: bytes or HTML in, an AuditReport out. No I/O here beyond reading package data.

``audit_html`` is what the campaign preflight calls on a rendered message; ``audit_bytes`` reads
an .eml or .html as uploaded or read from disk; ``audit_pair`` adds the comparison of two
recipients' copies. ``audit_bytes`` refuses input that is neither an email message nor an HTML
document (``NotAnEmail``, see sniff.py); otherwise none of them raises on bad input: what could
not be read becomes a note.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from consentmail.audit.classify import classify
from consentmail.audit.html_scan import scan_html, scan_text
from consentmail.audit.identity import addresses_in
from consentmail.audit.links import is_link_protection
from consentmail.audit.mime import Parsed, read_html_file, read_message
from consentmail.audit.model import AuditReport, CopyName, Finding, Resource
from consentmail.audit.pair import align, tokens_of
from consentmail.audit.presence import settle_findings, tracked_copies
from consentmail.audit.sniff import sniff
from consentmail.audit.trackerdb import TrackerDB, default_db
from consentmail.audit.unsubscribe import HeaderValues, check_list_unsubscribe
from consentmail.audit.verdict import decide

MAX_INPUT = 50 * 1024 * 1024  # bytes of one input read; beyond is cut off with a note


def _headers_map(headers: HeaderValues | Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, list[str]] = {}
    for name, value in items:
        if value is None:
            continue
        values = [value] if isinstance(value, str) else list(value)
        out.setdefault(name.lower(), []).extend(values)
    return out


def _report(parsed: Parsed, source: str, db: TrackerDB) -> AuditReport:
    notes = list(parsed.notes)
    resources: list[Resource] = []
    if parsed.html is not None:
        try:
            resources = scan_html(parsed.html)
        except Exception as exc:  # the parser should not fail; if it does, say so
            notes.append(f"the HTML could not be parsed ({type(exc).__name__}: {exc})")
    elif parsed.text is not None:
        resources = scan_text(parsed.text)
        notes.append("no HTML body: links read from the text body, which loads nothing on open")
    headers = _headers_map(parsed.headers)
    recipients = addresses_in(
        v for name in ("to", "delivered-to", "x-original-to") for v in headers.get(name, [])
    )
    findings = classify(resources, db, recipients)
    rewritten = sum(1 for r in resources if not r.auto_loaded and is_link_protection(r.url))
    if rewritten:
        notes.append(f"{rewritten} link(s) rewritten by the recipient's link scanner (e.g. Outlook "
                     "Safe Links) after delivery: not the sender's tracking, not reported")
    refusals = tuple(r for r in resources if r.role == "refusal")
    unsubscribe = check_list_unsubscribe(headers) if parsed.headers else None
    return AuditReport(
        source=source,
        subject=parsed.subject,
        verdict=decide(findings, (), refusals, paired=False),
        findings=tuple(findings),
        refusal_links=refusals,
        unsubscribe=unsubscribe,
        notes=tuple(notes),
        resources=tuple(resources),
    )


def audit_html(
    html: str,
    *,
    headers: HeaderValues | Sequence[tuple[str, str]] | None = None,
    source: str = "html",
    db: TrackerDB | None = None,
) -> AuditReport:
    """Audit one HTML body; ``headers`` (raw values) adds the List-Unsubscribe checks."""
    parsed = Parsed(html=html)
    if headers:
        parsed.headers = [(k, v) for k, vs in _headers_map(headers).items() for v in vs]
    return _report(parsed, source, db or default_db())


def audit_bytes(data: bytes, *, source: str = "upload", db: TrackerDB | None = None) -> AuditReport:
    """Audit an .eml or .html file's bytes (the kind is sniffed from the content).

    Raises NotAnEmail when the bytes are neither a message nor an HTML document."""
    cut = len(data) > MAX_INPUT
    data = data[:MAX_INPUT]
    parsed = read_html_file(data) if sniff(data, source) == "html" else read_message(data)
    if cut:
        parsed.notes.insert(0, f"input larger than {MAX_INPUT} bytes: only the start was read")
    return _report(parsed, source, db or default_db())


def audit_pair(first: AuditReport, second: AuditReport) -> AuditReport:
    """``first``'s report, with the personal tokens found by comparing it with ``second`` and the
    trackers that only ``second`` carries (the verdict is the same whichever copy comes first)."""
    pairs, missing = align(first.resources, second.resources)
    tokens = tokens_of(pairs)
    findings = settle_findings(first, second, pairs, tokens)
    covered = {f.url for f in findings}
    for t in tokens:  # personal URLs loaded on open that no rule or heuristic caught
        if t.purpose == "tracking" and t.auto_loaded and t.url_a not in covered:
            covered.add(t.url_a)
            findings.append(Finding(
                category="personal_url", url=t.url_a, element=t.element, line=t.line_a,
                auto_loaded=True, personal=True,
                reason=f"loaded on open and differs per recipient ({t.part})",
            ))
    # Stable, in the first copy's line order; what only the second copy has comes last.
    findings.sort(key=lambda f: (f.only_in == "second",
                                 f.line if f.line is not None else 1 << 30))
    notes = list(first.notes)
    if missing:
        notes.append(f"{missing} URL(s) have no counterpart in the other copy: trackers the "
                     "other copy lacks are reported as present in one copy only")
    if not first.resources and not second.resources:
        notes.append("neither copy has URLs to compare")
    refusals = _refusals_of_tracked(first, second, tracked_copies(findings, tokens), notes)
    return dataclasses.replace(
        first,
        second_source=second.source,
        findings=tuple(findings),
        personal_tokens=tuple(tokens),
        verdict=decide(findings, tokens, refusals, paired=True),
        notes=tuple(notes + [f"second copy: {n}" for n in second.notes]),
    )


def _refusals_of_tracked(
    first: AuditReport, second: AuditReport, tracked: set[CopyName], notes: list[str]
) -> tuple[Resource, ...]:
    """The refusal links that count (R13): every tracked copy must offer one. Adds a note when a
    tracked copy lacks the link the other copy has."""
    copies = {"first": first, "second": second}
    lacking = sorted(c for c in tracked if not copies[c].refusal_links)
    if lacking and (first.refusal_links or second.refusal_links):  # one copy has a link
        notes.append(f"the {lacking[0]} copy is tracked personally but has no link to stop "
                     "tracking")
    if lacking:
        return ()
    return first.refusal_links if "first" in tracked or not tracked else second.refusal_links
