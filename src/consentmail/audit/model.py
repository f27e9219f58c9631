"""The audit's value types: what a message references, what was found, and the verdict.

All frozen; ``AuditReport.to_dict()`` is the JSON shape shared by the CLI (``--json``), the HTML
report and ``POST /api/audit``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ResourceKind = Literal["image", "css", "stylesheet", "font", "link"]
Category = Literal[
    "known_tracker",  # URL matches a rule of the tracker database (vendor named)
    "generic_pixel",  # tiny or hidden remote image, no rule needed
    "tracked_link",  # link through a click-tracking host or redirect
    "remote_font",  # font loaded from a third party on open (same for everyone)
    "vendor_content",  # visible image from a tracking vendor's host (the vendor sees the open)
    "address_in_url",  # an email address inside a URL (R19)
    "personal_url",  # auto-loaded URL that differs per recipient, not caught above
]
TRACKING: frozenset[str] = frozenset(
    {"known_tracker", "generic_pixel", "tracked_link", "address_in_url", "personal_url"}
)
CopyName = Literal["first", "second"]  # of a pair: the report's own copy, or the one compared
VerdictCode = Literal["individual", "individual-refusable", "aggregate", "none"]
VERDICT_LABELS: dict[str, str] = {
    "individual": "tracks individuals without a visible way to refuse",
    "individual-refusable": "tracks individuals with a way to refuse",
    "aggregate": "aggregate only",
    "none": "no tracking",
}


@dataclass(frozen=True, slots=True)
class Resource:
    """One URL the message references, in document order."""

    url: str  # entity-decoded, resolved against <base href> when relative
    kind: ResourceKind
    element: str  # where it sits: 'img[src]', 'style url()', '@import', 'a[href]', ...
    line: int | None  # 1-based line in the HTML (or text) source; None when not found
    tag: str = ""  # raw source text of the tag (images), for rules written against tags
    text: str = ""  # link text
    width: float | None = None
    height: float | None = None
    hidden: str = ""  # why the element is hidden, "" when visible
    role: str = ""  # link role: unsubscribe | refusal | preferences | webview | ""

    @property
    def auto_loaded(self) -> bool:
        """Fetched when the message is opened (pixel-like) rather than on click."""
        return self.kind != "link"


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of tracking evidence: the element, its URL and its line in the HTML."""

    category: Category
    url: str
    element: str
    line: int | None
    auto_loaded: bool
    reason: str
    vendors: tuple[str, ...] = ()
    destination: str | None = None  # tracked links: where the redirect leads, when readable
    personal: bool | None = None  # differs per recipient (True), identical (False), unknown
    # Pairs only: the copy that alone has this URL ("first" or "second"); ``line`` is in that copy.
    only_in: CopyName | None = None


@dataclass(frozen=True, slots=True)
class PersonalToken:
    """A URL part that differs between two recipients' copies of the same message."""

    part: str  # 'path[2]', 'query:e', 'host', 'fragment', 'path'
    value_a: str
    value_b: str
    url_a: str
    url_b: str
    element: str
    auto_loaded: bool  # loaded on open (img/src, css url, stylesheet) vs on click (a href)
    line_a: int | None
    line_b: int | None
    purpose: str = "tracking"  # tracking | unsubscribe | preferences | refusal


@dataclass(frozen=True, slots=True)
class OneClickRequest:
    """The RFC 8058 request a mailbox provider would send."""

    method: str
    url: str
    content_type: str
    body: str


@dataclass(frozen=True, slots=True)
class UnsubscribeCheck:
    """RFC 2369 List-Unsubscribe and RFC 8058 one-click conformance."""

    present: bool
    uris: tuple[str, ...] = ()
    one_click: bool = False
    dkim: str = "no signature"  # covered | not covered | no signature
    issues: tuple[str, ...] = ()
    request: OneClickRequest | None = None

    @property
    def https_uris(self) -> tuple[str, ...]:
        return tuple(u for u in self.uris if u.lower().startswith("https://"))

    @property
    def mailto_uris(self) -> tuple[str, ...]:
        return tuple(u for u in self.uris if u.lower().startswith("mailto:"))


@dataclass(frozen=True, slots=True)
class Verdict:
    """The message's tracking, read against REGULATION.md, with the reasons and requirements."""

    code: VerdictCode
    reasons: tuple[str, ...]
    requirements: tuple[str, ...]
    confirmed: bool  # True when two copies were compared (personal vs identical is known)

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.code]


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Everything the audit found in one message (or a pair of copies)."""

    source: str
    verdict: Verdict
    findings: tuple[Finding, ...] = ()
    personal_tokens: tuple[PersonalToken, ...] = ()
    refusal_links: tuple[Resource, ...] = ()
    unsubscribe: UnsubscribeCheck | None = None
    subject: str | None = None
    second_source: str | None = None
    notes: tuple[str, ...] = ()
    resources: tuple[Resource, ...] = field(default=(), repr=False)

    @property
    def tracking_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.category in TRACKING)

    @property
    def vendors(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for f in self.tracking_findings:
            seen.update(dict.fromkeys(f.vendors))
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: plain values, resources summarised by kind."""
        counts: dict[str, int] = {}
        for r in self.resources:
            counts[r.kind] = counts.get(r.kind, 0) + 1
        unsub = None
        if self.unsubscribe is not None:
            unsub = asdict(self.unsubscribe)
            unsub["https_uris"] = list(self.unsubscribe.https_uris)
            unsub["mailto_uris"] = list(self.unsubscribe.mailto_uris)
        return {
            "source": self.source,
            "second_source": self.second_source,
            "subject": self.subject,
            "verdict": {**asdict(self.verdict), "label": self.verdict.label},
            "vendors": list(self.vendors),
            "findings": [asdict(f) for f in self.findings],
            "personal_tokens": [asdict(t) for t in self.personal_tokens],
            "refusal_links": [
                {"url": r.url, "text": r.text, "line": r.line} for r in self.refusal_links
            ],
            "unsubscribe": unsub,
            "resources": counts,
            "notes": list(self.notes),
        }
