"""Preflight leak check, run before every send (queue_campaign) and on demand
(``consentmail campaigns preflight ID``).

The campaign is rendered for two synthetic recipients without tracking consent (mode none, and
aggregate when the campaign measures) and every URL is compared (preflight_check). A URL that
differs carries recipient data to whoever serves it:

- loaded on open: the send is blocked, always (law 1: no recipient-specific element without a
  basis; the image host would identify a recipient who refused tracking);
- a link: the send is blocked unless the author accepts recipient data in links
  (``--accept-links``), stored per campaign and template in the Setting table.

Known third-party trackers (the audit's pattern lists), remote fonts, other vendors' merge tags
(Mailchimp ``*|FNAME|*``) and names that render empty are warnings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from consentmail.campaigns.preflight_check import PLACEHOLDER_BASE, Issue, check
from consentmail.db.models import Campaign, Setting
from consentmail.policy.types import Mode
from consentmail.render import TemplateError, compile_campaign

__all__ = [
    "ACCEPT_KEY",
    "Issue",
    "PreflightBlocked",
    "PreflightReport",
    "accept_links",
    "describe",
    "links_accepted",
    "preflight",
    "require_preflight",
]

ACCEPT_KEY = "preflight_accept_links:{}"


@dataclass(frozen=True)
class PreflightReport:
    campaign_id: int | None
    issues: tuple[Issue, ...]
    links_accepted: bool = False
    modes: tuple[str, ...] = ("none",)

    @property
    def blocked(self) -> bool:
        return any(i.severity == "block" for i in self.issues)

    @property
    def blocks(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "block")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    def summary(self) -> str:
        lines = [
            f"preflight of campaign {self.campaign_id}: "
            f"{'BLOCKED' if self.blocked else 'ok'} ({len(self.blocks)} blocking, "
            f"{len(self.warnings)} warnings)"
        ]
        lines += [f"  {describe(i)}" for i in self.issues]
        if any(i.acceptable and i.severity == "block" for i in self.issues):
            lines.append(
                f"  links only: `consentmail campaigns preflight {self.campaign_id} "
                "--accept-links` accepts recipient data in links (never in loaded resources)"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "blocked": self.blocked,
            "links_accepted": self.links_accepted,
            "modes": list(self.modes),
            "issues": [asdict(i) for i in self.issues],
        }


def describe(issue: Issue) -> str:
    where = f"line {issue.line} " if issue.line is not None else ""
    what = f"{issue.element} " if issue.element else ""
    url = f" <{issue.url}>" if issue.url else ""
    return f"[{issue.severity}] {where}{what}({issue.part}): {issue.message}{url}"


class PreflightBlocked(ValueError):
    """The campaign leaks recipient data; ``report`` names every element."""

    def __init__(self, report: PreflightReport) -> None:
        super().__init__(report.summary())
        self.report = report


# --- the service --------------------------------------------------------------------------


def preflight(session: Session, campaign: Campaign, settings: Any = None) -> PreflightReport:
    """The leak check of one campaign (``settings`` gives the public URL; any placeholder does:
    our own URLs are identical for both probes whatever the base)."""
    base = getattr(settings, "public_url", None) or PLACEHOLDER_BASE
    accepted = links_accepted(session, campaign)
    try:
        compiled = compile_campaign(
            campaign.html, subject=campaign.subject, text=campaign.text,
            name=campaign.template_name or "template",
        )
    except TemplateError as exc:
        issue = Issue("block", "template-error", str(exc), part="template")
        return PreflightReport(campaign.id, (issue,), accepted)
    modes = (Mode.NONE,) if campaign.measure == "none" else (Mode.NONE, Mode.AGGREGATE)
    issues = check(
        compiled,
        source=campaign.html,
        from_addr=campaign.from_addr,
        base=base,
        aggregate_token=campaign.aggregate_token,
        list_mail=campaign.list_id is not None,
        modes=modes,
        accept_links=accepted,
    )
    return PreflightReport(campaign.id, issues, accepted, tuple(m.value for m in modes))


def require_preflight(session: Session, campaign: Campaign) -> PreflightReport:
    """The report, or PreflightBlocked when the campaign may not be sent."""
    report = preflight(session, campaign)
    if report.blocked:
        raise PreflightBlocked(report)
    return report


def accept_links(session: Session, campaign: Campaign) -> None:
    """The author accepts recipient data in this template's links (never in loaded resources)."""
    value = {"template_sha256": _fingerprint(campaign), "at": datetime.now(UTC).isoformat()}
    key = ACCEPT_KEY.format(campaign.id)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=json.dumps(value)))
    else:
        row.value = json.dumps(value)
    session.flush()


def links_accepted(session: Session, campaign: Campaign) -> bool:
    """Accepted for this very template: a changed template needs a new acceptance."""
    row = session.get(Setting, ACCEPT_KEY.format(campaign.id))
    if row is None:
        return False
    try:
        return json.loads(row.value).get("template_sha256") == _fingerprint(campaign)
    except (ValueError, AttributeError):
        return False


def _fingerprint(campaign: Campaign) -> str:
    text = "\x00".join((campaign.subject, campaign.html, campaign.text or ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


