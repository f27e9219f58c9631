"""capture:// and maildir:// transports, and choosing a transport from its URL."""

from __future__ import annotations

import asyncio
import mailbox
from pathlib import Path

import pytest

from consentmail.delivery import (
    CaptureTransport,
    MaildirTransport,
    Outgoing,
    SendResult,
    SmtpTransport,
    Transport,
    captured,
    transport_from_url,
)
from tests.delivery.support import render


def send(transport: Transport, *messages: Outgoing) -> list[SendResult]:
    async def go() -> list[SendResult]:
        try:
            return [await transport.send(m) for m in messages]
        finally:
            await transport.aclose()

    return asyncio.run(go())


def test_capture_writes_one_eml_per_message_viewable_later(tmp_path: Path) -> None:
    messages = [render(i, f"u{i}@example.test") for i in (10, 2, 1)]
    results = send(CaptureTransport(tmp_path), *messages)
    assert all(r.ok for r in results)
    files = captured(tmp_path)
    assert [p.name for p in files] == ["1.eml", "2.eml", "10.eml"]  # outbox order
    assert (tmp_path / "capture" / "10.eml").read_bytes() == messages[0].data
    assert not list((tmp_path / "capture").glob(".*"))  # no temporary files left behind


def test_capture_names_a_signup_confirmation_without_a_leading_dash(tmp_path: Path) -> None:
    """A hosted form's confirmation is no outbox row: message_id -N (pending signup N)."""
    confirmation, campaign_mail = render(-1, "new@example.test"), render(1, "u1@example.test")
    results = send(CaptureTransport(tmp_path), confirmation, campaign_mail)
    assert [r.reply for r in results] == ["250 captured as signup-1.eml", "250 captured as 1.eml"]
    assert sorted(p.name for p in (tmp_path / "capture").iterdir()) == ["1.eml", "signup-1.eml"]
    assert (tmp_path / "capture" / "signup-1.eml").read_bytes() == confirmation.data
    assert [p.name for p in captured(tmp_path)] == ["1.eml"]  # outbox messages only


def test_capture_rewrite_replaces_the_file_whole(tmp_path: Path) -> None:
    first, second = render(5, "a@example.test"), render(5, "b@example.test")
    send(CaptureTransport(tmp_path), first, second)
    assert captured(tmp_path)[0].read_bytes() == second.data


def test_capture_failure_is_a_transient_result(tmp_path: Path) -> None:
    (tmp_path / "capture").write_text("a file where the folder should be")
    [result] = send(CaptureTransport(tmp_path), render(1, "a@example.test"))
    assert not result.ok and not result.permanent and "capture failed" in result.reply
    assert captured(tmp_path / "nowhere") == []


def test_maildir_delivers_intact_messages(tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    messages = [render(i, f"u{i}@example.test") for i in range(3)]
    assert all(r.ok for r in send(MaildirTransport(box), *messages))
    stored = sorted(bytes(m) for m in mailbox.Maildir(box, create=False))  # type: ignore[arg-type]
    # Maildir files use local line endings; the bytes are otherwise the message's.
    assert stored == sorted(m.data.replace(b"\r\n", b"\n") for m in messages)
    assert len(list((box / "new").iterdir())) == 3 and not list((box / "tmp").iterdir())


def test_transport_from_url(tmp_path: Path) -> None:
    capture = transport_from_url("capture://", tmp_path)
    assert isinstance(capture, CaptureTransport) and capture.directory == tmp_path / "capture"
    maildir = transport_from_url(f"maildir://{tmp_path}/box", tmp_path)
    assert isinstance(maildir, MaildirTransport) and maildir.path == tmp_path / "box"
    default_box = transport_from_url("maildir://", tmp_path)
    assert isinstance(default_box, MaildirTransport)
    assert default_box.path == tmp_path / "maildir"
    smtp = transport_from_url("smtp://u:hunter2@mail.test:2525?starttls=1", tmp_path, 8)
    assert isinstance(smtp, SmtpTransport) and smtp.concurrency == 8
    assert "hunter2" not in repr(smtp)
    assert isinstance(transport_from_url("smtps://mail.test", tmp_path), SmtpTransport)


def test_unknown_scheme_is_a_clear_error_without_the_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown transport scheme 'ftp'") as err:
        transport_from_url("ftp://user:hunter2@example.test", tmp_path)
    assert "hunter2" not in str(err.value)
