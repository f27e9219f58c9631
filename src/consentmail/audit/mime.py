"""Read what can be read from a message or an HTML file; note what could not.

MIME through the stdlib ``email`` package (policy=default). Never raises on bad input: malformed
structure, unknown charsets, binary or huge parts become notes. Attachments are not decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default

MAX_BODY = 10 * 1024 * 1024  # bytes of HTML/text audited; the rest is noted and skipped
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


@dataclass
class Parsed:
    """The readable parts of one input."""

    html: str | None = None
    text: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)  # raw (name, value), in order
    subject: str | None = None
    notes: list[str] = field(default_factory=list)


def decode_bytes(data: bytes, charset: str | None, what: str, notes: list[str]) -> str:
    """Bytes -> text with the declared charset, else UTF-8 with replacement (noted)."""
    if len(data) > MAX_BODY:
        notes.append(f"{what} is {len(data)} bytes: only the first {MAX_BODY} were audited")
        data = data[:MAX_BODY]
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.append(f"{what} looks binary (NUL bytes); read as UTF-8 with replacement")
    for enc in filter(None, [charset, "utf-8"]):
        try:
            return data.decode(enc)
        except LookupError:
            notes.append(f"unknown charset {enc!r} in {what}; read as UTF-8 with replacement")
        except UnicodeDecodeError:
            if enc == charset:
                notes.append(f"{what} is not valid {enc}; read as UTF-8 with replacement")
    return data.decode("utf-8", errors="replace").replace("\x00", "")


def read_html_file(data: bytes) -> Parsed:
    """A standalone HTML file: BOM, then <meta charset>, then UTF-8."""
    parsed = Parsed()
    charset = None
    if data.startswith(b"\xef\xbb\xbf"):
        data, charset = data[3:], "utf-8"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        charset = "utf-16"
    else:
        m = _META_CHARSET.search(data[:4096])
        charset = m.group(1).decode("ascii", "replace") if m else None
    parsed.html = decode_bytes(data, charset, "the HTML file", parsed.notes)
    return parsed


def _header(msg: Message, name: str, notes: list[str]) -> str | None:
    try:
        value = msg.get(name)
        return None if value is None else str(value)
    except Exception as exc:  # the header parser can fail on broken values
        notes.append(f"could not read the {name} header: {exc}")
        return None


def _part_text(part: Message, what: str, notes: list[str]) -> str | None:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        notes.append(f"could not decode the {what} part: {exc}")
        return None
    if not isinstance(payload, bytes):
        return None
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(payload, charset, f"the {what} part", notes)


def read_message(data: bytes) -> Parsed:
    """A MIME message: raw headers, the first HTML and text bodies, notes on the rest."""
    parsed = Parsed()
    notes = parsed.notes
    try:
        msg: EmailMessage = message_from_bytes(data, policy=default)  # type: ignore[assignment]
    except Exception as exc:
        notes.append(f"the message could not be parsed as MIME ({exc})")
        return parsed
    try:
        parsed.headers = [(k, str(v)) for k, v in msg.raw_items()]
    except Exception as exc:
        notes.append(f"could not read the headers: {exc}")
    parsed.subject = _header(msg, "Subject", notes)
    if not parsed.headers:
        notes.append("no headers found: is this really a message?")
    for defect in msg.defects[:5]:
        notes.append(f"MIME defect: {type(defect).__name__}")
    skipped = 0
    try:
        parts = list(msg.walk())
    except Exception as exc:
        notes.append(f"the MIME structure could not be walked ({exc}); top level only")
        parts = [msg]
    for part in parts:
        if part.is_multipart():
            continue
        try:
            ctype = part.get_content_type()
            attachment = part.get_content_disposition() == "attachment"
        except Exception as exc:
            notes.append(f"a part with an unreadable Content-Type was skipped ({exc})")
            continue
        if ctype == "text/html" and not attachment and parsed.html is None:
            parsed.html = _part_text(part, "HTML", notes)
        elif ctype == "text/plain" and not attachment and parsed.text is None:
            parsed.text = _part_text(part, "text", notes)
        elif ctype not in ("text/html", "text/plain") or attachment:
            skipped += 1
    if skipped:
        notes.append(f"{skipped} attachment(s) or other part(s) not audited")
    if parsed.html is None and parsed.text is None:
        notes.append("no readable HTML or text body")
    return parsed

