"""The public surface of consentmail.render changes only on purpose."""

from __future__ import annotations

import consentmail.render as render


def test_exports() -> None:
    assert render.__all__ == sorted(render.__all__)
    assert render.__all__ == [
        "CompiledCampaign",
        "Envelope",
        "FooterWords",
        "LinkSlot",
        "Recipient",
        "Rendered",
        "TemplateError",
        "Tracking",
        "compile_campaign",
        "footer_reason",
        "footer_words",
        "render_message",
    ]
    for name in render.__all__:
        assert getattr(render, name) is not None
