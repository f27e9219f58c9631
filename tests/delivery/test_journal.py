"""The accepted-message journal: what a dead worker had read the server accept is replayed once."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from consentmail.db.engine import session_scope
from consentmail.delivery import CaptureTransport, Worker, captured, outbox
from consentmail.delivery.journal import Journal, replay
from tests.delivery.support import seed, simple_builder, statuses


def collect(folder: Path) -> list[tuple[int, str, str]]:
    got: list[tuple[int, str, str]] = []
    replay(folder, got.extend)
    return got


def test_a_live_journal_is_never_replayed_and_a_closed_one_is_replayed_once(
    tmp_path: Path,
) -> None:
    live = Journal(tmp_path, "host:1:aa")
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
        "j = Journal(Path(sys.argv[1]), 'doomed')\n"
        "j.record(1, '250 ok', '<m1@x>')\n"
        "j.record(2, '250 ok', '')\n"
        "os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False)
    assert proc.returncode == -9
    assert collect(tmp_path) == [(1, "250 ok", "<m1@x>"), (2, "250 ok", "")]


def test_cleared_and_cleanly_closed_journals_leave_nothing(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "w")
    journal.record(1, "250 ok", "")
    journal.clear()  # committed
    journal.close(committed=False)
    assert collect(tmp_path) == []
    Journal(tmp_path, "w").close(committed=True)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_line_is_skipped_and_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "dead.journal").write_bytes(b'[1, "250 ok", ""]\n[2, "250 o\n[3, "250 ok", ""]\n')
    with caplog.at_level(logging.ERROR):
        assert collect(tmp_path) == [(1, "250 ok", ""), (3, "250 ok", "")]
    assert "dead.journal line 2" in caplog.text


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
    dead = Journal(folder, "same-id")
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
