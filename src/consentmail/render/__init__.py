"""Rendering: templates compiled once per campaign and filled per recipient. Pure: no I/O.

compiled = compile_campaign(html, subject="News for {{ contact.first_name }}")
rendered = render_message(compiled, recipient, tracking, envelope)
"""

from __future__ import annotations

from .compile import CompiledCampaign, compile_campaign
from .errors import TemplateError
from .footer_words import FooterWords, footer_reason, footer_words
from .message import render_message
from .types import Envelope, LinkSlot, Recipient, Rendered, Tracking

__all__ = [
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
