"""DKIM: a rendered message signed with a key made here verifies with dkimpy, and h= covers the
one-click unsubscribe headers (RFC 8058 §4)."""

from __future__ import annotations

import base64
import secrets

import dkim
import pytest

from consentmail.audit import check_list_unsubscribe
from consentmail.audit.unsubscribe import dkim_signed_headers
from consentmail.policy.types import Mode
from consentmail.render import Recipient, compile_campaign, render_message
from consentmail.render.dkim import DkimError, present_headers, sign
from tests.render.support import envelope, tracking

# --- a small RSA key, made without any crypto package -----------------------------------------


def _probable_prime(bits: int) -> int:
    small = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47)
    while True:
        n = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        if any(n % p == 0 for p in small):
            continue
        d, r = n - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(24):
            x = pow(secrets.randbelow(n - 3) + 2, d, n)
            if x in (1, n - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, n)
                if x == n - 1:
                    break
            else:
                break
        else:
            return n


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _der_int(v: int) -> bytes:
    raw = v.to_bytes(v.bit_length() // 8 + 1, "big")  # a leading zero keeps it positive
    return b"\x02" + _der_len(len(raw)) + raw


def _der_seq(*items: bytes) -> bytes:
    body = b"".join(items)
    return b"\x30" + _der_len(len(body)) + body


def rsa_key(bits: int = 1024) -> tuple[bytes, bytes]:
    """(PKCS#1 private key in PEM, public RSAPublicKey DER)."""
    e = 65537
    while True:
        p, q = _probable_prime(bits // 2), _probable_prime(bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e and (p * q).bit_length() == bits:
            break
    n, d = p * q, pow(e, -1, phi)
    der = _der_seq(*map(_der_int, (0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p))))
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = b"\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    pem = b"-----BEGIN RSA PRIVATE KEY-----\n" + lines + b"\n-----END RSA PRIVATE KEY-----\n"
    return pem, _der_seq(_der_int(n), _der_int(e))


@pytest.fixture(scope="module")
def key() -> tuple[bytes, bytes]:
    return rsa_key()


def _dns(public: bytes):  # type: ignore[no-untyped-def]
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"cm2026._domainkey.news.example."
        return record

    return dnsfunc


def _message(**changes: object) -> bytes:
    compiled = compile_campaign(
        '<p>Ciao {{ contact.first_name }}, <a href="https://shop.example/">shop</a></p>',
        subject="Notizie per {{ contact.first_name }} ✓",
    )
    recipient = Recipient("anna@example.org", {"first_name": "Anna"})
    return render_message(compiled, recipient, tracking(Mode.NONE), envelope(**changes)).data


def test_signed_message_verifies_and_covers_one_click(key: tuple[bytes, bytes]) -> None:
    private, public = key
    signed = sign(_message(), "cm2026", "news.example", private)
    assert signed.startswith(b"DKIM-Signature:")
    assert dkim.verify(signed, dnsfunc=_dns(public))

    sig = signed.split(b"\r\n\r\n", 1)[0].decode()
    signature_header = sig.split("\r\nFrom:", 1)[0].removeprefix("DKIM-Signature:")
    (covered,) = dkim_signed_headers([signature_header])
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "subject", "message-id"} <= covered
    check = check_list_unsubscribe(
        {
            "List-Unsubscribe": "<https://t.example.com/u/UNSUB>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "DKIM-Signature": signature_header,
        }
    )
    assert check.dkim == "covered" and check.one_click


def test_tampering_breaks_the_signature(key: tuple[bytes, bytes]) -> None:
    private, public = key
    signed = sign(_message(), "cm2026", "news.example", private)
    tampered = signed.replace(b"https://t.example.com/u/UNSUB", b"https://evil.example/u/UNSUB")
    assert tampered != signed
    assert not dkim.verify(tampered, dnsfunc=_dns(public))


def test_only_present_headers_are_signed(key: tuple[bytes, bytes]) -> None:
    """Non-list mail has no List-Unsubscribe (U5): h= does not claim it."""
    data = _message(list_unsubscribe_url=None, one_click=False)
    assert "List-Unsubscribe" not in present_headers(data)
    signed = sign(data, "cm2026", "news.example", key[0])
    assert dkim.verify(signed, dnsfunc=_dns(key[1]))
    header = signed.split(b"\r\nFrom:", 1)[0].decode()
    (covered,) = dkim_signed_headers([header.removeprefix("DKIM-Signature:")])
    assert "list-unsubscribe" not in covered and "from" in covered


def test_a_bad_key_is_a_clear_error() -> None:
    with pytest.raises(DkimError, match="DKIM"):
        sign(_message(), "cm2026", "news.example", b"not a key")
