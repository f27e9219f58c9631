"""Memory of a whole campaign send: N recipients queued, then the real Worker and builder.

A temporary SQLite database gets N contacts (newsletter consent for all, tracking consent for
one in three, so personal and aggregate/none messages are both built), a campaign with the
gallery template (../shared/corpus, else the demo newsletter) and the real queue_campaign. Then a
fresh process runs the real Worker with the real builder (policy at render time, compile-once
render, marks in the outbox) and a null transport that accepts and discards every message.
Reported: that process's resident memory before sending, its peak (getrusage ru_maxrss) and
messages/s. Target: peak under 300 MB for 1,000,000 recipients.
Run: .venv/bin/python bench/bench_send_memory.py [--recipients 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT.parent / "shared" / "corpus" / "templates" / "mailchimp_gallery-1-4-2.html"
DEMO = ROOT / "src" / "consentmail" / "demo" / "newsletter.html"
CHUNK = 20_000


def rss_mb() -> float:
    """Current resident set size."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# -- phase 1: contacts and the queue ---------------------------------------------------------


def setup(url: str, n: int) -> dict[str, float]:
    from consentmail.campaigns.compose import CampaignSpec, create_campaign
    from consentmail.campaigns.queue import queue_campaign
    from consentmail.db.engine import session_scope
    from consentmail.db.migrate import upgrade
    from consentmail.db.models import ConsentState, Contact, ContactList, Subscription

    upgrade(url)
    started = time.perf_counter()
    at = datetime(2026, 1, 10, tzinfo=UTC)
    tag = secrets.token_hex(3)
    with session_scope(url) as s:
        news = ContactList(name="news")
        s.add(news)
        s.flush()
        list_id = news.id
    for start in range(0, n, CHUNK):
        with session_scope(url) as s:
            rows = [
                {"email": f"r{i}.{tag}@example.test", "first_name": f"R{i}", "country": "IT"}
                for i in range(start, min(n, start + CHUNK))
            ]
            s.execute(insert(Contact), rows)
            ids = s.scalars(
                select(Contact.id).where(Contact.email.in_([r["email"] for r in rows]))
            ).all()
            s.execute(insert(Subscription), [{"contact_id": c, "list_id": list_id} for c in ids])
            # Derived state as the ledger would leave it (the ledger itself is not under test).
            states = [
                {"contact_id": c, "purpose": "newsletter", "granted": True, "event_id": c, "at": at}
                for c in ids
            ]
            states += [
                {"contact_id": c, "purpose": "tracking", "granted": True, "event_id": c, "at": at}
                for c in ids
                if c % 3 == 0
            ]
            s.execute(insert(ConsentState), states)
    contacts_s = time.perf_counter() - started
    html = (GALLERY if GALLERY.exists() else DEMO).read_text(encoding="utf-8")
    started = time.perf_counter()
    with session_scope(url) as s:
        campaign = create_campaign(
            s,
            CampaignSpec(
                name="memory bench", subject="News for {{ contact.first_name }}",
                from_addr="news@shop.example", html=html, list_name="news",
            ),
        )
        summary = queue_campaign(s, campaign, k_min=10, default_jurisdiction="it-garante-2026")
        campaign_id = campaign.id
    return {
        "campaign_id": campaign_id,
        "queued": summary.queued,
        "personal": summary.modes["personal"],
        "contacts_s": contacts_s,
        "queue_s": time.perf_counter() - started,
        "queue_peak_mb": peak_mb(),
    }


# -- phase 2: the send, in a fresh process ---------------------------------------------------


class NullTransport:
    """Accepts and discards: what is left is the worker's and the builder's own memory."""

    async def send(self, msg: object) -> object:
        from consentmail.delivery import SendResult

        return SendResult(True, False, "250 discarded")

    async def aclose(self) -> None:
        return None


def send(url: str, data_dir: str, campaign_id: int) -> dict[str, float]:
    from consentmail.campaigns.runner import builder_for
    from consentmail.config import Settings
    from consentmail.delivery import Worker

    settings = Settings(
        data_dir=Path(data_dir), database_url=url, public_url="https://mail.shop.example",
        smtp_url="capture://", secret_key="s", api_token="t",
        default_jurisdiction="it-garante-2026",
    )
    worker = Worker(url, NullTransport(), builder_for(settings),  # type: ignore[arg-type]
                    concurrency=settings.send_concurrency, idle_sleep=0.05)
    before = rss_mb()
    started = time.perf_counter()
    stats = asyncio.run(worker.run(campaign_id=campaign_id, until_idle=True))
    elapsed = time.perf_counter() - started
    return {
        "sent": stats.sent, "failed": stats.failed, "seconds": elapsed,
        "msgs_per_s": stats.sent / elapsed if elapsed else 0.0,
        "rss_before_mb": before, "peak_mb": peak_mb(), "rss_after_mb": rss_mb(),
    }


def child(phase: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--keep", help="use this folder for the database and keep it")
    parser.add_argument("--phase", choices=("setup", "send"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--campaign", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "setup":
        print(json.dumps(setup(args.url, args.recipients)))
        return 0
    if args.phase == "send":
        print(json.dumps(send(args.url, args.data_dir, args.campaign)))
        return 0

    with tempfile.TemporaryDirectory(prefix="cm-bench-mem-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'bench.db'}"
        n = args.recipients
        print(f"{n:,} recipients, template {GALLERY.name if GALLERY.exists() else DEMO.name}")
        prep = child("setup", "--url", url, "--recipients", str(n))
        print(f"setup: contacts {prep['contacts_s']:.1f} s, queue {prep['queue_s']:.1f} s "
              f"({prep['queued']:,} queued, {prep['personal']:,} personal), "
              f"queue process peak {prep['queue_peak_mb']:.0f} MB")
        run = child("send", "--url", url, "--data-dir", str(folder),
                    "--campaign", str(int(prep["campaign_id"])))
        print(f"send: {run['sent']:,.0f} sent, {run['failed']:,.0f} failed in "
              f"{run['seconds']:.1f} s = {run['msgs_per_s']:,.0f} msgs/s")
        print(f"worker RSS before sending {run['rss_before_mb']:.0f} MB, peak "
              f"{run['peak_mb']:.0f} MB (+{run['peak_mb'] - run['rss_before_mb']:.0f} MB), "
              f"after {run['rss_after_mb']:.0f} MB; target: peak < 300 MB at 1,000,000")
        ok = run["sent"] == prep["queued"] and run["peak_mb"] < 300
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
