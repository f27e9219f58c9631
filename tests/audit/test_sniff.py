"""What the audit accepts: an email message or an HTML document. Anything else is refused with the
reason, never reported as "no tracking"."""

from __future__ import annotations

import base64
import random

import pytest

from consentmail.audit import NotAnEmail, audit_bytes
from consentmail.audit.sniff import sniff
from tests.audit.helpers import OWN
from tests.conftest import FIXTURES, shared_path

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)
PIXEL = b'<img src="https://t.example/o.gif" width="1" height="1">'


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("empty.eml", b"", "the file is empty"),
        ("blank.html", b"\r\n  \n", "the file is empty"),
        ("logo.png", PNG, "a PNG image"),
        ("scan.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        ("export.xlsx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(64), "a ZIP archive"),
        ("random.bin", bytes(range(256)) * 8, "binary data"),
        ("notes.txt", b"Hello Ann,\nsee you on Monday.\n", "no message headers"),
        ("contacts.csv", b"email,first_name\nann@example.org,Ann\n", "no message headers"),
        ("data.json", b'{"subject": "x", "html": "<p>x</p>"}', "no message headers"),
        ("config.yml", b"name: demo\nversion: 2\n\nbody: text\n", "no message headers"),
        ("feed.xml", b'<?xml version="1.0"?><rss><channel><title>x</title><link>https://x/'
         b"</link></channel></rss>", "XML document"),
        ("icon.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><a href="https://x/">x</a></svg>',
         "SVG image"),
        ("tags.txt", b"<foo><bar/></foo>", "no HTML element"),
    ],
)
def test_what_is_no_email_is_refused_with_the_reason(name: str, data: bytes, why: str) -> None:
    with pytest.raises(NotAnEmail, match="^not an email message: ") as caught:
        audit_bytes(data, source=name)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("body.html", b"<p>Hello</p>", "html"),
        ("upload", b"\n  <!DOCTYPE html><html><body>" + PIXEL, "html"),
        ("x.eml", b"<table><tr><td>" + PIXEL, "html"),  # the content decides, not the name
        ("bom.html", b"\xef\xbb\xbf<html><body>Hi</body></html>", "html"),
        ("utf16.html", "\ufeff<html><body>Hi</body></html>".encode("utf-16-le"), "html"),
        ("page.xhtml", b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
         b"<body><p>x</p></body></html>", "html"),
        ("x.html", b"Subject: hi\r\nContent-Type: text/html\r\n\r\n" + PIXEL, "message"),
        ("headers-only.eml", b"Subject: x\r\n", "message"),
        ("mbox", b"From news@example.com Tue Mar  3 10:00:00 2026\nFrom: news@example.com\n"
         b"Content-Type: text/html\n\n" + PIXEL, "message"),
        ("folded.eml", b"X-Mailer: a\n b\nReceived: from x\n\tby y\n\nbody", "message"),
    ],
)
def test_messages_and_html_documents_are_accepted(name: str, data: bytes, kind: str) -> None:
    assert sniff(data, name) == kind
    audit_bytes(data, source=name).to_dict()


def test_real_inputs_are_accepted_and_real_non_emails_refused() -> None:
    for path in (OWN / "newsletter.u1.eml", FIXTURES / "render" / "plain.html"):
        audit_bytes(path.read_bytes(), source=path.name)
    for parts in (("corpus", "contacts", "crm-export-300.csv"),
                  ("corpus", "trackers", "trocker_lists.json"),
                  ("corpus", "conformance", "isemail_tests.xml")):
        path = shared_path(*parts)
        with pytest.raises(NotAnEmail):
            audit_bytes(path.read_bytes(), source=path.name)


def test_random_bytes_are_never_taken_for_an_email() -> None:
    rng = random.Random(13)
    for _ in range(50):
        with pytest.raises(NotAnEmail, match="binary data"):
            audit_bytes(rng.randbytes(2048), source="upload")
