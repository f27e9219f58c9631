"""Building outgoing messages for the delivery worker.

The policy is asked again here, at render time (law 1): consent withdrawn after queueing
means the message goes out without personal markers.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.campaigns import urls
from consentmail.campaigns.queue import context_for, decide_for, decision_fields
from consentmail.consent.expiry import workspace_expiry
from consentmail.consent.overrides import profile_overrides
from consentmail.consent.state import snapshots
from consentmail.db.models import Campaign, Contact, Message, utcnow
from consentmail.delivery import Outgoing
from consentmail.delivery.worker import BuildFailure
from consentmail.policy.types import ConsentSnapshot, Decision, Mode
from consentmail.render import (
    CompiledCampaign,
    Envelope,
    Recipient,
    TemplateError,
    Tracking,
    compile_campaign,
    footer_reason,
    render_message,
)
from consentmail.render.dkim import DkimError, check_key, sign


@dataclass(frozen=True)
class DkimKey:
    selector: str
    domain: str
    private_key: bytes = field(repr=False)


def load_dkim_key(
    selector: str | None, domain: str | None, key_file: Path | None
) -> DkimKey | None:
    """The DKIM key when all three settings are given, read and checked once (at start-up)."""
    if not (selector and domain and key_file):
        return None
    try:
        private_key = Path(key_file).read_bytes()
    except OSError as exc:
        raise DkimError(f"CONSENTMAIL_DKIM_KEY_FILE {key_file}: {exc.strerror or exc}") from None
    check_key(private_key)
    return DkimKey(selector, domain, private_key)


@dataclass(frozen=True)
class BuildConfig:
    public_url: str
    one_click: bool
    k_min: int
    default_jurisdiction: str
    dkim: DkimKey | None = None  # sign every message after rendering


@lru_cache(maxsize=32)
def _compiled(
    campaign_id: int, html: str, subject: str, text: str | None, name: str
) -> CompiledCampaign:
    return compile_campaign(html, subject=subject, text=text, name=name)


def compiled_for(campaign: Campaign) -> CompiledCampaign:
    return _compiled(
        campaign.id, campaign.html, campaign.subject, campaign.text, campaign.template_name
    )


def tracking_for(
    cfg: BuildConfig,
    campaign: Campaign,
    msg: Message,
    d: Decision,
    contact: Contact,
    snapshot: ConsentSnapshot,
) -> Tracking:
    base = cfg.public_url
    open_mode, click_mode = Mode(d.open_mode), Mode(d.click_mode)
    pixel = click = None
    if open_mode is Mode.PERSONAL:
        pixel = urls.pixel_url(base, msg.track_token or "", aggregate=False)
    elif open_mode is Mode.AGGREGATE:
        pixel = urls.pixel_url(base, campaign.aggregate_token, aggregate=True)
    if click_mode is Mode.PERSONAL:
        click = urls.click_base(base, msg.track_token or "", aggregate=False)
    elif click_mode is Mode.AGGREGATE:
        click = urls.click_base(base, campaign.aggregate_token, aggregate=True)
    return Tracking(
        open_mode=open_mode,
        click_mode=click_mode,
        pixel_url=pixel,
        click_base=click,
        unsubscribe_url=urls.unsubscribe_url(base, msg.page_token),
        preferences_url=urls.preferences_url(base, msg.page_token),
        # R13: every message links the recipient's tracking choices, whatever it measures.
        stop_tracking_url=urls.stop_tracking_url(base, msg.page_token),
        # The footer speaks the contact's language; d.reason, stored, stays English (law 7).
        footer_reason=footer_reason(contact.language, d, snapshot),
        language=contact.language,
    )


def recipient_for(contact: Contact, data: Mapping[str, Any] | None = None) -> Recipient:
    """The merge fields of docs/merge-fields.md: ``contact.*``, and ``data.*`` (transactional)."""
    return Recipient(
        email=contact.email,
        fields={
            "email": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "country": contact.country,
            "language": contact.language,
        },
        data=data or {},
    )


def _message_id(public_url: str) -> str:
    host = urlsplit(public_url).hostname or "consentmail.invalid"
    return f"<{secrets.token_hex(16)}@{host}>"


def build_messages(
    session: Session, cfg: BuildConfig, message_ids: Sequence[int]
) -> list[Outgoing | BuildFailure]:
    msgs = session.scalars(select(Message).where(Message.id.in_(message_ids))).all()
    contacts = {
        c.id: c
        for c in session.scalars(
            select(Contact).where(Contact.id.in_({m.contact_id for m in msgs}))
        )
    }
    campaigns = {
        c.id: c
        for c in session.scalars(
            select(Campaign).where(Campaign.id.in_({m.campaign_id for m in msgs}))
        )
    }
    now = utcnow()
    overrides = profile_overrides(session)
    expiry = workspace_expiry(session)  # a grant lapsed since queueing is no basis (law 1)
    out: list[Outgoing | BuildFailure] = []
    for list_id in {m.list_id for m in msgs}:
        group = [m for m in msgs if m.list_id == list_id]
        snaps = snapshots(session, [m.contact_id for m in group], list_id)
        for msg in group:
            campaign = campaigns[msg.campaign_id] if msg.campaign_id else None
            contact = contacts[msg.contact_id]
            if campaign is None:
                out.append(BuildFailure(msg.id, "message has no campaign"))
                continue
            ctx = context_for(
                campaign, campaign.aggregate_cohort, cfg.k_min, now, expiry=expiry
            )
            d = decide_for(
                snaps[msg.contact_id], contact.country, ctx, cfg.default_jurisdiction, overrides
            )
            if not d.send:
                out.append(BuildFailure(msg.id, f"not sent at render time: {d.reason}"))
                continue
            if Mode.PERSONAL in (d.open_mode, d.click_mode) and not msg.track_token:
                msg.track_token = urls.new_token()
            for key, value in decision_fields(d).items():
                setattr(msg, key, value)
            try:
                out.append(_render(cfg, campaign, contact, msg, d, snaps[msg.contact_id], now))
            except (TemplateError, ValueError) as exc:
                out.append(BuildFailure(msg.id, str(exc)))
    session.flush()
    return out


def _render(cfg, campaign, contact, msg, d, snapshot, now):  # type: ignore[no-untyped-def]
    msg.message_id_header = msg.message_id_header or _message_id(cfg.public_url)
    unsubscribe = urls.unsubscribe_url(cfg.public_url, msg.page_token) if msg.list_id else None
    rendered = render_message(
        compiled_for(campaign),
        recipient_for(contact, msg.transactional_data),
        tracking_for(cfg, campaign, msg, d, contact, snapshot),
        Envelope(
            from_addr=campaign.from_addr,
            from_name=campaign.from_name or None,
            to_addr=contact.email,
            to_name=" ".join(p for p in (contact.first_name, contact.last_name) if p) or None,
            message_id=msg.message_id_header,
            date=now,
            list_unsubscribe_url=unsubscribe,
            one_click=cfg.one_click and unsubscribe is not None,
        ),
    )
    msg.personal_destinations = {str(k): v for k, v in rendered.personal_destinations.items()}
    data = rendered.data
    if cfg.dkim is not None:
        data = sign(data, cfg.dkim.selector, cfg.dkim.domain, cfg.dkim.private_key)
    return Outgoing(
        message_id=msg.id,
        sender=campaign.from_addr,
        recipients=(contact.email,),
        data=data,
        # Only a non-ASCII local part needs SMTPUTF8; an IDN domain travels in its IDNA form.
        needs_smtputf8=not contact.email.rpartition("@")[0].isascii(),
    )
