"""The text/plain part: generated from the HTML once, or the author's own, links in both (L10)."""

from __future__ import annotations

from consentmail.policy.types import Mode
from consentmail.render import Recipient, compile_campaign, render_message

from .support import CLICK, envelope, parts, tracking

ANN = Recipient("ann@example.org", {"first_name": "Ann"})


def text_of(html: str, mode: Mode = Mode.NONE, text: str | None = None) -> str:
    compiled = compile_campaign(html, subject="S", text=text)
    return parts(render_message(compiled, ANN, tracking(mode), envelope()))[0]


def test_generated_text_reads_like_the_page() -> None:
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<script>var x = 1;</script><h1>Hello   {{ contact.first_name }}&nbsp;&amp; co</h1>"
        "<p>Read <a href='https://a.example/x'>the   story</a> or "
        "<a href='https://b.example/'><img src='b.png' alt='our logo'></a>.<br>Bye</p>"
        "<ul><li>one</li><li>two</li></ul><p><a href='mailto:x@example.com'>x@example.com</a> "
        "<a href='#top'>top</a> <a href='https://c.example/'>https://c.example/</a></p>"
        "<!--[if mso]><p>outlook only</p><![endif]--></body></html>"
    )
    text = text_of(html)
    body = text.split("\n\nWe count")[0]
    assert body == (
        "Hello Ann & co\n\n"
        "Read the story (https://a.example/x) or our logo (https://b.example/).\nBye\n\n"
        "- one\n- two\n\n"
        "x@example.com (mailto:x@example.com) top https://c.example/"
    )


def test_generated_text_follows_the_click_mode() -> None:
    html = "<p><a href='https://a.example/x'>story</a></p>"
    assert text_of(html, Mode.PERSONAL).startswith(f"story ({CLICK}0)\n")
    assert text_of(html, Mode.AGGREGATE).startswith(f"story ({CLICK}0)\n")
    assert text_of(html, Mode.NONE).startswith("story (https://a.example/x)\n")


def test_authors_text_gets_its_links_tracked_and_fields_filled() -> None:
    html = "<p><a href='https://a.example/x'>story</a></p>"
    text = (
        "Hi {{ contact.first_name }},\nread https://a.example/x.\n"
        "(see https://only-in-text.example/p?q=1) and <https://a.example/x>\n"
        "Yours: https://app.example/?u={{ contact.first_name }}"
    )
    compiled = compile_campaign(html, subject="S", text=text)
    assert [link.url for link in compiled.links] == [
        "https://a.example/x",
        "https://only-in-text.example/p?q=1",
        "https://app.example/?u={{ contact.first_name }}",
    ]
    rendered = render_message(compiled, ANN, tracking(Mode.PERSONAL), envelope())
    plain = parts(rendered)[0]
    assert plain.startswith(
        f"Hi Ann,\nread {CLICK}0.\n(see {CLICK}1) and <{CLICK}0>\nYours: {CLICK}2\n"
    )
    assert rendered.personal_destinations == {2: "https://app.example/?u=Ann"}
    plain = text_of(html, Mode.AGGREGATE, text)
    assert "Yours: https://app.example/?u=Ann\n" in plain  # L7: never aggregate-tracked


def test_footer_in_text() -> None:
    text = text_of("<p>x</p>", Mode.PERSONAL)
    assert text.endswith(
        "\nWe count opens and clicks per person because you agreed to it.\n\n"
        "Unsubscribe: https://t.example.com/u/UNSUB\n"
        "Stop tracking (keep receiving): https://t.example.com/s/STOP\n"
        "Preferences: https://t.example.com/p/PREFS\n"
    )
    aggregate = text_of("<p>x</p>", Mode.AGGREGATE)
    assert "Stop tracking" not in aggregate  # nothing personal to stop in this message
    assert "\nYour tracking choices: https://t.example.com/s/STOP\n" in aggregate  # R13
