"""Real worker processes: SIGKILL mid-campaign then restart; two workers sharing PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consentmail.db.engine import session_scope
from consentmail.db.models import Campaign, Message
from tests.delivery.support import hold, message_id_for, seed, statuses
from tests.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
MakeSink = Callable[..., SmtpSink]


def spawn(db_url: str, smtp_url: str, worker_id: str, *args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "tests.delivery.proc", db_url, smtp_url, "--worker-id", worker_id]
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.Popen(
        [*cmd, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return out


def test_sigkill_mid_campaign_then_restart_delivers_everything(
    sqlite_url: str, make_smtp_sink: MakeSink
) -> None:
    n, concurrency, batch = 300, 4, 20
    sink = make_smtp_sink(delay=0.01)  # slow enough to kill it mid-campaign
    cid, ids = seed(sqlite_url, n)
    opts = ("--campaign", str(cid), "--concurrency", str(concurrency), "--batch", str(batch))

    first = spawn(sqlite_url, sink.url, "doomed", *opts)
    try:
        assert sink.wait_for(n // 3, timeout=30), first.stderr.read() if first.stderr else ""
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert first.returncode == -signal.SIGKILL
    at_kill = len(sink.received)
    assert at_kill < n, "the worker finished before the kill: make the sink slower"
    # Everything the dead worker held: claimed and not marked (in flight, or claimed ahead).
    in_flight = statuses(sqlite_url, cid).get("sending", 0)
    assert 0 < in_flight <= 2 * batch + concurrency

    # A new process (another id) takes over; stale-after 0 because the old one is surely dead.
    finish(spawn(sqlite_url, sink.url, "successor", *opts, "--stale-after", "0"))

    counts = Counter(sink.message_ids())
    assert set(counts) == {message_id_for(i) for i in ids}  # every message delivered
    duplicates = sum(c - 1 for c in counts.values())
    assert duplicates <= in_flight  # only what was accepted but not yet marked sent
    assert statuses(sqlite_url, cid) == {"sent": n}
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(Campaign.status).where(Campaign.id == cid)) == "sent"


def test_sigkill_before_the_sent_marks_commit_then_restart_sends_nothing_twice(
    sqlite_url: str, make_smtp_sink: MakeSink, tmp_path: Path
) -> None:
    """Everything the server accepted is in the journal: the successor replays it as sent."""
    # More connections than messages accepted before the kill: the marker never has enough
    # replies for an early commit, so it waits out the hour below.
    n, concurrency, batch = 120, 50, 20
    sink = make_smtp_sink(delay=0.005)
    cid, ids = seed(sqlite_url, n)
    journal = str(tmp_path / "journal")
    opts = ("--campaign", str(cid), "--concurrency", str(concurrency), "--batch", str(batch),
            "--journal", journal)

    # Marks wait an hour to share a commit: every acceptance is journaled and none committed,
    # as in the milliseconds of a real group commit.
    first = spawn(sqlite_url, sink.url, "doomed", *opts, "--mark-interval", "3600")
    try:
        assert sink.wait_for(n // 3, timeout=30), first.stderr.read() if first.stderr else ""
        sink.pause()  # nothing more is accepted; let the worker read the replies it got
        journal_lines = Path(journal, "doomed.journal")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _lines(journal_lines) != len(sink.received):
            time.sleep(0.01)
        assert _lines(journal_lines) == len(sink.received)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate()
    assert statuses(sqlite_url, cid).get("sent", 0) == 0  # no mark was committed
    sink.resume()

    finish(spawn(sqlite_url, sink.url, "successor", *opts, "--stale-after", "0"))

    counts = Counter(sink.message_ids())
    assert set(counts) == {message_id_for(i) for i in ids}
    assert max(counts.values()) == 1  # nothing the server accepted was sent again
    assert list(Path(journal).iterdir()) == []  # replayed, and the successor's own closed clean
    assert statuses(sqlite_url, cid) == {"sent": n}
    with session_scope(sqlite_url) as s:
        assert s.scalar(select(Campaign.status).where(Campaign.id == cid)) == "sent"


def _lines(path: Path) -> int:
    """Acceptances in a journal (its first line is the header)."""
    return max(0, path.read_bytes().count(b"\n") - 1) if path.exists() else 0


@pytest.mark.postgres
def test_two_workers_share_a_campaign_on_postgres_without_double_sends(
    pg_url: str, make_smtp_sink: MakeSink
) -> None:
    n = 200
    sink = make_smtp_sink(delay=0.005)
    cid, ids = seed(pg_url, n)
    hold(pg_url, cid, True)  # nothing is due until both workers are up: both get a share
    opts = ("--campaign", str(cid), "--concurrency", "3", "--batch", "10")
    workers = [spawn(pg_url, sink.url, name, *opts) for name in ("pg-a", "pg-b")]
    for proc in workers:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    hold(pg_url, cid, False)
    for proc in workers:
        finish(proc)
    counts = Counter(sink.message_ids())
    assert set(counts) == {message_id_for(i) for i in ids}
    assert max(counts.values()) == 1  # no message sent twice
    assert statuses(pg_url, cid) == {"sent": n}
    with session_scope(pg_url) as s:
        by_worker = dict(
            s.execute(
                select(Message.claimed_by, func.count()).where(Message.campaign_id == cid)
                .group_by(Message.claimed_by)
            ).all()
        )  # fmt: skip
    assert set(by_worker) == {"pg-a", "pg-b"} and sum(by_worker.values()) == n
