"""Get past the notice table's append-only guard (migration 0007), as an attacker with database
access would, to show that proof and verify still see the edit."""

from __future__ import annotations

from sqlalchemy import text

from consentmail.db.engine import get_engine


def tamper_notices(url: str, *statements: str) -> None:
    """Run SQL on `notice` with its guard triggers dropped (SQLite) or disabled (PostgreSQL)."""
    engine = get_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for trigger in ("notice_no_update", "notice_no_delete", "notice_no_replace"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        else:
            conn.execute(text("ALTER TABLE notice DISABLE TRIGGER notice_append_only"))
        for statement in statements:
            conn.execute(text(statement))
