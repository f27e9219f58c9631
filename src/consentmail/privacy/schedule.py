"""The daily housekeeping `consentmail serve` runs: once at start, then every `interval` seconds.

Each turn purges what is past retention (privacy/retention.py) and appends the `expire` events
of grants past the workspace's consent expiry (consent/expiry.py), so that expiry does not wait
for someone to run `consentmail consent expire`. Both log counts only; expiries are on the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import anyio
import anyio.to_thread

from consentmail.config import Settings
from consentmail.consent.expiry import expire_due
from consentmail.db import session_scope
from consentmail.privacy.retention import run_retention

log = logging.getLogger("consentmail.retention")

DAY = 24 * 3600.0


class RetentionTask:
    """A daily purge and consent expiry. Several processes may run it at once: deleting what is
    expired twice deletes nothing the second time, and a grant expired once is no longer
    granted, so a second run appends no second `expire` event."""

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
        self.expired = 0  # grants expired by the last turn

    def run_once(self) -> dict[str, int]:
        """One turn: the purge (committed first), then the expiry. Returns deletions per class."""
        now = self._clock()
        with session_scope(self.settings.database_url) as session:
            deleted = run_retention(session, self.settings, now)
        with session_scope(self.settings.database_url) as session:
            self.expired = expire_due(session, now)
        self.runs += 1
        return deleted

    async def run(self) -> None:
        """Purge, sleep, repeat, until cancelled. A failed purge is retried at the next turn."""
        while True:
            try:
                await anyio.to_thread.run_sync(self.run_once)
            except Exception as exc:
                # The exception's type only: a database error may quote the statement's values.
                log.error("retention: purge or consent expiry failed (%s); next try in %.0f s",
                          type(exc).__name__, self.interval)
            await anyio.sleep(self.interval)
