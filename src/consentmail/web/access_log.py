"""uvicorn's own log lines, made safe for the tracking and recipient routes (issue 5, item 5).

`consentmail serve` runs uvicorn with access_log=False, but uvicorn writes access lines whenever
the "uvicorn.access" logger has a handler: a logging config that gives it one (an operator's
--log-config, a log shipper) would print every client address and every token in a URL. These
filters sit on the loggers themselves, so whatever handlers are added later:

- an access line keeps method, status and route, with the client address replaced by "-", the
  token segments of /o, /c, /u, /t and /p replaced by "…" and the query string dropped;
- records below DEBUG from uvicorn (its TRACE "connection made" lines name the client) are
  dropped.
"""

from __future__ import annotations

import logging
import re

HIDDEN = "…"
# /o/TOKEN.gif, /o/a/TOKEN.gif, /c/TOKEN/3, /c/a/TOKEN/3, /u/TOKEN, /t/TOKEN, /p/TOKEN[/data...]
_TOKEN_SEGMENT = re.compile(r"^/([ocutp])/(a/)?[^/.?]+")


def redact_path(path: str) -> str:
    path = path.split("?", 1)[0]
    return _TOKEN_SEGMENT.sub(lambda m: f"/{m[1]}/{m[2] or ''}{HIDDEN}", path)


class RedactAccessLine(logging.Filter):
    """uvicorn's access record: args (client, method, path with query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not (isinstance(args, tuple) and len(args) == 5):
            return False  # a line we cannot read is dropped rather than printed
        _client, method, path, version, status = args
        record.args = ("-", method, redact_path(str(path)), version, status)
        return True


class DropBelowDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.DEBUG


FILTERS: dict[str, type[logging.Filter]] = {
    "uvicorn.access": RedactAccessLine,
    "uvicorn.error": DropBelowDebug,
    "uvicorn.asgi": DropBelowDebug,
}


def install() -> None:
    """Put the filters on uvicorn's loggers (idempotent). They survive uvicorn's logging set-up:
    dictConfig replaces a logger's handlers, not its filters."""
    for name, kind in FILTERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
