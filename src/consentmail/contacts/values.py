"""Cell values of contact exports: consent booleans, dates, IP addresses. Pure functions."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from datetime import date

# I2: the spellings seen in real exports. Anything else is an error for that row: reading an
# unknown word as "no" (or "yes") would silently change what the person chose.
YES = frozenset({"yes", "y", "1", "true", "x", "sì", "si", "sí", "oui", "vrai", "ja", "да", "是"})
NO = frozenset({"", "no", "n", "0", "false", "non", "faux", "nein", "нет", "否"})

_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\Z")
_NUMERIC = re.compile(r"([0-9]{1,2})([/.])([0-9]{1,2})\2([0-9]{4})\Z")
# Dotted quad exactly as ipaddress accepts it: ASCII digits, 0-255, no leading zeros.
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}\Z")


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


def parse_date(value: str, *, day_first: bool = True) -> date | None:
    """2025-10-18, or 01/10/2024 as day/month/year (month/day/year if not day_first).

    Empty gives None. Anything else, including an impossible day, is a ValueError.
    """
    text = value.strip()
    if not text:
        return None
    if m := _ISO.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _NUMERIC.match(text):
        first, second, year = int(m[1]), int(m[3]), int(m[4])
        day, month = (first, second) if day_first else (second, first)
    else:
        order = "DD/MM/YYYY" if day_first else "MM/DD/YYYY"
        raise ValueError(f"unreadable date {text!r}: use YYYY-MM-DD or {order}")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"impossible date {text!r} ({exc})") from None


def truncate_ip(value: str) -> str:
    """The IP without its host part: IPv4 last octet zeroed, IPv6 cut to /48. Empty stays ""."""
    text = value.strip()
    if not text:
        return ""
    if m := _IPV4.match(text):
        return f"{m[1]}.{m[2]}.{m[3]}.0"  # the common case, without building objects
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"not an IP address: {text!r}") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
