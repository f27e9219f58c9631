"""What an input is: an email message, an HTML document, or something the audit cannot judge.

- An email message: a header block (after an optional mbox "From " line) whose fields include at
  least one message field (From, To, Subject, Date, Content-Type, ...). "name: value" lines alone,
  as in a YAML or a notes file, do not make a message.
- An HTML document (a message body saved on its own): text, not binary, whose first character
  after a BOM and blank space is "<", holding at least one HTML element (<html>, <p>, <a>, <img>,
  <table>, ...). XML other than XHTML (feeds, SVG) is not HTML.
- Anything else (empty, images, archives, PDFs, random bytes, CSV, plain text, JSON) is refused:
  reporting "no tracking" about a file that is no email would be a wrong answer, not a safe one.

The name only breaks ties: an .html file that is both is read as HTML, anything else as a message.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["message", "html"]

# Fields of RFC 5322 / RFC 2045 / RFC 2369 that only mail carries (in practice).
MESSAGE_FIELDS = frozenset({
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references",
    "reply-to", "sender", "return-path", "received", "delivered-to", "x-original-to",
    "mime-version", "content-type", "content-transfer-encoding", "dkim-signature",
    "list-unsubscribe", "list-unsubscribe-post", "list-id",
})
_FIELD = re.compile(rb"([!-9;-~]+)[ \t]*:")  # RFC 5322 field name (printable ASCII but ':')
_HEAD_LINES = 200  # header lines read at most
_HTML_ELEMENT = re.compile(
    r"<(?:!doctype\s+html|(?:html|head|body|table|tbody|thead|tfoot|tr|td|th|div|span|p|a|img"
    r"|br|hr|h[1-6]|ul|ol|li|dl|dt|dd|b|i|u|s|strong|em|small|font|center|blockquote|pre|code"
    r"|section|article|header|footer|main|nav|aside|figure|picture|button|form|input|label"
    r"|style|script|iframe|map|area|video|audio|caption|colgroup|col|sup|sub|tt|big)"
    r"(?=[\s/>]))",
    re.I,
)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old office document"),
)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


class NotAnEmail(ValueError):
    """The input is neither an email message nor an HTML document; ``str()`` says why."""

    def __init__(self, why: str) -> None:
        super().__init__(f"not an email message: {why}")
        self.why = why


def _utf16(data: bytes) -> bool:
    return data.startswith((b"\xff\xfe", b"\xfe\xff"))


def is_message(data: bytes) -> bool:
    """A header block with at least one message field."""
    lines = data.lstrip(b"\r\n")[: 256 * 1024].split(b"\n", _HEAD_LINES)[:_HEAD_LINES]
    if lines and lines[0].startswith(b"From "):  # mbox separator line
        lines = lines[1:]
    for i, line in enumerate(lines):
        line = line.rstrip(b"\r")
        if not line:
            return False  # end of the header block
        if line[:1] in (b" ", b"\t") and i:
            continue  # a folded field
        m = _FIELD.match(line)
        if m is None:
            return False
        if m.group(1).decode("ascii").lower() in MESSAGE_FIELDS:
            return True
    return False


def _text_start(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if _utf16(data):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8", errors="replace")


def is_html(data: bytes) -> bool:
    """Text starting with markup and holding an HTML element (XML: only XHTML)."""
    text = _text_start(data).lstrip()
    if not text.startswith("<"):
        return False
    if text[:5].lower() == "<?xml" or text[:4].lower() == "<svg":
        return re.search(r"<html[\s>]", text, re.I) is not None
    return _HTML_ELEMENT.search(text) is not None


def _binary(data: bytes) -> str | None:
    """What the bytes look like when they are not text, else None."""
    for magic, what in _SIGNATURES:
        if data.startswith(magic):
            return what
    head = data[:4096]
    if _utf16(head):
        return None
    controls = sum(head.count(c) for c in _CONTROL)
    return "binary data" if b"\x00" in head or controls * 100 > len(head) else None


def sniff(data: bytes, name: str = "") -> Kind:
    """'message' or 'html', or NotAnEmail naming the problem."""
    message, html = is_message(data), is_html(data)
    if message and html:
        return "html" if name.lower().endswith((".html", ".htm")) else "message"
    if message:
        return "message"
    if html:
        return "html"
    if not data.strip():
        raise NotAnEmail("the file is empty")
    binary = _binary(data)
    if binary is not None:
        raise NotAnEmail(f"it looks like {binary}")
    text = _text_start(data).lstrip()[:5].lower()
    if text.startswith("<?xml"):
        raise NotAnEmail("it is an XML document, not HTML")
    if text.startswith("<svg"):
        raise NotAnEmail("it looks like an SVG image")
    if text.startswith("<"):
        raise NotAnEmail("markup but no HTML element (<html>, <body>, <p>, <a>, <img>...)")
    raise NotAnEmail(
        "no message headers (From, To, Subject, Date, Content-Type...) and no HTML markup"
    )
