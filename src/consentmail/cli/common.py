"""What every command needs: settings, a migrated database, errors shown without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from consentmail.campaigns.lookup import find_campaign
from consentmail.config import Settings, load_settings
from consentmail.config.settings import SettingsError
from consentmail.db import session_scope, upgrade
from consentmail.db.models import Campaign

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


def ready_settings() -> Settings:
    """Settings with the schema created or upgraded (idempotent)."""
    s = settings()
    upgrade(s.database_url)
    return s


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


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
