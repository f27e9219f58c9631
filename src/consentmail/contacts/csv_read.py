"""Reading a contacts export as a stream: one parsed row or one rejection per data line.

Memory stays flat whatever the file size: rows are read one at a time and nothing is kept.
Line numbers are physical lines of the file (the header is line 1), so a person can find the
row in an editor even when a quoted value spans several lines.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, TextIO

from consentmail.contacts.address import AddressError, normalise_address
from consentmail.contacts.columns import COLUMNS, ImportFormatError, map_headers
from consentmail.contacts.formula import restore
from consentmail.contacts.values import (
    NAME_CONTROL,
    NAME_MAX,
    name_problem,
    parse_consent,
    parse_date,
    parse_subscription,
    truncate_ip,
)
from consentmail.policy.countries import COMMON_MISTAKES, ISO_3166_ALPHA2

PURPOSE_COLUMNS = {
    "newsletter": "newsletter_consent",
    "tracking": "tracking_consent",
    "profiling": "profiling_consent",
}
_COUNTRY = re.compile(r"[A-Za-z]{2}\Z")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,4})?\Z")
_has_control = NAME_CONTROL.search
# csv's own limit on one cell, process-wide (131,072 by default, which made one long cell fail
# the whole file). Past it csv raises and resumes at the next physical line: see __iter__.
FIELD_LIMIT = 16 * 1024 * 1024
# No cell we read (address, names, codes, consents, date, source, IP) is legitimately longer:
# a longer one is refused for its row (the former csv limit: nothing accepted before is now
# refused).
CELL_MAX = 131_072
CONSENT_DATE_FLOOR = date(2000, 1, 1)  # an older consent date is a typo or a placeholder
VALUE_SHOWN = 1000  # characters of a rejected value kept in the report
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what csv and the file count as a line
_ADDRESS_SHAPE = re.compile(r"[^\s@]+@[^\s@]+\Z")


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    field: str
    value: str
    reason: str
    file: str = ""  # the file as it was named to the import


class ContactRow(NamedTuple):
    """A valid data row. A consent is None when the file has no such column (it says nothing).

    A tuple rather than a frozen dataclass: a million of them are built in a large import.
    """

    line: int
    email: str  # normalised
    first_name: str = ""
    last_name: str = ""
    country: str = ""
    language: str = ""
    newsletter: bool | None = None
    tracking: bool | None = None
    profiling: bool | None = None
    consent_date: date | datetime | None = None  # a datetime (UTC) when the file gave a time
    consent_source: str = ""
    ip: str = ""  # truncated
    subscription: str | None = None  # subscribed | unsubscribed; None: the file says nothing


class _RowError(Exception):
    def __init__(self, field: str, value: str, reason: str) -> None:
        self.field, self.value, self.reason = field, value, reason


def _check_utf8(path: Path) -> None:
    """Fail before importing anything rather than half way through a mis-encoded file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with path.open("rb") as fh:
        if fh.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode text"
            raise ImportFormatError(
                f"{path}: UTF-16 text (it starts with a UTF-16 byte order mark); export the file "
                "again as UTF-8 (in Excel: CSV UTF-8)"
            )
        fh.seek(0)
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk.count(b"\n", 0, exc.start)
                raise ImportFormatError(
                    f"{path}: not UTF-8 text (line {line}, byte {offset + exc.start}); "
                    "export the file again as UTF-8"
                ) from None
            line += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportFormatError(f"{path}: not UTF-8 text (truncated at the end)") from None


def _sniff_delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


_PURPOSE_OF = {column: purpose for purpose, column in PURPOSE_COLUMNS.items()}
# Checked together (few distinct combinations in an export).
_PROFILE = ("country", "language", *PURPOSE_COLUMNS.values(), "subscription")
_DATE, _IP = ("consent_date",), ("consent_ip",)
_new_row = tuple.__new__  # a ContactRow without NamedTuple's Python-level __new__ (hot path)


class ContactReader:
    """Opens an export, maps its headers, then iterates rows. Use as a context manager."""

    def __init__(
        self, path: Path, *, day_first: bool = True, today: date | None = None,
        now: datetime | None = None, keep_ip: bool = True,
    ) -> None:
        """`today` (or `now`, which also bounds consent times) rejects consent in the future.
        `keep_ip` False (the workspace keeps no IP): consent_ip is still checked, then dropped
        from the row and counted in `ips_dropped`."""
        self.path = Path(path)
        self.keep_ip = keep_ip
        self.ips_dropped = 0
        self.day_first = day_first
        self.now = now
        self.today = now.date() if now is not None and today is None else today
        if self.path.is_dir():
            raise ImportFormatError(f"{self.path}: is a directory, not a CSV file")
        if not self.path.is_file():
            raise ImportFormatError(f"{self.path}: no such file")
        _check_utf8(self.path)
        # utf-8-sig drops a BOM (I1); newline="" lets csv see CRLF inside quoted values.
        self._fh: TextIO = self.path.open(encoding="utf-8-sig", newline="")
        self._file = str(self.path)  # named in every rejection
        try:
            # Blank lines above the header (some tools write them) are skipped, and counted:
            # line numbers stay those of the file.
            self._skipped = 0
            header_line = self._fh.readline()
            while header_line and not header_line.strip():
                self._skipped += 1
                header_line = self._fh.readline()
            if not header_line:
                raise ImportFormatError(
                    f"{self.path}: empty file (no header line, no data rows); nothing imported"
                )
            self.delimiter = _sniff_delimiter(header_line)
            csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
            self._reader = csv.reader(chain([header_line], self._fh), delimiter=self.delimiter)
            try:
                self.headers = [h.strip() for h in next(self._reader)]
            except csv.Error as exc:  # a header over FIELD_LIMIT: no row can be read
                raise ImportFormatError(f"{self.path}: header line: {exc}") from None
            mapped = map_headers(self.headers, str(self.path))
            self.columns = mapped.columns
            self.ignored_columns = mapped.ignored  # said once in the import summary
            self._width = len(self.headers)
            # With consent columns, a row short of a cell may have lost one in the middle:
            # every later value would be read as the column before it.
            self._has_consent = bool(PURPOSE_COLUMNS.values() & self.columns.keys())
            at = {c: self.columns.get(c, self._width) for c in COLUMNS}
            self._index = tuple(at[c] for c in (
                "email", "first_name", "last_name", "country", "language", "consent_date",
                "consent_source", "consent_ip",
            ))
            # Read when the cell of the column itself is empty (Mailchimp's OPTIN_*): else the
            # empty cell past the end of the row.
            self._fallback_date = mapped.fallbacks.get("consent_date", self._width)
            self._fallback_ip = mapped.fallbacks.get("consent_ip", self._width)
            self._profile_cells = itemgetter(*(at[c] for c in _PROFILE))
            self._profiles: dict[tuple[str, ...], tuple[Any, ...]] = {}
            self._dates: dict[tuple[str, ...], tuple[Any, ...]] = {}
            self._ips: dict[tuple[str, ...], tuple[Any, ...]] = {}
        except BaseException:
            self._fh.close()
            raise

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> ContactReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[ContactRow | Rejection]:
        reader, width, skipped = self._reader, self._width, self._skipped
        last_line = reader.line_num + skipped
        while True:
            line = last_line + 1  # where this record starts
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # A cell over FIELD_LIMIT: csv drops the rest of the physical line where it
                # noticed and goes on with the next one, so the rows after are read as usual.
                last_line = reader.line_num + skipped
                yield from self._reject_lines(
                    line, last_line, [""] * (last_line - line + 1),
                    f"{exc}: a value over {FIELD_LIMIT:,} characters (an unclosed quote?); "
                    "not imported",
                )
                continue
            last_line = reader.line_num + skipped
            joined = "".join(cells)
            if not joined or joined.isspace():
                continue  # blank line or only separators: nothing to import
            if joined[-1] in "\r\n" and last_line == line:
                # A quote opened on the file's last line ran to its end (csv counts no line
                # for the break it swallowed): say so, not "a missing cell".
                yield Rejection(
                    line, "row", _shown(self.delimiter.join(cells)),
                    "unclosed quote: the value runs to the end of the file; close the quote",
                    self._file,
                )
                continue
            if last_line > line and self._swallows_rows(cells):
                # An unclosed quote read the following lines into one value: every line it
                # swallowed is named, so no row disappears without a word.
                yield from self._reject_lines(
                    line, last_line, _LINE_BREAK.split(self.delimiter.join(cells)),
                    f"unclosed quote: lines {line}-{last_line} were read as one value; close "
                    "the quote and import those lines again",
                )
                continue
            if len(cells) > width:
                # Usually an unquoted separator inside a value: every later column is shifted,
                # so a "no" could be read as a "yes". Refuse rather than guess.
                yield Rejection(
                    line, "row", _shown(self.delimiter.join(cells)),
                    f"{len(cells)} values for {width} columns (an unquoted "
                    f"{self.delimiter!r} inside a value?)", self._file,
                )
                continue
            if len(cells) < width and self._has_consent:
                yield Rejection(
                    line, "row", _shown(self.delimiter.join(cells)),
                    f"{len(cells)} values for {width} columns: a missing cell shifts the "
                    "consent columns (a tracking yes could be read as a newsletter yes); "
                    f"add the missing {self.delimiter!r}", self._file,
                )
                continue
            try:
                yield self._parse(line, cells, joined)
            except _RowError as err:
                yield Rejection(line, err.field, _shown(err.value), err.reason, self._file)

    def _swallows_rows(self, cells: list[str]) -> bool:
        """Whether a record spanning lines holds, inside a value, lines that are rows of this
        file (an address in the email column, separators): the sign of an unclosed quote.

        Only called for records that span lines (rare), so it may parse again."""
        delimiter, at = self.delimiter, self.columns["email"]
        for cell in cells:
            if "\n" not in cell and "\r" not in cell:
                continue
            if len(cells) < self._width and delimiter in cell:
                return True  # the rest of the file up to a quote became this value
            for text in _LINE_BREAK.split(cell)[1:]:  # each starts a physical line
                if delimiter not in text:
                    continue
                parsed = next(csv.reader([text], delimiter=delimiter), [])
                if at < len(parsed) and _ADDRESS_SHAPE.match(parsed[at].strip()):
                    return True
        return False

    def _reject_lines(
        self, first: int, last: int, texts: list[str], reason: str
    ) -> Iterator[Rejection]:
        """One rejection per physical line first..last (texts: their text, as far as known),
        so the counts add up to the lines of the file."""
        yield Rejection(first, "row", _shown(texts[0] if texts else ""), reason, self._file)
        for number in range(first + 1, last + 1):
            text = texts[number - first] if number - first < len(texts) else ""
            yield Rejection(
                number, "row", _shown(text), f"read into the value of line {first} ({reason})",
                self._file,
            )

    def _parse(self, line: int, cells: list[str], joined: str) -> ContactRow:
        # One empty cell past the end stands for every column the file does not have (csv
        # gives a new list per record, so extending it in place is safe).
        cells.extend([""] * (self._width + 1 - len(cells)))
        if "\x00" in joined:
            bad = next(i for i, cell in enumerate(cells) if "\x00" in cell)
            raise _RowError(self.headers[bad], cells[bad], "contains a NUL character")
        if len(joined) > CELL_MAX:
            self._check_sizes(cells)
        (i_email, i_first, i_last, i_country, i_language, i_date, i_source, i_ip) = self._index
        raw_email = cells[i_email]
        first_name, last_name = cells[i_first].strip(), cells[i_last].strip()
        if "'" in joined:  # maybe a cell our export quoted against formula injection
            raw_email = restore(raw_email.strip())
            first_name, last_name = restore(first_name), restore(last_name)
        try:
            email = normalise_address(raw_email)
        except AddressError as err:
            raise _RowError("email", raw_email, err.reason) from None
        # One search for both names on the common path; name_problem says what is wrong.
        if (len(first_name) > NAME_MAX or len(last_name) > NAME_MAX
                or _has_control(first_name + last_name)):
            for field, name in (("first_name", first_name), ("last_name", last_name)):
                if (problem := name_problem(name)) is not None:
                    raise _RowError(field, name, problem)
        # The other cells take few distinct values in an export (and few combinations of
        # country, language and consents): each distinct value or combination is checked once.
        profile, date_cell, ip_cell = self._profile_cells(cells), (cells[i_date],), (cells[i_ip],)
        if not date_cell[0]:
            date_cell = (cells[self._fallback_date],)
        if not ip_cell[0]:
            ip_cell = (cells[self._fallback_ip],)
        country, language, newsletter, tracking, profiling, subscription = self._profiles.get(
            profile
        ) or self._checked(self._profiles, profile, _PROFILE)
        (when,) = self._dates.get(date_cell) or self._checked(self._dates, date_cell, _DATE)
        (ip,) = self._ips.get(ip_cell) or self._checked(self._ips, ip_cell, _IP)
        if ip and not self.keep_ip:  # off: the file's IP goes nowhere, not even evidence
            self.ips_dropped += 1
            ip = ""
        return _new_row(
            ContactRow,
            (line, email, first_name, last_name, country, language, newsletter, tracking,
             profiling, when, cells[i_source].strip(), ip, subscription),
        )

    def _check_sizes(self, cells: list[str]) -> None:
        """_RowError for the first cell we read that is longer than CELL_MAX (columns we do
        not read are not looked at)."""
        for index in sorted(self.columns.values()):
            if len(cells[index]) > CELL_MAX:
                raise _RowError(
                    self.headers[index], cells[index],
                    f"{len(cells[index]):,} characters, more than {CELL_MAX:,}: not a value "
                    "of this column",
                )

    def _checked(
        self, cache: dict[tuple[str, ...], tuple[Any, ...]], raws: tuple[str, ...],
        columns: tuple[str, ...],
    ) -> tuple[Any, ...]:
        """The values of `raws` (cells of `columns`), checked and remembered in `cache`."""
        if len(cache) > 5000:
            cache.clear()  # bounded: memory stays flat whatever the file
        values = cache[raws] = tuple(map(self._check, columns, raws))
        return values

    def _check(self, column: str, raw: str) -> str | bool | date | datetime | None:
        """The value of one cell of `column`, or _RowError naming what is wrong with it."""
        text = raw.strip()
        if column == "country":
            if text and not _COUNTRY.match(text):
                raise _RowError(column, text, "not a two-letter country code (ISO 3166)")
            code = text.upper()
            # UK and EL are what people write for GB and GR: read them so, as the policy's
            # country map knows only ISO codes (an unknown one would fall to the default).
            code = COMMON_MISTAKES.get(code, code)
            if code and code not in ISO_3166_ALPHA2:
                raise _RowError(column, text, "not an assigned ISO 3166-1 country code")
            return code
        if column == "language":
            if text and not _LANGUAGE.match(text):
                raise _RowError(column, text, "not a language code like 'it' or 'pt-BR'")
            return text.lower().replace("_", "-")
        if column in _PURPOSE_OF:
            if column not in self.columns:
                return None  # no such column: the file says nothing
            try:
                return parse_consent(raw)
            except ValueError as err:
                raise _RowError(column, text, str(err)) from None
        if column == "consent_date":
            try:
                when = parse_date(text, day_first=self.day_first) if text else None
            except ValueError as err:
                raise _RowError(column, text, str(err)) from None
            if when is not None and _day(when) < CONSENT_DATE_FLOOR:
                raise _RowError(
                    column, text, f"before {CONSENT_DATE_FLOOR}: not a plausible consent date"
                )
            if isinstance(when, datetime) and self.now is not None:
                if when > self.now:
                    now = f"{self.now:%Y-%m-%d %H:%M:%S}"
                    raise _RowError(column, text, f"in the future (now is {now} UTC)")
            elif when is not None and self.today is not None and _day(when) > self.today:
                raise _RowError(column, text, f"in the future (today is {self.today})")
            return when
        if column == "subscription":
            try:
                return parse_subscription(text)
            except ValueError as err:
                raise _RowError(column, text, str(err)) from None
        try:  # consent_ip
            return truncate_ip(text) if text else ""
        except ValueError as err:
            raise _RowError(column, text, str(err)) from None


def _shown(value: str) -> str:
    """A rejected value as reported: a huge one is cut (the report is read by a person)."""
    if len(value) <= VALUE_SHOWN:
        return value
    return f"{value[:VALUE_SHOWN]}… ({len(value):,} characters)"


def _day(when: date) -> date:
    return when.date() if isinstance(when, datetime) else when


def read_contacts(
    path: Path, *, day_first: bool = True, today: date | None = None,
    now: datetime | None = None,
) -> Iterator[ContactRow | Rejection]:
    """Every data row of `path` as a ContactRow or a Rejection, in file order."""
    with ContactReader(path, day_first=day_first, today=today, now=now) as reader:
        yield from reader
