"""The scheduled purge `consentmail serve` runs: once at start, then every `interval` seconds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import anyio
import anyio.to_thread

from consentmail.config import Settings
from consentmail.db import session_scope
from consentmail.privacy.retention import run_retention

log = logging.getLogger("consentmail.retention")

DAY = 24 * 3600.0


class RetentionTask:
    """A daily purge. Several processes may run it at once: deleting what is expired twice
    deletes nothing the second time."""

    def __init__(
        self,
        settings: Settings,
        *,
        interval: float = DAY,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if interval <= 0:
            raise ValueError("the retention interval must be positive")
        self.settings = settings
        self.interval = interval
        self._clock = clock or (lambda: datetime.now(UTC))
        self.runs = 0

    def run_once(self) -> dict[str, int]:
        with session_scope(self.settings.database_url) as session:
            deleted = run_retention(session, self.settings, self._clock())
        self.runs += 1
        return deleted

    async def run(self) -> None:
        """Purge, sleep, repeat, until cancelled. A failed purge is retried at the next turn."""
        while True:
            try:
                await anyio.to_thread.run_sync(self.run_once)
            except Exception as exc:
                # The exception's type only: a database error may quote the statement's values.
                log.error("retention: purge failed (%s); next try in %.0f s",
                          type(exc).__name__, self.interval)
            await anyio.sleep(self.interval)
