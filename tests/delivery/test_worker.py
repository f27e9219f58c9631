"""The worker end to end: a real outbox, a real SMTP server, the trivial test builder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.engine import session_scope
from consentmail.db.models import Campaign, Contact, Message
from consentmail.delivery import (
    BuildFailure,
    CaptureTransport,
    Outgoing,
    RunStats,
    SmtpTransport,
    Transport,
    Worker,
    captured,
)
from consentmail.delivery.ratelimit import TokenBucket
from consentmail.delivery.worker import message_id_header
from tests.delivery.support import message_id_for, seed, simple_builder, statuses
from tests.smtp_sink import Received, SmtpSink

MakeSink = Callable[..., SmtpSink]
FAST = {"idle_sleep": 0.01, "retry_base": timedelta(0)}


def run_worker(
    url: str, transport: Transport, builder: Any = simple_builder, **kw: Any
) -> RunStats:
    run_kw = {k: kw.pop(k) for k in ("campaign_id", "stop", "progress") if k in kw}

    async def go() -> RunStats:
        worker = Worker(url, transport, builder, **{**FAST, **kw})
        try:
            return await worker.run(until_idle=True, **run_kw)
        finally:
            await transport.aclose()

    return asyncio.run(go())


def messages(url: str, campaign_id: int) -> list[Message]:
    with session_scope(url) as s:
        found = s.scalars(select(Message).where(Message.campaign_id == campaign_id))
        return sorted(found, key=lambda m: m.id)


def test_delivers_a_campaign_and_marks_everything(sqlite_url: str, smtp_sink: SmtpSink) -> None:
    cid, ids = seed(sqlite_url, 60)
    seen: list[int] = []
    stats = run_worker(
        sqlite_url,
        SmtpTransport.from_url(smtp_sink.url, 4),
        campaign_id=cid,
        batch=16,
        progress=seen.append,
    )
    assert stats == RunStats(sent=60)
    assert sorted(smtp_sink.message_ids()) == sorted(message_id_for(i) for i in ids)
    rows = messages(sqlite_url, cid)
    assert {m.status for m in rows} == {"sent"}
    assert all(m.message_id_header == message_id_for(m.id) for m in rows)
    assert all(m.smtp_reply.startswith("250 ") and m.attempts == 1 for m in rows)
    assert seen and seen[-1] == 60 and seen == sorted(seen)
    with session_scope(sqlite_url) as s:
        campaign = s.get(Campaign, cid)
        assert campaign is not None
        assert campaign.status == "sent" and campaign.finished_at is not None


def test_transient_4xx_is_retried_then_sent(sqlite_url: str, make_smtp_sink: MakeSink) -> None:
    refused_once: set[str] = set()

    def greylist(received: Received) -> str | None:
        if received.message_id in refused_once:
            return None
        refused_once.add(received.message_id)
        return "451 4.7.1 greylisted, come back later"

    sink = make_smtp_sink(on_data=greylist)
    cid, ids = seed(sqlite_url, 10)
    stats = run_worker(sqlite_url, SmtpTransport.from_url(sink.url, 2), campaign_id=cid)
    assert stats == RunStats(sent=10, retried=10)
    assert sorted(sink.message_ids()) == sorted(message_id_for(i) for i in ids)  # once each
    assert {(m.status, m.attempts) for m in messages(sqlite_url, cid)} == {("sent", 2)}


def test_transient_failures_give_up_after_max_attempts(
    sqlite_url: str, make_smtp_sink: MakeSink
) -> None:
    sink = make_smtp_sink(on_rcpt=lambda _a: "421 4.3.2 system not accepting messages")
    cid, _ = seed(sqlite_url, 3)
    stats = run_worker(sqlite_url, SmtpTransport.from_url(sink.url, 2), max_attempts=3)
    assert stats == RunStats(failed=3, retried=6)
    for m in messages(sqlite_url, cid):
        assert (m.status, m.attempts) == ("failed", 3)
        assert m.smtp_reply.startswith("gave up after 3 attempts: 421")
    with session_scope(sqlite_url) as s:  # not a bounce: nobody suppressed
        assert not any(s.scalars(select(Contact.suppressed)))


def test_permanent_5xx_bounces_and_suppresses_for_later_sends(
    sqlite_url: str, make_smtp_sink: MakeSink
) -> None:
    sink = make_smtp_sink(
        on_rcpt=lambda a: "550 5.1.1 mailbox unavailable" if "gone" in a else None
    )
    emails = ["ok1@example.test", "gone@example.test", "ok2@example.test"]
    cid, ids = seed(sqlite_url, 3, emails=emails)
    stats = run_worker(sqlite_url, SmtpTransport.from_url(sink.url, 2), campaign_id=cid)
    assert stats == RunStats(sent=2, bounced=1)
    status = {m.id: (m.status, m.smtp_reply) for m in messages(sqlite_url, cid)}
    assert status[ids[1]] == ("bounced", "550 5.1.1 mailbox unavailable")
    with session_scope(sqlite_url) as s:
        gone = s.scalars(select(Contact).where(Contact.email == "gone@example.test")).one()
        assert gone.suppressed and gone.suppressed_reason == "550 5.1.1 mailbox unavailable"
        # The next campaign to the same contact skips it without sending.
        nxt = Campaign(name="next", subject="s", from_addr="a@b.test", html="", status="sending",
                       aggregate_token="next-token")  # fmt: skip
        s.add(nxt)
        s.flush()
        s.add(Message(campaign_id=nxt.id, contact_id=gone.id, page_token="pt-next"))
        next_id = nxt.id
    before = len(sink.received)
    stats = run_worker(sqlite_url, SmtpTransport.from_url(sink.url, 2), campaign_id=next_id)
    assert stats == RunStats(failed=1)
    assert len(sink.received) == before
    [skipped] = messages(sqlite_url, next_id)
    assert skipped.status == "failed" and skipped.smtp_reply.startswith(
        "skipped: contact suppressed"
    )


def test_a_relay_without_smtputf8_fails_the_message_and_never_suppresses(
    sqlite_url: str, make_smtp_sink: MakeSink
) -> None:
    """Review C F5: a non-ASCII local part our relay cannot carry is our limitation, not a bad
    address: the message fails (no retries, the relay will not change by itself), the contact
    stays sendable, and a relay with SMTPUTF8 delivers the next campaign."""
    without = make_smtp_sink(smtputf8=False)
    cid, ids = seed(sqlite_url, 2, emails=["jürgen@example.test", "ok@example.test"])
    stats = run_worker(sqlite_url, SmtpTransport.from_url(without.url, 2), campaign_id=cid)
    assert stats == RunStats(sent=1, failed=1)
    status = {m.id: (m.status, m.smtp_reply, m.attempts) for m in messages(sqlite_url, cid)}
    assert status[ids[0]] == (
        "failed",
        "not sent: our SMTP relay does not offer SMTPUTF8, which this address (non-ASCII local "
        "part) needs; use a relay with SMTPUTF8 (the address was not refused)",
        1,
    )
    with session_scope(sqlite_url) as s:
        jurgen = s.scalars(select(Contact).where(Contact.email == "jürgen@example.test")).one()
        assert (jurgen.suppressed, jurgen.suppressed_reason) == (False, "")
        nxt = Campaign(name="next", subject="s", from_addr="a@b.test", html="", status="sending",
                       aggregate_token="next-utf8")  # fmt: skip
        s.add(nxt)
        s.flush()
        s.add(Message(campaign_id=nxt.id, contact_id=jurgen.id, page_token="pt-next-utf8"))
        next_id = nxt.id
    with_utf8 = make_smtp_sink()
    stats = run_worker(sqlite_url, SmtpTransport.from_url(with_utf8.url, 2), campaign_id=next_id)
    assert stats == RunStats(sent=1)
    assert [r.rcpt_tos for r in with_utf8.received] == [("jürgen@example.test",)]


def test_build_failures_and_omissions_fail_without_sending(sqlite_url: str, tmp_path: Path) -> None:
    cid, ids = seed(sqlite_url, 4)

    def builder(session: Session, claimed: Sequence[int]) -> list[Outgoing | BuildFailure]:
        built = simple_builder(session, claimed)
        out: list[Outgoing | BuildFailure] = []
        for item in built:
            if item.message_id == ids[0]:
                out.append(BuildFailure(item.message_id, "template error: no subject"))
            elif item.message_id != ids[1]:  # ids[1] is left out altogether
                out.append(item)
        return out

    stats = run_worker(sqlite_url, CaptureTransport(tmp_path), builder)
    assert stats == RunStats(sent=2, failed=2)
    status = {m.id: (m.status, m.smtp_reply) for m in messages(sqlite_url, cid)}
    assert status[ids[0]] == ("failed", "template error: no subject")
    assert status[ids[1]] == ("failed", "builder returned no message")
    assert [p.name for p in captured(tmp_path)] == [f"{ids[2]}.eml", f"{ids[3]}.eml"]


def test_a_builder_exception_is_retried(sqlite_url: str, tmp_path: Path) -> None:
    cid, ids = seed(sqlite_url, 3)
    calls = []

    def flaky(session: Session, claimed: Sequence[int]) -> list[Outgoing | BuildFailure]:
        calls.append(list(claimed))
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return simple_builder(session, claimed)

    stats = run_worker(sqlite_url, CaptureTransport(tmp_path), flaky)
    assert stats == RunStats(sent=3, retried=3)
    assert {(m.status, m.attempts) for m in messages(sqlite_url, cid)} == {("sent", 2)}


def test_stop_releases_unsent_claims_and_a_new_run_finishes(
    sqlite_url: str, make_smtp_sink: MakeSink
) -> None:
    sink = make_smtp_sink(delay=0.005)
    cid, ids = seed(sqlite_url, 80)

    async def stopped_early() -> RunStats:
        stop = asyncio.Event()
        transport = SmtpTransport.from_url(sink.url, 2)

        def progress(done: int) -> None:
            if done >= 10:
                stop.set()

        worker = Worker(sqlite_url, transport, simple_builder, batch=30, concurrency=2, **FAST)
        try:
            return await worker.run(stop=stop, progress=progress)
        finally:
            await transport.aclose()

    first = asyncio.run(stopped_early())
    assert 10 <= first.sent < 80
    after_stop = statuses(sqlite_url, cid)
    assert "sending" not in after_stop  # nothing left claimed
    assert after_stop == {"sent": first.sent, "queued": 80 - first.sent}
    queued = [m for m in messages(sqlite_url, cid) if m.status == "queued"]
    assert {m.attempts for m in queued} == {0}  # released claims were never attempted
    second = run_worker(sqlite_url, SmtpTransport.from_url(sink.url, 2), campaign_id=cid)
    assert first.sent + second.sent == 80
    assert sorted(sink.message_ids()) == sorted(message_id_for(i) for i in ids)  # no repeats


def test_rate_limit_is_a_token_bucket() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=2, clock=lambda: now[0])
    assert [bucket.try_take() for _ in range(3)] == [0.0, 0.0, 0.1]
    now[0] += 0.05
    assert round(bucket.try_take(), 6) == 0.05
    now[0] += 0.05
    assert bucket.try_take() == 0.0


def test_rate_limited_worker_still_delivers(sqlite_url: str, tmp_path: Path) -> None:
    cid, _ = seed(sqlite_url, 5)
    stats = run_worker(sqlite_url, CaptureTransport(tmp_path), rate=200.0, campaign_id=cid)
    assert stats.sent == 5


def test_message_id_header_is_read_from_the_header_block() -> None:
    data = b"Subject: x\r\nmessage-id:  <a@b>\r\n\r\nMessage-ID: <body@x>\r\n"
    assert message_id_header(data) == "<a@b>"
    assert message_id_header(b"Subject: x\r\n\r\nMessage-ID: <body@x>\r\n") == ""


def test_heartbeats_and_marks_run_together_without_deadlock(
    db_url: str, make_smtp_sink: MakeSink
) -> None:
    # stale_after 0.2 s: the housekeeper heartbeats every 0.1 s while marks are committed.
    sink = make_smtp_sink(delay=0.002)
    cid, ids = seed(db_url, 150)
    stats = run_worker(
        db_url,
        SmtpTransport.from_url(sink.url, 8),
        campaign_id=cid,
        concurrency=8,
        batch=50,
        stale_after=timedelta(seconds=0.2),
        mark_interval=0.001,
    )
    assert stats == RunStats(sent=150)
    assert sorted(sink.message_ids()) == sorted(message_id_for(i) for i in ids)
