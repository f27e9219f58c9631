"""Settings read once from CONSENTMAIL_* environment variables.

The embedded default needs nothing: SQLite under ./var, the capture transport, and secrets
generated on first use and kept under ./var (never logged).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from consentmail.policy.profiles import PROFILES

# Every setting, its default and what it means: docs/configuration.md is checked against this.
DOCUMENTED: dict[str, tuple[str, str]] = {
    "CONSENTMAIL_DATA_DIR": ("var", "Folder for the SQLite database, secrets and captured mail."),
    "CONSENTMAIL_DATABASE_URL": (
        "sqlite:///var/consentmail.db",
        "SQLAlchemy URL; postgresql://user@host:5432/db for PostgreSQL.",
    ),
    "CONSENTMAIL_PUBLIC_URL": (
        "http://127.0.0.1:8000",
        "Base URL recipients reach (pixels, links, recipient pages). Use https in production.",
    ),
    "CONSENTMAIL_SMTP_URL": (
        "capture://",
        "Transport: capture://, smtp://[user:pass@]host:port[?starttls=1], smtps://..., "
        "maildir:///path.",
    ),
    "CONSENTMAIL_SECRET_KEY": ("(generated in var/secret_key)", "Signs CSRF tokens."),
    "CONSENTMAIL_API_TOKEN": (
        "(generated in var/api_token)",
        "Bearer token for the REST API and password of the admin UI (user admin).",
    ),
    "CONSENTMAIL_DEFAULT_JURISDICTION": (
        "strict",
        "Policy profile for contacts whose country maps to none.",
    ),
    "CONSENTMAIL_K_MIN": ("10", "Smallest cohort that gets aggregate tracking (law 3)."),
    "CONSENTMAIL_FLUSH_INTERVAL": ("1.0", "Seconds between tracking buffer flushes."),
    "CONSENTMAIL_FLUSH_SIZE": ("1000", "Hits that trigger an early flush."),
    "CONSENTMAIL_SEND_CONCURRENCY": ("4", "SMTP connections a worker keeps open."),
    "CONSENTMAIL_WORKER": ("1", "0 disables the in-process worker of `consentmail serve`."),
    "CONSENTMAIL_RETENTION_PERSONAL_DAYS": (
        "395",
        "Days personal opens/clicks given with consent are kept after the message was sent "
        "(about 13 months, the CNIL tracker analogy).",
    ),
    "CONSENTMAIL_RETENTION_EXEMPTION_DAYS": (
        "90",
        "Days exemption data (security, mandatory, deliverability last-open dates) is kept.",
    ),
    "CONSENTMAIL_RETENTION_AGGREGATE_DAYS": (
        "760",
        "Days anonymous aggregate counters are kept (about 25 months).",
    ),
    "CONSENTMAIL_DKIM_SELECTOR": ("(unset)", "DKIM selector; with the two below, signs mail."),
    "CONSENTMAIL_DKIM_DOMAIN": ("(unset)", "DKIM signing domain (d=), usually the From domain."),
    "CONSENTMAIL_DKIM_KEY_FILE": ("(unset)", "PEM file of the RSA private key for DKIM."),
}
_DKIM = ("CONSENTMAIL_DKIM_SELECTOR", "CONSENTMAIL_DKIM_DOMAIN", "CONSENTMAIL_DKIM_KEY_FILE")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    public_url: str
    smtp_url: str
    secret_key: str = field(repr=False)
    api_token: str = field(repr=False)
    default_jurisdiction: str = "strict"
    k_min: int = 10
    flush_interval: float = 1.0
    flush_size: int = 1000
    send_concurrency: int = 4
    run_worker: bool = True
    retention_personal_days: int = 395
    retention_exemption_days: int = 90
    retention_aggregate_days: int = 760
    dkim_selector: str | None = None
    dkim_domain: str | None = None
    dkim_key_file: Path | None = None

    @property
    def one_click(self) -> bool:
        """RFC 8058 one-click needs an https List-Unsubscribe URL."""
        return self.public_url.startswith("https://")


class SettingsError(ValueError):
    pass


def _secret(env: Mapping[str, str], name: str, data_dir: Path, filename: str) -> str:
    if env.get(name):
        return env[name]
    path = data_dir / filename
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    # Created readable by the owner only: it guards the admin and the CSRF signatures.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def _number(env: Mapping[str, str], name: str, kind: type) -> float | int:
    raw = env.get(name, DOCUMENTED[name][0])
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


def _days(env: Mapping[str, str], name: str) -> int:
    days = int(_number(env, name, int))
    if days < 1:
        raise SettingsError(f"{name}={days}: retention is a number of days, at least 1")
    return days


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("CONSENTMAIL_DATA_DIR", "var"))
    database_url = env.get("CONSENTMAIL_DATABASE_URL") or f"sqlite:///{data_dir}/consentmail.db"
    public_url = env.get("CONSENTMAIL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"CONSENTMAIL_PUBLIC_URL={public_url!r} must be an http(s) URL")
    jurisdiction = env.get("CONSENTMAIL_DEFAULT_JURISDICTION", "strict")
    if jurisdiction not in PROFILES:
        raise SettingsError(
            f"CONSENTMAIL_DEFAULT_JURISDICTION={jurisdiction!r}: choose one of {sorted(PROFILES)}"
        )
    dkim = [env.get(name) or None for name in _DKIM]
    if any(dkim) and not all(dkim):
        raise SettingsError(f"DKIM signing needs all of {', '.join(_DKIM)} (or none of them)")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        public_url=public_url,
        smtp_url=env.get("CONSENTMAIL_SMTP_URL", "capture://"),
        secret_key=_secret(env, "CONSENTMAIL_SECRET_KEY", data_dir, "secret_key"),
        api_token=_secret(env, "CONSENTMAIL_API_TOKEN", data_dir, "api_token"),
        default_jurisdiction=jurisdiction,
        k_min=int(_number(env, "CONSENTMAIL_K_MIN", int)),
        flush_interval=float(_number(env, "CONSENTMAIL_FLUSH_INTERVAL", float)),
        flush_size=int(_number(env, "CONSENTMAIL_FLUSH_SIZE", int)),
        send_concurrency=int(_number(env, "CONSENTMAIL_SEND_CONCURRENCY", int)),
        run_worker=env.get("CONSENTMAIL_WORKER", "1") != "0",
        retention_personal_days=_days(env, "CONSENTMAIL_RETENTION_PERSONAL_DAYS"),
        retention_exemption_days=_days(env, "CONSENTMAIL_RETENTION_EXEMPTION_DAYS"),
        retention_aggregate_days=_days(env, "CONSENTMAIL_RETENTION_AGGREGATE_DAYS"),
        dkim_selector=dkim[0],
        dkim_domain=dkim[1],
        dkim_key_file=Path(dkim[2]) if dkim[2] else None,
    )
