"""Queueing a campaign for N recipients (queue_campaign), against a plain INSERT ... SELECT.

A fresh database (SQLite in a temporary folder, or a fresh PostgreSQL schema with --pg) gets N
contacts on one list with a varied consent mix written straight into the derived tables, as the
ledger would leave them: six countries (four profiles and the strict default), newsletter granted,
withdrawn, objected or never answered, tracking granted for 40%, profiling for some, 3%
unsubscribed, 1% suppressed, and a legacy tracking notice for one in five. Then the real
queue_campaign (preflight, one pass, one decision and one outbox row per sendable recipient)
runs in one transaction and is committed.

Baseline, same run and database: one INSERT ... SELECT that writes the same number of outbox rows
for a second campaign (constant decision columns; random page and tracking tokens, as many as the
queue wrote, made by the database), rolled back. It is the floor for writing that many message
rows with their random-token indexes; ratio = queue rows/s over it.
The set-up runs in a child process: the peak RSS printed is the queueing process's own.
Run: .venv/bin/python bench/bench_queue.py [--recipients 200000] [--pg URL] [--keep]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import secrets
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from consentmail.campaigns.compose import CampaignSpec, create_campaign
from consentmail.campaigns.queue import queue_campaign
from consentmail.db.engine import get_engine, session_scope
from consentmail.db.migrate import upgrade
from consentmail.db.models import (
    Campaign,
    ConsentState,
    Contact,
    ContactList,
    Message,
    PermissionRequest,
    Subscription,
)

CHUNK = 20_000
COUNTRIES = ("IT", "IT", "FR", "FR", "DE", "GB", "IT", "DE", "US", "")
BEFORE_LEGACY = datetime(2025, 6, 1, tzinfo=UTC)  # collected before fr-cnil's 2026-04-14 cut-off
AFTER_LEGACY = datetime(2026, 5, 1, tzinfo=UTC)
GIVEN = datetime(2025, 1, 1, tzinfo=UTC)
HTML = (
    "<!doctype html><html><head><title>News</title></head><body>\n"
    "<p>Hello {{ contact.first_name }}</p>\n"
    '<p><a href="https://shop.example/sale">Sale</a> <a href="https://shop.example/new">New</a></p>\n'
    "</body></html>\n"
)


def _state(cid: int, purpose: str, roll: int) -> dict | None:
    """newsletter/tracking/profiling rows for one contact; roll in 0..99 picks the answer."""
    at = GIVEN + timedelta(minutes=cid)
    limits = {"newsletter": (90, 95, 98), "tracking": (40, 55, 57), "profiling": (10, 12, 13)}
    grant, withdraw, objected = limits[purpose]
    if roll < grant:
        granted, obj = True, False
    elif roll < withdraw:
        granted, obj = False, False
    elif roll < objected:
        granted, obj = False, True
    else:
        return None  # never answered
    return {"contact_id": cid, "purpose": purpose, "granted": granted, "objected": obj,
            "event_id": cid * 3 + len(purpose), "at": at}


def populate(url: str, n: int) -> int:
    """N contacts on the list "news" with their derived consent; returns the list id."""
    with session_scope(url) as s:
        news = ContactList(name="news")
        s.add(news)
        s.flush()
        list_id = news.id
    tag = secrets.token_hex(3)
    for start in range(1, n + 1, CHUNK):
        ids = range(start, min(n, start + CHUNK - 1) + 1)
        with session_scope(url) as s:
            s.execute(insert(Contact), [
                {"id": i, "email": f"r{i}.{tag}@example.test", "first_name": f"R{i}",
                 "country": COUNTRIES[i % 10], "suppressed": i % 100 == 17,
                 "collected_at": BEFORE_LEGACY if i % 2 else AFTER_LEGACY}
                for i in ids
            ])
            s.execute(insert(Subscription), [
                {"contact_id": i, "list_id": list_id,
                 "status": "unsubscribed" if i % 100 in (3, 50, 77) else "subscribed"}
                for i in ids
            ])
            states = [
                _state(i, purpose, (i * mult) % 100)
                for i in ids
                for purpose, mult in (("newsletter", 7), ("tracking", 13), ("profiling", 31))
            ]
            s.execute(insert(ConsentState), [row for row in states if row is not None])
            s.execute(insert(PermissionRequest), [
                {"contact_id": i, "purpose": "tracking", "kind": "legacy-notice",
                 "sent_at": datetime(2026, 3, 1, tzinfo=UTC)}
                for i in ids
                if i % 5 == 0
            ])
    return list_id


def new_campaign(url: str, name: str) -> int:
    with session_scope(url) as s:
        spec = CampaignSpec(name=name, subject="News for {{ contact.first_name }}",
                            from_addr="news@shop.example", html=HTML, list_name="news")
        return create_campaign(s, spec).id


def baseline(url: str, campaign_id: int, list_id: int, rows: int, personal: int) -> float:
    """Seconds for one INSERT ... SELECT of `rows` outbox rows, rolled back: random page tokens
    for all and random tracking tokens for `personal` of them, made by the database."""
    engine = get_engine(url)
    token = "lower(hex(randomblob(16)))" if engine.dialect.name == "sqlite" else (
        "gen_random_uuid()::text"
    )
    sql = text(
        "INSERT INTO message (campaign_id, contact_id, list_id, status, attempts, smtp_reply,"
        " claimed_by, message_id_header, page_token, track_token, open_mode, click_mode, basis,"
        " rule_id, reason, profile, deliverability_only, personal_destinations,"
        " transactional_data, created_at)"
        f" SELECT :cid, c.id, :lid, 'queued', 0, '', '', '', {token},"
        f" CASE WHEN c.n <= :personal THEN {token} END, 'none', 'none', 'none', 'IT-R20',"
        " 'This email is not measured.', 'it-garante-2026', false, '{}', '{}', :now"
        " FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM contact"
        " ORDER BY id LIMIT :rows) AS c"
    )
    with engine.connect() as conn:
        trans = conn.begin()
        started = time.perf_counter()
        conn.execute(sql, {"cid": campaign_id, "lid": list_id, "rows": rows,
                           "personal": personal, "now": datetime.now(UTC)})
        elapsed = time.perf_counter() - started
        trans.rollback()
    return elapsed


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def set_up(url: str, n: int) -> None:
    """Run in a child process, so that the parent's peak RSS is the queue's own."""
    upgrade(url)
    populate(url, n)
    if get_engine(url).dialect.name == "postgresql":
        with get_engine(url).connect() as conn:  # as autovacuum would after a large import
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    get_engine(url).dispose()


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def run(url: str, n: int) -> None:
    started = time.perf_counter()
    child = multiprocessing.get_context("spawn").Process(target=set_up, args=(url, n))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"set-up failed (exit code {child.exitcode})")
    setup_s = time.perf_counter() - started
    print(f"recipients                     {n:>12,}  (set-up {setup_s:.1f} s)")
    with session_scope(url) as s:
        list_id = s.scalars(select(ContactList.id).where(ContactList.name == "news")).one()
    campaign_id = new_campaign(url, "queue bench")
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(url) as s:
        campaign = s.get_one(Campaign, campaign_id)
        summary = queue_campaign(s, campaign, k_min=10, default_jurisdiction="strict")
    queue_s, cpu = time.perf_counter() - started, time.process_time() - cpu
    with session_scope(url) as s:
        stored = s.scalar(select(func.count()).where(Message.campaign_id == campaign_id))
    assert stored == summary.queued, (stored, summary.queued)
    base_s = baseline(url, new_campaign(url, "baseline"), list_id, summary.queued,
                      summary.modes["personal"])
    rate, base_rate = summary.queued / queue_s, summary.queued / base_s
    print(f"queued / not sent              {summary.queued:>12,} / {summary.not_sent:,}"
          f"  modes {summary.modes}")
    print(f"queue_campaign                 {queue_s:>12.1f} s  {rate:>10,.0f} rows/s"
          f"  ({n / queue_s:,.0f} recipients/s; this process's CPU {cpu:.1f} s)")
    print(f"baseline: INSERT ... SELECT    {base_s:>12.1f} s  {base_rate:>10,.0f} rows/s")
    print(f"ratio (queue / baseline)       {rate / base_rate:>12.3f}")
    print(f"peak RSS                       {peak_mb():>12.0f} MB (before queueing {before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=200_000)
    parser.add_argument("--pg", help="PostgreSQL URL: use a fresh schema there, not SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the database for inspection")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    schema = None
    if args.pg:
        import psycopg

        schema = f"bench_{secrets.token_hex(4)}"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        url = f"{args.pg}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{folder / 'bench.db'}"
    try:
        print(f"database                       {'PostgreSQL' if args.pg else 'SQLite'}")
        run(url, args.recipients)
    finally:
        get_engine(url).dispose()
        if args.keep:
            print(f"kept: {url}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            if schema:
                import psycopg

                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
