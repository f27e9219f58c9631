"""Why is (or was) this person tracked in this campaign? (law 7, issue 3 item 3)

Reads the facts (campaign, contact, consent snapshot, workspace overrides), asks `policy.decide()`
exactly as queueing and building do, and names the ledger event (or legacy notice) the basis rests
on. The decision stored with the message, if one exists, is shown beside it: they differ when
consent changed after the message was built.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.campaigns.queue import context_for
from consentmail.consent.overrides import profile_overrides
from consentmail.consent.proof import event_dict, find_contact_by_email, iso_utc
from consentmail.consent.state import LEGACY_NOTICE_KIND, snapshot
from consentmail.db.models import (
    Campaign,
    ConsentEvent,
    Contact,
    Message,
    PermissionRequest,
    utcnow,
)
from consentmail.policy import decide, profile_for_country
from consentmail.policy.profiles import Profile

CONSENT_PREFIX = "consent:"
LEGACY_BASIS = "legacy:non-objector"


class ExplainError(LookupError):
    pass


def _profile(
    country: str, default: str, overrides: dict[str, str]
) -> tuple[Profile, str]:
    """The profile and where it came from: a workspace override, the country table, the default."""
    code = (country or "").strip().upper()
    profile = profile_for_country(code, default=default, overrides=overrides)
    if code and code in overrides:
        return profile, f"workspace override for {code}"
    # The built-in table answered iff the answer does not depend on the default.
    other = "eu-default" if default != "eu-default" else "strict"
    if code and profile_for_country(code, default=other).name == profile.name:
        return profile, f"country {code}"
    return profile, f"workspace default (country {code or 'unknown'} maps to no profile)"


def _basis_source(session: Session, contact: Contact, basis: str) -> dict[str, Any] | None:
    """The record a basis rests on: the consent event, or the legacy information message."""
    if basis.startswith(CONSENT_PREFIX):
        event_id = basis.removeprefix(CONSENT_PREFIX)
        ev = session.get(ConsentEvent, int(event_id)) if event_id.isdigit() else None
        if ev is None:
            return {"kind": "missing", "detail": f"ledger event {event_id} not found"}
        return {"kind": "consent-event", "event": event_dict(session, ev)}
    if basis == LEGACY_BASIS:
        notice = session.scalar(
            select(PermissionRequest)
            .where(
                PermissionRequest.contact_id == contact.id,
                PermissionRequest.kind == LEGACY_NOTICE_KIND,
            )
            .order_by(PermissionRequest.sent_at)
            .limit(1)
        )
        return {
            "kind": "legacy-notice",
            "collected_at": iso_utc(contact.collected_at),
            "informed_at": iso_utc(notice.sent_at) if notice else None,
            "request_id": notice.id if notice else None,
        }
    return None  # exemptions, anonymous aggregate and none rest on no personal record


def explain(
    session: Session,
    campaign_id: int,
    email: str,
    *,
    k_min: int,
    default_jurisdiction: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The decision that applies now and the one stored with the message (if any), with sources."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ExplainError(f"no campaign with id {campaign_id}")
    contact = find_contact_by_email(session, email)
    now = now or utcnow()
    overrides = profile_overrides(session)
    profile, profile_from = _profile(contact.country, default_jurisdiction, overrides)
    snap = snapshot(session, contact.id, campaign.list_id)
    ctx = context_for(campaign, campaign.aggregate_cohort, k_min, now)
    d = decide(snap, ctx, profile)
    current = {
        "at": iso_utc(now),
        "send": d.send,
        "profile": d.profile,
        "open_mode": d.open_mode.value,
        "click_mode": d.click_mode.value,
        "basis": d.basis,
        "rule_id": d.rule_id,
        "reason": d.reason,
        "deliverability_only": d.deliverability_only,
        "aggregate_allowed": d.aggregate_allowed,
        "basis_source": _basis_source(session, contact, d.basis),
    }
    msg = session.scalar(
        select(Message).where(Message.campaign_id == campaign.id, Message.contact_id == contact.id)
    )
    stored = None
    if msg is not None:
        stored = {
            "message_id": msg.id,
            "status": msg.status,
            "sent_at": iso_utc(msg.sent_at),
            "profile": msg.profile,
            "open_mode": msg.open_mode,
            "click_mode": msg.click_mode,
            "basis": msg.basis,
            "rule_id": msg.rule_id,
            "reason": msg.reason,
            "deliverability_only": msg.deliverability_only,
            "basis_source": _basis_source(session, contact, msg.basis),
        }
    return {
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "category": campaign.category,
            "measure": campaign.measure,
            "status": campaign.status,
            # Set when the campaign is queued; 0 before, so a draft shows no aggregate mode.
            "aggregate_cohort": campaign.aggregate_cohort,
            "k_min": k_min,
        },
        "contact": {"id": contact.id, "email": contact.email, "country": contact.country or None},
        "profile": {"name": profile.name, "from": profile_from, "summary": profile.summary},
        "current": current,
        "stored": stored,
    }
