"""Contact lists: names, the URL slug of a name, and creating a list.

The slug is how the hosted form finds a list (/subscribe/<slug>), so no two lists may share one:
"Black Friday", "black-friday" and "Black  Friday!" would all be /subscribe/black-friday and the
form would open whichever came first.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.models import ContactList

NAME_MAX = 200  # contact_list.name width
_NOT_WORD = re.compile(r"[\W_]+")


class ListNameError(ValueError):
    """A list name that cannot be used: empty, too long, or its slug is another list's."""


def list_slug(name: str) -> str:
    """URL form of a list name: "Café News!" -> "cafe-news"; non-Latin letters are kept."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return _NOT_WORD.sub("-", unicodedata.normalize("NFKC", folded).lower()).strip("-")


def existing_list(session: Session, name: str) -> ContactList | None:
    """The list named `name` (stripped), or None if a list of that name may be created.

    ListNameError if the name is unusable or its slug is already another list's."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ListNameError(f"list name {name!r}: between 1 and {NAME_MAX} characters")
    found = session.scalar(select(ContactList).where(ContactList.name == name))
    if found is not None:
        return found
    slug = list_slug(name)
    if not slug:
        raise ListNameError(
            f"list name {name!r}: needs at least one letter or digit (its form's address "
            "is made of them)"
        )
    for other in session.scalars(select(ContactList).order_by(ContactList.id)):
        if list_slug(other.name) == slug:
            raise ListNameError(
                f"list name {name!r} has the same form address (/subscribe/{slug}) as the "
                f"existing list {other.name!r}; use that list or choose another name"
            )
    return None


def get_or_create_list(session: Session, name: str) -> ContactList:
    """The list named `name`, created (and flushed) if new. ListNameError as existing_list."""
    found = existing_list(session, name)
    if found is None:
        found = ContactList(name=name.strip())
        session.add(found)
        session.flush()
    return found
