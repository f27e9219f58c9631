"""Pick the transport from CONSENTMAIL_SMTP_URL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from consentmail.delivery.capture import CaptureTransport
from consentmail.delivery.maildir import MaildirTransport
from consentmail.delivery.smtp import SmtpTransport
from consentmail.delivery.transport import Transport

SCHEMES = ("capture", "maildir", "smtp", "smtps")


def transport_from_url(url: str, data_dir: Path, concurrency: int = 4) -> Transport:
    """capture:// | maildir:///path | smtp://[user:pass@]host:port[?starttls=1] | smtps://..."""
    # Errors name the scheme only: the URL may carry a password.
    scheme = urlsplit(url).scheme.lower()
    if scheme == "capture":
        return CaptureTransport(Path(data_dir))
    if scheme == "maildir":
        parts = urlsplit(url)
        where = unquote(parts.netloc + parts.path)
        return MaildirTransport(Path(where) if where else Path(data_dir) / "maildir")
    if scheme in ("smtp", "smtps"):
        return SmtpTransport.from_url(url, concurrency)
    raise ValueError(
        f"unknown transport scheme {scheme!r} in the SMTP URL; "
        "use capture://, maildir:///path, smtp://host:port or smtps://host:port"
    )
