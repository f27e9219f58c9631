"""What the SMTP server accepted, written down before anything else can happen.

The worker marks sent messages in the database by group commit, a few milliseconds after the
server's reply. A kill inside that window would leave accepted messages in `sending`, and
whoever requeued them would send them again. So each acceptance is first appended to the
worker's own journal file: one write(2), with no await between reading the reply and writing,
and the kernel keeps what was written when the process is killed. A worker holds an exclusive
lock on its journal while it lives; any worker of the same data folder and database replays the
journals whose lock is free (their worker died) into `sent`, then deletes them; the dead
worker's other claims can then be requeued at once instead of after stale_after. A live worker
empties its journal whenever everything in it is committed. The first line of a journal names
its worker and database, so databases sharing a data folder never replay each other's.

Not covered: a server reply lost in the network before the worker read it (nobody can know
what the server did), and a journal on a machine that never runs a worker again (another
machine's worker requeues those claims after stale_after).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

SUFFIX = ".journal"
# (outbox id, server reply, Message-ID header) of each accepted message.
Accepted = tuple[int, str, str]


def database_identity(url: str) -> str:
    """The database a URL points at, without its password (SQLite paths made absolute)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parsed = parsed.set(database=str(Path(parsed.database).resolve()))
    return parsed.render_as_string(hide_password=True)


class Journal:
    """One live worker's journal: append-only while it runs, locked against replay."""

    def __init__(self, folder: Path, worker_id: str, database: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / (re.sub(r"[^A-Za-z0-9._-]", "_", worker_id) + SUFFIX)
        # Locked under a name replay ignores, then renamed: a replayer never sees it unlocked.
        draft = self.path.with_suffix(".new")
        self.fd = os.open(draft, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.header = (json.dumps({"worker": worker_id, "database": database}) + "\n").encode()
        os.write(self.fd, self.header)
        os.replace(draft, self.path)

    def record(self, message_id: int, reply: str, header: str) -> None:
        os.write(self.fd, (json.dumps([message_id, reply, header]) + "\n").encode())

    def clear(self) -> None:
        """Everything recorded is committed as sent: nothing left to replay."""
        os.ftruncate(self.fd, len(self.header))

    def close(self, *, committed: bool) -> None:
        """Stop; the file goes only when its contents are committed, else it awaits replay."""
        if committed:
            self.path.unlink(missing_ok=True)
        os.close(self.fd)


def replay(folder: Path, database: str, mark: Callable[[list[Accepted]], None]) -> list[str]:
    """Hand the acceptances in the journals of this database's dead workers to `mark` (which
    commits them), then delete those journals. Returns the dead workers' ids."""
    dead = []
    for path, worker, rows in _orphans(folder, database):
        if rows:
            mark(rows)
            log.warning("replayed %d accepted messages from %s", len(rows), path.name)
        path.unlink(missing_ok=True)
        dead.append(worker)
    return dead


def _orphans(folder: Path, database: str) -> Iterator[tuple[Path, str, list[Accepted]]]:
    """Each journal of `database` whose worker is gone, with its worker id and rows, while
    holding its lock."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*" + SUFFIX)):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # replayed by another worker just now
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # its worker is alive
                continue
            if os.fstat(fd).st_nlink == 0:  # replayed and deleted while we waited
                continue
            with os.fdopen(os.dup(fd), "rb") as fh:
                header, _, body = fh.read().partition(b"\n")
            try:
                owner = json.loads(header)
                worker, journal_db = str(owner["worker"]), str(owner["database"])
            except (ValueError, TypeError, KeyError):
                log.error("%s: no journal header, left as it is: %r", path.name, header[:80])
                continue
            if journal_db == database:  # another database's journal waits for its own workers
                yield path, worker, _rows(path, body)
        finally:
            os.close(fd)


def _rows(path: Path, data: bytes) -> list[Accepted]:
    rows: list[Accepted] = []
    for n, line in enumerate(data.splitlines(), 2):  # line 1 is the header
        try:
            message_id, reply, header = json.loads(line)
            rows.append((int(message_id), str(reply), str(header)))
        except (ValueError, TypeError):
            log.error("%s line %d: not a journal entry, skipped: %r", path.name, n, line[:80])
    return rows
