"""Buffered ingest: requests only append to memory; a flush records the batch in one transaction.

Flush: resolve the tokens, classify the batch (B1-B5), re-check consent against the database as
it stands now (law 2: a withdrawal on any node is seen by every node's next flush), then count.
Clicks wait in memory until the B1 window around them is complete, so that a scanner's burst is
judged as a whole even when it straddles two flushes.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consentmail.consent.expiry import workspace_expiry
from consentmail.consent.state import snapshots
from consentmail.db.engine import session_scope
from consentmail.tracking import store
from consentmail.tracking.cache import TTLCache
from consentmail.tracking.classify import (
    ALL_LINKS_WINDOW,
    Delivery,
    Hit,
    Kind,
    classify_batch,
)
from consentmail.tracking.lookup import load_campaigns, load_messages
from consentmail.tracking.recording import (
    Recording,
    Rendered,
    aggregate_counts,
    recheck,
    rendered,
)
from consentmail.tracking.tally import FlushStats, Tally, add_stats

log = logging.getLogger("consentmail.tracking")

# A click is classified once every click that could share its B1 window has arrived.
CLICK_SETTLE = ALL_LINKS_WINDOW + timedelta(seconds=1)
# Clicks already recorded stay visible this long as neighbours of later ones (B1).
NEIGHBOUR_MEMORY = 2 * ALL_LINKS_WINDOW + CLICK_SETTLE
# A sent message's facts and render decision do not change; consent is read at every flush.
RENDERED_TTL = 300.0


class Ingest:
    """The in-memory buffer of hits and its flushes.

    `add()` is called by the tracking app on the event loop that runs `run()`; `flush_now()` may
    be called from any thread (tests, shutdown). Hits carry no IP and no user agent.
    """

    def __init__(
        self,
        database_url: str,
        *,
        flush_interval: float = 1.0,
        flush_size: int = 1000,
        k_min: int = 10,
        max_buffer: int = 1_000_000,
        max_cached_messages: int = 100_000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.database_url = database_url
        self.flush_interval = flush_interval
        self.flush_size = flush_size
        self.k_min = k_min
        self.max_buffer = max_buffer
        self._clock = clock or (lambda: datetime.now(UTC))
        self._buffer: deque[Hit] = deque()
        self._held: list[Hit] = []  # taken from the buffer, not recorded yet
        # Recorded clicks of the last seconds, neighbours for B1: in order, and by token.
        self._recent: deque[Hit] = deque()
        self._recent_by_token: dict[str, deque[Hit]] = {}
        self._lock = threading.Lock()  # one flush at a time
        self._rendered: TTLCache[str, Rendered] = TTLCache(max_cached_messages, RENDERED_TTL)
        self._wake: anyio.Event | None = None
        self._stopped: anyio.Event | None = None
        self._closing = False
        self._task_group: TaskGroup | None = None
        self.accepted = 0  # hits added since start
        self.overflowed = 0  # hits refused because the buffer was full (database down)
        self.totals = FlushStats()

    # -- the hot path -----------------------------------------------------------------------
    def add(self, hit: Hit) -> None:
        """Buffer a hit; no I/O. Never raises for a full buffer: the hit is then lost."""
        if len(self._buffer) + len(self._held) >= self.max_buffer:
            self.overflowed += 1
            return
        self._buffer.append(hit)
        self.accepted += 1
        if self._wake is not None and len(self._buffer) >= self.flush_size:
            self._wake.set()

    def __len__(self) -> int:
        return len(self._buffer) + len(self._held)

    # -- lifecycle --------------------------------------------------------------------------
    async def run(self) -> None:
        """Flush every `flush_interval` seconds, or sooner when `flush_size` hits are waiting,
        until `aclose()`."""
        self._stopped = anyio.Event()
        try:
            while not self._closing:
                self._wake = anyio.Event()
                with anyio.move_on_after(self.flush_interval):
                    await self._wake.wait()
                if self._closing:
                    break
                try:
                    await anyio.to_thread.run_sync(self.flush_due)
                except Exception:
                    log.exception("tracking flush failed; %d hits kept for the next one", len(self))
        finally:
            self._wake = None
            self._stopped.set()

    async def aclose(self) -> None:
        """Stop `run()` and flush everything left (graceful shutdown)."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        if self._stopped is not None:
            await self._stopped.wait()
        await anyio.to_thread.run_sync(self.flush_now)

    async def __aenter__(self) -> Ingest:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self.run)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        assert self._task_group is not None
        try:
            await self.aclose()
        finally:
            await self._task_group.__aexit__(None, None, None)
            self._task_group = None

    def flush_now(self) -> FlushStats:
        """Record everything buffered, held clicks included (tests, shutdown)."""
        return self._flush(final=True)

    def flush_due(self) -> FlushStats:
        """Record opens and the clicks whose B1 window has closed; what `run()` calls."""
        return self._flush(final=False)

    # -- the flush --------------------------------------------------------------------------
    def _flush(self, final: bool) -> FlushStats:
        with self._lock:
            now = self._clock()
            batch = self._held + [self._buffer.popleft() for _ in range(len(self._buffer))]
            batch.sort(key=lambda h: h.at)
            if final:
                ready, held = batch, []
            else:
                settled = now - CLICK_SETTLE
                ready = [h for h in batch if h.kind is Kind.OPEN or h.at <= settled]
                held = [h for h in batch if h.kind is Kind.CLICK and h.at > settled]
            self._held = batch  # kept for the next try if writing fails
            stats = FlushStats(held=len(held))
            if ready:
                neighbours = self._neighbours(ready, held)
                try:
                    stats = self._write(ready, neighbours, now, len(held))
                except IntegrityError:
                    # A cached message was erased meanwhile: forget them all and try again.
                    self._rendered.clear()
                    stats = self._write(ready, neighbours, now, len(held))
            self._held = held
            self._remember_clicks(ready, now)
            self.totals = add_stats(self.totals, stats)
            return stats

    def _neighbours(self, ready: list[Hit], held: list[Hit]) -> list[Hit]:
        """Clicks just before or after this batch on the tokens it clicks (B1 context)."""
        tokens = {h.token for h in ready if h.kind is Kind.CLICK}
        recent = [h for t in tokens for h in self._recent_by_token.get(t, ())]
        return recent + [h for h in held if h.token in tokens]

    def _remember_clicks(self, recorded: Iterable[Hit], now: datetime) -> None:
        for hit in recorded:
            if hit.kind is Kind.CLICK:
                self._recent.append(hit)
                self._recent_by_token.setdefault(hit.token, deque()).append(hit)
        horizon = now - NEIGHBOUR_MEMORY
        while self._recent and self._recent[0].at < horizon:
            token = self._recent.popleft().token
            same_token = self._recent_by_token[token]
            same_token.popleft()  # appended in the same order: its oldest is this one
            if not same_token:
                del self._recent_by_token[token]

    def _write(
        self, ready: list[Hit], neighbours: list[Hit], now: datetime, held: int
    ) -> FlushStats:
        with session_scope(self.database_url) as session:
            messages = self._messages(session, {h.token for h in ready if not h.aggregate})
            campaigns = load_campaigns(session, {h.token for h in ready if h.aggregate})
            deliveries = {t: Delivery(None, c.link_count) for t, c in campaigns.items()}
            deliveries.update(
                {t: Delivery(r.message.sent_at, r.message.link_count) for t, r in messages.items()}
            )
            results = classify_batch(ready, deliveries, neighbours)
            routes = self._recheck(session, messages, now)
            tally = Tally()
            for hit, result in zip(ready, results, strict=True):
                if not result.counted:
                    tally.not_counted += 1
                elif hit.aggregate:
                    campaign = campaigns.get(hit.token)
                    if campaign is None or not aggregate_counts(campaign, self.k_min):
                        tally.dropped += 1
                    else:
                        tally.count_aggregate(campaign.id, hit, result)
                else:
                    item = messages.get(hit.token)
                    message = item.message if item is not None else None
                    tally.count_personal(message, routes, hit, result)
            store.add_engagements(session, tally.engagements)
            store.add_counters(session, tally.counters)
            store.set_last_open_dates(session, tally.dates)
        return tally.stats(len(ready), held)

    def _messages(self, session: Session, tokens: set[str]) -> dict[str, Rendered]:
        """Personal tokens' messages, from the cache or the database (unknown tokens: absent)."""
        found: dict[str, Rendered] = {}
        missing = []
        for token in tokens:
            item = self._rendered.get(token)
            if item is None:
                missing.append(token)
            else:
                found[token] = item
        for token, message in load_messages(session, missing).items():
            found[token] = item = rendered(message, self.k_min)
            self._rendered.put(token, item)
        return found

    def _recheck(
        self, session: Session, messages: Mapping[str, Rendered], now: datetime
    ) -> dict[str, Recording]:
        """Law 2: where each message's hits go, from consent as the database holds it now."""
        by_list: dict[int | None, set[int]] = defaultdict(set)
        for item in messages.values():
            by_list[item.message.list_id].add(item.message.contact_id)
        states = {
            list_id: snapshots(session, sorted(contact_ids), list_id)
            for list_id, contact_ids in by_list.items()
        }
        expiry = workspace_expiry(session)  # as decide() had it: a lapsed grant holds no more
        return {
            token: recheck(
                item, states[item.message.list_id][item.message.contact_id], now, expiry
            )
            for token, item in messages.items()
        }
