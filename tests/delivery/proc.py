"""A worker process for crash and scale-out tests: python -m tests.delivery.proc DB_URL SMTP_URL."""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from consentmail.delivery import Worker, transport_from_url
from tests.delivery.support import simple_builder


async def main(args: argparse.Namespace) -> None:
    transport = transport_from_url(args.smtp_url, Path("."), concurrency=args.concurrency)
    worker = Worker(
        args.db_url,
        transport,
        simple_builder,
        worker_id=args.worker_id,
        batch=args.batch,
        concurrency=args.concurrency,
        stale_after=timedelta(seconds=args.stale_after),
        idle_sleep=0.05,
        mark_interval=args.mark_interval,
        journal_dir=args.journal,
    )
    print("ready", flush=True)  # imports done: tests may open the gate (see support.hold)
    try:
        stats = await worker.run(campaign_id=args.campaign, until_idle=True)
    finally:
        await transport.aclose()
    print(f"done {stats}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("db_url")
    parser.add_argument("smtp_url")
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--campaign", type=int)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--stale-after", type=float, default=300.0)
    parser.add_argument("--mark-interval", type=float, default=0.01)
    parser.add_argument("--journal", type=Path, help="journal folder (default: none)")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
