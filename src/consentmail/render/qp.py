"""Quoted-printable in independent chunks, so constant chunks are encoded once per campaign.

Every chunk ends at a line end: a real one, or a soft line break (``=`` CRLF) that decoders
remove. Concatenated chunks therefore decode to the concatenated text, and each chunk starts
at column 0, so the 76-character line limit holds across chunk boundaries.
"""

from __future__ import annotations

from binascii import b2a_qp

_MAX = 76  # RFC 2045, without the CRLF


def encode_chunk(text: str) -> bytes:
    if not text:
        return b""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # With LF-only input b2a_qp writes LF-only line ends (its soft breaks too); make them CRLF.
    out = b2a_qp(text.encode("utf-8", "surrogatepass"), istext=True).replace(b"\n", b"\r\n")
    if out.endswith(b"\n"):
        return out
    start = out.rfind(b"\n") + 1
    if len(out) - start < _MAX:
        return out + b"=\r\n"
    # The last line is full: the soft break needs a column, so split it before its end,
    # outside any =XX escape.
    cut = len(out) - 2
    if out[cut - 1 : cut] == b"=":
        cut -= 1
    elif out[cut - 2 : cut - 1] == b"=":
        cut -= 2
    return out[:cut] + b"=\r\n" + out[cut:] + b"=\r\n"
