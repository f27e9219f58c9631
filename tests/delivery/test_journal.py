"""The accepted-message journal: what a dead worker had read the server accept is replayed once."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from consentmail.db.engine import session_scope
from consentmail.delivery import CaptureTransport, Worker, captured, outbox
from consentmail.delivery.journal import Journal, database_identity, replay
from tests.delivery.support import seed, simple_builder, statuses

DB = "sqlite:////srv/consentmail.db"


def collect(folder: Path, database: str = DB) -> list[tuple[int, str, str]]:
    got: list[tuple[int, str, str]] = []
    replay(folder, database, got.extend)
    return got


def test_a_live_journal_is_never_replayed_and_a_closed_one_is_replayed_once(
    tmp_path: Path,
) -> None:
    live = Journal(tmp_path, "host:1:aa", DB)
    live.record(7, "250 2.0.0 queued as 7", "<m7@x>")
    assert collect(tmp_path) == []  # locked: its worker is alive
    assert (tmp_path / "host_1_aa.journal").exists()
    live.close(committed=False)  # as a kill leaves it: the lock is gone, the file stays
    assert collect(tmp_path) == [(7, "250 2.0.0 queued as 7", "<m7@x>")]
    assert list(tmp_path.iterdir()) == []
    assert collect(tmp_path) == []


def test_a_killed_process_leaves_its_journal_to_replay(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from consentmail.delivery.journal import Journal\n"
        "j = Journal(Path(sys.argv[1]), 'doomed', sys.argv[2])\n"
        "j.record(1, '250 ok', '<m1@x>')\n"
        "j.record(2, '250 ok', '')\n"
        "os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path), DB], check=False)
    assert proc.returncode == -9
    assert collect(tmp_path) == [(1, "250 ok", "<m1@x>"), (2, "250 ok", "")]


def test_cleared_and_cleanly_closed_journals_leave_nothing(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "w", DB)
    journal.record(1, "250 ok", "")
    journal.clear()  # committed
    journal.close(committed=False)
    assert collect(tmp_path) == []
    Journal(tmp_path, "w", DB).close(committed=True)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_line_is_skipped_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    header = json.dumps({"worker": "dead", "database": DB}).encode()
    (tmp_path / "dead.journal").write_bytes(
        header + b'\n[1, "250 ok", ""]\n[2, "250 o\n[3, "250 ok", ""]\n'
    )
    with caplog.at_level(logging.ERROR):
        assert collect(tmp_path) == [(1, "250 ok", ""), (3, "250 ok", "")]
    assert "dead.journal line 3" in caplog.text


def test_another_databases_journal_is_left_for_its_own_workers(tmp_path: Path) -> None:
    other = Journal(tmp_path, "w1", "postgresql://db.internal/other")
    other.record(1, "250 ok", "")
    other.close(committed=False)
    assert collect(tmp_path) == []
    assert collect(tmp_path, "postgresql://db.internal/other") == [(1, "250 ok", "")]


def test_database_identity_hides_the_password_and_anchors_sqlite_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_identity("sqlite:///var/x.db") == f"sqlite:///{tmp_path}/var/x.db"
    assert database_identity("postgresql://u:secret@h:5432/d") == "postgresql://u:***@h:5432/d"


def test_replay_marks_only_what_is_not_sent_yet(sqlite_url: str) -> None:
    cid, ids = seed(sqlite_url, 3)
    with session_scope(sqlite_url) as s:
        outbox.mark_sent(s, ids[0], "250 first reply")
    with session_scope(sqlite_url) as s:
        rows = [(i, "250 from the journal", "") for i in ids[:2]]
        assert outbox.mark_replayed(s, rows) == 1
    assert statuses(sqlite_url, cid) == {"sent": 2, "queued": 1}


def test_a_worker_restarting_under_the_same_id_replays_its_predecessor_first(
    sqlite_url: str, tmp_path: Path
) -> None:
    cid, ids = seed(sqlite_url, 5)
    folder = tmp_path / "journal"
    with session_scope(sqlite_url) as s:  # the predecessor claimed all five, then died
        assert sorted(outbox.claim(s, "same-id", 10)) == ids
    dead = Journal(folder, "same-id", database_identity(sqlite_url))
    for i in ids[:2]:
        dead.record(i, "250 accepted before the kill", "")
    dead.close(committed=False)

    async def go() -> None:
        transport = CaptureTransport(tmp_path / "out")
        worker = Worker(sqlite_url, transport, simple_builder, worker_id="same-id",
                        idle_sleep=0.01, journal_dir=folder)
        await worker.run(campaign_id=cid, until_idle=True)

    asyncio.run(go())
    assert statuses(sqlite_url, cid) == {"sent": 5}
    assert len(captured(tmp_path / "out")) == 3  # the two accepted ones were not sent again
    assert list(folder.iterdir()) == []


def test_a_dead_workers_claims_are_requeued_at_once_when_its_journal_is_free(
    sqlite_url: str, tmp_path: Path
) -> None:
    """No waiting for stale_after: the free lock proves the worker is gone."""
    cid, ids = seed(sqlite_url, 4)
    folder = tmp_path / "journal"
    with session_scope(sqlite_url) as s:
        assert sorted(outbox.claim(s, "dead-worker", 10)) == ids
    dead = Journal(folder, "dead-worker", database_identity(sqlite_url))
    dead.record(ids[0], "250 accepted before the kill", "")
    dead.close(committed=False)

    async def go() -> None:
        transport = CaptureTransport(tmp_path / "out")
        worker = Worker(sqlite_url, transport, simple_builder, worker_id="successor",
                        idle_sleep=0.01, journal_dir=folder)  # stale_after stays 5 minutes
        await asyncio.wait_for(worker.run(campaign_id=cid, until_idle=True), 30)

    asyncio.run(go())
    assert statuses(sqlite_url, cid) == {"sent": 4}
    assert len(captured(tmp_path / "out")) == 3
