"""What is tracked (L5) and how a URL is encoded once (L8)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentmail.render.urls import browser_clean, is_plain_url, is_trackable, normalize_url


@pytest.mark.parametrize(
    "url",
    [
        "mailto:info@example.com?subject=Hi&body=Test",
        "tel:+390612345",
        "sms:+331234",
        "#top",
        "cid:logo",
        "data:image/png;base64,AAAA",
        "/relative",
        "relative.html",
        "//cdn.example/x",
        "javascript:alert(1)",
        "https://",
        "*|UNSUB|*",
        "{{ action_url }}",
        "",
    ],
)
def test_never_tracked(url: str) -> None:
    assert not is_trackable(url)


@pytest.mark.parametrize(
    "url", ["https://a.example", "HTTP://A.EXAMPLE/x", "https://{{ contact.host }}/x"]
)
def test_tracked(url: str) -> None:
    assert is_trackable(url)


def test_l8_encodes_non_ascii_once_and_keeps_existing_escapes() -> None:
    url = "https://intranet.example/Freigegebene Dokumente/Übersicht.pdf?ä=1"
    expected = "https://intranet.example/Freigegebene%20Dokumente/%C3%9Cbersicht.pdf?%C3%A4=1"
    assert normalize_url(url) == expected
    assert normalize_url(expected) == expected
    assert normalize_url("https://a.example/%7E%zz 100%") == "https://a.example/%7E%zz%20100%"


def test_l1_and_l6_are_kept_byte_for_byte() -> None:
    for url in (
        "https://shop.example/search?q=campus&f[0]=themes:2&f[1]=themes:1706",
        "https://news.example/sites/story/#4e9332a5",
    ):
        assert normalize_url(url) == url


def test_idn_host_becomes_punycode() -> None:
    assert normalize_url("https://bücher.example/ä") == "https://xn--bcher-kva.example/%C3%A4"


def test_merge_fields_are_left_for_later() -> None:
    url = "https://app.example/ä?first={{ contact.first_name }}"
    assert normalize_url(url) == "https://app.example/%C3%A4?first={{ contact.first_name }}"


def test_browser_clean_drops_what_browsers_drop() -> None:
    assert browser_clean(" \n https://a.example/x\ny\t \x01") == "https://a.example/xy"


def test_plain_url() -> None:
    assert is_plain_url("https://t.example.com/c/AbC-_1/")
    assert not is_plain_url("https://t.example.com/a b")
    assert not is_plain_url('https://t.example.com/"')
    assert not is_plain_url("javascript:x")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_normalize_is_idempotent_and_ascii(tail: str) -> None:
    once = normalize_url("https://a.example/" + tail)
    assert normalize_url(once) == once
    assert once.isascii() and " " not in once
