"""Sending the re-permission email (R10) and the legacy information message (R11) to a list.

Both are ordinary outbox rows the worker builds and delivers, one per eligible contact, each
with its own page token. Their campaign (one per language, so the words are compiled once) is
marketing mail that measures nothing (measure none): the policy gives every recipient no pixel
and no tracked link, and at render time it sends nothing to whoever left the list or withdrew
the newsletter in the meantime. The campaign has no list of its own, so `campaigns send` cannot
re-queue it to the whole list behind the six-month rule's back; each message keeps the list for
its unsubscribe link and the render-time re-check.

Only people who receive the list's mail are written to: subscribed, not suppressed, with the
newsletter consent (asking anyone else, even for consent, is itself marketing without it). The
legacy notice skips whoever was asked for tracking consent: that email said "silence is no", so
their silence is a refusal, never the non-objection R11 relies on. Each
message and its permission_request row are added to the caller's transaction: both are committed,
or neither, so a second run after a crash or a success neither loses nor repeats anyone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.campaigns import urls
from consentmail.campaigns.permission_content import Content, ask_content, legacy_content
from consentmail.campaigns.queue import message_row
from consentmail.consent._default_notices import DEFAULT_TEXTS
from consentmail.consent.expiry import workspace_expiry
from consentmail.consent.notices import FALLBACK_LANGUAGE, current_notice, normalise_language
from consentmail.consent.overrides import profile_overrides
from consentmail.consent.repermission import (
    eligible_for_request,
    record_legacy_notice,
    record_request,
)
from consentmail.consent.state import snapshots
from consentmail.db.models import Campaign, Contact, ContactList, Subscription, utcnow
from consentmail.policy import Profile, decide, profile_for_country
from consentmail.policy.types import Category, ConsentSnapshot, Measure, MessageContext, Mode
from consentmail.render import TemplateError, compile_campaign, headers

ASKABLE = ("tracking", "profiling")
CHUNK = 2000

# Why a contact on the list got nothing, in the order they are checked.
SUPPRESSED = "suppressed"  # hard bounce
UNSUBSCRIBED = "unsubscribed"
NO_NEWSLETTER = "no_newsletter"  # does not receive the list's mail (no consent, or objected)
GRANTED = "granted"  # R10: the purpose is granted, nothing to ask
TOO_SOON = "too_soon"  # R10: within six months of a refusal, an unanswered request or collection
NOT_LEGACY = "not_legacy"  # R11: no legacy regime for the contact's profile, or collected after
ANSWERED = "answered"  # R11: a tracking answer is on the ledger (no silence to rely on)
# R10 with R11: asked for tracking consent by an email that says "silence is no"; their silence
# is a refusal, never a non-objection.
ASKED = "asked"
ALREADY_INFORMED = "already_informed"  # R11: the information message went out before


class PermissionMailError(ValueError):
    pass


@dataclass(frozen=True)
class Sender:
    from_addr: str
    from_name: str = ""


@dataclass
class PermissionMailSummary:
    kind: str  # "request" | "legacy-notice"
    list_name: str
    purpose: str
    dry_run: bool
    queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    campaign_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "list": self.list_name,
            "purpose": self.purpose,
            "dry_run": self.dry_run,
            "queued": self.queued,
            "skipped": dict(sorted(self.skipped.items())),
            "campaigns": self.campaign_ids,
        }


@dataclass(frozen=True, slots=True)
class _Member:
    contact_id: int
    language: str
    snapshot: ConsentSnapshot
    profile: Profile


def ask_again(
    session: Session,
    list_name: str,
    purpose: str,
    *,
    sender: Sender,
    public_url: str,
    default_jurisdiction: str,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PermissionMailSummary:
    """R10: one dedicated, untracked email asking for `purpose` to every contact of the list who
    may be asked now, each recorded as a permission request. The caller commits."""
    if purpose not in ASKABLE:
        if purpose == "newsletter":
            raise PermissionMailError(
                "purpose newsletter: an email asking for marketing consent is itself marketing, "
                "which needs that consent (R24); ask for tracking or profiling"
            )
        raise PermissionMailError(f"purpose {purpose!r}: expected one of {', '.join(ASKABLE)}")
    run = _Run(session, list_name, "request", purpose, sender, public_url, default_jurisdiction,
               now, dry_run)

    def skip(m: _Member) -> str | None:
        if getattr(m.snapshot, purpose).granted:
            return GRANTED
        if not eligible_for_request(session, m.contact_id, purpose, run.now):
            return TOO_SOON
        return None

    def content(m: _Member) -> Content:
        notice, lang = run.notice(purpose, m.language)
        return ask_content(lang, purpose, list_name, notice)

    def record(m: _Member) -> None:
        record_request(session, m.contact_id, purpose, run.now)

    return run.send(skip, content, record, "preferences_url")


def send_legacy_notice(
    session: Session,
    list_name: str,
    *,
    sender: Sender,
    public_url: str,
    default_jurisdiction: str,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PermissionMailSummary:
    """R11 (fr-cnil-2026): tell each legacy contact of the list, once, that opens and clicks may
    be measured individually after the objection period unless they object, with a link to
    object in one click. Recorded as a legacy notice, whose date starts the objection period.
    The caller commits."""
    run = _Run(session, list_name, "legacy-notice", "tracking", sender, public_url,
               default_jurisdiction, now, dry_run)

    def skip(m: _Member) -> str | None:
        regime, collected = m.profile.legacy, m.snapshot.collected_at
        if regime is None or collected is None or collected.date() >= regime.collected_before:
            return NOT_LEGACY
        if m.snapshot.tracking.event_id is not None:
            return ANSWERED
        if m.snapshot.tracking_requested_at is not None:
            return ASKED
        if m.snapshot.legacy_informed_at is not None:
            return ALREADY_INFORMED
        return None

    def content(m: _Member) -> Content:
        regime = m.profile.legacy
        assert regime is not None
        notice, lang = run.notice("tracking", m.language)
        # The first day LegacyRegime.allows() can hold for a contact informed now.
        tracked_from = max(run.now.date() + regime.objection_period, regime.window_closes)
        return legacy_content(
            lang, list_name, notice, regime.collected_before.isoformat(), tracked_from.isoformat()
        )

    def record(m: _Member) -> None:
        record_legacy_notice(session, m.contact_id, run.now)

    return run.send(skip, content, record, "stop_tracking_url")


def default_sender(session: Session, list_name: str) -> Sender | None:
    """The From of the list's latest campaign; None when the list has had no campaign."""
    list_id = session.scalar(select(ContactList.id).where(ContactList.name == list_name))
    if list_id is None:
        raise PermissionMailError(f"no list named {list_name!r}")
    row = session.execute(
        select(Campaign.from_addr, Campaign.from_name)
        .where(Campaign.list_id == list_id)
        .order_by(Campaign.id.desc())
        .limit(1)
    ).first()
    return Sender(row.from_addr, row.from_name) if row is not None else None


class _Run:
    """One mailing to one list: the audience, the campaigns by language, the counts."""

    def __init__(
        self, session: Session, list_name: str, kind: str, purpose: str, sender: Sender,
        public_url: str, default_jurisdiction: str, now: datetime | None, dry_run: bool,
    ) -> None:
        try:
            headers.address("From", sender.from_name or None, sender.from_addr, "from")
        except ValueError as exc:
            raise PermissionMailError(str(exc)) from None
        query = select(ContactList).where(ContactList.name == list_name)
        if not dry_run:  # PostgreSQL: two runs on one list take turns (imports are not held)
            query = query.with_for_update(key_share=True)
        contact_list = session.scalar(query)
        if contact_list is None:
            raise PermissionMailError(f"no list named {list_name!r}")
        self.session, self.list, self.sender = session, contact_list, sender
        self.public_url, self.default_jurisdiction = public_url, default_jurisdiction
        self.now = now or utcnow()
        self.summary = PermissionMailSummary(kind, list_name, purpose, dry_run)
        # Marketing that measures nothing: decide() sends it only to who gets the list's mail
        # (a newsletter grant past the workspace's expiry is no grant).
        self.ctx = MessageContext(Category.MARKETING, Measure.NONE, at=self.now,
                                  expiry=workspace_expiry(session))
        self.campaigns: dict[Content, Campaign] = {}  # one per wording: compiled once
        self.notices: dict[tuple[str, str], tuple[str, str]] = {}

    def notice(self, purpose: str, language: str) -> tuple[str, str]:
        """(text, language) of the purpose's current notice, as the preference page shows it."""
        lang = normalise_language(language) or FALLBACK_LANGUAGE
        found = self.notices.get((purpose, lang))
        if found is None:
            stored = current_notice(self.session, purpose, lang)
            if stored is not None:
                found = (stored.text, stored.language)
            else:  # none stored yet: the built-in words a grant would store (notice_for_grant)
                texts = DEFAULT_TEXTS[purpose]
                shown = lang if lang in texts else FALLBACK_LANGUAGE
                found = (texts[shown], shown)
            self.notices[(purpose, lang)] = found
        return found

    def send(
        self,
        skip: Callable[[_Member], str | None],
        content: Callable[[_Member], Content],
        record: Callable[[_Member], None],
        link: str,
    ) -> PermissionMailSummary:
        summary = self.summary
        for member, status, suppressed in self._audience():
            d = decide(member.snapshot, self.ctx, member.profile)
            reason = (
                SUPPRESSED if suppressed
                else UNSUBSCRIBED if status != "subscribed"
                else NO_NEWSLETTER if not d.send
                else skip(member)
            )
            if reason is not None:
                summary.skipped[reason] += 1
                continue
            if d.open_mode is not Mode.NONE or d.click_mode is not Mode.NONE:
                raise RuntimeError(f"a permission email must measure nothing ({d.rule_id})")
            summary.queued += 1
            if summary.dry_run:
                continue
            words = content(member)
            campaign = self.campaigns.get(words) or self._campaign(words)
            record(member)
            msg = message_row(campaign.id, member.contact_id, self.list.id, d)
            page = {
                "preferences_url": urls.preferences_url(self.public_url, msg.page_token),
                "stop_tracking_url": urls.stop_tracking_url(self.public_url, msg.page_token),
            }
            msg.transactional_data = {link: page[link]}
            self.session.add(msg)
        self.session.flush()
        return summary

    def _audience(self) -> Iterator[tuple[_Member, str, bool]]:
        """Everyone on the list, unsubscribed too, by id: (member, status, suppressed)."""
        overrides = profile_overrides(self.session)
        profiles: dict[str, Profile] = {}
        last = 0
        while True:
            rows = self.session.execute(
                select(Contact.id, Contact.country, Contact.language, Contact.suppressed,
                       Subscription.status)
                .join(Subscription, Subscription.contact_id == Contact.id)
                .where(Subscription.list_id == self.list.id, Contact.id > last)
                .order_by(Contact.id)
                .limit(CHUNK)
            ).all()
            if not rows:
                return
            last = rows[-1].id
            snaps = snapshots(self.session, [r.id for r in rows], self.list.id)
            for r in rows:
                profile = profiles.get(r.country)
                if profile is None:
                    profile = profiles[r.country] = profile_for_country(
                        r.country, default=self.default_jurisdiction, overrides=overrides
                    )
                member = _Member(r.id, r.language, snaps[r.id], profile)
                yield member, r.status, r.suppressed

    def _campaign(self, content: Content) -> Campaign:
        try:  # the builder compiles it again at send time: fail now, before anything is stored
            compile_campaign(content.html, subject=content.subject, text=content.text,
                             name=content.name)
        except TemplateError as exc:
            raise PermissionMailError(str(exc)) from None
        label = "Tracking information (R11)" if self.summary.kind == "legacy-notice" else (
            f"Permission request: {self.summary.purpose} (R10)"
        )
        campaign = Campaign(
            name=f"{label}, list {self.list.name} ({content.language})"[:200],
            list_id=None,  # never re-queued to the whole list (see the module's docstring)
            subject=content.subject,
            from_addr=self.sender.from_addr,
            from_name=self.sender.from_name,
            category=Category.MARKETING.value,
            measure=Measure.NONE.value,
            template_name=content.name,
            html=content.html,
            text=content.text,
            status="queued",  # the worker marks it sent when its messages are final
            aggregate_token=urls.new_token(),
            aggregate_cohort=0,
            queued_at=self.now,
        )
        self.session.add(campaign)
        self.session.flush()
        self.campaigns[content] = campaign
        self.summary.campaign_ids.append(campaign.id)
        return campaign
