"""The in-process worker of `consentmail serve` comes back after it dies (database outage)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from consentmail.web.app import _keep_delivering
from tests.e2e.harness import make_settings


def test_worker_restarts_after_failures_and_stops_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: every start fails at once, as during a database outage.
    settings = make_settings("postgresql://nobody@127.0.0.1:1/none", tmp_path, 8000, "capture://")

    async def run() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(_keep_delivering(settings, stop, pause=0.05))
        await asyncio.sleep(1.0)
        stop.set()
        await asyncio.wait_for(task, 5)

    with caplog.at_level(logging.ERROR, logger="consentmail.web"):
        asyncio.run(run())
    restarts = [r for r in caplog.records if "delivery worker stopped" in r.getMessage()]
    assert len(restarts) >= 2
