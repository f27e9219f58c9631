"""Capture flows: the hosted form with double opt-in, and consent sent by external forms.

Nothing is granted before the person confirms; an unticked box records nothing (silence is
refusal, R10). Until then the form keeps only what is needed to send the confirmation (the
contact, the pending signup, a truncated IP where enabled), forgotten after CONFIRM_WITHIN.
Every grant carries the exact notice version and SHA-256 shown to the person, its source,
method and time, and a truncated IP only where the workspace enabled it (R16). Every change is
committed before the function returns (law 5).
"""

from __future__ import annotations

import dataclasses
import math
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consentmail.consent.ip_capture import (  # noqa: F401 - re-exported: capture's API
    IP_SETTING,
    ip_capture_enabled,
    kept_ip,
    set_ip_capture,
    truncate_ip,
)
from consentmail.consent.ledger import PURPOSES, NewEvent, chain_head, record
from consentmail.consent.notices import LANGUAGES, current_notice, normalise_language
from consentmail.contacts.address import AddressError, normalise_address
from consentmail.contacts.lists import list_slug as slugify  # one slug for forms and lists
from consentmail.contacts.values import name_problem
from consentmail.db.models import (
    ConsentEvent,
    Contact,
    ContactList,
    Message,
    Notice,
    PendingSignup,
    Subscription,
    utcnow,
)

CONFIRM_WITHIN = timedelta(days=7)
RESEND_AFTER = timedelta(minutes=10)  # one confirmation per contact and list: no mail bombing
IDEMPOTENT_WITHIN = timedelta(minutes=1)
CLOCK_SKEW = timedelta(minutes=5)
# No consent collected before this is plausible (R16): older dates are typos or placeholders.
EARLIEST_COLLECTED = datetime(2000, 1, 1, tzinfo=UTC)


class CaptureError(ValueError):
    """Rejected input: `field` names it (e.g. "notice_versions.tracking"), `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CaptureConflict(CaptureError):
    """Well-formed input that contradicts what is on record (the API answers 409)."""


# --- small shared pieces ---------------------------------------------------------------------


def find_list(session: Session, slug_or_name: str) -> ContactList | None:
    """The list named exactly so, else the oldest list whose name slugifies to it."""
    exact = session.scalar(select(ContactList).where(ContactList.name == slug_or_name))
    if exact is not None:
        return exact
    for lst in session.scalars(select(ContactList).order_by(ContactList.id)):
        if slugify(lst.name) == slug_or_name:
            return lst
    return None


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime) -> str:
    return _aware(dt).isoformat(timespec="seconds")


def _email(raw: str) -> str:
    try:
        return normalise_address(raw)
    except AddressError as exc:
        raise CaptureError("email", exc.reason) from None


def _contact(session: Session, email: str, **new_fields: Any) -> Contact:
    """Find or create (a concurrent creation of the same address is tolerated)."""
    found = session.scalar(select(Contact).where(Contact.email == email))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            contact = Contact(email=email, **new_fields)
            session.add(contact)
        return contact
    except IntegrityError:
        found = session.scalar(select(Contact).where(Contact.email == email))
        assert found is not None
        return found


def _subscribe(session: Session, contact_id: int, list_id: int, source: str, now: datetime) -> None:
    sub = session.scalar(
        select(Subscription).where(
            Subscription.contact_id == contact_id, Subscription.list_id == list_id
        )
    )
    if sub is None:
        session.add(
            Subscription(contact_id=contact_id, list_id=list_id, changed_at=now, source=source)
        )
    elif sub.status != "subscribed":
        sub.status, sub.changed_at, sub.source = "subscribed", now, source


def _notice(session: Session, purpose: str, version: str, language: str) -> Notice | None:
    return session.scalar(
        select(Notice).where(
            Notice.purpose == purpose, Notice.version == version, Notice.language == language
        )
    )


# --- the hosted form -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShownNotice:
    """A notice as the form shows it: the layered short text first, the full text on demand."""

    purpose: str
    version: str
    sha256: str
    language: str
    text: str

    @property
    def short(self) -> str:
        return self.text.strip().split("\n\n", 1)[0]


def form_notices(session: Session, language: str) -> dict[str, ShownNotice]:
    """The current notice per purpose (in `language`, else English). A purpose with no notice
    at all is not offered: consent is only collected against words the person can read (R12)."""
    shown = {}
    for purpose in PURPOSES:
        n = current_notice(session, purpose, language)
        if n is not None:
            shown[purpose] = ShownNotice(purpose, n.version, n.sha256, n.language, n.text)
    return shown


@dataclass(frozen=True, slots=True)
class Signup:
    email: str
    purposes: Collection[str]  # the boxes ticked; nothing else is ever granted
    notices_shown: Mapping[str, tuple[str, str]]  # purpose -> (language, version) on the form
    language: str = "en"  # the person's preferred language
    first_name: str = ""
    ip: str = ""


@dataclass(frozen=True, slots=True)
class Submitted:
    token: str
    pending_id: int
    email: str
    first_name: str
    list_name: str
    send: bool  # False: a confirmation for this list went out moments ago (no mail bombing)
    language: str = "en"  # the language chosen on the form: the confirmation email's
    # When send is False: how long until the form may send another one (whole minutes, >= 1).
    resend_in_minutes: int = 0


def submit_signup(
    session: Session, lst: ContactList, signup: Signup, *, now: datetime | None = None
) -> Submitted:
    """Record a signup waiting for confirmation. Grants nothing. Commits.

    Every field is checked before anything is stored. Within RESEND_AFTER of a confirmation
    for the same contact and list, nothing new is stored or sent (`send` is False): the
    earlier request stands, and `resend_in_minutes` says when another can be made.
    The confirmation greets the person with the name typed now; an existing contact's stored
    name is not changed by a request nobody has confirmed."""
    now = now or utcnow()
    email = _email(signup.email)
    first_name = signup.first_name.strip()
    if (problem := name_problem(first_name)) is not None:
        raise CaptureError("first_name", problem)
    language = normalise_language(signup.language)
    if language not in LANGUAGES:
        raise CaptureError("language", f"choose one of {', '.join(LANGUAGES)}")
    ticked = [p for p in PURPOSES if p in signup.purposes]
    if unknown := sorted(set(signup.purposes) - set(PURPOSES)):
        raise CaptureError("purpose", f"unknown purpose(s) {', '.join(unknown)}")
    if "newsletter" not in ticked:
        raise CaptureError("newsletter", "Tick “Newsletter” to subscribe to this list.")
    notices: dict[str, dict[str, str]] = {}
    for purpose in ticked:
        lang, version = signup.notices_shown.get(purpose, ("", ""))
        n = _notice(session, purpose, version, lang)
        if n is None:
            raise CaptureError(
                f"notice_{purpose}", "The information shown has changed; please read it again."
            )
        notices[purpose] = {"version": n.version, "sha256": n.sha256, "language": n.language}
    contact = _contact(session, email, first_name=first_name, language=language, collected_at=now)
    session.flush()
    recent = session.scalar(
        select(PendingSignup)
        .where(
            PendingSignup.contact_id == contact.id,
            PendingSignup.list_id == lst.id,
            PendingSignup.confirmed_at.is_(None),
            PendingSignup.submitted_at > now - RESEND_AFTER,
        )
        .order_by(PendingSignup.id.desc())
        .limit(1)
    )
    if recent is not None:
        session.commit()  # nothing new: the contact existed already, for that request
        wait = RESEND_AFTER - (now - _aware(recent.submitted_at))
        return Submitted(
            recent.token,
            recent.id,
            contact.email,
            first_name,
            lst.name,
            False,
            recent.language,
            max(1, math.ceil(wait.total_seconds() / 60)),
        )
    pending = PendingSignup(
        token=secrets.token_urlsafe(16),
        contact_id=contact.id,
        list_id=lst.id,
        purposes=ticked,
        notices=notices,
        language=language,
        submitted_at=now,
        ip_truncated=kept_ip(session, signup.ip),
    )
    session.add(pending)
    session.commit()
    return Submitted(pending.token, pending.id, contact.email, first_name, lst.name, True, language)


def discard_signup(session: Session, pending_id: int) -> None:
    """Forget an unconfirmed signup (its confirmation could not be sent). Commits."""
    session.execute(
        delete(PendingSignup).where(
            PendingSignup.id == pending_id, PendingSignup.confirmed_at.is_(None)
        )
    )
    session.commit()


class SignupStatus(StrEnum):
    OPEN = "open"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class SignupView:
    status: SignupStatus
    email: str = ""
    list_name: str = ""
    purposes: tuple[str, ...] = ()
    language: str = ""
    event_ids: tuple[int, ...] = ()


def _find(session: Session, token: str, now: datetime) -> tuple[SignupStatus, PendingSignup | None]:
    pending = session.scalar(select(PendingSignup).where(PendingSignup.token == token))
    if pending is None:
        return SignupStatus.UNKNOWN, None
    if pending.confirmed_at is not None:
        return SignupStatus.USED, pending
    if _aware(pending.submitted_at) + CONFIRM_WITHIN < now:
        return SignupStatus.EXPIRED, pending
    return SignupStatus.OPEN, pending


def _view(session: Session, status: SignupStatus, pending: PendingSignup | None) -> SignupView:
    if pending is None:
        return SignupView(status)
    contact = session.get(Contact, pending.contact_id)
    lst = session.get(ContactList, pending.list_id)
    return SignupView(
        status,
        contact.email if contact else "",
        lst.name if lst else "",
        tuple(pending.purposes),
        pending.language,
    )


def look_up_signup(session: Session, token: str, *, now: datetime | None = None) -> SignupView:
    """What the confirmation page shows. Reads only: a mail scanner's GET changes nothing."""
    status, pending = _find(session, token, now or utcnow())
    return _view(session, status, pending)


def confirm_signup(
    session: Session, token: str, *, ip: str = "", now: datetime | None = None
) -> SignupView:
    """Double opt-in: subscribe and grant each ticked purpose, once. Commits before returning."""
    now = now or utcnow()
    status, pending = _find(session, token, now)
    if status is not SignupStatus.OPEN or pending is None:
        return _view(session, status, pending)
    # Claim the token atomically: of two concurrent confirmations only one records anything.
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(PendingSignup)
            .where(PendingSignup.id == pending.id, PendingSignup.confirmed_at.is_(None))
            .values(confirmed_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        session.rollback()
        return _view(session, SignupStatus.USED, pending)
    lst = session.get(ContactList, pending.list_id)
    assert lst is not None  # the foreign key cascades
    slug = slugify(lst.name)
    source = f"form:{slug}"
    evidence: dict[str, object] = {
        "form": slug,
        "submitted_at": _iso(pending.submitted_at),
        "confirmed_at": _iso(now),
        "language": pending.language,
    }
    confirmed_ip = kept_ip(session, ip)
    if pending.ip_truncated and ip_capture_enabled(session):  # switched off since: not kept
        evidence["submitted_ip_truncated"] = pending.ip_truncated
    events = [
        NewEvent(
            contact_id=pending.contact_id,
            purpose=purpose,
            action="grant",
            at=now,
            source=source,
            method="double-opt-in",
            notice_version=pending.notices[purpose]["version"],
            notice_sha256=pending.notices[purpose]["sha256"],
            evidence={**evidence, "notice_language": pending.notices[purpose]["language"]},
            ip_truncated=confirmed_ip,
        )
        for purpose in PURPOSES
        if purpose in pending.purposes
    ]
    if "newsletter" in pending.purposes:
        _subscribe(session, pending.contact_id, pending.list_id, source, now)
    rows = record(session, events)
    session.commit()
    view = _view(session, SignupStatus.CONFIRMED, pending)
    return dataclasses.replace(view, event_ids=tuple(r.id for r in rows))


def forget_unsent_signup(session: Session, pending_id: int) -> None:
    """The confirmation could not be sent: forget the signup, and its contact if it existed
    only for it, so a failed attempt leaves nothing behind. Commits."""
    contact_id = session.scalar(
        select(PendingSignup.contact_id).where(
            PendingSignup.id == pending_id, PendingSignup.confirmed_at.is_(None)
        )
    )
    discard_signup(session, pending_id)
    if contact_id is not None:
        _forget_if_unused(session, contact_id)


def cancel_signup(session: Session, token: str, *, now: datetime | None = None) -> SignupView:
    """The person says it was not them: forget the unconfirmed signup. Commits."""
    status, pending = _find(session, token, now or utcnow())
    if status is not SignupStatus.OPEN or pending is None:
        return _view(session, status, pending)
    view = _view(session, SignupStatus.CANCELLED, pending)
    contact_id = pending.contact_id
    discard_signup(session, pending.id)
    _forget_if_unused(session, contact_id)
    return view


def purge_lapsed_signups(session: Session, now: datetime) -> int:
    """Retention: forget signups whose confirmation lapsed unconfirmed, and the contacts that
    existed only for them (nothing was granted). Commits. Returns how many signups."""
    lapsed = session.execute(
        select(PendingSignup.id, PendingSignup.contact_id).where(
            PendingSignup.confirmed_at.is_(None), PendingSignup.submitted_at < now - CONFIRM_WITHIN
        )
    ).all()
    for pending_id, contact_id in lapsed:
        discard_signup(session, pending_id)
        _forget_if_unused(session, contact_id)
    return len(lapsed)


def _forget_if_unused(session: Session, contact_id: int) -> None:
    """Delete a contact that exists only because of a cancelled signup (data minimisation)."""
    for model in (ConsentEvent, Subscription, Message, PendingSignup):
        used = session.scalar(select(model.id).where(model.contact_id == contact_id).limit(1))
        if used is not None:
            return
    try:
        with session.begin_nested():
            session.execute(delete(Contact).where(Contact.id == contact_id))
    except IntegrityError:
        return  # referenced from somewhere else: keep it
    session.commit()


# --- external forms (REST) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExternalConsent:
    email: str
    purposes: Mapping[str, bool]  # false (or absent) records nothing: silence is refusal
    notice_versions: Mapping[str, str]
    source: str
    language: str
    list_name: str | None = None
    collected_at: datetime | None = None
    ip: str = ""


@dataclass(frozen=True, slots=True)
class Recorded:
    event_ids: tuple[int, ...]
    subscribed: bool
    duplicate: bool  # the same consent arrived within a minute: nothing new was recorded


def _external_checks(
    session: Session, req: ExternalConsent, now: datetime
) -> tuple[str, list[Notice], datetime, ContactList | None, str]:
    email = _email(req.email)
    if unknown := sorted(set(req.purposes) - set(PURPOSES)):
        raise CaptureError(
            f"purposes.{unknown[0]}", f"unknown purpose; expected one of {', '.join(PURPOSES)}"
        )
    source = req.source.strip()
    if not source or len(source) > 200 or not source.isprintable():
        raise CaptureError("source", "1-200 printable characters naming the form")
    language = normalise_language(req.language)
    notices = []
    for purpose in (p for p in PURPOSES if req.purposes.get(p)):
        version = req.notice_versions.get(purpose, "")
        field = f"notice_versions.{purpose}"
        if not version:
            raise CaptureError(field, f"required: the notice version shown for {purpose}")
        n = _notice(session, purpose, version, language)
        if n is None:
            raise CaptureError(
                field, f"no {purpose} notice version {version!r} in language {language!r}"
            )
        notices.append(n)
    at = _collected_at(req.collected_at, now)
    lst = None
    if req.list_name:
        lst = find_list(session, req.list_name)
        if lst is None:
            raise CaptureError("list", f"no list named {req.list_name!r}")
    ip = ""
    if req.ip:
        try:
            ip = truncate_ip(req.ip)
        except ValueError:
            raise CaptureError("ip", f"{req.ip!r} is not an IP address") from None
    return email, notices, at, lst, ip


def _collected_at(collected_at: datetime | None, now: datetime) -> datetime:
    """When the person chose (UTC): now if not given. Refuses what cannot be a consent date."""
    if collected_at is None:
        return now
    try:
        at = _aware(collected_at)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before year 1 in UTC
        raise CaptureError("collected_at", "not a representable date") from None
    if at < EARLIEST_COLLECTED:
        raise CaptureError(
            "collected_at", f"before {EARLIEST_COLLECTED:%Y-%m-%d}: not a plausible consent date"
        )
    if at > now + CLOCK_SKEW:
        raise CaptureError("collected_at", "is in the future")
    return at


def _later_choice(
    session: Session, contact_id: int, notices: list[Notice], at: datetime
) -> ConsentEvent | None:
    """The most recent event, for a purpose being granted, made after `at`: a grant collected
    earlier must not undo it (the derived state follows the order events are recorded in)."""
    return session.scalar(
        select(ConsentEvent)
        .where(
            ConsentEvent.contact_id == contact_id,
            ConsentEvent.purpose.in_([n.purpose for n in notices]),
            ConsentEvent.at > at,
        )
        .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
        .limit(1)
    )


def _recent_duplicate(
    session: Session,
    contact_id: int,
    source: str,
    notices: list[Notice],
    now: datetime,
    *,
    at: datetime | None,
    list_name: str | None,
) -> tuple[int, ...] | None:
    """The events of the same request recorded within IDEMPOTENT_WITHIN, or None: same source,
    the same notices, for the same list, and (when the request dates it) the same time. A retry
    that adds a list or another collected_at is a new request, not a duplicate."""
    rows = session.execute(
        select(ConsentEvent.id, ConsentEvent.purpose, ConsentEvent.notice_sha256,
               ConsentEvent.at, ConsentEvent.evidence)
        .where(
            ConsentEvent.contact_id == contact_id,
            ConsentEvent.source == source,
            ConsentEvent.method == "api",
            ConsentEvent.action == "grant",
            ConsentEvent.recorded_at >= now - IDEMPOTENT_WITHIN,
        )
        .order_by(ConsentEvent.id)
    ).all()
    latest = {
        (r.purpose, r.notice_sha256): r.id
        for r in rows
        if (r.evidence or {}).get("list") == list_name and (at is None or _aware(r.at) == at)
    }
    wanted = [(n.purpose, n.sha256) for n in notices]
    if set(wanted) != set(latest):
        return None
    return tuple(latest[key] for key in wanted)


def record_external_consent(
    session: Session, req: ExternalConsent, *, now: datetime | None = None
) -> Recorded:
    """Grant what an external form collected, with its proof. Commits before returning.
    Raises CaptureError naming the field for any input that cannot be proved."""
    now = now or utcnow()
    email, notices, at, lst, ip = _external_checks(session, req, now)
    if not notices:
        return Recorded((), False, False)
    source = f"api:{req.source.strip()}"
    contact = _contact(session, email, language=normalise_language(req.language), collected_at=at)
    session.flush()
    newsletter = any(n.purpose == "newsletter" for n in notices)
    subscribe = newsletter and lst is not None
    # The ledger's append lock, held until commit, before reading what is on record: of two
    # identical requests at once, the second waits and then finds the first's events.
    chain_head(session)  # the ledger's append lock, held until commit
    dated = at if req.collected_at is not None else None
    listed = lst.name if lst is not None else None
    if (ids := _recent_duplicate(
        session, contact.id, source, notices, now, at=dated, list_name=listed
    )) is not None:
        session.rollback()
        return Recorded(ids, subscribe, True)
    if req.collected_at is not None and (
        later := _later_choice(session, contact.id, notices, at)
    ) is not None:
        session.rollback()
        raise CaptureConflict(
            f"purposes.{later.purpose}",
            f"a later choice is on record: {later.action} on "
            f"{_aware(later.at):%Y-%m-%dT%H:%M:%SZ}; send the current choice or omit "
            "collected_at",
        )
    evidence: dict[str, object] = {
        "collected_at": _iso(at),
        "received_at": _iso(now),
        "language": normalise_language(req.language),
    }
    if lst is not None:
        evidence["list"] = lst.name
    rows = record(
        session,
        [
            NewEvent(
                contact_id=contact.id,
                purpose=n.purpose,
                action="grant",
                at=at,
                source=source,
                method="api",
                notice_version=n.version,
                notice_sha256=n.sha256,
                evidence=evidence,
                ip_truncated=ip if ip_capture_enabled(session) else "",
            )
            for n in notices
        ],
    )
    if subscribe and lst is not None:
        _subscribe(session, contact.id, lst.id, source, now)
    session.commit()
    return Recorded(tuple(r.id for r in rows), subscribe, False)
