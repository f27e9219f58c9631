"""The worker: claim a batch, build it, send with N in flight, mark each result as it arrives.

The worker sees two interfaces: the outbox (rows) and a Transport (the wire). How a message is
rendered belongs to the Builder the caller passes in. Database work runs in threads, off the
event loop. What the server accepted is marked sent by a group commit within mark_interval of its
reply; before that, with a journal folder, it is written to the worker's journal (journal.py),
which the next worker replays, so a kill re-sends nothing the worker had read the server accept.
Claimed rows never sent go back to queued (at once on a clean stop, after stale_after when a
worker died).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consentmail.db.engine import get_engine, session_scope
from consentmail.db.models import utcnow
from consentmail.delivery import journal, outbox
from consentmail.delivery.ratelimit import TokenBucket
from consentmail.delivery.transport import Outgoing, SendResult, Transport

log = logging.getLogger(__name__)
T = TypeVar("T")
MARK_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class BuildFailure:
    """The builder could not produce this message: it is marked failed without sending."""

    message_id: int
    reason: str


# Called in a worker thread with an open session (committed afterwards) and the claimed ids;
# returns one Outgoing or BuildFailure per id. Ids it leaves out are marked failed.
Builder = Callable[[Session, Sequence[int]], Sequence[Outgoing | BuildFailure]]


@dataclass
class RunStats:
    sent: int = 0
    bounced: int = 0  # permanent failure: contact suppressed
    failed: int = 0  # final, not a bounce: build failure, retries exhausted, suppressed contact,
    # or a message our relay cannot carry (no SMTPUTF8)
    retried: int = 0  # transient failure, queued again with backoff

    @property
    def done(self) -> int:
        return self.sent + self.bounced + self.failed


Kind = Literal["sent", "bounced", "failed", "transient"]


@dataclass(frozen=True, slots=True)
class _Outcome:
    message_id: int
    kind: Kind
    reply: str
    header: str = ""  # the Message-ID that went out


class Worker:
    """Sends outbox messages; any number of workers (processes, hosts) may share one database.

    batch: rows claimed at a time. concurrency: messages in flight (match the transport's pool).
    rate: messages per second (token bucket), None for no limit. stale_after: how long another
    worker's claims may go without a heartbeat before they count as dead and are requeued.
    Transient failures are retried after retry_base * 2**(attempt-1) (at most retry_cap), and
    fail after max_attempts. mark_interval: how long a reply may wait to share a commit.
    journal_dir: where accepted messages are journaled until committed (shared by the workers of
    one machine); without it a kill re-sends up to concurrency + messages/s * mark_interval.
    """

    def __init__(
        self,
        database_url: str,
        transport: Transport,
        builder: Builder,
        *,
        worker_id: str | None = None,
        batch: int = 200,
        concurrency: int = 4,
        rate: float | None = None,
        stale_after: timedelta = timedelta(minutes=5),
        max_attempts: int = 5,
        retry_base: timedelta = timedelta(minutes=1),
        retry_cap: timedelta = timedelta(hours=1),
        idle_sleep: float = 1.0,
        mark_interval: float = 0.01,
        journal_dir: Path | None = None,
    ) -> None:
        if batch < 1 or concurrency < 1:
            raise ValueError("batch and concurrency must be at least 1")
        self.database_url = database_url
        self.transport = transport  # owned by the caller, who closes it
        self.builder = builder
        # Unique among live workers: a restart under the same id requeues its old claims at once.
        self.worker_id = (worker_id or _default_worker_id())[:80]
        self.batch = batch
        self.concurrency = concurrency
        self.rate = rate  # messages per second, None for no limit
        self.stale_after = stale_after
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.idle_sleep = idle_sleep
        self.mark_interval = mark_interval
        self.journal_dir = journal_dir

    def __repr__(self) -> str:
        return f"Worker({self.worker_id!r}, transport={self.transport!r})"

    async def run(
        self,
        *,
        campaign_id: int | None = None,
        until_idle: bool = False,
        stop: asyncio.Event | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> RunStats:
        """Send until `stop` is set (or, with until_idle, until nothing is queued or sending).

        `progress` receives the number of messages this run has made final so far.
        """
        run = _Run(self, campaign_id, until_idle, stop or asyncio.Event(), progress)
        return await run.run()


class _Run:
    """The state of one Worker.run: a bounded queue between the claimer and the senders."""

    def __init__(
        self,
        worker: Worker,
        campaign_id: int | None,
        until_idle: bool,
        stop: asyncio.Event,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.w = worker
        self.campaign_id = campaign_id
        self.until_idle = until_idle
        self.stop = stop
        self.progress = progress
        self.stats = RunStats()
        self.engine = get_engine(worker.database_url)  # Connections: cheaper than Sessions
        self.bucket = TokenBucket(worker.rate) if worker.rate else None
        # Rate-limited: claim only a few seconds' worth, so rows are not held away from others.
        self.claim_size = worker.batch
        if worker.rate:
            self.claim_size = min(worker.batch, max(worker.concurrency, int(worker.rate * 5)))
        # Bounded: memory and the number of claimed rows stay flat whatever the campaign size.
        self.queue: asyncio.Queue[Outgoing | None] = asyncio.Queue(maxsize=self.claim_size)
        self.unsent: set[int] = set()  # claimed, not yet handed to the transport
        self.outcomes: list[_Outcome] = []  # waiting for the next group commit
        self.recorded = 0
        self.applied = 0  # outcomes committed: all of them when applied == recorded
        self.journal: journal.Journal | None = None
        self.database = journal.database_identity(worker.database_url)
        self.wake = asyncio.Event()
        self.applied_cond = asyncio.Condition()
        self.closing = False
        self.done = asyncio.Event()  # set with closing: wakes the housekeeper
        # Claims/builds and marks each get a thread: a slow build never delays a mark.
        self.db_pool = ThreadPoolExecutor(1, thread_name_prefix="consentmail-outbox")
        self.mark_pool = ThreadPoolExecutor(1, thread_name_prefix="consentmail-marks")

    async def run(self) -> RunStats:
        log.info("worker %s starting (campaign %s)", self.w.worker_id, self.campaign_id)
        try:
            await self._db(self._on_start)
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._housekeeper())
                marker = tg.create_task(self._marker())
                senders = [tg.create_task(self._sender()) for _ in range(self.w.concurrency)]
                await self._produce()
                await self._shutdown(senders, marker)
        except BaseExceptionGroup as group:
            # One failure (the database, usually) explains the others: raise it plainly.
            raise group.exceptions[0] from None
        finally:
            self._salvage()
            self.db_pool.shutdown(wait=False)
            self.mark_pool.shutdown(wait=True)
            if self.journal is not None:
                self.journal.close(committed=self.applied == self.recorded)
        log.info("worker %s stopped: %s", self.w.worker_id, self.stats)
        return self.stats

    # -- claiming and building --------------------------------------------------------------

    async def _produce(self) -> None:
        while not self.stop.is_set():
            ids, skipped = await self._db(self._claim)
            self.stats.failed += skipped
            if not ids:
                if self.until_idle and not skipped and await self._idle():
                    return
                if not skipped:
                    await self._sleep(self.w.idle_sleep)
                continue
            self.unsent.update(ids)
            built, error = await self._db(self._build, ids)
            if error is not None:
                # Maybe a passing database error: retry later (attempts bound it), don't crash.
                for i in ids:
                    self.unsent.discard(i)
                    self._record(_Outcome(i, "transient", error))
            for item in built:
                if isinstance(item, BuildFailure):
                    self.unsent.discard(item.message_id)
                    self._record(_Outcome(item.message_id, "failed", item.reason))
                elif not self.stop.is_set():  # once stopping, the rest stays unsent: released
                    await self.queue.put(item)

    async def _housekeeper(self) -> None:
        """Heartbeat our claims, requeue dead workers' claims, close finished campaigns."""
        every = min(2.0, max(0.1, self.w.stale_after.total_seconds() / 2))
        while not self.closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), every)
            if not self.closing:
                # In the marks' thread: our heartbeat and our marks never run at once (no
                # deadlock between them on PostgreSQL).
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self.mark_pool, self._maintenance)

    def _on_start(self) -> None:
        # Replay before requeueing (a replayed message is sent, not due), and before our own
        # journal exists: a restart under the same id takes over its predecessor's file name.
        self._replay()
        with self.engine.begin() as s:
            mine = outbox.requeue_worker(s, self.w.worker_id)
            stale = outbox.requeue_stale(s, self.w.stale_after, exclude_worker=self.w.worker_id)
        if mine or stale:
            log.info("requeued %d own and %d stale claims", mine, stale)
        if self.w.journal_dir is not None:
            self.journal = journal.Journal(self.w.journal_dir, self.w.worker_id, self.database)

    def _replay(self) -> None:
        """Dead workers' journals (on this machine) into sent marks; their other claims are
        requeued at once: a free journal lock proves the worker is gone, no need to wait."""
        if self.w.journal_dir is None:
            return

        def mark(rows: list[journal.Accepted]) -> None:
            with self.engine.begin() as s:
                outbox.mark_replayed(s, rows)

        dead = journal.replay(self.w.journal_dir, self.database, mark)
        if dead:
            with self.engine.begin() as s:
                requeued = sum(outbox.requeue_worker(s, worker) for worker in dead)
            if requeued:
                log.info("requeued %d claims of dead workers %s", requeued, ", ".join(dead))

    def _maintenance(self) -> None:
        self._replay()
        with self.engine.begin() as s:
            outbox.heartbeat(s, self.w.worker_id)
            stale = outbox.requeue_stale(s, self.w.stale_after, exclude_worker=self.w.worker_id)
            outbox.finish_campaigns(s)
        if stale:
            log.info("requeued %d stale claims", stale)

    def _claim(self) -> tuple[list[int], int]:
        """Claimed ids to build, and how many were skipped for a suppressed contact."""
        with self.engine.begin() as s:
            ids = outbox.claim(s, self.w.worker_id, self.claim_size, self.campaign_id)
            todo = outbox.skip_suppressed(s, ids)
        return todo, len(ids) - len(todo)

    def _build(self, ids: list[int]) -> tuple[list[Outgoing | BuildFailure], str | None]:
        """The builder's messages (ids it left out become failures), or the error it raised."""
        try:
            with session_scope(self.w.database_url) as s:
                items = list(self.w.builder(s, ids))
        except Exception as exc:
            log.exception("builder failed for %d messages", len(ids))
            return [], f"build error: {type(exc).__name__}: {exc}"
        wanted = set(ids)
        out: list[Outgoing | BuildFailure] = []
        for item in items:
            if item.message_id in wanted:  # never send a row this worker did not claim
                wanted.discard(item.message_id)
                if isinstance(item, Outgoing) and not item.recipients:
                    item = BuildFailure(item.message_id, "builder gave no recipients")
                out.append(item)
            else:
                log.warning("builder returned unclaimed or repeated message %d", item.message_id)
        out.extend(BuildFailure(i, "builder returned no message") for i in sorted(wanted))
        return out, None

    async def _idle(self) -> bool:
        """Everything handed out is marked; True when nothing is left for this run."""
        await self.queue.join()
        await self._flush()

        def check() -> bool:
            with self.engine.begin() as s:
                if outbox.pending(s, self.campaign_id):
                    return False
                outbox.finish_campaigns(s)
                return True

        return await self._db(check)

    # -- sending ------------------------------------------------------------------------------

    async def _sender(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                if item is None:
                    return
                self.unsent.discard(item.message_id)
                if self.bucket is not None:
                    await self.bucket.take()
                result = await self._send(item)
                self._record(_outcome(item, result))
            finally:
                self.queue.task_done()

    async def _send(self, item: Outgoing) -> SendResult:
        try:
            return await self.w.transport.send(item)
        except Exception as exc:  # a transport bug must not stop the campaign
            log.exception("transport raised for message %d", item.message_id)
            return SendResult(False, False, f"transport error: {type(exc).__name__}: {exc}")

    # -- marking ------------------------------------------------------------------------------

    def _record(self, outcome: _Outcome) -> None:
        # Called right after the transport's reply, with no await between: once read, an
        # acceptance is in the journal before anything can interrupt.
        if self.journal is not None and outcome.kind == "sent":
            self.journal.record(outcome.message_id, outcome.reply, outcome.header)
        self.outcomes.append(outcome)
        self.recorded += 1
        self.wake.set()

    async def _marker(self) -> None:
        """Group commit: whatever arrived while the previous commit ran goes in the next one."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.outcomes:
                if self.w.mark_interval and len(self.outcomes) < self.w.concurrency:
                    await asyncio.sleep(self.w.mark_interval)  # let a few more replies join
                batch, self.outcomes = self.outcomes, []
                loop = asyncio.get_running_loop()
                counts = await loop.run_in_executor(self.mark_pool, self._apply_retrying, batch)
                self.stats.sent += counts["sent"]
                self.stats.bounced += counts["bounced"]
                self.stats.failed += counts["failed"]
                self.stats.retried += counts["retried"]
                self.applied += len(batch)
                if self.journal is not None and not self.outcomes:
                    self.journal.clear()  # every journaled acceptance is committed
                if self.progress is not None:
                    self.progress(self.stats.done)
                async with self.applied_cond:
                    self.applied_cond.notify_all()
            if self.closing:
                return

    def _apply_retrying(self, batch: list[_Outcome]) -> Counter[str]:
        """Marks are what keeps a restart from re-sending: ride out a deadlock or a lock timeout."""
        for attempt in range(1, MARK_ATTEMPTS + 1):
            try:
                return self._apply(batch)
            except OperationalError:
                if attempt == MARK_ATTEMPTS:
                    raise
                log.warning("marking %d messages failed, retrying", len(batch), exc_info=True)
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    def _apply(self, batch: list[_Outcome]) -> Counter[str]:
        w = self.w
        counts: Counter[str] = Counter()
        now = utcnow()
        with self.engine.begin() as s:
            sent = [(o.message_id, o.reply, o.header) for o in batch if o.kind == "sent"]
            outbox.mark_sent_many(s, sent, now)
            counts["sent"] = len(sent)
            for o in batch:
                if o.kind in ("bounced", "failed"):
                    outbox.mark_failed(s, o.message_id, o.reply, permanent=o.kind == "bounced")
                    counts[o.kind] += 1
                elif o.kind == "transient":
                    status = outbox.retry_or_fail(
                        s,
                        o.message_id,
                        o.reply,
                        max_attempts=w.max_attempts,
                        base=w.retry_base,
                        cap=w.retry_cap,
                        now=now,
                    )
                    counts["retried" if status == outbox.QUEUED else "failed"] += 1
        return counts

    async def _flush(self) -> None:
        async with self.applied_cond:
            await self.applied_cond.wait_for(lambda: self.applied >= self.recorded)

    # -- stopping -----------------------------------------------------------------------------

    async def _shutdown(
        self, senders: list[asyncio.Task[None]], marker: asyncio.Task[None]
    ) -> None:
        while not self.queue.empty():  # claimed but not sent: released below
            self.queue.get_nowait()
            self.queue.task_done()
        for _ in senders:
            await self.queue.put(None)
        await asyncio.gather(*senders)
        self.closing = True
        self.done.set()
        self.wake.set()
        await marker
        if self.unsent:
            ids = sorted(self.unsent)
            self.unsent.clear()
            await self._db(self._release, ids)

    def _release(self, ids: list[int]) -> None:
        with self.engine.begin() as s:
            outbox.release(s, ids)

    def _salvage(self) -> None:
        """After an error or a cancel: keep what is known (sent marks first), free the rest."""
        try:
            if self.outcomes:
                batch, self.outcomes = self.outcomes, []
                self._apply(batch)
                self.applied += len(batch)
            if self.unsent:
                ids, self.unsent = sorted(self.unsent), set()
                self._release(ids)
        except Exception:
            log.exception("could not save the outcome of the last messages; stale claims remain")

    # -- helpers ------------------------------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db_pool, fn, *args)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)


def _outcome(item: Outgoing, result: SendResult) -> _Outcome:
    if result.ok:
        return _Outcome(item.message_id, "sent", result.reply, message_id_header(item.data))
    if result.relay_limitation:  # final, but not the recipient's fault: no suppression
        return _Outcome(item.message_id, "failed", result.reply)
    kind: Kind = "bounced" if result.permanent else "transient"
    return _Outcome(item.message_id, kind, result.reply)


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*([^\r\n]*)", re.IGNORECASE | re.MULTILINE)


def message_id_header(data: bytes) -> str:
    """The Message-ID header of a raw message, or "" (only the header block is searched)."""
    end = _HEADER_END.search(data)
    match = _MESSAGE_ID.search(data, 0, end.start() if end else len(data))
    return match.group(1).strip().decode("ascii", "replace") if match else ""


def _default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
