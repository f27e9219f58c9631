"""What every message ends with: why it is (or is not) measured, and the recipient's controls.

The controls: unsubscribe, the tracking choices (R13: a link of its own, separate from
unsubscribe, in every message, whatever is measured: "Stop tracking" when the message measures
the recipient personally, "Your tracking choices" when it measures nothing personal, so the page
where personal tracking can be refused for good is always one click away), preferences.
Footer links are never click-tracked (law 8: stopping tracking must not itself be tracked).
The open pixel, when the policy allows one, is visible to proxies: 1x1, never hidden (L11).
Labels are in the recipient's language (Tracking.language, footer_words.py), escaped once per
language; per message only the URLs are escaped.
"""

from __future__ import annotations

from html import escape

from consentmail.policy.types import Mode

from .footer_words import WORDS, footer_words
from .types import Tracking

_STYLE = (
    "font-family:Arial,Helvetica,sans-serif;font-size:12px;line-height:18px;"
    "color:#666666;text-align:center;padding:16px;"
)
_PIXEL_STYLE = "width:1px;height:1px;border:0;margin:0;padding:0;"


# The labels per language, as plain text and as HTML text (escaped once).
_NAMES = (
    "unsubscribe", "stop_tracking", "tracking_choices", "preferences", "cancel_request",
    "review_request",
)
_TEXT_LABELS = {lang: {n: getattr(words, n) for n in _NAMES} for lang, words in WORDS.items()}
_HTML_LABELS = {
    lang: {n: escape(label) for n, label in labels.items()} for lang, labels in _TEXT_LABELS.items()
}


def _controls(tracking: Tracking, labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """(data-cm value, label, URL) of the footer links, in order."""
    if tracking.before_subscription:  # no list yet: the way out is cancelling the request
        return [
            ("unsubscribe", labels["cancel_request"], tracking.unsubscribe_url),
            ("preferences", labels["review_request"], tracking.preferences_url),
        ]
    controls = [("unsubscribe", labels["unsubscribe"], tracking.unsubscribe_url)]
    if tracking.stop_tracking_url:
        personal = Mode.PERSONAL in (tracking.open_mode, tracking.click_mode)
        label = labels["stop_tracking"] if personal else labels["tracking_choices"]
        controls.append(("stop-tracking", label, tracking.stop_tracking_url))
    controls.append(("preferences", labels["preferences"], tracking.preferences_url))
    return controls


def html_footer(tracking: Tracking) -> str:
    lang = footer_words(tracking.language).language
    labels = _HTML_LABELS[lang]
    links = " | ".join(
        f'<a href="{escape(url)}" data-cm="{role}" style="color:#666666;">{label}</a>'
        for role, label, url in _controls(tracking, labels)
    )
    footer = (
        f'\n<div data-cm="footer" lang="{lang}" style="{_STYLE}">'
        f'<p style="margin:0 0 8px 0;">{escape(tracking.footer_reason)}</p>'
        f'<p style="margin:0;">{links}</p></div>\n'
    )
    if tracking.pixel_url:  # immediately before </body>
        footer += (
            f'<img src="{escape(tracking.pixel_url)}" width="1" height="1" alt="" '
            f'style="{_PIXEL_STYLE}">'
        )
    return footer


def text_footer(tracking: Tracking) -> str:
    labels = _TEXT_LABELS[footer_words(tracking.language).language]
    lines = [tracking.footer_reason, ""]
    lines += [f"{label}: {url}" for _, label, url in _controls(tracking, labels)]
    return "\n" + "\n".join(lines) + "\n"  # the text part ends with a newline already
