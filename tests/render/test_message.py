"""The MIME message: structure, headers (U4, U5), RFC 2047, and no header injection."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentmail.policy.types import Mode
from consentmail.render import Recipient, compile_campaign, render_message
from consentmail.render.footer import html_footer, text_footer

from .support import FIXTURES, envelope, parse, parts, tracking

SOURCE = (FIXTURES / "links.html").read_text(encoding="utf-8")
COMPILED = compile_campaign(SOURCE, subject="Hello {{ contact.first_name }}", name="links")
ANN = Recipient("ann@example.org", {"first_name": "Ann"})


def render(**changes: object) -> bytes:
    return render_message(COMPILED, ANN, tracking(Mode.PERSONAL), envelope(**changes)).data


def test_structure_is_multipart_alternative_text_then_html() -> None:
    message = parse(render_message(COMPILED, ANN, tracking(Mode.PERSONAL), envelope()))
    assert message.get_content_type() == "multipart/alternative"
    assert message.defects == []
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    for part in message.iter_parts():
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.defects == []


def test_lines_are_crlf_and_short() -> None:
    data = render()
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert max(len(line) for line in data.split(b"\r\n")) <= 78
    assert data.isascii()


def test_decoded_parts_are_what_we_meant() -> None:
    t = tracking(Mode.NONE)
    text, html = parts(render_message(COMPILED, ANN, t, envelope()))
    assert html.startswith(SOURCE.split("{{")[0])
    assert html.endswith(html_footer(t) + "</body>\n</html>\n")
    assert text.startswith("Hello Ann,\n\nL1 search (https://shop.example/search?q=campus")
    assert text.endswith(text_footer(t))


def test_headers() -> None:
    message = parse(render_message(COMPILED, ANN, tracking(Mode.PERSONAL), envelope()))
    assert message["From"] == "Example News <news@example.com>"
    assert message["To"] == "Ann <ann@example.org>"
    assert message["Subject"] == "Hello Ann"
    assert message["Message-ID"] == "<m1@example.com>"
    assert message["Date"] == "Fri, 01 May 2026 09:30:00 +0000"
    assert message["MIME-Version"] == "1.0"
    assert message["List-Unsubscribe"] == "<https://t.example.com/u/UNSUB>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "List-Id" not in message


def test_u5_no_list_no_list_unsubscribe() -> None:
    data = render(list_unsubscribe_url=None, one_click=False)
    assert b"List-Unsubscribe" not in data
    with pytest.raises(ValueError, match="one_click"):
        render(list_unsubscribe_url=None, one_click=True)  # never a fake one-click


def test_one_click_needs_https_and_is_optional() -> None:
    with pytest.raises(ValueError, match="https"):
        render(list_unsubscribe_url="http://t.example.com/u/X", one_click=True)
    data = render(list_unsubscribe_url="mailto:unsub@example.com", one_click=False)
    assert b"List-Unsubscribe: <mailto:unsub@example.com>\r\n" in data
    assert b"List-Unsubscribe-Post" not in data


def test_list_id_and_extra_headers() -> None:
    message = parse(
        render_message(
            COMPILED,
            ANN,
            tracking(Mode.NONE),
            envelope(
                list_id="Nachrichten für Sie <news.example.com>",
                extra_headers=(("X-Campaign", "42"),),
            ),
        )
    )
    assert message["List-Id"] == "Nachrichten für Sie <news.example.com>"
    assert message["X-Campaign"] == "42"
    with pytest.raises(ValueError, match=r"extra_headers\[0\]"):
        render(extra_headers=(("From", "x@example.com"),))
    with pytest.raises(ValueError, match=r"extra_headers\[0\]"):
        render(extra_headers=(("Bad Name", "x"),))


def test_non_ascii_names_are_encoded_addresses_intact() -> None:
    data = render(from_name="Zoë Nachrichten", to_name="Ånn Ötzi")
    message = parse(
        render_message(COMPILED, ANN, tracking(Mode.NONE), envelope(from_name="Zoë Nachrichten"))
    )
    assert message["From"].addresses[0].display_name == "Zoë Nachrichten"
    assert message["From"].addresses[0].addr_spec == "news@example.com"
    assert re.search(rb"From: =\?utf-8\?[bq]\?.*<news@example\.com>\r\n", data)


def test_idn_domains_become_a_labels() -> None:
    message = parse(
        render_message(COMPILED, ANN, tracking(Mode.NONE), envelope(to_addr="ann@bücher.example"))
    )
    assert message["To"].addresses[0].addr_spec == "ann@xn--bcher-kva.example"


def test_naive_date_is_utc() -> None:
    assert b"Date: Fri, 01 May 2026 09:30:00 +0000\r\n" in render(date=datetime(2026, 5, 1, 9, 30))


INJECTIONS = [
    "evil\r\nBcc: victim@example.com",
    "evil\nBcc: x@example.com",
    "evil\rX: y",
    "evil\x00",
]


@pytest.mark.parametrize("bad", INJECTIONS)
@pytest.mark.parametrize(
    "field",
    [
        "from_addr",
        "from_name",
        "to_addr",
        "to_name",
        "subject_override",
        "message_id",
        "list_unsubscribe_url",
        "list_id",
    ],
)
def test_header_injection_is_refused_naming_the_field(field: str, bad: str) -> None:
    with pytest.raises(ValueError, match=field):
        render(**{field: bad})


@pytest.mark.parametrize("bad", INJECTIONS)
def test_injection_through_extra_headers_and_merge_fields(bad: str) -> None:
    with pytest.raises(ValueError, match=r"extra_headers\[0\]"):
        render(extra_headers=(("X-Note", bad),))
    with pytest.raises(ValueError, match=r"extra_headers\[0\]"):
        render(extra_headers=((bad, "x"),))
    # The subject's merge field comes from contact data: the rendered subject is checked too.
    # (NUL never gets that far: it is our slot separator, dropped from every field value.)
    evil = Recipient("ann@example.org", {"first_name": bad})
    if "\x00" in bad:
        assert (
            parse(render_message(COMPILED, evil, tracking(Mode.NONE), envelope()))["Subject"]
            == "Hello evil"
        )
        return
    with pytest.raises(ValueError, match="subject"):
        render_message(COMPILED, evil, tracking(Mode.NONE), envelope())


@pytest.mark.parametrize(
    "bad",
    [
        "a@example.com, b@example.com",
        "a@example.com>",
        "<a@example.com",
        "no-at-sign",
        "a b@example.com",
    ],
)
def test_an_address_field_holds_one_plain_address(bad: str) -> None:
    with pytest.raises(ValueError, match="to_addr"):
        render(to_addr=bad)


HEADER_TEXT = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=120)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@settings(max_examples=60, deadline=None)
@given(subject=HEADER_TEXT, name=HEADER_TEXT)
def test_any_subject_and_display_name_read_back_exactly(subject: str, name: str) -> None:
    message = parse(
        render_message(
            COMPILED, ANN, tracking(Mode.NONE), envelope(subject_override=subject, from_name=name)
        )
    )
    assert message["Subject"] == subject
    assert message["From"].addresses[0].display_name == name
    assert message["From"].addresses[0].addr_spec == "news@example.com"
