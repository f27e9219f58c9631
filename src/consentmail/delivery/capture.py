"""capture:// writes each message to <data_dir>/capture/<message id>.eml instead of sending it.

A message that is no outbox row (a hosted form's confirmation email, message_id -N for pending
signup N) is written as signup-N.eml: a name beginning with "-" reads as an option to ls and grep.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from consentmail.delivery.transport import Outgoing, SendResult


def capture_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "capture"


def capture_name(message_id: int) -> str:
    """The file name of a captured message: <outbox id>.eml, or signup-<pending id>.eml."""
    return f"signup-{-message_id}.eml" if message_id < 0 else f"{message_id}.eml"


def captured(data_dir: Path) -> list[Path]:
    """Captured outbox messages in outbox order (by message id); signup-N.eml are not among them."""
    folder = capture_dir(data_dir)
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob("*.eml") if p.stem.isdigit()]
    return sorted(files, key=lambda p: int(p.stem))


class CaptureTransport:
    def __init__(self, data_dir: Path) -> None:
        self.directory = capture_dir(data_dir)

    def __repr__(self) -> str:
        return f"CaptureTransport({str(self.directory)!r})"

    async def send(self, msg: Outgoing) -> SendResult:
        path = self.directory / capture_name(msg.message_id)
        # Write beside the target, then rename: a reader never sees a half-written file.
        tmp = self.directory / f".{path.stem}.{uuid.uuid4().hex}.tmp"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(msg.data)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return SendResult(False, False, f"capture failed: {exc.strerror or exc}")
        return SendResult(True, False, f"250 captured as {path.name}")

    async def aclose(self) -> None:
        return None
