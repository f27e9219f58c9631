"""One transactional, security or mandatory message from an application (issue 4.9).

The same path as a campaign: the template is compiled (errors before anything is stored), the
policy decides with the recipient's consent snapshot and jurisdiction profile (cohort 0: never
aggregate), and the message is an outbox row the worker builds and delivers. The template and its
links live in a hidden per-request Campaign row (status "transactional", no list: no
List-Unsubscribe, U5). An idempotency key makes a retried request return the first message,
which is queued once and so sent once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consentmail.campaigns.lookup import find_campaign
from consentmail.campaigns.preflight_check import check
from consentmail.campaigns.queue import context_for, decide_for, message_row
from consentmail.campaigns.urls import new_token
from consentmail.consent.expiry import workspace_expiry
from consentmail.consent.overrides import profile_overrides
from consentmail.consent.state import snapshot
from consentmail.contacts.address import AddressError, normalise_address
from consentmail.db.models import Campaign, CampaignLink, Contact, Message, utcnow
from consentmail.policy.types import Category, Measure
from consentmail.render import CompiledCampaign, TemplateError, compile_campaign, headers

CATEGORIES = (Category.TRANSACTIONAL, Category.SECURITY, Category.MANDATORY)
HIDDEN_STATUS = "transactional"  # never listed as a campaign, never closed by the worker


class TransactionalError(ValueError):
    """A request that cannot be sent; ``status`` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class MessageRequest:
    to: str
    category: str
    subject: str | None = None
    from_addr: str | None = None
    from_name: str = ""
    template: str | None = None  # HTML (Jinja)
    template_id: int | None = None  # a campaign whose template, subject and sender are used
    text: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    measure: str = "none"
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Queued:
    message_id: int
    created: bool  # False: an earlier request with the same idempotency key
    status: str
    open_mode: str
    click_mode: str
    rule_id: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.message_id,
            "status": self.status,
            "replayed": not self.created,
            "tracking": {"open": self.open_mode, "click": self.click_mode},
            "rule": self.rule_id,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Template:
    html: str
    text: str | None
    subject: str
    from_addr: str
    from_name: str
    name: str


def send_transactional(
    session: Session, req: MessageRequest, *, k_min: int, default_jurisdiction: str
) -> Queued:
    """Queue the message (the caller commits), or return the one queued under the same key.

    On a concurrent duplicate (same key, or the same new address) the session is rolled back
    and the stored message returned: only one of the requests creates anything.
    """
    category, measure, to = _validate(req)
    if req.idempotency_key:
        found = _replay(session, req, to)
        if found is not None:
            return found
    template = _template(session, req)
    compiled = _compile(template)
    try:
        return _create(session, req, to, category, measure, template, compiled, k_min,
                       default_jurisdiction)
    except IntegrityError:
        session.rollback()
        found = _replay(session, req, to) if req.idempotency_key else None
        if found is None:  # the same new contact created concurrently: once more
            return _create(session, req, to, category, measure, template, compiled, k_min,
                           default_jurisdiction)
        return found


def _validate(req: MessageRequest) -> tuple[Category, Measure, str]:
    if req.category not in {c.value for c in CATEGORIES}:
        raise TransactionalError(
            f"category {req.category!r}: choose one of {[c.value for c in CATEGORIES]} "
            "(marketing mail goes to a list as a campaign)"
        )
    try:
        measure = Measure(req.measure)
    except ValueError:
        raise TransactionalError(
            f"measure {req.measure!r}: choose one of {[m.value for m in Measure]}"
        ) from None
    if (req.template is None) == (req.template_id is None):
        raise TransactionalError("give either template (HTML) or template_id (a campaign id)")
    try:
        to = normalise_address(req.to)
    except AddressError as exc:
        raise TransactionalError(f"to: {exc.reason}") from None
    return Category(req.category), measure, to


def _template(session: Session, req: MessageRequest) -> _Template:
    if req.template_id is not None:
        base = find_campaign(session, req.template_id)
        if base is None or base.status == HIDDEN_STATUS:
            raise TransactionalError(f"template_id {req.template_id}: no such campaign", 404)
        return _Template(
            base.html, base.text, req.subject or base.subject, req.from_addr or base.from_addr,
            req.from_name or base.from_name, base.template_name or f"campaign-{base.id}",
        )
    if not req.subject or not req.from_addr:
        raise TransactionalError("subject and from are required with an inline template")
    return _Template(
        req.template or "", req.text, req.subject, req.from_addr, req.from_name, "api-message"
    )


def _compile(t: _Template) -> CompiledCampaign:
    try:
        headers.address("From", t.from_name or None, t.from_addr, "from")
    except ValueError as exc:
        raise TransactionalError(str(exc)) from None
    try:
        compiled = compile_campaign(t.html, subject=t.subject, text=t.text, name=t.name)
    except TemplateError as exc:
        raise TransactionalError(str(exc)) from None
    if compiled.fields:  # contact fields in a URL loaded on open would identify the reader
        issues = check(compiled, source=t.html, from_addr=t.from_addr, list_mail=False,
                       accept_links=True)
        blocks = [i for i in issues if i.severity == "block"]
        if blocks:
            raise TransactionalError(
                "; ".join(f"line {i.line}: {i.element} {i.message}" for i in blocks)
            )
    return compiled


def _create(
    session: Session, req: MessageRequest, to: str, category: Category, measure: Measure,
    t: _Template, compiled: CompiledCampaign, k_min: int, default_jurisdiction: str,
) -> Queued:
    contact = session.scalar(select(Contact).where(Contact.email == to))
    if contact is None:
        contact = Contact(email=to)  # no consent events: the policy sees no consent at all
        session.add(contact)
        session.flush()
    if contact.suppressed:  # decide() would refuse it too; say why in the caller's terms
        raise TransactionalError(
            f"not sent: {to} is suppressed after a permanent delivery failure "
            f"({contact.suppressed_reason or 'no reply recorded'})"
        )
    now = utcnow()
    campaign = Campaign(
        name=f"{category.value}: {t.subject}"[:200], list_id=None, subject=t.subject,
        from_addr=t.from_addr, from_name=t.from_name, category=category.value,
        measure=measure.value, template_name=t.name, html=t.html, text=t.text,
        status=HIDDEN_STATUS, aggregate_token=new_token(), aggregate_cohort=0, queued_at=now,
    )
    # Cohort 0: a single message is never counted in an anonymous aggregate (law 3).
    ctx = context_for(campaign, 0, k_min, now, expiry=workspace_expiry(session))
    d = decide_for(snapshot(session, contact.id, None), contact.country, ctx,
                   default_jurisdiction, profile_overrides(session))
    if not d.send:
        raise TransactionalError(f"not sent: {d.reason} ({d.rule_id})")
    session.add(campaign)
    session.flush()
    session.add_all(
        CampaignLink(campaign_id=campaign.id, index=link.index, url=link.url,
                     has_merge_fields=link.has_merge_fields)
        for link in compiled.links
    )
    msg = message_row(campaign.id, contact.id, None, d)
    msg.transactional_data = dict(req.data)
    msg.idempotency_key = req.idempotency_key or None
    session.add(msg)
    session.flush()
    return _queued(msg, created=True)


def _replay(session: Session, req: MessageRequest, to: str) -> Queued | None:
    msg = session.scalar(select(Message).where(Message.idempotency_key == req.idempotency_key))
    if msg is None:
        return None
    contact = session.get(Contact, msg.contact_id)
    campaign = session.get(Campaign, msg.campaign_id) if msg.campaign_id else None
    same = (
        contact is not None and contact.email == to and campaign is not None
        and campaign.category == req.category and campaign.measure == req.measure
        and msg.transactional_data == dict(req.data)
        and (req.subject is None or campaign.subject == req.subject)
        and (req.template is None or campaign.html == req.template)
    )
    if not same:
        raise TransactionalError(
            "idempotency_key was already used for a different message", status=409
        )
    return _queued(msg, created=False)


def _queued(msg: Message, created: bool) -> Queued:
    return Queued(msg.id, created, msg.status, msg.open_mode, msg.click_mode, msg.rule_id,
                  msg.reason)
