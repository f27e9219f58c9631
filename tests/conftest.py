"""Shared test helpers: where the corpus lives, and skipping clearly when it does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("CONSENTMAIL_SHARED", ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """A path inside ../shared; skips the test when the corpus is absent (a user's clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs ../shared ({path} is absent): the shared corpus is not in this clone")
    return path


# --- databases -------------------------------------------------------------------------------
# SQLite always; the local PostgreSQL when reachable. In CI (CI=true) PostgreSQL is required:
# an unreachable server fails the run instead of silently skipping.
PG_URL = os.environ.get("CONSENTMAIL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", with the reason
        return f"{type(exc).__name__}: {exc}".strip()


def require_postgres() -> None:
    problem = _pg_reachable()
    if problem is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL at {PG_URL} is unreachable in CI: {problem}")
    pytest.skip(f"PostgreSQL at {PG_URL} is unreachable ({problem}); start it to run these tests")


def fresh_pg_schema_url() -> tuple[str, str]:
    """A URL whose search_path is a brand-new schema, and that schema's name."""
    import secrets

    import psycopg

    require_postgres()
    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{PG_URL}?options=-csearch_path%3D{schema}", schema


def drop_pg_schema(schema: str) -> None:
    import psycopg

    from consentmail.db.engine import get_engine

    get_engine.cache_clear()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A migrated, empty database on SQLite and on PostgreSQL."""
    from consentmail.db import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        upgrade(url)
        yield url
        return
    url, schema = fresh_pg_schema_url()
    try:
        upgrade(url)
        yield url
    finally:
        from consentmail.db.engine import get_engine

        get_engine(url).dispose()
        drop_pg_schema(schema)
