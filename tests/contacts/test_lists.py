"""List names: one URL slug per list, wherever a list is created."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.consent.capture import find_list, slugify
from consentmail.contacts.lists import ListNameError, get_or_create_list, list_slug
from consentmail.contacts.service import import_csv
from consentmail.db.models import Contact, ContactList
from tests.contacts.conftest import NOW, write_csv


def test_one_slug_function_for_forms_and_lists() -> None:
    assert slugify is list_slug
    assert [list_slug(n) for n in ("Black Friday", "black-friday", "Black  Friday!")] == [
        "black-friday"
    ] * 3
    assert list_slug("Café News!") == "cafe-news" and list_slug("ニュース") == "ニュース"


def test_a_list_whose_slug_is_taken_is_refused(session: Session) -> None:
    first = get_or_create_list(session, "Black Friday")
    for name in ("black-friday", "Black  Friday!", " BLACK_FRIDAY "):
        with pytest.raises(ListNameError) as err:
            get_or_create_list(session, name)
        assert str(err.value) == (
            f"list name {name.strip()!r} has the same form address (/subscribe/black-friday) "
            "as the existing list 'Black Friday'; use that list or choose another name"
        )
    assert get_or_create_list(session, " Black Friday ").id == first.id  # the same list
    assert find_list(session, "black-friday") is first
    with pytest.raises(ListNameError, match="at least one letter or digit"):
        get_or_create_list(session, "!!!")
    assert [lst.name for lst in session.scalars(select(ContactList))] == ["Black Friday"]


def test_import_into_a_colliding_list_writes_nothing(session: Session, tmp_path: Path) -> None:
    get_or_create_list(session, "Black Friday")
    session.commit()
    path = write_csv(tmp_path / "c.csv", ["email,newsletter_consent", "ann@example.com,yes"])
    with pytest.raises(ListNameError, match="existing list 'Black Friday'"):
        import_csv(session, path, "black-friday", now=NOW)
    assert session.scalars(select(Contact)).all() == []
