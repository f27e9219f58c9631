"""The public surface of consentmail.delivery: a change here is a deliberate change."""

from __future__ import annotations

import consentmail.delivery as delivery

EXPECTED = [
    "BuildFailure",
    "Builder",
    "CaptureTransport",
    "MaildirTransport",
    "Outgoing",
    "RunStats",
    "SendResult",
    "SmtpConfig",
    "SmtpTransport",
    "Transport",
    "Worker",
    "captured",
    "claim",
    "finish_campaigns",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "pending",
    "requeue_stale",
    "transport_from_url",
]


def test_exports() -> None:
    assert delivery.__all__ == EXPECTED == sorted(EXPECTED, key=str)
    for name in EXPECTED:
        assert getattr(delivery, name) is not None
