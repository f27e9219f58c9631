"""Cell values of contact exports: consent booleans, subscription status, dates, IP addresses.

Pure functions."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

from consentmail.ip import truncate_ip  # noqa: F401 - a cell value of exports too

# I2: the spellings seen in real exports. Anything else is an error for that row: reading an
# unknown word as "no" (or "yes") would silently change what the person chose.
YES = frozenset({"yes", "y", "1", "true", "x", "sì", "si", "sí", "oui", "vrai", "ja", "да", "是"})
NO = frozenset({"", "no", "n", "0", "false", "non", "faux", "nein", "нет", "否"})

SUBSCRIBED, UNSUBSCRIBED = "subscribed", "unsubscribed"
# Subscription status words of exports (ours writes subscribed/unsubscribed), after _key and
# with "-"/"_" read as spaces.
_SUBSCRIPTION = {
    **dict.fromkeys((
        "subscribed", "subscriber", "active", "opted in", "opt in", "optin", "iscritto",
        "iscritta", "abonné", "abonne", "abonnée", "abonnee", "abonniert", "angemeldet",
        "suscrito", "suscrita",
    ), SUBSCRIBED),
    **dict.fromkeys((
        "unsubscribed", "unsubscribe", "opted out", "opt out", "optout", "disiscritto",
        "disiscritta", "désabonné", "desabonne", "désabonnée", "desabonnee", "désinscrit",
        "desinscrit", "abgemeldet", "abbestellt", "dado de baja", "baja",
    ), UNSUBSCRIBED),
}

_TIME = (
    r"(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?"
    r"\s*(Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_ISO = re.compile(rf"([0-9]{{4}})-([0-9]{{1,2}})-([0-9]{{1,2}}){_TIME}\Z", re.IGNORECASE)
_NUMERIC = re.compile(rf"([0-9]{{1,2}})([/.])([0-9]{{1,2}})\2([0-9]{{4}}){_TIME}\Z", re.IGNORECASE)


NAME_MAX = 200  # contact.first_name / last_name width: PostgreSQL would refuse longer
# The characters a mail header refuses (render/headers.py): a name goes into the To header.
# Public so that a bulk reader can test a row's names with one search (csv_read).
NAME_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def name_problem(value: str) -> str | None:
    """Why `value` cannot be stored as a first or last name, or None if it can.

    A name is used in the To header and the greeting of every message: one with a line break or
    another control character could never be sent (and is how header injection is tried), so
    it is refused where it comes in, not found at send time."""
    if len(value) > NAME_MAX:
        return f"{len(value)} characters, at most {NAME_MAX}"
    if (m := NAME_CONTROL.search(value)) is not None:
        what = {"\n": "a line break (LF)", "\r": "a line break (CR)", "\x00": "a NUL byte"}.get(
            m.group(), f"the control character U+{ord(m.group()):04X}"
        )
        return f"contains {what}; names are used in mail headers"
    return None


def _key(value: str) -> str:
    # NFKC folds full-width letters and composes "si" + U+0300 into "sì".
    return unicodedata.normalize("NFKC", value).strip().casefold()


def parse_consent(value: str) -> bool:
    """True/False for a consent cell; empty means no (silence is refusal). Unknown: ValueError."""
    key = _key(value)
    if key in YES:
        return True
    if key in NO:
        return False
    raise ValueError(
        f"unknown consent value {value.strip()!r}: use yes/no, y/n, 1/0, true/false or x "
        "(also sì/si/no, oui/non, vrai/faux, ja/nein, sí, да/нет, 是/否)"
    )


def parse_subscription(value: str) -> str | None:
    """"subscribed" or "unsubscribed" for a subscription cell; empty gives None (says nothing).

    Unknown: ValueError (reading it either way would change what the person chose)."""
    key = _key(value).replace("-", " ").replace("_", " ")
    if not key:
        return None
    status = _SUBSCRIPTION.get(key)
    if status is None:
        raise ValueError(
            f"unknown subscription status {value.strip()!r}: use subscribed or unsubscribed "
            "(also active, opted in/opted out, iscritto/disiscritto, abonné/désabonné, "
            "angemeldet/abgemeldet, suscrito/baja)"
        )
    return status


def parse_date(value: str, *, day_first: bool = True) -> date | datetime | None:
    """2025-10-18, or 01/10/2024 as day/month/year (month/day/year if not day_first).

    Either may carry a time, "2023-05-01 12:34:56", "2023-05-01T12:34:56Z" or with an offset
    "+02:00": then a datetime in UTC is returned (no offset: read as UTC, as mail tools such as
    Mailchimp export their times). Without a time, a date. Empty gives None. Anything else,
    including an impossible day or hour, is a ValueError.
    """
    text = value.strip()
    if not text:
        return None
    if m := _ISO.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        time_at = 4
    elif m := _NUMERIC.match(text):
        first, second, year = int(m[1]), int(m[3]), int(m[4])
        day, month = (first, second) if day_first else (second, first)
        time_at = 5
    else:
        order = "DD/MM/YYYY" if day_first else "MM/DD/YYYY"
        raise ValueError(
            f"unreadable date {text!r}: use YYYY-MM-DD or {order}, optionally with a time "
            "(YYYY-MM-DD HH:MM:SS, ISO 8601 with Z or +02:00)"
        )
    try:
        if m[time_at] is None:
            return date(year, month, day)
        hour, minute, second = int(m[time_at]), int(m[time_at + 1]), int(m[time_at + 2] or 0)
        at = datetime(year, month, day, hour, minute, second, tzinfo=_zone(m[time_at + 3]))
        return at.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        # OverflowError: a valid local time whose UTC is before year 1 or after 9999.
        raise ValueError(f"impossible date {text!r} ({exc})") from None


def _zone(offset: str | None) -> timezone:
    if offset is None or offset.upper() == "Z":
        return UTC
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if delta >= timedelta(hours=24):
        raise ValueError(f"offset {offset} out of range")
    return timezone(-delta if offset[0] == "-" else delta)
