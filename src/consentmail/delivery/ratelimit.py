"""A token bucket: at most `rate` acquisitions a second on average, short bursts allowed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (messages per second)")
        self.rate = rate
        # A tenth of a second's worth: smooth, yet not starved by sleep overshoot at high rates.
        self.capacity = max(1.0, burst if burst is not None else rate / 10)
        self._clock = clock
        self._tokens = self.capacity
        self._last = clock()

    def try_take(self) -> float:
        """Take a token and return 0, or return the seconds to wait before one is available."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    async def take(self) -> None:
        while (wait := self.try_take()) > 0:
            await asyncio.sleep(wait)
