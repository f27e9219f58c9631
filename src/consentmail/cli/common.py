"""What every command needs: settings, a migrated database, errors shown without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consentmail.campaigns.lookup import find_campaign
from consentmail.config import Settings, load_settings
from consentmail.config.settings import SettingsError
from consentmail.db import session_scope, upgrade
from consentmail.db.engine import get_engine
from consentmail.db.models import Campaign

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    # One line however long (soft wrap): it may land in a log, a ticket or a grep.
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True,
                      soft_wrap=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def ready_settings() -> Settings:
    """Settings with the schema created or upgraded (idempotent). Every command that uses the
    database starts here, so a database it cannot reach stops it with one line, not a
    traceback."""
    s = settings()
    try:
        with get_engine(s.database_url).connect():  # SQLite: creates the folder and the file
            pass
    except (OperationalError, OSError) as exc:
        fail(escape(f"cannot reach the database at {redacted_url(s.database_url)}: "
                    f"{unreachable_reason(exc)}"))
    upgrade(s.database_url)
    return s


def redacted_url(url: str) -> str:
    """Database URLs may carry a password: never print it."""
    return make_url(url).render_as_string(hide_password=True)


def unreachable_reason(exc: BaseException) -> str:
    """The driver's reason in a few words: "connection refused", "unable to open database file"."""
    if isinstance(exc, OSError):
        what = (exc.strerror or str(exc)).lower()
        return f"{what}: {exc.filename}" if exc.filename else what
    driver = getattr(exc, "orig", None) or exc
    first = (str(driver).strip().splitlines() or [type(driver).__name__])[0]
    # psycopg: 'connection failed: connection to server at "h", port 1 failed: Connection refused'
    reason = first.rpartition(" failed: ")[2].removeprefix("FATAL:").strip()
    return reason[:1].lower() + reason[1:]


@contextmanager
def session(s: Settings) -> Iterator[Session]:
    with session_scope(s.database_url) as sess:
        yield sess


def campaign_or_fail(sess: Session, campaign_id: int) -> Campaign:
    """The campaign with this id, or the command stops with "no campaign with id N"."""
    campaign = find_campaign(sess, campaign_id)
    if campaign is None:
        fail(f"no campaign with id {campaign_id}")
    return campaign


def human_time(value: datetime | str | None) -> str:
    """One form for every time a person reads: "2026-12-04 17:54 UTC" (JSON keeps ISO 8601).
    Takes a datetime (naive ones are UTC, as the database stores them) or an ISO string."""
    if value is None or value == "":
        return "-"
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
