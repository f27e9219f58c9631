"""Storage: engine, sessions, models and migrations."""

from consentmail.db.engine import get_engine, is_postgres, session_factory, session_scope
from consentmail.db.migrate import upgrade

__all__ = ["get_engine", "is_postgres", "session_factory", "session_scope", "upgrade"]
