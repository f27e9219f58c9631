"""Plain values the renderer takes and returns. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consentmail.policy.types import Mode

from .urls import is_plain_url


@dataclass(frozen=True, slots=True)
class LinkSlot:
    """A trackable http(s) link of a campaign, numbered in document order.

    ``url`` is the author's URL as a browser decodes it (entities, stray whitespace) and
    percent-encoded once (L8); merge fields, if any, are still unfilled.
    """

    index: int
    url: str
    has_merge_fields: bool


@dataclass(frozen=True, slots=True)
class Recipient:
    """Exposed to templates as ``{{ contact.email }}`` and ``{{ contact.<field> }}``; ``data``
    (a transactional message's JSON values) as ``{{ data.<key> }}``."""

    email: str
    fields: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracking:
    """What one recipient's message may carry, as the policy decided it (law 1: default deny)."""

    open_mode: Mode
    click_mode: Mode
    pixel_url: str | None
    click_base: str | None  # link i is tracked as click_base + str(i)
    unsubscribe_url: str
    preferences_url: str
    # The recipient's tracking choices (R13: in every message, separate from unsubscribe).
    # Required with personal tracking; None only for mail sent to no recipient page (the
    # double opt-in confirmation).
    stop_tracking_url: str | None
    footer_reason: str  # in `language`: footer_words.footer_reason
    # The recipient's language for the footer's labels ("de", "de-AT"; unknown: English).
    language: str = "en"
    # Mail to someone on no list yet (the double opt-in confirmation): the footer's links say
    # "cancel this request" and "review your choices", not "unsubscribe" and "preferences".
    before_subscription: bool = False

    def __post_init__(self) -> None:
        # Inconsistent values are a caller bug; failing loudly keeps law 1 and law 8 honest.
        _pair("pixel_url", self.pixel_url, "open_mode", self.open_mode)
        _pair("click_base", self.click_base, "click_mode", self.click_mode)
        personal = Mode.PERSONAL in (self.open_mode, self.click_mode)
        if personal and not self.stop_tracking_url:
            raise ValueError("stop_tracking_url is required when tracking is personal (law 8)")
        for name in ("unsubscribe_url", "preferences_url", "stop_tracking_url"):
            value = getattr(self, name)
            if value is not None and not is_plain_url(value):
                raise ValueError(f"{name} must be an absolute http(s) URL without spaces or quotes")


def _pair(url_name: str, url: str | None, mode_name: str, mode: Mode) -> None:
    if mode is Mode.NONE and url is not None:
        raise ValueError(f"{url_name} must be None when {mode_name} is none")
    if mode is not Mode.NONE and (url is None or not is_plain_url(url)):
        raise ValueError(f"{url_name} must be an absolute http(s) URL when {mode_name} is {mode}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """Per-message header values; every one is checked against header injection."""

    from_addr: str
    from_name: str | None
    to_addr: str
    to_name: str | None
    subject_override: str | None = None
    message_id: str
    date: datetime
    list_unsubscribe_url: str | None
    one_click: bool
    list_id: str | None = None
    extra_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Rendered:
    """The full RFC 5322 message (CRLF) and, for personal clicks on links with merge fields,
    the recipient's filled URL per link index: the click redirect must land there."""

    data: bytes
    personal_destinations: dict[int, str]
