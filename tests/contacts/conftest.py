"""Fixtures for contact tests: a fresh SQLite database per test and small CSV writers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from consentmail.db import get_engine, session_factory, upgrade
from tests.conftest import FIXTURES

CONTACT_FIXTURES = FIXTURES / "contacts"
# After every consent date in our fixtures: no row is "in the future".
NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
HEADER = (
    "email,first_name,last_name,country,language,newsletter_consent,tracking_consent,"
    "profiling_consent,consent_date,consent_source,consent_ip"
)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One upgraded SQLite file; each test gets its own copy (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "t.db"
    url = "sqlite:///" + str(path)
    upgrade(url)
    get_engine(url).dispose()  # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_template: Path) -> str:
    """A fresh, fully migrated SQLite database for this test only."""
    shutil.copyfile(migrated_template, tmp_path / "t.db")
    return "sqlite:///" + str(tmp_path / "t.db")


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    sess = session_factory(db_url)()
    try:
        yield sess
    finally:
        sess.close()


def write_csv(path: Path, lines: list[str], *, bom: bool = False, crlf: bool = False) -> Path:
    text = ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8", newline="")
    return path
