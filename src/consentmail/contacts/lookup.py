"""Finding a named list for commands that send to it or read it: only an import creates lists.

A misspelt --list must fail, not stand for a new, empty audience (a campaign queueing 0, an
export with only a header)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.models import ContactList


class UnknownList(LookupError):
    """No list has that name."""


def require_list(session: Session, name: str) -> ContactList:
    """The list of that name (spaces around it ignored, as when it was created); UnknownList
    naming it if there is none."""
    stripped = name.strip()
    if not stripped:
        raise UnknownList("the list name is empty")
    found = session.scalar(select(ContactList).where(ContactList.name == stripped))
    if found is None:
        raise UnknownList(f"no list named {stripped!r}")
    return found
