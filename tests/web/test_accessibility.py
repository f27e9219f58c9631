"""WCAG AA for the recipient pages' palette: every text/background pair the stylesheet sets has
a contrast ratio of at least 4.5:1, and keyboard focus is visible."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BASE = (Path(__file__).resolve().parents[2] / "src/consentmail/web/templates/base.html").read_text()


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rule(selector: str) -> str:
    match = re.search(re.escape(selector) + r"\{([^}]*)\}", BASE)
    assert match, selector
    return match.group(1)


def _prop(selector: str, name: str) -> str:
    found = re.search(rf"(?:^|;){name}:(#[0-9a-fA-F]{{3,6}})", _rule(selector))
    assert found, (selector, name)
    return found.group(1)


PAGE_BG = _prop("body", "background")


@pytest.mark.parametrize(
    ("what", "foreground", "background"),
    [
        ("body text", _prop("body", "color"), PAGE_BG),
        ("links", _prop("a", "color"), PAGE_BG),
        ("notices", _prop(".notice", "color"), PAGE_BG),
        ("primary button", _prop("button", "color"), _prop("button", "background")),
        ("secondary button", _prop("button.secondary", "color"),
         _prop("button.secondary", "background")),
        ("current language", _prop(".langs a[aria-current]", "color"), PAGE_BG),
    ],
)
def test_contrast_is_at_least_aa(what: str, foreground: str, background: str) -> None:
    assert contrast(foreground, background) >= 4.5, what


def test_non_text_contrast_and_visible_focus() -> None:
    # WCAG 1.4.11: borders of controls and the focus ring need 3:1.
    border = re.search(r"fieldset\{border:1px solid (#[0-9a-f]{6})", BASE)
    assert border and contrast(border.group(1), PAGE_BG) >= 3
    focus = re.search(r":focus-visible\{outline:3px solid (#[0-9a-f]{6})", BASE)
    assert focus and contrast(focus.group(1), PAGE_BG) >= 3
    assert '<html lang="{{ lang' in BASE
