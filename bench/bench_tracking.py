"""Tracking endpoints under load, against a bare ASGI callable that only returns the same GIF.

One run: build a SQLite database (a campaign, consenting recipients, links), then for each of
two servers -- TrackingApp (+ Ingest flushing in the background, + a trivial fallback) and the
bare endpoint -- start uvicorn in its own process on a free loopback port and drive it from a
second process (wrk if installed, else an httpx/asyncio client). Prints hits/s for both and the
ratio (target >= 0.7), then stops the tracking server (graceful shutdown flushes the buffer) and
checks that every answered hit is in the database.

Both servers run side by side and are driven in interleaved rounds (alternating which goes
first), so that other load on the machine weighs on both alike; the ratio is the median of the
per-round ratios.

Run: .venv/bin/python bench/bench_tracking.py [--duration 10] [--rounds 3] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


# -- data ------------------------------------------------------------------------------------
def populate(url: str, recipients: int) -> tuple[list[str], str]:
    """A sent campaign whose recipients all granted tracking; returns their tokens and the
    campaign's aggregate token."""
    from consentmail.consent import NewEvent, record
    from consentmail.db import session_scope, upgrade
    from consentmail.db.models import Campaign, CampaignLink, Contact, ContactList, Message

    upgrade(url)
    sent = datetime.now(UTC) - timedelta(hours=1)
    with session_scope(url) as session:
        contact_list = ContactList(name="bench")
        contacts = [Contact(email=f"r{i}@example.org") for i in range(recipients)]
        session.add_all([contact_list, *contacts])
        session.flush()
        events = record(
            session,
            [NewEvent(c.id, "tracking", "grant", sent - timedelta(days=9), "bench", "form")
             for c in contacts],
        )
        campaign = Campaign(
            name="bench", list_id=None, subject="s", from_addr="n@example.org", html="<p/>",
            status="sent", aggregate_token=secrets.token_urlsafe(16), aggregate_cohort=500,
        )
        session.add(campaign)
        session.flush()
        session.add_all(
            CampaignLink(campaign_id=campaign.id, index=i, url=f"https://news.example/{i}#top")
            for i in range(3)
        )
        tokens = [secrets.token_urlsafe(16) for _ in contacts]
        session.add_all(
            Message(
                campaign_id=campaign.id, contact_id=c.id, status="sent", sent_at=sent,
                page_token=secrets.token_urlsafe(16), track_token=token, open_mode="personal",
                click_mode="personal", basis=f"consent:{ev.id}", rule_id="IT-R1-consent",
                profile="it-garante-2026",
            )
            for c, ev, token in zip(contacts, events, tokens, strict=True)
        )
        return tokens, campaign.aggregate_token


def request_paths(tokens: list[str], aggregate: str, count: int = 20_000) -> list[str]:
    """A mix: 70% personal opens, 10% personal clicks, 15% aggregate opens, 5% aggregate clicks."""
    rng = random.Random(7)
    paths = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.70:
            paths.append(f"/o/{rng.choice(tokens)}.gif")
        elif roll < 0.80:
            paths.append(f"/c/{rng.choice(tokens)}/{rng.randrange(3)}")
        elif roll < 0.95:
            paths.append(f"/o/a/{aggregate}.gif")
        else:
            paths.append(f"/c/a/{aggregate}/{rng.randrange(3)}")
    return paths


def recorded_hits(url: str) -> int:
    from sqlalchemy import func, select

    from consentmail.db import session_scope
    from consentmail.db.models import AggregateCounter, Engagement

    with session_scope(url) as session:
        personal = session.scalar(
            select(func.coalesce(func.sum(Engagement.human_hits + Engagement.machine_hits), 0))
        )
        aggregate = session.scalar(
            select(func.coalesce(func.sum(AggregateCounter.human + AggregateCounter.machine), 0))
        )
    return int(personal) + int(aggregate)


# -- servers ---------------------------------------------------------------------------------
async def bare_gif(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"image/gif"), (b"content-length", b"43")],
    })
    await send({"type": "http.response.body", "body": PIXEL})


def tracking_app(url: str, stats_path: str) -> Any:
    from consentmail.tracking import Ingest, Resolver, TrackingApp

    ingest = Ingest(url, flush_interval=1.0, flush_size=1000, k_min=10)

    async def fallback(scope: dict, receive: Any, send: Any) -> None:
        """Stands in for the FastAPI app: its lifespan runs the ingest, as the lead will."""
        if scope["type"] == "lifespan":
            await receive()  # startup
            async with ingest:
                await send({"type": "lifespan.startup.complete"})
                await receive()  # shutdown
            Path(stats_path).write_text(json.dumps({
                "accepted": ingest.accepted,
                "overflowed": ingest.overflowed,
                "recorded": ingest.totals.counted,
                "dropped": ingest.totals.dropped,
                "machine": ingest.totals.machine,
            }))
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return TrackingApp(Resolver(url), ingest, fallback)


def serve(kind: str, port: int, url: str, stats_path: str) -> None:
    import uvicorn

    app = bare_gif if kind == "bare" else tracking_app(url, stats_path)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                lifespan="off" if kind == "bare" else "on")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(kind: str, url: str, stats_path: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--port", str(port), "--db", url,
         "--stats", stats_path]
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{kind} server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown: lifespan flushes the ingest
    proc.wait(timeout=60)


# -- load ------------------------------------------------------------------------------------
WRK_SCRIPT = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = (i %% #paths) + 1
  return wrk.format("GET", paths[i], {["User-Agent"] = "%s"})
end
"""


def drive(port: int, paths_file: Path, duration: float, connections: int) -> dict[str, float]:
    if shutil.which("wrk"):
        script = paths_file.with_suffix(".lua")
        script.write_text(WRK_SCRIPT % (paths_file, BROWSER))
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration:.0f}s", "-s", str(script),
             f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, check=True,
        ).stdout
        requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors = re.search(r"Socket errors: (.*)", out)
        return {
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "answered": requests - (int(bad.group(1)) if bad else 0),
            "errors": 1.0 if errors else 0.0,
        }
    # Fallback load generator: a second process with many asyncio/httpx connections.
    out = subprocess.run(
        [sys.executable, __file__, "--load", str(port), "--paths", str(paths_file),
         "--duration", str(duration), "--connections", str(connections)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)


async def _httpx_load(port: int, paths: list[str], duration: float, connections: int) -> None:
    import httpx

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    answered = 0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 headers={"user-agent": BROWSER}) as client:
        deadline = time.monotonic() + duration

        async def worker(offset: int) -> None:
            nonlocal answered
            i = offset
            while time.monotonic() < deadline:
                response = await client.get(paths[i % len(paths)])
                answered += response.status_code in (200, 302)
                i += connections

        started = time.monotonic()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        elapsed = time.monotonic() - started
    print(json.dumps({"rps": answered / elapsed, "answered": answered, "errors": 0.0}))


# -- in-process costs ------------------------------------------------------------------------
async def _call_each(app: Any, paths: list[str], count: int) -> float:
    """Call the ASGI app directly (no server, no sockets); µs per call."""
    scopes = [
        {"type": "http", "method": "GET", "path": p, "client": ("203.0.113.9", 40000),
         "headers": [(b"host", b"t"), (b"user-agent", BROWSER.encode()), (b"accept", b"*/*")]}
        for p in paths
    ]

    async def receive() -> dict:
        return {"type": "http.request", "body": b""}

    async def send(message: dict) -> None:
        return None

    started = time.perf_counter()
    for i in range(count):
        await app(scopes[i % len(scopes)], receive, send)
    return (time.perf_counter() - started) / count * 1e6


def costs(url: str, paths: list[str]) -> str:
    """A view that machine load distorts less: µs per hit of the request path (no server) and of
    the flush, in this process. Flushed batches are 1,000 hits of the same mix as the load."""
    from consentmail.tracking import Ingest, Resolver, TrackingApp

    ingest = Ingest(url, max_buffer=10**7)
    app = TrackingApp(Resolver(url), ingest, bare_gif)
    asyncio.run(_call_each(app, paths, len(paths)))  # warm the token cache
    ingest.flush_now()  # (and the flush's cache of message facts)
    tracking_us = asyncio.run(_call_each(app, paths, 50_000))
    bare_us = asyncio.run(_call_each(bare_gif, paths, 50_000))
    ingest.flush_now()
    flushes = []
    for start_ in range(0, 7000, 1000):
        asyncio.run(_call_each(app, paths[start_ : start_ + 1000], 1000))
        started = time.perf_counter()
        ingest.flush_now()
        flushes.append((time.perf_counter() - started) / 1000 * 1e6)
    return (f"in-process cost per hit: request path {tracking_us:.1f} µs (bare {bare_us:.1f} µs), "
            f"flush {min(flushes):.1f} µs (best of {len(flushes)} batches of 1,000, median "
            f"{statistics.median(flushes):.1f})")


# -- main ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", choices=("tracking", "bare"))
    parser.add_argument("--port", type=int)
    parser.add_argument("--db", default="")
    parser.add_argument("--stats", default="")
    parser.add_argument("--load", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.db, args.stats)
        return
    if args.load:
        paths = Path(args.paths).read_text().split()
        asyncio.run(_httpx_load(args.load, paths, args.duration, args.connections))
        return

    with tempfile.TemporaryDirectory(prefix="bench-tracking-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        tokens, aggregate = populate(url, args.tokens)
        paths_file = Path(tmp) / "paths.txt"
        paths_file.write_text("\n".join(request_paths(tokens, aggregate)) + "\n")
        stats_path = f"{tmp}/stats.json"
        generator = "wrk" if shutil.which("wrk") else "httpx (second process)"
        print(f"load: {generator}, {args.connections} connections, {args.rounds} rounds of "
              f"{args.duration:.0f} s each; "
              f"server: uvicorn {_server_impl()}, one process; {args.tokens} recipients")

        servers = {kind: start(kind, url, stats_path) for kind in ("tracking", "bare")}
        rates: dict[str, list[float]] = {"tracking": [], "bare": []}
        answered = 0.0
        try:
            for kind, (_, port) in servers.items():  # warm-up: caches, connections
                answered += drive(port, paths_file, 2, args.connections)["answered"] * (
                    kind == "tracking"
                )
            # Interleaved rounds, alternating which goes first, so that other load on the
            # machine weighs on both alike.
            for round_ in range(args.rounds):
                order = ("tracking", "bare") if round_ % 2 == 0 else ("bare", "tracking")
                for kind in order:
                    result = drive(servers[kind][1], paths_file, args.duration, args.connections)
                    rates[kind].append(result["rps"])
                    answered += result["answered"] * (kind == "tracking")
        finally:
            for proc, _ in servers.values():
                stop(proc)
        ratios = [t / b for t, b in zip(rates["tracking"], rates["bare"], strict=True)]
        for kind, label in (("tracking", "tracking app "), ("bare", "bare endpoint")):
            per_round = ", ".join(f"{r:,.0f}" for r in rates[kind])
            print(f"{label}: {statistics.median(rates[kind]):>9,.0f} hits/s median ({per_round})")
        print(f"ratio        : {statistics.median(ratios):.2f} median of rounds "
              f"({', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.70)")

        server = json.loads(Path(stats_path).read_text())
        in_db = recorded_hits(url)
        print(f"answered hits, warm-up included: {answered:,.0f} seen by the load generator, "
              f"{server['accepted']:,} by the server (the difference: requests in flight when "
              f"the generator stopped); in the database: {in_db:,}")
        print(f"dropped: {server['dropped']}, refused (buffer full): {server['overflowed']}, "
              f"classified machine: {server['machine']:,}")
        ok = (
            in_db == server["accepted"]
            # each drive may stop with up to `connections` requests in flight
            and answered <= in_db <= answered + (args.rounds + 1) * args.connections
            and server["overflowed"] == 0
        )
        print("every answered hit is in the database" if ok else "MISMATCH: hits were lost")
        print(costs(url, paths_file.read_text().split()))
        sys.exit(0 if ok else 1)


def _server_impl() -> str:
    impl = []
    for module, name in (("httptools", "httptools"), ("uvloop", "uvloop")):
        try:
            __import__(module)
            impl.append(name)
        except ImportError:
            impl.append({"httptools": "h11", "uvloop": "asyncio"}[module])
    return "/".join(impl)


if __name__ == "__main__":
    main()
