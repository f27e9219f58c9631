"""Every message says whether and why it is measured, and carries the recipient's controls."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from consentmail.policy.types import Mode
from consentmail.render import Recipient, Tracking, compile_campaign, render_message

from .support import FIXTURES, PIXEL, envelope, parts, tracking

COMPILED = compile_campaign((FIXTURES / "plain.html").read_text(), subject="S")
ANN = Recipient("ann@example.org")


@pytest.mark.parametrize(("click", "open_"), [(c, o) for c in Mode for o in Mode])
def test_footer_links_are_never_tracked(click: Mode, open_: Mode) -> None:
    t = tracking(click, open_)
    text, html = parts(render_message(COMPILED, ANN, t, envelope()))
    tree = LexborHTMLParser(html)
    roles = {node.attributes["data-cm"]: node.attributes["href"] for node in tree.css("a[data-cm]")}
    expected = {"unsubscribe": t.unsubscribe_url, "preferences": t.preferences_url}
    if Mode.PERSONAL in (click, open_):
        expected["stop-tracking"] = t.stop_tracking_url
    assert roles == expected
    assert t.footer_reason in html and t.footer_reason in text
    assert (PIXEL in html) is (open_ is not Mode.NONE)
    assert html.index('data-cm="footer"') > html.index("a link")  # at the end (no </body> here)


def test_tracking_values_must_agree_with_the_modes() -> None:
    good = tracking(Mode.PERSONAL)
    fields = {name: getattr(good, name) for name in Tracking.__dataclass_fields__}
    bad_cases = [
        {"open_mode": Mode.NONE},  # a pixel URL without an open mode
        {"click_mode": Mode.NONE},
        {"pixel_url": None},
        {"pixel_url": "/o/relative.gif"},  # L11: absolute
        {"click_base": "javascript:x/"},
        {"stop_tracking_url": None},  # personal tracking needs its stop link (law 8)
        {"unsubscribe_url": "https://t.example.com/u/a b"},
    ]
    for change in bad_cases:
        with pytest.raises(ValueError):
            Tracking(**{**fields, **change})
    with pytest.raises(ValueError, match="stop_tracking_url"):
        tracking(Mode.AGGREGATE).__class__(
            **{**fields, "open_mode": Mode.AGGREGATE, "click_mode": Mode.AGGREGATE}
        )
