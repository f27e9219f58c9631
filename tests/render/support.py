"""Helpers for render tests: tracking values per mode, an envelope, and reading a message back."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from consentmail.policy.types import Mode
from consentmail.render import Envelope, Rendered, Tracking

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "render"
CLICK = "https://t.example.com/c/TOKEN/"
PIXEL = "https://t.example.com/o/TOKEN.gif"


def tracking(click: Mode, open_: Mode | None = None) -> Tracking:
    open_mode = click if open_ is None else open_
    return Tracking(
        open_mode=open_mode,
        click_mode=click,
        pixel_url=None if open_mode is Mode.NONE else PIXEL,
        click_base=None if click is Mode.NONE else CLICK,
        unsubscribe_url="https://t.example.com/u/UNSUB",
        preferences_url="https://t.example.com/p/PREFS",
        stop_tracking_url="https://t.example.com/s/STOP",  # in every message (R13)
        footer_reason="We count opens and clicks per person because you agreed to it.",
    )


ENVELOPE = Envelope(
    from_addr="news@example.com",
    from_name="Example News",
    to_addr="ann@example.org",
    to_name="Ann",
    message_id="<m1@example.com>",
    date=datetime(2026, 5, 1, 9, 30, tzinfo=UTC),
    list_unsubscribe_url="https://t.example.com/u/UNSUB",
    one_click=True,
)


def envelope(**changes: object) -> Envelope:
    return replace(ENVELOPE, **changes)  # type: ignore[arg-type]


def parse(rendered: Rendered) -> EmailMessage:
    message = email.message_from_bytes(rendered.data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(rendered: Rendered) -> tuple[str, str]:
    """(text, html) as a mail client decodes them, with LF line ends."""
    message = parse(rendered)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return (
        text.get_content().replace("\r\n", "\n"),
        html.get_content().replace("\r\n", "\n"),
    )
