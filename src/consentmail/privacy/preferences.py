"""The preference centre's service: what a recipient sees and what a saved form changes.

Every change goes through consent.actions (ledger events, commit before the answer, law 5).
A grant names the notice the page showed (its version and SHA-256 come back with the form, as on
the hosted form); if that notice is no longer the current one, nothing is granted for the purpose
and the page is shown again with the new words (R12, R16). An informed legacy contact (R11) who
leaves tracking unticked on a page that offered the objection objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent import actions
from consentmail.consent._default_notices import DEFAULT_TEXTS, DEFAULT_VERSION
from consentmail.consent.actions import Recipient
from consentmail.consent.capture import ShownNotice
from consentmail.consent.legacy_status import LegacyPending, legacy_pending
from consentmail.consent.notices import (
    FALLBACK_LANGUAGE,
    LANGUAGES,
    current_notice,
    notice_for_grant,
    sha256_of,
)
from consentmail.db.models import ContactList, Subscription
from consentmail.policy.types import Purpose

PURPOSES = tuple(p.value for p in Purpose)
TRACKING = Purpose.TRACKING.value


@dataclass(frozen=True, slots=True)
class PurposeChoice:
    name: str
    granted: bool
    since: datetime | None


@dataclass(frozen=True, slots=True)
class ListChoice:
    list_id: int
    name: str
    subscribed: bool


@dataclass(frozen=True, slots=True)
class Choices:
    """A saved preference form: the purposes ticked, the lists shown and ticked, and the language
    of emails if the person chose one."""

    purposes: frozenset[str]
    lists_shown: frozenset[int]
    lists_ticked: frozenset[int]
    # The language the page was shown in (?lang=, a display choice): grants name its notices.
    language: str | None = None
    # The form's "language of our emails" field: the only thing that changes contact.language.
    mail_language: str | None = None
    # The purposes shown ticked (granted when the page was made): one of them sent unticked is
    # a "no" to record even if the grant lapsed meanwhile.
    purposes_shown_granted: frozenset[str] = frozenset()
    ip: str = ""  # the client's address; kept truncated only where the workspace enabled it
    # purpose -> (version, language, SHA-256) of the notice the page showed (hidden fields).
    notices_shown: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    # The page told an informed legacy contact that leaving tracking unticked is an objection.
    objection_offered: bool = False

    @property
    def unticked(self) -> frozenset[str]:
        return self.purposes_shown_granted - self.purposes


@dataclass(frozen=True, slots=True)
class Saved:
    changes: int  # ledger events and other changes recorded
    # Purposes ticked whose notice changed since the page was shown: nothing granted for them.
    notice_changed: tuple[str, ...] = ()


def page_notice(session: Session, purpose: str, language: str) -> ShownNotice:
    """The notice the page shows for `purpose`, which a grant from it names: the current one in
    `language` (else English), or the built-in words a first grant stores."""
    notice = current_notice(session, purpose, language)
    if notice is not None:
        return ShownNotice(purpose, notice.version, notice.sha256, notice.language, notice.text)
    texts = DEFAULT_TEXTS[purpose]
    shown = language if language in texts else FALLBACK_LANGUAGE
    return ShownNotice(purpose, DEFAULT_VERSION, sha256_of(texts[shown]), shown, texts[shown])


def legacy_of(session: Session, r: Recipient, default_jurisdiction: str) -> LegacyPending | None:
    """The R11 facts when the recipient is an informed legacy contact who has not objected."""
    return legacy_pending(
        session, r.contact, actions.current_state(session, r), default_jurisdiction
    )


def purposes_of(session: Session, r: Recipient) -> list[PurposeChoice]:
    state = actions.current_state(session, r)
    return [
        PurposeChoice(p, getattr(state, p).granted, getattr(state, p).at) for p in PURPOSES
    ]


def lists_of(session: Session, r: Recipient) -> list[ListChoice]:
    """Every list the contact is or was on, and the message's own list."""
    rows = session.execute(
        select(ContactList.id, ContactList.name, Subscription.status)
        .join(Subscription, Subscription.list_id == ContactList.id)
        .where(Subscription.contact_id == r.contact.id)
        .order_by(ContactList.name)
    ).all()
    found = [
        ListChoice(lid, name, status == "subscribed" and not r.contact.suppressed)
        for lid, name, status in rows
    ]
    if r.list is not None and all(c.list_id != r.list.id for c in found):
        found.append(ListChoice(r.list.id, r.list.name, False))
    return found


def _on_list(r: Recipient, contact_list: ContactList) -> Recipient:
    return Recipient(r.message, r.contact, contact_list)


def apply_choices(
    session: Session, r: Recipient, choices: Choices, *, default_jurisdiction: str
) -> Saved:
    """Save the form. Returns the changes recorded and the purposes not granted because their
    notice changed since the page was shown.

    Lists first, then purposes: leaving a list also ends the newsletter consent (Art. 21, in
    actions.unsubscribe), and the newsletter box the person left ticked on the same form then
    grants it again, with the notice shown, so that the other lists keep coming.
    """
    changes = 0
    mail_language = language_code(choices.mail_language)
    if mail_language in LANGUAGES and mail_language != language_code(r.contact.language):
        r.contact.language = mail_language
        session.commit()
        changes += 1
    for current in lists_of(session, r):
        if current.list_id not in choices.lists_shown:
            continue  # a list added after the page was shown is left alone
        wanted = current.list_id in choices.lists_ticked
        if wanted == current.subscribed:
            continue
        contact_list = session.get(ContactList, current.list_id)
        assert contact_list is not None
        on_list = _on_list(r, contact_list)
        if wanted:
            changes += int(actions.resubscribe(session, on_list))
        else:
            changes += int(actions.unsubscribe(session, on_list, "page", ip=choices.ip))
    wanted_purposes = {p: p in choices.purposes for p in PURPOSES}
    state = actions.current_state(session, r)
    pinned: dict[str, tuple[str, str]] = {}
    changed: list[str] = []
    for p, want in list(wanted_purposes.items()):
        if not want or getattr(state, p).granted:
            continue
        # A grant names the notice this page showed (law 5), if it is still the current one.
        notice = notice_for_grant(session, p, choices.language or r.contact.language)
        version, _, sha256 = choices.notices_shown.get(p, ("", "", ""))
        if (version, sha256) == (notice.version, notice.sha256):
            pinned[p] = (version, sha256)
        else:
            changed.append(p)
            wanted_purposes.pop(p)  # not a no either: the person has not read the new words
    legacy = None
    if choices.objection_offered and TRACKING not in choices.purposes:
        legacy = legacy_of(session, r, default_jurisdiction)
    changes += actions.set_preferences(
        session, r, wanted_purposes, "page", notice_language=choices.language,
        unticked=choices.unticked, ip=choices.ip, notices=pinned, legacy=legacy,
    )
    return Saved(changes, tuple(changed))


def unsubscribe_all(session: Session, r: Recipient, *, ip: str = "") -> int:
    """Leave every list and end the newsletter consent. Returns changes recorded."""
    changes = 0
    for current in lists_of(session, r):
        if current.subscribed:
            contact_list = session.get(ContactList, current.list_id)
            assert contact_list is not None
            changes += int(
                actions.unsubscribe(session, _on_list(r, contact_list), "page", ip=ip)
            )
    if actions.current_state(session, r).newsletter.granted:
        changes += actions.set_preferences(session, r, {"newsletter": False}, "page", ip=ip)
    return changes


def stop_tracking(
    session: Session, r: Recipient, *, default_jurisdiction: str, ip: str = ""
) -> int:
    """Stop tracking from the preference page: an objection for an informed legacy contact."""
    legacy = legacy_of(session, r, default_jurisdiction)
    return int(actions.stop_tracking(session, r, "page", ip=ip, legacy=legacy))


def language_code(language: str | None) -> str:
    """'it-IT', 'IT', 'it_it' -> 'it'."""
    return (language or "").strip().lower().replace("_", "-").split("-", 1)[0]


def parse_ids(values: Iterable[object]) -> frozenset[int]:
    ids = set()
    for value in values:
        text = str(value)
        if text.isdigit() and len(text) < 19:
            ids.add(int(text))
    return frozenset(ids)


def _purposes(values: Iterable[object]) -> frozenset[str]:
    return frozenset(str(v) for v in values if str(v) in PURPOSES)


def choices_from_form(
    form: Mapping[str, list[object]], language: str | None, ip: str = ""
) -> Choices:
    """From the form's fields as lists: purpose, purpose_was (shown ticked), list_shown, list,
    mail_language, notice_<purpose>, notice_lang_<purpose>, notice_sha_<purpose> (the notice
    shown), objection_offered; `language` is the page's."""
    mail_language = [str(v) for v in form.get("mail_language", ())]

    def first(name: str) -> str:
        values = form.get(name, ())
        return str(values[0]) if values else ""

    notices = {
        p: (first(f"notice_{p}"), first(f"notice_lang_{p}"), first(f"notice_sha_{p}"))
        for p in PURPOSES
    }
    return Choices(
        purposes=_purposes(form.get("purpose", ())),
        lists_shown=parse_ids(form.get("list_shown", ())),
        lists_ticked=parse_ids(form.get("list", ())),
        language=language,
        mail_language=mail_language[0] if mail_language else None,
        purposes_shown_granted=_purposes(form.get("purpose_was", ())),
        ip=ip,
        notices_shown=notices,
        objection_offered=TRACKING in _purposes(form.get("objection_offered", ())),
    )
