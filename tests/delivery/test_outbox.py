"""Outbox state changes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update

from consentmail.db.engine import session_scope
from consentmail.db.models import Campaign, Contact, Message, utcnow
from consentmail.delivery import outbox
from tests.delivery.support import seed


def rows(url: str, campaign_id: int) -> list[Message]:
    with session_scope(url) as s:
        found = s.scalars(
            select(Message).where(Message.campaign_id == campaign_id).order_by(Message.id)
        )
        return list(found)


def test_claim_takes_due_queued_rows_in_order(db_url: str) -> None:
    cid, ids = seed(db_url, 5)
    other, other_ids = seed(db_url, 2)
    now = utcnow()
    with session_scope(db_url) as s:
        s.execute(
            update(Message).where(Message.id == ids[0]).values(next_attempt_at=now + timedelta(1))
        )
        s.execute(update(Message).where(Message.id == ids[1]).values(next_attempt_at=now))
    with session_scope(db_url) as s:
        got = outbox.claim(s, "w1", 3, campaign_id=cid, now=now)
    assert got == ids[1:4]  # ids[0] is not due yet
    by_id = {m.id: m for m in rows(db_url, cid)}
    for i in got:
        assert (by_id[i].status, by_id[i].claimed_by, by_id[i].attempts) == ("sending", "w1", 1)
        assert by_id[i].claimed_at is not None
    assert by_id[ids[0]].status == by_id[ids[4]].status == "queued"
    with session_scope(db_url) as s:
        rest = outbox.claim(s, "w2", 100, now=now)  # any campaign
        assert outbox.claim(s, "w3", 0) == []
    assert rest == [ids[4], *other_ids]


def test_concurrent_claims_never_overlap(db_url: str) -> None:
    _cid, ids = seed(db_url, 200)
    claimed: dict[str, list[int]] = {}

    def claimer(name: str) -> None:
        mine: list[int] = []
        while True:
            with session_scope(db_url) as s:
                got = outbox.claim(s, name, 7)
            if not got:
                break
            mine += got
        claimed[name] = mine

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for mine in claimed.values() for i in mine]
    assert sorted(everything) == ids  # each row claimed exactly once


def test_sent_retry_failed_and_bounced(db_url: str) -> None:
    cid, ids = seed(db_url, 4)
    now = utcnow()
    with session_scope(db_url) as s:
        outbox.claim(s, "w", 10, cid)
        outbox.mark_sent(s, ids[0], "250 ok", "<a@b>")
        outbox.mark_retry(s, ids[1], "451 later", timedelta(minutes=2), now=now)
        outbox.mark_failed(s, ids[2], "build error", permanent=False)
        outbox.mark_failed(s, ids[3], "550 5.1.1 no such user", permanent=True)
        assert outbox.pending(s, cid) == 1
    sent, retry, failed, bounced = rows(db_url, cid)
    assert (sent.status, sent.smtp_reply, sent.message_id_header) == ("sent", "250 ok", "<a@b>")
    assert sent.sent_at is not None
    assert (retry.status, retry.smtp_reply) == ("queued", "451 later")
    assert retry.next_attempt_at is not None
    assert (failed.status, bounced.status) == ("failed", "bounced")
    with session_scope(db_url) as s:
        contacts = {c.id: c for c in s.scalars(select(Contact))}
    assert contacts[bounced.contact_id].suppressed
    assert contacts[bounced.contact_id].suppressed_reason == "550 5.1.1 no such user"
    assert not contacts[failed.contact_id].suppressed
    with session_scope(db_url) as s:  # the retry is not due before its time
        assert outbox.claim(s, "w", 10, cid, now=now + timedelta(minutes=1)) == []
        assert outbox.claim(s, "w", 10, cid, now=now + timedelta(minutes=2)) == [ids[1]]


def test_mark_sent_keeps_a_stored_header_when_none_is_reported(db_url: str) -> None:
    cid, ids = seed(db_url, 1)
    with session_scope(db_url) as s:
        s.execute(update(Message).values(message_id_header="<rendered@x>"))
        outbox.mark_sent(s, ids[0], "250 ok")
    assert rows(db_url, cid)[0].message_id_header == "<rendered@x>"


def test_retry_backs_off_exponentially_then_fails(db_url: str) -> None:
    cid, [mid] = seed(db_url, 1)
    now = utcnow()
    delays = []
    for attempt in range(1, 4):
        with session_scope(db_url) as s:
            assert outbox.claim(s, "w", 1, cid, now=now + timedelta(days=attempt)) == [mid]
            status = outbox.retry_or_fail(
                s, mid, "451 later", max_attempts=3, base=timedelta(seconds=10), now=now
            )
        [row] = rows(db_url, cid)
        assert row.attempts == attempt
        if attempt < 3:
            assert status == "queued"
            delays.append(row.next_attempt_at)
        else:
            assert status == "failed" and row.status == "failed"
            assert row.smtp_reply == "gave up after 3 attempts: 451 later"
    assert outbox.backoff(1, timedelta(seconds=10)) == timedelta(seconds=10)
    assert outbox.backoff(3, timedelta(seconds=10)) == timedelta(seconds=40)
    assert outbox.backoff(30, timedelta(seconds=10), timedelta(hours=1)) == timedelta(hours=1)


def test_stale_claims_of_dead_workers_are_requeued(db_url: str) -> None:
    cid, ids = seed(db_url, 6)
    now = utcnow()
    with session_scope(db_url) as s:
        outbox.claim(s, "dead", 2, cid, now=now - timedelta(minutes=10))
        outbox.claim(s, "alive", 2, cid, now=now - timedelta(minutes=10))
        outbox.claim(s, "slow", 1, cid, now=now - timedelta(minutes=10))
        outbox.claim(s, "recent", 1, cid, now=now)
        # A live worker whose server is slow keeps its claims fresh.
        assert outbox.heartbeat(s, "slow", now=now - timedelta(seconds=2)) == 1
    with session_scope(db_url) as s:
        assert outbox.requeue_stale(s, timedelta(minutes=5), now=now, exclude_worker="alive") == 2
    status = {m.id: (m.status, m.claimed_by) for m in rows(db_url, cid)}
    assert status[ids[0]] == status[ids[1]] == ("queued", "")
    assert status[ids[2]] == ("sending", "alive") and status[ids[5]] == ("sending", "recent")
    assert status[ids[4]] == ("sending", "slow")
    with session_scope(db_url) as s:
        assert outbox.requeue_worker(s, "slow") == 1
        assert outbox.release(s, [ids[2], ids[3], ids[0]]) == 2  # ids[0] is not sending
    after = {m.id: m for m in rows(db_url, cid)}
    assert after[ids[2]].status == "queued" and after[ids[2]].attempts == 0  # never attempted
    assert after[ids[4]].status == "queued" and after[ids[4]].attempts == 1


def test_suppressed_contacts_are_skipped(db_url: str) -> None:
    cid, ids = seed(db_url, 3)
    with session_scope(db_url) as s:
        contact = s.scalar(select(Message.contact_id).where(Message.id == ids[1]))
        s.execute(
            update(Contact)
            .where(Contact.id == contact)
            .values(suppressed=True, suppressed_reason="550 gone")
        )
    with session_scope(db_url) as s:
        claimed = outbox.claim(s, "w", 10, cid)
        assert outbox.skip_suppressed(s, claimed) == [ids[0], ids[2]]
    skipped = rows(db_url, cid)[1]
    assert skipped.status == "failed"
    assert skipped.smtp_reply == "skipped: contact suppressed (550 gone)"


def test_finish_campaigns_closes_only_campaigns_with_nothing_left(db_url: str) -> None:
    done, done_ids = seed(db_url, 2)
    busy, _ = seed(db_url, 2)
    draft, _ = seed(db_url, 0, campaign_status="draft")
    with session_scope(db_url) as s:
        outbox.mark_sent(s, done_ids[0], "250")
        outbox.mark_failed(s, done_ids[1], "550", permanent=True)
        assert outbox.pending(s, done) == 0 and outbox.pending(s, busy) == 2
        assert outbox.finish_campaigns(s) == [done]
        assert outbox.finish_campaigns(s) == []
    with session_scope(db_url) as s:
        status = {c.id: (c.status, c.finished_at) for c in s.scalars(select(Campaign))}
    assert status[done][0] == "sent" and status[done][1] is not None
    assert status[busy] == ("sending", None) and status[draft] == ("draft", None)
