"""cases/links.md L1-L11, in the HTML and text parts, for every click mode.

"Where the reader lands" is judged independently: lexbor (a real HTML5 parser) decodes the
href a browser would follow; a tracked href lands on the redirect's destination.
"""

from __future__ import annotations

import re

import pytest
from selectolax.lexbor import LexborHTMLParser

from consentmail.policy.types import Mode
from consentmail.render import Recipient, compile_campaign, render_message
from consentmail.render.footer import html_footer
from consentmail.render.urls import normalize_url

from .support import CLICK, ENVELOPE, FIXTURES, PIXEL, parts, tracking

SOURCE = (FIXTURES / "links.html").read_text(encoding="utf-8")
ANN = Recipient("ann@example.org", {"first_name": "Zoë & Co"})
FILLED_L7 = "https://app.example/invite?first=Zo%C3%AB%20%26%20Co"
# (label in the text part or None, where the reader must land), in document order.
LANDING = [
    ("L1 search", "https://shop.example/search?q=campus&f[0]=themes:2&f[1]=themes:1706"),
    ("L2 entities", "https://www.example.com?foo=1&bar=2"),
    ("L3 map", "https://img.example/a.jpg?test=true&map_id=test"),
    ("L4 numeric", "https://encoded.example/?code=test"),
    ("L6 fragment", "https://news.example/sites/story/#4e9332a5"),
    ("L7 invite", FILLED_L7),
    ("L8 umlauts", "https://intranet.example/Freigegebene%20Dokumente/%C3%9Cbersicht.pdf?%C3%A4=1"),
    ("L9 home", "http://www.site.example"),
    ("L9 page", "http://www.site.example/somepath/page.html"),
    (None, "https://button.example/go?a=1&b=2"),  # VML in an Outlook conditional comment
    (None, "https://area.example/spot"),  # <area>
]
L7 = 5
NEVER_REWRITTEN = {
    "L5 mail": "mailto:info@example.com?subject=Hi&body=Test",
    "L5 tel": "tel:+390612345",
    "L5 sms": "sms:+331234",
    "L5 top": "#top",
    "L5 cid": "cid:logo",
    "L5 data": "data:text/plain,hi",
    "L5 rel": "/relative/page",
}
COMPILED = compile_campaign(SOURCE, subject="Links", name="links")


def render(click: Mode, open_: Mode | None = None) -> tuple[str, str, dict[int, str]]:
    rendered = render_message(COMPILED, ANN, tracking(click, open_), ENVELOPE)
    text, html = parts(rendered)
    return text, html, rendered.personal_destinations


def hrefs(html: str) -> dict[str, str]:
    """label -> href, as a browser decodes it."""
    tree = LexborHTMLParser(html)
    return {node.text(): node.attributes["href"] or "" for node in tree.css("a[href], area[href]")}


def vml_href(html: str) -> str:
    match = re.search(r'<v:roundrect [^>]*href="[^"]*"', html)
    assert match is not None  # lexbor does not parse inside comments: decode the tag alone
    node = LexborHTMLParser(match.group(0) + ">").css_first("v\\:roundrect")
    assert node is not None
    return node.attributes["href"] or ""


def landing(href: str, index: int, destinations: dict[int, str]) -> str:
    """Where a click on this href ends: the redirect target when tracked, else the URL itself."""
    if href == f"{CLICK}{index}":
        link = COMPILED.links[index]
        return destinations[index] if link.has_merge_fields else link.url
    return normalize_url(href)  # what the browser requests (L8: it percent-encodes too)


def test_links_are_found_in_document_order_with_browser_decoding() -> None:
    expected = [url for _, url in LANDING]
    expected[L7] = "https://app.example/invite?first={{ contact.first_name|urlencode }}"
    assert [link.url for link in COMPILED.links] == expected
    assert [link.index for link in COMPILED.links] == list(range(len(LANDING)))
    assert COMPILED.links_with_recipient_data == (COMPILED.links[L7],)


@pytest.mark.parametrize("mode", list(Mode))
def test_every_link_lands_on_the_authors_url(mode: Mode) -> None:
    text, html, destinations = render(mode)
    found = hrefs(html)
    for index, (label, url) in enumerate(LANDING):
        href = found[label] if label else vml_href(html) if index == 9 else found[""]
        assert landing(href, index, destinations) == url, label
        tracked = mode is Mode.PERSONAL or (mode is Mode.AGGREGATE and index != L7)
        assert (href == f"{CLICK}{index}") is tracked, label
        if label:  # L10: the text part follows the same mode
            shown = f"{CLICK}{index}" if tracked else url
            assert f"{label} ({shown})" in text


@pytest.mark.parametrize("mode", list(Mode))
def test_l5_links_are_never_rewritten(mode: Mode) -> None:
    text, html, _ = render(mode)
    found = hrefs(html)
    for label, href in NEVER_REWRITTEN.items():
        assert found[label] == href
    assert "L5 mail (mailto:info@example.com?subject=Hi&body=Test)" in text
    assert "L5 top (" not in text and "L5 rel (" not in text  # nothing to follow in plain text


def test_l7_personal_destination_is_the_recipients_filled_url() -> None:
    _, _, destinations = render(Mode.PERSONAL)
    assert destinations == {L7: FILLED_L7}
    for mode in (Mode.AGGREGATE, Mode.NONE):
        assert render(mode)[2] == {}


def test_l9_two_links_two_slots() -> None:
    _, html, _ = render(Mode.PERSONAL)
    found = hrefs(html)
    assert found["L9 home"] != found["L9 page"]


@pytest.mark.parametrize("open_", list(Mode))
def test_l11_pixel_is_absolute_visible_and_just_before_body_end(open_: Mode) -> None:
    text, html, _ = render(Mode.NONE, open_)
    pixel = re.search(r"<img [^>]*" + re.escape(PIXEL) + r"[^>]*>", html)
    if open_ is Mode.NONE:
        assert pixel is None and PIXEL not in html
        return
    assert pixel is not None
    tag = pixel.group(0)
    assert tag.startswith(f'<img src="{PIXEL}" width="1" height="1" alt="" style="')
    assert "display:none" not in tag.replace(" ", "")
    assert "visibility:hidden" not in tag.replace(" ", "")
    assert html[pixel.end() :].startswith("</body>")
    assert PIXEL not in text  # L10: the pixel exists only in HTML


def test_untracked_html_is_the_authors_markup_byte_for_byte() -> None:
    _, html, _ = render(Mode.NONE)
    expected = (
        SOURCE.replace("{{ contact.first_name }}", "Zoë &amp; Co")
        .replace("{{ contact.first_name|urlencode }}", "Zo%C3%AB%20%26%20Co")
        .replace("</body>", html_footer(tracking(Mode.NONE)) + "</body>")
    )
    assert html == expected


def test_tracked_html_changes_only_the_link_targets() -> None:
    _, html, _ = render(Mode.PERSONAL)
    expected = SOURCE.replace("{{ contact.first_name }}", "Zoë &amp; Co")
    for index, raw in enumerate(re.findall(r"""href=["']((?:https?://)[^"']*)""", SOURCE)):
        expected = expected.replace(raw, f"{CLICK}{index}", 1)
    expected = expected.replace("</body>", html_footer(tracking(Mode.PERSONAL)) + "</body>")
    assert html == expected
