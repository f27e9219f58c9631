"""Message headers: RFC 2047 only where needed, folding, and no way to inject a header.

Any CR, LF, NUL (or other control character) in any value is refused with a ValueError that
names the field, as are addresses that would smuggle in more addresses.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from email.charset import Charset
from email.header import Header
from email.utils import format_datetime, formataddr
from functools import lru_cache

import idna

from .urls import normalize_url

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FIELD_NAME = re.compile(r"[!-9;-~]+")
_ADDRESS = re.compile(r"[^\s<>(),;:\"\[\]\\@]+@[^\s<>(),;:\"\[\]\\@]+")
_LIST_ID = re.compile(r"(.*?)\s*<([^<>\s]+)>")
_MAX_LINE = 78
_UTF8 = Charset("utf-8")
# Headers we write ourselves; extra_headers may not duplicate them.
RESERVED = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "list-unsubscribe",
        "list-unsubscribe-post",
        "list-id",
        "sender",
        "return-path",
    }
)


def check(field: str, value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(f"{field} contains CR, LF, NUL or another control character")
    return value


def unstructured(name: str, value: str, field: str) -> str:
    """``Name: value`` (folded, CRLF); RFC 2047 when non-ASCII or when it looks encoded."""
    check(field, value)
    if not value.isascii() or "=?" in value:
        encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
        return f"{name}: {encoded}"
    return _fold(f"{name}: {value}", name)


def _fold(line: str, field: str) -> str:
    if len(line) <= _MAX_LINE:
        return line
    lines = [""]
    for word in re.split(r"(?= (?=\S))", line):  # fold before a space that precedes a word
        if lines[-1] and len(lines[-1]) + len(word) > _MAX_LINE:
            lines.append(word)
        else:
            lines[-1] += word
    if max(map(len, lines)) > 998:
        raise ValueError(f"{field} has a word longer than a header line may be")
    return "\r\n".join(lines)


def address(name: str, display: str | None, addr: str, role: str) -> str:
    """``Name: Display <addr>``; errors name the Envelope fields ``<role>_addr``/``<role>_name``."""
    addr = ascii_address(f"{role}_addr", addr)
    if not display:
        return f"{name}: {addr}"
    check(f"{role}_name", display)
    if display.isascii() and "=?" not in display:
        line = f"{name}: {formataddr((display, addr))}"
    else:
        # One encoded-word, as formataddr writes it: split ones are read back with a space
        # between them by some parsers (Python's address parser among them).
        line = f"{name}: {_UTF8.header_encode(display)} <{addr}>"
    if len(line) > 998:
        raise ValueError(f"{role}_name is too long for a header")
    return line


# The sender is the same for a whole campaign; recipients are not cached.
cached_address = lru_cache(maxsize=64)(address)


def ascii_address(field: str, addr: str) -> str:
    check(field, addr)
    local, at, domain = addr.rpartition("@")
    if not local.isascii():
        # RFC 6531/6532: a non-ASCII local part can only travel as UTF-8 (SMTPUTF8), where the
        # domain may stay in its Unicode form too. The transport checks the server offers it.
        domain = unicodedata.normalize("NFC", domain)
    elif not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise ValueError(f"{field} has a domain that is not a valid IDN") from None
    addr = f"{local}{at}{domain}"
    if not _ADDRESS.fullmatch(addr):
        raise ValueError(f"{field} is not a single plain address")
    return addr


def message_id(value: str) -> str:
    check("message_id", value)
    bare = value[1:-1] if value.startswith("<") and value.endswith(">") else value
    if not _ADDRESS.fullmatch(bare):
        raise ValueError("message_id must look like <unique@domain>")
    return f"Message-ID: <{bare}>"


def date(value: datetime) -> str:
    # A naive datetime is taken as UTC, the project's convention for stored times.
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return f"Date: {format_datetime(aware)}"


def list_unsubscribe(url: str, one_click: bool) -> list[str]:
    check("list_unsubscribe_url", url)
    url = normalize_url(url)
    if any(c in url for c in "<>, ") or not re.match(r"(https?|mailto):", url, re.I):
        raise ValueError("list_unsubscribe_url must be one http(s) or mailto URL")
    lines = [f"List-Unsubscribe: <{url}>"]
    if one_click:
        # RFC 8058: one-click needs an https URL; a message never advertises a fake one (U5).
        if not url.lower().startswith("https://"):
            raise ValueError("one_click needs an https list_unsubscribe_url (RFC 8058)")
        lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    return lines


def list_id(value: str) -> str:
    check("list_id", value)
    match = _LIST_ID.fullmatch(value)
    phrase, ident = (match.group(1), match.group(2)) if match else ("", value)
    if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+", ident):
        raise ValueError("list_id must be like 'Name <list.example.com>'")
    if not phrase:
        return f"List-Id: <{ident}>"
    return f"{unstructured('List-Id', phrase, 'list_id')} <{ident}>"


def extra(index: int, name: str, value: str) -> str:
    field = f"extra_headers[{index}]"
    check(field, name)
    if not _FIELD_NAME.fullmatch(name):
        raise ValueError(f"{field} has an invalid header name")
    if name.lower() in RESERVED:
        raise ValueError(f"{field}: {name} is set by the renderer")
    check(field, value)
    return unstructured(name, value, field)
