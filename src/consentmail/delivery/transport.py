"""The one transport seam: every way out of the worker (SMTP, capture, maildir) is a Transport."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A fully rendered message and its envelope, ready for the wire."""

    message_id: int  # the outbox row id, never sent to the server
    sender: str  # envelope MAIL FROM (the bounce address)
    recipients: tuple[str, ...]  # envelope RCPT TO
    data: bytes  # RFC 5322 message, headers and body
    # The envelope or headers carry UTF-8 (an internationalised local part): RFC 6531 is needed.
    needs_smtputf8: bool = False


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool  # the server took responsibility for the message
    permanent: bool  # when not ok: retrying cannot help (5xx about this recipient or content)
    reply: str  # the server's reply (or what went wrong), stored on the message row
    # When not ok: our relay cannot carry this message (it lacks an extension the address needs,
    # e.g. SMTPUTF8). Final, but says nothing about the address: failed, never a bounce, and
    # the contact is not suppressed.
    relay_limitation: bool = False


class Transport(Protocol):
    async def send(self, msg: Outgoing) -> SendResult:
        """Deliver one message. Never raises for delivery problems: they are SendResults."""
        ...

    async def aclose(self) -> None:
        """Release connections and files; the transport is not used afterwards."""
        ...
