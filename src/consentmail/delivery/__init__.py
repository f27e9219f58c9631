"""Delivery: the outbox, the worker and the transports (SMTP, capture, maildir)."""

from consentmail.delivery.capture import CaptureTransport, captured
from consentmail.delivery.factory import transport_from_url
from consentmail.delivery.maildir import MaildirTransport
from consentmail.delivery.outbox import (
    claim,
    finish_campaigns,
    mark_failed,
    mark_retry,
    mark_sent,
    pending,
    requeue_stale,
)
from consentmail.delivery.smtp import SmtpConfig, SmtpTransport
from consentmail.delivery.transport import Outgoing, SendResult, Transport
from consentmail.delivery.worker import Builder, BuildFailure, RunStats, Worker

__all__ = [
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
