"""No consent event is lost or altered by a crash (issue 3, "Bad input"): writer processes record
consent through the preference page's service function, report each event id once committed, and
are killed with SIGKILL mid-run. Afterwards the chain verifies, every reported event is there,
and the derived state agrees with the ledger."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from consentmail.consent import verify_chain
from consentmail.db import session_scope
from consentmail.db.engine import get_engine
from consentmail.db.models import ConsentEvent, ConsentState
from tests.consent.conftest import add_contact, add_list, add_message

ROOT = Path(__file__).resolve().parents[2]
PER_WRITER = 15  # committed events each writer reports before the kill
DEADLINE = 60.0


def _writers(url: str) -> int:
    # Concurrent appenders on both databases: the chain head is read under the write lock.
    return 3


def _start(url: str, token: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.consent.crash_writer", url, token],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _run_then_kill(procs: list[subprocess.Popen[str]]) -> dict[int, list[int]]:
    """Read each writer's committed ids until all reported PER_WRITER, then SIGKILL them all."""
    reported: dict[int, list[int]] = {p.pid: [] for p in procs}
    sel = selectors.DefaultSelector()
    for p in procs:
        assert p.stdout is not None
        sel.register(p.stdout, selectors.EVENT_READ, p)
    end = time.monotonic() + DEADLINE
    try:
        while min(len(ids) for ids in reported.values()) < PER_WRITER:
            assert time.monotonic() < end, f"writers too slow: {reported}"
            for key, _ in sel.select(timeout=1.0):
                p = key.data
                line = key.fileobj.readline()  # type: ignore[union-attr]
                if not line:
                    raise AssertionError(f"writer {p.pid} died: {p.stderr.read()}")
                reported[p.pid].append(int(line))
    finally:
        for p in procs:
            p.send_signal(signal.SIGKILL)  # mid-run: each is inside its loop, at any point
        for p in procs:
            p.wait(timeout=30)
            p.stdout.close()  # type: ignore[union-attr]
            p.stderr.close()  # type: ignore[union-attr]
        sel.close()
    return reported


def test_killed_writers_lose_nothing(db_url: str) -> None:
    tokens = []
    with session_scope(db_url) as s:
        lst = add_list(s)
        for i in range(_writers(db_url)):
            c = add_contact(s, f"writer{i}@example.com", language="fr", list_id=lst.id)
            tokens.append(add_message(s, None, c.id, lst.id).page_token)
    reported = _run_then_kill([_start(db_url, t) for t in tokens])
    get_engine(db_url).dispose()  # forget connections opened before the crash

    engine = get_engine(db_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with session_scope(db_url) as s:
        check = verify_chain(s)
        assert check.ok, check
        stored = set(s.scalars(select(ConsentEvent.id)))
        all_reported = {i for ids in reported.values() for i in ids}
        assert all_reported <= stored, sorted(all_reported - stored)
        assert check.checked == len(stored) >= len(all_reported)
        # Every grant kept its proof, and the derived state is the last event of each contact.
        assert s.scalar(
            select(func.count()).where(
                ConsentEvent.action == "grant", ConsentEvent.notice_sha256 == ""
            )
        ) == 0
        last = dict(
            s.execute(
                select(ConsentEvent.contact_id, func.max(ConsentEvent.id))
                .group_by(ConsentEvent.contact_id)
            ).all()
        )
        state = dict(
            s.execute(
                select(ConsentState.contact_id, ConsentState.event_id)
                .where(ConsentState.purpose == "tracking")
            ).all()
        )
        assert state == last
