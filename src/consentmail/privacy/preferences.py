"""The preference centre's service: what a recipient sees and what a saved form changes.

Every change goes through consent.actions (ledger events, commit before the answer, law 5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent import actions
from consentmail.consent.actions import Recipient
from consentmail.consent.notices import LANGUAGES
from consentmail.db.models import ContactList, Subscription
from consentmail.policy.types import Purpose

PURPOSES = tuple(p.value for p in Purpose)


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

    @property
    def unticked(self) -> frozenset[str]:
        return self.purposes_shown_granted - self.purposes


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


def apply_choices(session: Session, r: Recipient, choices: Choices) -> int:
    """Save the form. Returns the number of changes recorded.

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
    # A grant names the notice this page showed, in the page's language (law 5).
    changes += actions.set_preferences(
        session, r, wanted_purposes, "page", notice_language=choices.language,
        unticked=choices.unticked, ip=choices.ip,
    )
    return changes


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


def stop_tracking(session: Session, r: Recipient, *, ip: str = "") -> int:
    return int(actions.stop_tracking(session, r, "page", ip=ip))


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
    mail_language; `language` is the page's."""
    mail_language = [str(v) for v in form.get("mail_language", ())]
    return Choices(
        purposes=_purposes(form.get("purpose", ())),
        lists_shown=parse_ids(form.get("list_shown", ())),
        lists_ticked=parse_ids(form.get("list", ())),
        language=language,
        mail_language=mail_language[0] if mail_language else None,
        purposes_shown_granted=_purposes(form.get("purpose_was", ())),
        ip=ip,
    )
