"""maildir:///path delivers into a local Maildir (stdlib mailbox), e.g. for a local IMAP server."""

from __future__ import annotations

import mailbox
from pathlib import Path

from consentmail.delivery.transport import Outgoing, SendResult


class MaildirTransport:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._box: mailbox.Maildir | None = None

    def __repr__(self) -> str:
        return f"MaildirTransport({str(self.path)!r})"

    async def send(self, msg: Outgoing) -> SendResult:
        try:
            if self._box is None:
                self._box = mailbox.Maildir(self.path, create=True)
            # Maildir.add writes into tmp/ and renames into new/: atomic for readers.
            key = self._box.add(msg.data)
        except OSError as exc:
            return SendResult(False, False, f"maildir delivery failed: {exc.strerror or exc}")
        return SendResult(True, False, f"250 delivered to maildir as {key}")

    async def aclose(self) -> None:
        self._box = None
