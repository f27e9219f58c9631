"""DKIM signing (RFC 6376) of a rendered message, with dkimpy. Pure: bytes in, bytes out.

The signature covers the headers that identify the message and its unsubscribe offer; RFC 8058
one-click needs List-Unsubscribe and List-Unsubscribe-Post covered (R22). Only headers present
in the message are listed in h=, so a message without List-Unsubscribe (transactional mail, U5)
is signed as what it is.
"""

from __future__ import annotations

import re

import dkim
from dkim.crypto import UnparsableKeyError, parse_pem_private_key

SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
    "MIME-Version",
    "Content-Type",
)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:", re.MULTILINE)


class DkimError(ValueError):
    """The key or the domain/selector cannot produce a signature."""


def present_headers(data: bytes) -> list[str]:
    """The SIGNED_HEADERS found in the message's header block, in SIGNED_HEADERS order."""
    end = _HEADER_END.search(data)
    head = data[: end.start()] if end else data
    found = {m.group(1).decode("ascii").lower() for m in _FIELD.finditer(head)}
    return [name for name in SIGNED_HEADERS if name.lower() in found]


def check_key(private_key: bytes) -> None:
    """Raise DkimError unless ``private_key`` is a PEM RSA private key dkimpy can sign with."""
    try:
        parse_pem_private_key(private_key)
    except (UnparsableKeyError, ValueError, IndexError) as exc:
        raise DkimError(f"not a PEM RSA private key ({exc})") from None


def sign(data: bytes, selector: str, domain: str, private_key: bytes) -> bytes:
    """``data`` with a DKIM-Signature header prepended (rsa-sha256, c=relaxed/simple: our
    quoted-printable bodies have no trailing whitespace to relax, and simple costs nothing)."""
    headers = present_headers(data)
    if "From" not in headers:
        raise DkimError("a message without a From header cannot be DKIM-signed")
    try:
        signature = dkim.sign(
            data,
            selector.encode("ascii"),
            domain.encode("ascii"),
            private_key,
            canonicalize=(b"relaxed", b"simple"),
            include_headers=[h.encode("ascii") for h in headers],
        )
    except (dkim.DKIMException, UnicodeEncodeError) as exc:
        raise DkimError(f"DKIM signing failed: {exc}") from None
    return signature + data
