"""What a notice text may hold, and reading one from a file (R12, R16).

A notice is the exact words a person agreed to, fingerprinted by the SHA-256 of its UTF-8 bytes.
Characters nobody can see (C0 controls; NUL, which PostgreSQL cannot even store) or that are not
Unicode text (lone surrogates, which have no UTF-8 form) would make a fingerprint of something
other than the words shown, so they are refused, saying where. A file's UTF-8 byte order mark is
an encoding marker, not a word: it is dropped before hashing.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

MAX_TEXT = 20_000
# UTF-8 takes at most 4 bytes a character: a larger file cannot hold an acceptable notice.
_MAX_FILE_BYTES = MAX_TEXT * 4 + len(codecs.BOM_UTF8)
# Tab, line feed and carriage return are layout; every other C0 control is refused.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class NoticeError(ValueError):
    """A notice that cannot be stored (or a filter that names none): says what is wrong and with
    which field; `field` names it for callers that word it their way (--purpose, ?purpose=)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def text_problem(text: str) -> str | None:
    """Where the text holds a character a notice may not, or None."""
    found = _NOT_TEXT.search(text)
    if found is None:
        return None
    at = found.start()
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        what = f"lone surrogate U+{code:04X} (not Unicode text)"
    else:
        what = f"control character U+{code:04X}" + (" (NUL)" if code == 0 else "")
    return (f"text: {what} at line {line}, column {column}; a notice is plain text "
            "(tabs and line breaks are the only control characters allowed)")


def read_notice_file(path: Path) -> str:
    """The notice text in a UTF-8 file, without a leading byte order mark. NoticeError names the
    file and what is wrong: missing, a directory, too large, or not UTF-8 (line and byte)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise NoticeError(f"{path}: no such file", "file") from None
    except IsADirectoryError:
        raise NoticeError(f"{path}: is a directory, not a text file", "file") from None
    except OSError as exc:
        raise NoticeError(f"{path}: cannot be read ({exc.strerror})", "file") from None
    if len(data) > _MAX_FILE_BYTES:
        raise NoticeError(f"{path}: more than {_MAX_FILE_BYTES} bytes, longer than a notice "
                          f"may be ({MAX_TEXT} characters)", "file")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = start + exc.start  # counted in the file as it is, as contacts import does
        line = data.count(b"\n", 0, byte) + 1
        raise NoticeError(
            f"{path}: not UTF-8 text (line {line}, byte {byte}); save it as UTF-8", "file"
        ) from None
