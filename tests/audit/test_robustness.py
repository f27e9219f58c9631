"""Garbage in: a report with what could be read and a note on the rest, never a traceback; input
that is no email at all (empty, binary) is refused with NotAnEmail (tests/audit/test_sniff.py)."""

from __future__ import annotations

import os
import random

import pytest

from consentmail.audit import NotAnEmail, audit_bytes, audit_html, audit_pair
from consentmail.audit.locate import SourceText

PIXEL = b'<img src="https://t.example/o.gif" width="1" height="1">'


def _eml(headers: bytes, body: bytes) -> bytes:
    return headers.replace(b"\n", b"\r\n") + b"\r\n" + body


@pytest.mark.parametrize(
    "data",
    [
        b"Subject: x\r\n",
        b"From: a\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n" + PIXEL,
        b"From: a\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all " + PIXEL,
        b"Content-Type: text/html; charset=x-no-such-charset\r\n\r\n" + PIXEL,
        b"Content-Type: text/html; charset=\"utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64!!!",
        b"Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n"
        + PIXEL,
        b"To: <<<@@@>>>, =?utf-8?q?broken\r\nSubject: =?bogus?x?zzz?=\r\n\r\n" + PIXEL,
        b"<html><body><img src='https://t.example/o.gif' width=1 height=1",
        b"<<<<>>>><img<img src=><a href=><style>@import url(</style><!-- never closed",
        b"\xef\xbb\xbf<html><img src=\"https://t.example/\xe9.gif\" width=1 height=1></html>",
        b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00",
    ],
)
def test_garbage_gives_a_report(data: bytes) -> None:
    for source in ("upload", "x.eml", "x.html"):
        report = audit_bytes(data, source=source)
        assert report.verdict.code in ("none", "individual", "aggregate")
        report.to_dict()


@pytest.mark.parametrize("data", [b"", b" \r\n\t", b"\x00\x01\x02\xff" * 500, os.urandom(4096)])
def test_no_email_at_all_is_refused(data: bytes) -> None:
    for source in ("upload", "x.eml", "x.html"):
        with pytest.raises(NotAnEmail):
            audit_bytes(data, source=source)


def test_unknown_charset_is_noted_and_body_still_audited() -> None:
    data = _eml(b"Content-Type: text/html; charset=x-no-such-charset\n", PIXEL)
    report = audit_bytes(data, source="x.eml")
    assert any("x-no-such-charset" in n for n in report.notes)
    assert [f.category for f in report.findings] == ["generic_pixel"]


def test_huge_binary_attachment_is_skipped_with_a_note() -> None:
    blob = os.urandom(1536 * 1024)
    import base64

    data = _eml(
        b'From: a@example.com\nContent-Type: multipart/mixed; boundary="B"\n',
        b"--B\r\nContent-Type: text/html\r\n\r\n" + PIXEL + b"\r\n--B\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        b'filename="x.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.encodebytes(blob) + b"\r\n--B--\r\n",
    )
    report = audit_bytes(data, source="x.eml")
    assert [f.category for f in report.findings] == ["generic_pixel"]
    assert any("attachment" in n for n in report.notes)


def test_message_without_html_reads_links_from_text() -> None:
    data = _eml(b"Content-Type: text/plain; charset=utf-8\n",
                b"Hi,\r\nsee https://t.example/r?url=https%3A%2F%2Fshop.example%2F.\r\n")
    report = audit_bytes(data, source="x.eml")
    (finding,) = report.findings
    assert finding.category == "tracked_link" and finding.line == 2
    assert finding.destination == "https://shop.example/"
    assert any("text body" in n for n in report.notes)


def test_message_without_any_body_is_noted() -> None:
    data = _eml(b"From: a@example.com\nContent-Type: image/png\n", b"\x89PNG....")
    report = audit_bytes(data, source="x.eml")
    assert any("no readable HTML or text body" in n for n in report.notes)
    assert report.verdict.code == "none"


def test_random_mutations_of_a_real_message_never_raise() -> None:
    from tests.audit.helpers import OWN

    base = (OWN / "newsletter.u1.eml").read_bytes()
    rng = random.Random(6)
    read = 0
    for _ in range(60):
        data = bytearray(base)
        for _ in range(rng.randrange(1, 30)):
            pos = rng.randrange(len(data))
            data[pos : pos + rng.randrange(1, 8)] = os.urandom(rng.randrange(0, 8))
        try:
            audit_bytes(bytes(data), source="x.eml").to_dict()
            read += 1
        except NotAnEmail:  # the header block itself was broken: refused, with a reason
            pass
    assert read > 50


def test_pair_of_unrelated_or_empty_copies() -> None:
    empty = audit_html("", source="a.html")
    report = audit_pair(empty, audit_html(PIXEL.decode()))
    assert report.personal_tokens == ()
    assert any("no counterpart" in n for n in report.notes)


def test_line_numbers_follow_occurrences() -> None:
    src = SourceText("a\nhttps://x/1?a=1&amp;b=2\nc https://x/1?a=1&amp;b=2\n")
    assert src.find_line("https://x/1?a=1&b=2") == 2
    assert src.find_line("https://x/1?a=1&b=2") == 3
    assert src.find_line("not there") is None


def test_evidence_lines_in_html() -> None:
    html = "<html>\n<body>\n<p>x</p>\n" + PIXEL.decode() + "\n<a href='https://t.example/r?url=https://s.example/'>s</a>\n"
    lines = [f.line for f in audit_html(html).findings]
    assert lines == [4, 5]
