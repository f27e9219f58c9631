from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from consentmail.db import get_engine, upgrade


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A migrated, empty SQLite database (the fast path for tests that need no PostgreSQL)."""
    url = f"sqlite:///{tmp_path / 'tracking.db'}"
    upgrade(url)
    yield url
    get_engine(url).dispose()
