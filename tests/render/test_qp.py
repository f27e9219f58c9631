"""Quoted-printable chunks encoded apart decode to the text joined."""

from __future__ import annotations

from binascii import a2b_qp

from hypothesis import given, settings
from hypothesis import strategies as st

from consentmail.render.qp import encode_chunk

CHUNKS = st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=200), max_size=8)


@settings(max_examples=150, deadline=None)
@given(CHUNKS)
def test_chunks_concatenate(chunks: list[str]) -> None:
    encoded = b"".join(encode_chunk(chunk) for chunk in chunks)
    text = "".join(chunks).replace("\r\n", "\n").replace("\r", "\n")
    assert a2b_qp(encoded).decode("utf-8").replace("\r\n", "\n") == text
    lines = encoded.split(b"\r\n")
    assert all(len(line) <= 76 for line in lines)
    assert b"\n" not in encoded.replace(b"\r\n", b"")
    assert b"=_" not in encoded  # our MIME boundary starts with "=_"


def test_a_chunk_ends_at_a_line_end() -> None:
    assert encode_chunk("abc") == b"abc=\r\n"
    assert encode_chunk("abc\n") == b"abc\r\n"
    assert encode_chunk("a=b ") == b"a=3Db=20=\r\n"
    assert encode_chunk("") == b""
