"""Why is (or was) this person tracked in this campaign? (law 7, issue 3 item 3)

Reads the facts (campaign, contact, consent snapshot, workspace overrides and expiry), asks
`policy.decide()` exactly as queueing and building do, and names the ledger event (or legacy
notice) the basis rests on; a decision left without a basis because the person said no (a
withdrawal, an objection) or a grant lapsed names that ledger event instead ("ended_by"). The
decision stored with the message, if one exists, is shown beside it: they differ when consent
changed after the message was built. For a draft, the aggregate cohort is the one queueing would
compute now (campaigns.queue.cohort_if_queued), so what explain says is what the send would do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.campaigns.lookup import find_campaign
from consentmail.campaigns.queue import cohort_if_queued, context_for
from consentmail.consent.expiry import workspace_expiry
from consentmail.consent.overrides import profile_overrides
from consentmail.consent.proof import event_dict, find_contact_by_email, iso_utc
from consentmail.consent.state import LEGACY_NOTICE_KIND, snapshot
from consentmail.db.models import (
    Campaign,
    ConsentEvent,
    Contact,
    Message,
    PermissionRequest,
    Subscription,
    utcnow,
)
from consentmail.policy import Decision, decide, profile_for_country
from consentmail.policy.profiles import Profile
from consentmail.policy.types import ConsentSnapshot, Expiry

CONSENT_PREFIX = "consent:"
LEGACY_BASIS = "legacy:non-objector"
EXEMPTION_PREFIX = "exemption:"
UNSUBSCRIBED_RULE = "ALL-R23-unsubscribed"
# decide() sees one fact, "not on the list's audience"; explain says which one it is.
NOT_ON_LIST = ("ALL-R23-not-on-list", "Not sent: you are not on this list.")
SUPPRESSED = (
    "ALL-R23-suppressed",
    "Not sent: an earlier email to this address could not be delivered (permanent failure).",
)


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


def _relevant_purpose(d: Decision, measure: str) -> str | None:
    """The purpose whose answer made a decision without a personal basis, if one did: the
    newsletter for a message not sent, tracking for a measurement the campaign asked for."""
    if not d.send:
        return "newsletter"
    if d.basis.startswith((CONSENT_PREFIX, EXEMPTION_PREFIX)) or d.basis == LEGACY_BASIS:
        return None  # it rests on a record or an exemption, whatever tracking's answer
    if measure == "individual" or "-R13-refused" in d.rule_id:
        return "tracking"
    return None


def _ended_by(
    session: Session, snap: ConsentSnapshot, purpose: str | None, expiry: Expiry, now: datetime
) -> dict[str, Any] | None:
    """The ledger event that ended the purpose's basis: its latest event when that is a
    withdrawal, objection or expiry, or a grant older than the workspace's expiry limit
    (lapsed before `consent expire` wrote its event). None: no answer, or still granted."""
    if purpose is None:
        return None
    state = getattr(snap, purpose)
    if state.event_id is None:
        return None  # never answered: silence is no, and no record says so
    lapsed = state.granted and not getattr(expiry.apply(snap, now), purpose).granted
    if state.granted and not lapsed:
        return None
    ev = session.get(ConsentEvent, state.event_id)
    if ev is None:
        return {"kind": "missing", "detail": f"ledger event {state.event_id} not found"}
    return {"kind": "lapsed-grant" if lapsed else "refusal-event", "purpose": purpose,
            "event": event_dict(session, ev)}


def _off_the_audience(
    session: Session, contact: Contact, campaign: Campaign, d: Decision
) -> Decision:
    """decide() reads "not on the list's audience" as one fact: name the one that applies."""
    if d.rule_id != UNSUBSCRIBED_RULE or campaign.list_id is None:
        return d
    status = session.scalar(
        select(Subscription.status).where(
            Subscription.contact_id == contact.id, Subscription.list_id == campaign.list_id
        )
    )
    if status is None:
        rule_id, reason = NOT_ON_LIST
    elif status == "subscribed" and contact.suppressed:
        rule_id, reason = SUPPRESSED
    else:
        return d  # unsubscribed: decide()'s words are right
    return replace(d, rule_id=rule_id, reason=reason)


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
    campaign = find_campaign(session, campaign_id)
    if campaign is None:
        raise ExplainError(f"no campaign with id {campaign_id}")
    contact = find_contact_by_email(session, email)
    now = now or utcnow()
    overrides = profile_overrides(session)
    expiry = workspace_expiry(session)
    profile, profile_from = _profile(contact.country, default_jurisdiction, overrides)
    snap = snapshot(session, contact.id, campaign.list_id)
    # A draft has no cohort yet (0 until queued): use the one queueing would count now.
    draft = campaign.status == "draft" and campaign.list_id is not None
    cohort = (
        cohort_if_queued(session, campaign, k_min=k_min, default_jurisdiction=default_jurisdiction,
                         now=now, expiry=expiry)
        if draft else campaign.aggregate_cohort
    )
    ctx = context_for(campaign, cohort, k_min, now, expiry=expiry)
    d = _off_the_audience(session, contact, campaign, decide(snap, ctx, profile))
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
        "ended_by": _ended_by(session, snap, _relevant_purpose(d, campaign.measure), expiry, now),
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
            # Stored when the campaign is queued; for a draft, what queueing would count now.
            "aggregate_cohort": cohort,
            "aggregate_cohort_from": "predicted for a draft: what queueing would count now"
            if draft else "stored at queueing",
            "k_min": k_min,
        },
        "contact": {"id": contact.id, "email": contact.email, "country": contact.country or None},
        "profile": {"name": profile.name, "from": profile_from, "summary": profile.summary},
        "current": current,
        "stored": stored,
    }
