"""SmtpTransport against a real aiosmtpd server on loopback."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from consentmail.delivery import Outgoing, SendResult, SmtpConfig, SmtpTransport
from tests.delivery.support import render
from tests.smtp_sink import SmtpSink

MakeSink = Callable[..., SmtpSink]


def send_all(url: str, messages: list[Outgoing], concurrency: int = 2) -> list[SendResult]:
    async def go() -> list[SendResult]:
        transport = SmtpTransport.from_url(url, concurrency)
        try:
            return list(await asyncio.gather(*(transport.send(m) for m in messages)))
        finally:
            await transport.aclose()

    return asyncio.run(go())


def test_message_and_envelope_arrive_intact(smtp_sink: SmtpSink) -> None:
    msg = render(7, "ada@example.test")
    [result] = send_all(smtp_sink.url, [msg])
    assert result.ok and result.reply.startswith("250")
    [got] = smtp_sink.received
    assert got.data == msg.data  # byte for byte, dot-stuffing undone by the server
    assert got.mail_from == msg.sender and got.rcpt_tos == msg.recipients
    assert got.message["Subject"] == "Message 7"
    assert got.message_id == "<m7@consentmail.test>"


def test_connections_are_pooled_and_reused(smtp_sink: SmtpSink) -> None:
    messages = [render(i, f"u{i}@example.test") for i in range(30)]
    assert all(r.ok for r in send_all(smtp_sink.url, messages, concurrency=3))
    assert len(smtp_sink.received) == 30
    assert 1 <= smtp_sink.connections <= 3


def test_reconnects_after_the_server_drops_idle_connections(smtp_sink: SmtpSink) -> None:
    async def go() -> tuple[SendResult, SendResult, int]:
        transport = SmtpTransport.from_url(smtp_sink.url, 1)
        first = await transport.send(render(1, "a@example.test"))
        smtp_sink.drop_connections()
        await asyncio.sleep(0.05)
        second = await transport.send(render(2, "b@example.test"))
        await transport.aclose()
        return first, second, transport.connections_opened

    first, second, opened = asyncio.run(go())
    assert first.ok and second.ok
    assert opened == 2
    assert smtp_sink.message_ids() == ["<m1@consentmail.test>", "<m2@consentmail.test>"]


@pytest.mark.parametrize(
    ("where", "reply", "permanent"),
    [
        ("rcpt", "451 4.3.0 greylisted, try later", False),
        ("rcpt", "550 5.1.1 no such user", True),
        ("data", "452 4.3.1 insufficient storage", False),
        ("data", "554 5.7.1 rejected as spam", True),
    ],
)
def test_refusals_are_transient_or_permanent_by_code(
    make_smtp_sink: MakeSink, where: str, reply: str, permanent: bool
) -> None:
    hook = {"on_rcpt": lambda _a: reply} if where == "rcpt" else {"on_data": lambda _r: reply}
    sink = make_smtp_sink(**hook)
    [result] = send_all(sink.url, [render(1, "x@example.test")], concurrency=1)
    assert not result.ok
    assert result.permanent is permanent
    assert result.reply == reply
    assert sink.received == []


def test_connection_survives_a_refusal(make_smtp_sink: MakeSink) -> None:
    sink = make_smtp_sink(on_rcpt=lambda a: "550 5.1.1 no such user" if "gone" in a else None)
    messages = [render(1, "gone@example.test"), render(2, "ok@example.test")]
    first, second = send_all(sink.url, messages, concurrency=1)
    assert first.permanent and second.ok
    assert sink.connections == 1  # RSET after the refusal, then the next message


def test_smtputf8_is_used_when_offered(smtp_sink: SmtpSink) -> None:
    msg = render(3, "jörg@exämple.test")
    assert msg.needs_smtputf8
    [result] = send_all(smtp_sink.url, [msg])
    assert result.ok
    [got] = smtp_sink.received
    assert "SMTPUTF8" in got.mail_options
    assert got.rcpt_tos == ("jörg@exämple.test",)
    assert got.data == msg.data


def test_smtputf8_needed_but_not_offered_is_our_relays_limitation_not_a_bounce(
    make_smtp_sink: MakeSink,
) -> None:
    # Changed on purpose (review C F5): it used to be a permanent failure, which the worker
    # turns into a bounce and a suppression of a perfectly good address.
    sink = make_smtp_sink(smtputf8=False)
    utf8, idna = send_all(
        sink.url, [render(1, "jörg@exämple.test"), render(2, "jorg@xn--exmple-cua.test")]
    )
    assert (utf8.ok, utf8.permanent, utf8.relay_limitation) == (False, False, True)
    assert utf8.reply == (
        "not sent: our SMTP relay does not offer SMTPUTF8, which this address (non-ASCII local "
        "part) needs; use a relay with SMTPUTF8 (the address was not refused)"
    )
    assert idna.ok  # the ASCII (IDNA) form needs no extension
    assert [r.rcpt_tos for r in sink.received] == [("jorg@xn--exmple-cua.test",)]


def test_an_idn_domain_goes_out_as_idna_when_the_local_part_is_ascii(
    make_smtp_sink: MakeSink,
) -> None:
    sink = make_smtp_sink(smtputf8=False)
    ascii_body = render(4, "jorg@xn--exmple-cua.test").data
    msg = Outgoing(4, "bounces@sender.test", ("jorg@exämple.test",), ascii_body)
    [result] = send_all(sink.url, [msg])
    assert result.ok
    [got] = sink.received
    assert got.rcpt_tos == ("jorg@xn--exmple-cua.test",)
    assert "SMTPUTF8" not in got.mail_options


def test_unreachable_server_is_transient() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    [result] = send_all(f"smtp://127.0.0.1:{port}?timeout=2", [render(1, "a@example.test")])
    assert not result.ok and not result.permanent
    assert result.reply.startswith("connection failed")


def test_auth_is_used_and_the_password_never_shows(
    make_smtp_sink: MakeSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sink = make_smtp_sink(auth=("mailer", "s3cr3t-pw"))
    good = f"smtp://mailer:s3cr3t-pw@127.0.0.1:{sink.port}"
    bad = f"smtp://mailer:wr0ng-pw@127.0.0.1:{sink.port}"
    [ok] = send_all(good, [render(1, "a@example.test")])
    [refused] = send_all(bad, [render(2, "b@example.test")])
    assert ok.ok
    assert [r.login for r in sink.received] == ["mailer"]
    # A rejected login says nothing about the recipient: transient, never a bounce.
    assert not refused.ok and not refused.permanent and "535" in refused.reply
    transport = SmtpTransport.from_url(good)
    for text in (repr(transport), repr(transport.config), transport.config.redacted_url()):
        assert "s3cr3t-pw" not in text
    assert "s3cr3t-pw" not in caplog.text and "wr0ng-pw" not in refused.reply + caplog.text


def test_url_options() -> None:
    cfg = SmtpConfig.from_url("smtp://u%40x:p%2Fw@mail.test:2525?starttls=1&timeout=5&helo=me.test")
    assert (cfg.host, cfg.port, cfg.starttls, cfg.implicit_tls) == ("mail.test", 2525, True, False)
    assert (cfg.username, cfg.password, cfg.timeout, cfg.helo) == ("u@x", "p/w", 5.0, "me.test")
    assert SmtpConfig.from_url("smtp://mail.test").port == 25
    assert SmtpConfig.from_url("smtp://mail.test?starttls=0").starttls is False
    tls = SmtpConfig.from_url("smtps://mail.test")
    assert (tls.port, tls.implicit_tls) == (465, True)
    for bad in (
        "smtp://u:pw@mail.test?startls=1",
        "smtps://u:pw@mail.test?starttls=1",
        "smtp://u:pw@",
        "smtp://u:pw@mail.test?timeout=soon",
    ):
        with pytest.raises(ValueError) as err:
            SmtpConfig.from_url(bad)
        assert "pw" not in str(err.value)


# -- TLS: a throwaway certificate for 127.0.0.1 ------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=sink.test",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*certificate)
    return ctx


def test_smtps_implicit_tls_verifies_the_server(
    make_smtp_sink: MakeSink, certificate: tuple[Path, Path]
) -> None:
    sink = make_smtp_sink(implicit_tls=_server_context(certificate))
    assert sink.url.startswith("smtps://")
    [trusted] = send_all(f"{sink.url}?cafile={certificate[0]}", [render(1, "a@example.test")])
    [untrusted] = send_all(sink.url, [render(2, "b@example.test")])
    assert trusted.ok
    assert not untrusted.ok and not untrusted.permanent and "connection failed" in untrusted.reply
    assert sink.message_ids() == ["<m1@consentmail.test>"]


def test_starttls_required(make_smtp_sink: MakeSink, certificate: tuple[Path, Path]) -> None:
    sink = make_smtp_sink(starttls=_server_context(certificate))
    url = f"{sink.url}?starttls=1&cafile={certificate[0]}"
    assert [r.ok for r in send_all(url, [render(1, "a@example.test")])] == [True]
    # Refusing to upgrade against a server that requires it: no message goes out.
    [plain] = send_all(f"{sink.url}?starttls=0", [render(2, "b@example.test")])
    assert not plain.ok and not plain.permanent
    assert sink.message_ids() == ["<m1@consentmail.test>"]
