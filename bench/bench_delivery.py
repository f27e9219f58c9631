"""Worker + SmtpTransport against a plain aiosmtplib loop, same pre-built messages, same sink.

The sink is aiosmtpd in its own process (answering 250 at once). The baseline opens
--connections aiosmtplib connections and sends the N messages over them, nothing else. The
worker path does everything a real send does: claim from the outbox (SQLite in a temporary
folder, or a fresh schema in PostgreSQL with --pg), build (a lookup: messages are pre-built),
send over a pool of --connections, journal each acceptance, and mark each message sent in the
database.
Ratio = worker messages/s over baseline messages/s (target >= 0.8). Each figure is the best of
--repeat rounds, baseline and worker alternating: the machine may be shared.
Run: .venv/bin/python bench/bench_delivery.py [--n 5000] [--connections 8] [--repeat 3] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiosmtplib
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from consentmail.db.engine import get_engine, session_scope
from consentmail.db.migrate import upgrade
from consentmail.db.models import Campaign, Contact, Message
from consentmail.delivery import BuildFailure, Outgoing, SmtpTransport, Worker

SENDER = "bounces@example.com"
BODY = ("<p>" + "Consent-aware news for you, this week and every week. " * 8 + "</p>\r\n") * 12


def prebuilt(message_id: int, rcpt: str) -> Outgoing:
    data = (
        "From: Example News <news@example.com>\r\n"
        f"To: {rcpt}\r\n"
        "Subject: News for you, this week\r\n"
        f"Message-ID: <{message_id:032x}@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 7bit\r\n\r\n" + BODY
    ).encode()
    return Outgoing(message_id, SENDER, (rcpt,), data)


# -- the sink process -----------------------------------------------------------------------


def serve_sink() -> None:
    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 2.0.0 OK"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(Handler(), hostname="sink.bench"), "127.0.0.1", 0
        )
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# -- the two senders ------------------------------------------------------------------------


async def baseline(port: int, messages: Sequence[Outgoing], connections: int) -> float:
    start = time.perf_counter()
    todo = iter(messages)

    async def one_connection() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        for msg in todo:  # the iterator is shared: each message goes out once
            await client.sendmail(msg.sender, list(msg.recipients), msg.data)
        await client.quit()

    await asyncio.gather(*(one_connection() for _ in range(connections)))
    return time.perf_counter() - start


async def worker_path(
    url: str, port: int, campaign_id: int, by_id: dict[int, Outgoing], connections: int
) -> float:
    def builder(session: Session, ids: Sequence[int]) -> list[Outgoing | BuildFailure]:
        return [by_id[i] for i in ids]

    transport = SmtpTransport.from_url(f"smtp://127.0.0.1:{port}?starttls=0", connections)
    with tempfile.TemporaryDirectory() as journal:  # as in production: make_worker journals
        worker = Worker(url, transport, builder, concurrency=connections, batch=200,
                        idle_sleep=0.01, journal_dir=Path(journal))
        start = time.perf_counter()
        stats = await worker.run(campaign_id=campaign_id, until_idle=True)
        elapsed = time.perf_counter() - start
    await transport.aclose()
    assert stats.sent == len(by_id), stats
    return elapsed


# -- the outbox -----------------------------------------------------------------------------


def seed(url: str, n: int) -> tuple[int, dict[int, Outgoing]]:
    with session_scope(url) as s:
        campaign = Campaign(
            name="bench",
            subject="News",
            from_addr="news@example.com",
            html="",
            status="sending",
            aggregate_token=secrets.token_hex(16),
        )
        s.add(campaign)
        s.flush()
        s.execute(insert(Contact), [{"email": f"user{i}@example.org"} for i in range(n)])
        contacts = s.execute(select(Contact.id, Contact.email).order_by(Contact.id)).all()
        s.execute(
            insert(Message),
            [
                {"campaign_id": campaign.id, "contact_id": c, "page_token": secrets.token_hex(16)}
                for c, _ in contacts
            ],
        )
        emails = dict(contacts)
        rows = s.execute(select(Message.id, Message.contact_id)).all()
        return campaign.id, {i: prebuilt(i, emails[c]) for i, c in rows}


def requeue(url: str, campaign_id: int) -> None:
    with session_scope(url) as s:
        s.execute(
            update(Message)
            .where(Message.campaign_id == campaign_id)
            .values(status="queued", attempts=0, claimed_by="", claimed_at=None, sent_at=None)
        )
        s.execute(update(Campaign).values(status="sending", finished_at=None))


def database(pg: str | None, folder: Path) -> tuple[str, str | None]:
    if not pg:
        return f"sqlite:///{folder / 'bench.db'}", None
    import psycopg

    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{pg}?options=-csearch_path%3D{schema}", schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", help="PostgreSQL URL: use a fresh schema there, not SQLite")
    parser.add_argument("--serve-sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        serve_sink()
        return

    sink = subprocess.Popen(
        [sys.executable, __file__, "--serve-sink"], stdout=subprocess.PIPE, text=True
    )
    folder = Path(tempfile.mkdtemp(prefix="consentmail-bench-"))
    url, schema = database(args.pg, folder)
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        upgrade(url)
        campaign_id, by_id = seed(url, args.n)
        messages = list(by_id.values())
        plain, ours, plain_cpu, our_cpu = [], [], [], []
        for _ in range(args.repeat):
            cpu = time.process_time()
            plain.append(asyncio.run(baseline(port, messages, args.connections)))
            plain_cpu.append(time.process_time() - cpu)
            requeue(url, campaign_id)
            cpu = time.process_time()
            ours.append(asyncio.run(worker_path(url, port, campaign_id, by_id, args.connections)))
            our_cpu.append(time.process_time() - cpu)
        base_rate, our_rate = args.n / min(plain), args.n / min(ours)
        # CPU per message (client process, all threads) is steadier than wall time when shared.
        base_us, our_us = (min(c) / args.n * 1e6 for c in (plain_cpu, our_cpu))
        db = "PostgreSQL" if args.pg else "SQLite"
        size = len(messages[0].data)
        print(f"{args.n} messages of {size} bytes, {args.connections} connections, sink process")
        print(f"plain aiosmtplib loop : {base_rate:8.0f} messages/s, {base_us:5.0f} µs CPU/message")
        print(
            f"Worker+SmtpTransport  : {our_rate:8.0f} messages/s, {our_us:5.0f} µs CPU/message"
            f" (outbox on {db})"
        )
        print(f"ratio                 : {our_rate / base_rate:8.2f} (target >= 0.8)")
    finally:
        sink.terminate()
        sink.wait()
        get_engine(url).dispose()
        if schema and args.pg:
            import psycopg

            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
        for path in folder.glob("*"):
            os.remove(path)
        folder.rmdir()


if __name__ == "__main__":
    main()
