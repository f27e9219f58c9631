"""Fixtures for delivery tests: a real SMTP sink, and SQLite or PostgreSQL outboxes."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from consentmail.db.engine import get_engine
from consentmail.db.migrate import upgrade
from tests.smtp_sink import SmtpSink

PG_URL = os.environ.get("CONSENTMAIL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """An aiosmtpd server on a free loopback port that records what it accepts."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def make_smtp_sink() -> Iterator[Callable[..., SmtpSink]]:
    """SmtpSink(**options) started now and stopped after the test (delays, hooks, TLS, AUTH)."""
    sinks: list[SmtpSink] = []

    def make(**options: object) -> SmtpSink:
        sink = SmtpSink(**options).start()  # type: ignore[arg-type]
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy (a fresh migration per test costs ~0.3 s)."""
    path = tmp_path_factory.mktemp("template") / "consentmail.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    get_engine(url).dispose()  # checkpoints the WAL into the file
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, _migrated_sqlite: Path) -> Iterator[str]:
    path = tmp_path / "consentmail.db"
    shutil.copyfile(_migrated_sqlite, path)
    url = f"sqlite:///{path}"
    yield url
    get_engine(url).dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the local PostgreSQL, dropped afterwards."""
    try:
        admin = psycopg.connect(_conninfo(PG_URL), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI and unreachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_URL} (set CONSENTMAIL_TEST_PG_URL): {exc}")
    schema = f"t_delivery_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        try:
            upgrade(url)
            yield url
        finally:
            get_engine(url).dispose()
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)
