"""capture:// writes each message to <data_dir>/capture/<message id>.eml instead of sending it."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from consentmail.delivery.transport import Outgoing, SendResult


def capture_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "capture"


def captured(data_dir: Path) -> list[Path]:
    """Captured messages in outbox order (by message id)."""
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
        path = self.directory / f"{msg.message_id}.eml"
        # Write beside the target, then rename: a reader never sees a half-written file.
        tmp = self.directory / f".{msg.message_id}.{uuid.uuid4().hex}.tmp"
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
