"""The preflight comparison itself: render a template for two synthetic recipients who have not
agreed to tracking and compare, with the audit engine, every URL a mail client would fetch on open
(img src, CSS url(), stylesheets, background, VML in Outlook conditional comments) or open on
click (a href, also in the text part). Pure: a compiled template in, issues out, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any, Literal
from urllib.parse import urlsplit

from consentmail.audit import Finding, PersonalToken, audit_html, audit_pair, compare_pair
from consentmail.audit.html_scan import scan_text
from consentmail.campaigns import urls
from consentmail.policy.types import Mode
from consentmail.render import (
    CompiledCampaign,
    Envelope,
    Recipient,
    TemplateError,
    Tracking,
    render_message,
)

PLACEHOLDER_BASE = "https://consentmail.invalid"  # our own URLs when no public URL is given
Severity = Literal["block", "warning"]
# Two people who never agreed to tracking; every contact field differs between them.
PROBES = (
    Recipient(
        "preflight-a@invalid.example",
        {"first_name": "Ada", "last_name": "Lovelace", "country": "GB", "language": "en"},
    ),
    Recipient(
        "preflight-b@invalid.example",
        {"first_name": "Bruno", "last_name": "Rossi", "country": "IT", "language": "it"},
    ),
)
_TRACKER_CATEGORIES = {"known_tracker", "generic_pixel", "tracked_link", "vendor_content"}
_CONDITIONAL = re.compile(r"<!--\[if[^\]]*\]>(.*?)<!\[endif\]", re.S | re.I)
_COMMENT_URL = re.compile(
    r"""([\w:-]+)\s*=\s*["']?\s*(https?://[^"'\s<>]+)|url\(\s*['"]?(https?://[^'")\s]+)""", re.I
)


@dataclass(frozen=True, slots=True)
class Issue:
    severity: Severity
    code: str  # loaded-url-differs | link-differs | third-party-tracker | third-party-font | ...
    message: str
    element: str = ""
    url: str = ""
    line: int | None = None  # in the template when found there, else in the rendered HTML
    part: str = "html"  # html | text | template
    acceptable: bool = False  # a link: the author may accept recipient data in it


def check(
    compiled: CompiledCampaign,
    *,
    source: str,
    from_addr: str,
    base: str = PLACEHOLDER_BASE,
    aggregate_token: str = "preflight",
    list_mail: bool = True,
    modes: Iterable[Mode] = (Mode.NONE,),
    accept_links: bool = False,
    data: Mapping[str, Any] | None = None,
) -> tuple[Issue, ...]:
    """Issues of a compiled template, in line order (blocks first), without any I/O."""
    issues: dict[tuple[Any, ...], Issue] = {}
    for mode in modes:
        try:
            copies = [_copy(compiled, p, mode, base, aggregate_token, list_mail, from_addr, data)
                      for p in _with_data(data)]
        except (TemplateError, ValueError) as exc:
            add = Issue("block", "render-error", f"rendering failed: {exc}", part="template")
            issues.setdefault(("render", str(exc)), add)
            continue
        for issue in _compare(copies[0], copies[1], source, base, accept_links):
            issues.setdefault((issue.code, issue.element, issue.url, issue.line), issue)
    for tag in compiled.foreign_tags:
        issues.setdefault(("foreign", tag), Issue(
            "warning", "foreign-merge-tag",
            f"{tag} is another vendor's merge tag: it is sent as written (use Jinja, "
            "e.g. {{ contact.first_name }})", part="template"))
    for name in sorted(compiled.unknown_names):
        issues.setdefault(("unknown", name), Issue(
            "warning", "unknown-name",
            f"{{{{ {name} }}}} is not a merge field (see docs/merge-fields.md): it renders empty",
            part="template"))
    return tuple(sorted(issues.values(), key=_order))


def _order(issue: Issue) -> tuple[int, int, str]:
    return (issue.severity != "block", issue.line if issue.line is not None else 1 << 30,
            issue.code)


def _with_data(data: Mapping[str, Any] | None) -> tuple[Recipient, Recipient]:
    if not data:
        return PROBES
    a, b = PROBES
    return (Recipient(a.email, a.fields, data), Recipient(b.email, b.fields, data))


@dataclass
class _Copy:
    html: str
    text: str
    to: str
    urls_in_comments: list[tuple[str, str, int]] = field(default_factory=list)


def _copy(
    compiled: CompiledCampaign, probe: Recipient, mode: Mode, base: str, aggregate_token: str,
    list_mail: bool, from_addr: str, data: Mapping[str, Any] | None,
) -> _Copy:
    page = "preflight"  # the same for both probes: our footer links are not under test
    aggregate = mode is Mode.AGGREGATE
    tracking = Tracking(
        open_mode=mode,
        click_mode=mode,
        pixel_url=urls.pixel_url(base, aggregate_token, aggregate=True) if aggregate else None,
        click_base=urls.click_base(base, aggregate_token, aggregate=True) if aggregate else None,
        unsubscribe_url=urls.unsubscribe_url(base, page),
        preferences_url=urls.preferences_url(base, page),
        stop_tracking_url=urls.stop_tracking_url(base, page),  # as sent: in every message
        footer_reason="Preflight copy.",
    )
    host = urlsplit(base).hostname or "consentmail.invalid"
    envelope = Envelope(
        from_addr=from_addr,
        from_name=None,
        to_addr=probe.email,
        to_name=None,
        message_id=f"<preflight@{host}>",
        date=datetime(2026, 1, 1, tzinfo=UTC),
        list_unsubscribe_url=urls.unsubscribe_url(base, page) if list_mail else None,
        one_click=False,
    )
    message = message_from_bytes(
        render_message(compiled, probe, tracking, envelope).data, policy=default_policy
    )
    assert isinstance(message, EmailMessage)
    html = _body(message, "html")
    return _Copy(html, _body(message, "plain"), probe.email, _comment_urls(html))


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    return part.get_content() if part is not None else ""


def _comment_urls(html: str) -> list[tuple[str, str, int]]:
    """(element, URL, line) inside Outlook conditional comments, which HTML parsers skip."""
    out = []
    for block in _CONDITIONAL.finditer(html):
        if block.group(1).startswith("<!-->"):  # downlevel-revealed: parsed as HTML already
            continue
        for m in _COMMENT_URL.finditer(block.group(1)):
            attr = (m.group(1) or "").lower()
            url = m.group(2) or m.group(3)
            element = f"<!--[if]--> [{attr}]" if attr else "<!--[if]--> url()"
            line = html.count("\n", 0, block.start(1) + m.start()) + 1
            out.append((element, url.replace("&amp;", "&"), line))
    return out


def _compare(a: _Copy, b: _Copy, source: str, base: str, accept_links: bool) -> list[Issue]:
    report = audit_pair(
        audit_html(a.html, headers={"To": a.to}, source="a"),
        audit_html(b.html, headers={"To": b.to}, source="b"),
    )
    ours = base.rstrip("/") + "/"
    issues: list[Issue] = []
    trackers = {f.url: f for f in report.findings if f.category in _TRACKER_CATEGORIES}
    differing: set[str] = set()
    for url, tokens in _by_url(report.personal_tokens).items():
        differing.add(url)
        issues.append(_difference(tokens, trackers.get(url), source, accept_links))
    text_tokens = compare_pair(scan_text(a.text), scan_text(b.text))
    for url, tokens in _by_url(text_tokens).items():
        if url in differing:  # the same link in the HTML part: reported once
            continue
        issues.append(replace(_difference(tokens, None, source, accept_links), part="text"))
    issues += [i for i in _comment_differences(a, b, source, accept_links)
               if i.url not in differing]
    for f in report.findings:
        if f.url in differing or f.url.startswith(ours):
            continue
        warning = _finding_warning(f, source)
        if warning is not None:
            issues.append(warning)
    if "have no counterpart" in " ".join(report.notes):
        issues.append(Issue(
            "warning", "conditional-content",
            "some URLs appear for some recipients only (content chosen by merge fields): "
            "whoever serves them learns which group a recipient is in", part="html"))
    return issues


def _by_url(tokens: Iterable[PersonalToken]) -> dict[str, list[PersonalToken]]:
    grouped: dict[str, list[PersonalToken]] = {}
    for t in tokens:
        grouped.setdefault(t.url_a, []).append(t)
    return grouped


def _difference(
    tokens: list[PersonalToken], tracker: Finding | None, source: str, accept_links: bool
) -> Issue:
    t = tokens[0]
    parts = ", ".join(dict.fromkeys(x.part for x in tokens))
    line = _template_line(source, t.url_a, t.value_a, t.line_a)
    data = f"{parts} differs per recipient" + (
        ": the recipient's email address" if any("@" in x.value_a for x in tokens) else "")
    if t.auto_loaded:
        what = "a resource loaded on open"
        if tracker is not None:
            what = f"{tracker.vendors[0]}'s tracker" if tracker.vendors else "a known tracker"
        return Issue(
            "block", "loaded-url-differs",
            f"the URL of {what} carries recipient data ({data}): it would identify a "
            "recipient who refused tracking; remove the merge field from it",
            t.element, t.url_a, line, "html")
    message = (f"the link's URL carries recipient data ({data}); it is left untracked, "
               "but the site it leads to learns who clicked")
    if accept_links:
        return Issue("warning", "link-differs", message + " (accepted by the author)",
                     t.element, t.url_a, line, "html", acceptable=True)
    return Issue("block", "link-differs", message, t.element, t.url_a, line, "html",
                 acceptable=True)


def _comment_differences(a: _Copy, b: _Copy, source: str, accept_links: bool) -> list[Issue]:
    out: list[Issue] = []
    if len(a.urls_in_comments) != len(b.urls_in_comments):
        return [Issue("warning", "conditional-content",
                      "Outlook conditional comments hold different URLs per recipient")]
    for (element, url_a, line), (_, url_b, _) in zip(
        a.urls_in_comments, b.urls_in_comments, strict=True
    ):
        if url_a == url_b:
            continue
        link = element.endswith("[href]")  # VML v:roundrect href: followed on click
        token = PersonalToken(part="url", value_a=url_a, value_b=url_b, url_a=url_a, url_b=url_b,
                              element=element, auto_loaded=not link, line_a=line, line_b=line)
        out.append(_difference([token], None, source, accept_links))
    return out


def _finding_warning(f: Finding, source: str) -> Issue | None:
    line = _template_line(source, f.url, "", f.line)
    if f.category in _TRACKER_CATEGORIES:
        vendors = f" ({', '.join(f.vendors)})" if f.vendors else ""
        # In one copy only: served to some recipients, not "identical for every recipient".
        whom = "for some recipients only" if f.only_in else "identical for every recipient"
        return Issue("warning", "third-party-tracker",
                     f"third-party tracking{vendors}, {whom}: "
                     f"{f.reason}", f.element, f.url, line, "html")
    if f.category == "remote_font":
        return Issue("warning", "third-party-font", f.reason, f.element, f.url, line, "html")
    if f.category == "address_in_url":
        return Issue("warning", "address-in-url", f.reason, f.element, f.url, line, "html",
                     acceptable=not f.auto_loaded)
    return None


def _template_line(source: str, url: str, value: str, rendered: int | None) -> int | None:
    """The template line holding the URL's constant start (before the recipient's value),
    nearest the rendered line; the rendered line when the template does not show it."""
    cut = url.find(value) if value else -1
    prefix = url[:cut] if cut > 0 else url
    for needle in dict.fromkeys((prefix, prefix.replace("&", "&amp;"))):
        if len(needle) < 10:
            continue
        lines = [source.count("\n", 0, m.start()) + 1
                 for m in re.finditer(re.escape(needle), source)]
        if lines:
            return min(lines, key=lambda n: abs(n - (rendered or n)))
    return rendered
