"""Bad input found in review: unclosed quotes, huge cells, impossible dates, control characters
in names, short rows, blank lines above the header. Each is refused for its own rows only, with
file, line and field; the other rows are imported."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.contacts.csv_read import FIELD_LIMIT, ContactRow, Rejection, read_contacts
from consentmail.contacts.service import find_contact, import_csv
from consentmail.db.models import ConsentState, Contact
from tests.contacts.conftest import NOW, write_csv

TODAY = date(2026, 12, 4)
UNCLOSED = [
    "email,first_name,last_name,newsletter_consent,tracking_consent,profiling_consent",
    'q1@example.com,"Anna,Rossi,no,no,no',
    "q2@example.com,Bob,Smith,no,no,no",
    'q3@example.com,Carl,"Jones, Jr.",yes,yes,yes',
    "q4@example.com,Dan,Brown,yes,no,no",
]
SWALLOWED = (
    "unclosed quote: lines 2-4 were read as one value; close the quote and import those lines "
    "again"
)


def read(path: Path) -> list[ContactRow | Rejection]:
    return list(read_contacts(path, today=TODAY))


def test_an_unclosed_quote_rejects_every_line_it_swallowed(tmp_path: Path) -> None:
    # The swallowed text ends at the next quote and the rest of line 4 gives exactly as many
    # cells as the header: q1 used to be imported with q3's yes,yes,yes.
    path = write_csv(tmp_path / "unclosed.csv", UNCLOSED)
    *rejected, q4 = read(path)
    file = str(path)
    assert rejected == [
        Rejection(2, "row", "q1@example.com,Anna,Rossi,no,no,no", SWALLOWED, file),
        Rejection(3, "row", "q2@example.com,Bob,Smith,no,no,no",
                  f"read into the value of line 2 ({SWALLOWED})", file),
        Rejection(4, "row", 'q3@example.com,Carl,Jones, Jr.",yes,yes,yes',
                  f"read into the value of line 2 ({SWALLOWED})", file),
    ]
    assert isinstance(q4, ContactRow) and (q4.line, q4.email) == (5, "q4@example.com")


def test_an_unclosed_quote_on_the_last_line_says_so(tmp_path: Path) -> None:
    path = tmp_path / "last.csv"
    path.write_text('email,first_name,newsletter_consent\nm1@example.com,x,yes\n'
                    'm4@example.com,"last,yes\n', encoding="utf-8")
    m1, m4 = read(path)
    assert isinstance(m1, ContactRow) and m1.email == "m1@example.com"
    assert m4 == Rejection(3, "row", "m4@example.com,last,yes\n",
                           "unclosed quote: the value runs to the end of the file; close the quote",
                           str(path))


def test_an_unclosed_quote_grants_nothing(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "unclosed.csv", UNCLOSED)
    summary = import_csv(session, path, "unc", now=NOW)
    assert (summary.created, [r.line for r in summary.rejected]) == (1, [2, 3, 4])
    assert find_contact(session, "q1@example.com") is None
    assert session.scalars(select(Contact.email)).all() == ["q4@example.com"]


def test_multiline_values_in_columns_we_ignore_still_import(tmp_path: Path) -> None:
    # A note may hold line breaks, separators and even an address, as long as its lines are
    # not rows of this file (an address in the email column).
    path = write_csv(tmp_path / "notes.csv", [
        "email,first_name,notes,newsletter_consent",
        'a@example.com,Ann,"called twice, no answer\nasked for the, brochure\nmail: x@example.com",'
        "yes",
        "b@example.com,Bo,,no",
    ])
    assert [(r.line, r.email, r.first_name) for r in read(path)] == [  # type: ignore[union-attr]
        (2, "a@example.com", "Ann"),
        (5, "b@example.com", "Bo"),
    ]


def test_a_multiline_name_is_refused_as_a_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "name.csv", [
        "email,first_name,newsletter_consent", 'a@example.com,"Ann\nMarie",yes',
    ])
    assert read(path) == [Rejection(
        2, "first_name", "Ann\nMarie",
        "contains a line break (LF); names are used in mail headers", str(path),
    )]


@pytest.mark.parametrize(
    ("first", "last", "field", "reason"),
    [
        ('"Evil\r\nBcc: victim@example.org"', "X", "first_name",
         "contains a line break (CR); names are used in mail headers"),
        ("Ann", '"X\nSubject: hi"', "last_name",
         "contains a line break (LF); names are used in mail headers"),
        ("Ann\x1b[31m", "X", "first_name",
         "contains the control character U+001B; names are used in mail headers"),
        ("Ann", "X\x7f", "last_name",
         "contains the control character U+007F; names are used in mail headers"),
        ("A" * 201, "X", "first_name", "201 characters, at most 200"),
    ],
)
def test_names_that_could_never_be_sent_are_refused(
    tmp_path: Path, first: str, last: str, field: str, reason: str
) -> None:
    path = write_csv(tmp_path / "inj.csv", [
        "email,first_name,last_name,newsletter_consent", f"inj@example.com,{first},{last},yes",
    ])
    [item] = read(path)
    assert isinstance(item, Rejection)
    assert (item.file, item.line, item.field, item.reason) == (str(path), 2, field, reason)


def test_a_tab_in_a_name_is_kept(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tab.csv", ["email;first_name", "a@example.com;Ann\tMarie"])
    [row] = read(path)
    assert isinstance(row, ContactRow) and row.first_name == "Ann\tMarie"


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("0001-01-01 00:00:00+01:00",
         "impossible date '0001-01-01 00:00:00+01:00' (date value out of range)"),
        ("9999-12-31 23:30:00-01:00",
         "impossible date '9999-12-31 23:30:00-01:00' (date value out of range)"),
        ("0001-01-01", "before 2000-01-01: not a plausible consent date"),
        ("31/12/1999", "before 2000-01-01: not a plausible consent date"),
        ("1999-12-31 23:59:59Z", "before 2000-01-01: not a plausible consent date"),
    ],
)
def test_out_of_range_consent_dates_reject_their_row(
    session: Session, tmp_path: Path, cell: str, reason: str
) -> None:
    path = write_csv(tmp_path / "ovf.csv", [
        "email,newsletter_consent,consent_date", "ok@example.com,yes,2000-01-01",
        f"ov@example.com,yes,{cell}",
    ])
    summary = import_csv(session, path, "o", now=NOW)
    assert summary.created == 1
    assert [(r.line, r.field, r.value, r.reason) for r in summary.rejected] == [
        (3, "consent_date", cell, reason)
    ]


def test_a_huge_cell_late_in_the_file_sinks_only_its_row(
    session: Session, tmp_path: Path
) -> None:
    # Used to stop the import with "field larger than field limit (131072)" after the first
    # batch had been committed.
    lines = ["email,first_name,newsletter_consent"]
    lines += [f"late{i}@example.com,G,yes" for i in range(6000)]
    lines.append("hugelate@example.com," + "A" * 140_000 + ",yes")
    lines += [f"late{i}@example.com,G,yes" for i in range(6000, 6100)]
    path = write_csv(tmp_path / "enorm_late.csv", lines)
    summary = import_csv(session, path, "late", now=NOW)
    assert summary.created == 6100
    [rejected] = summary.as_dict()["rejected"]
    assert {k: rejected[k] for k in ("file", "line", "field", "reason")} == {
        "file": str(path),
        "line": 6002,
        "field": "first_name",
        "reason": "140,000 characters, more than 131,072: not a value of this column",
    }


def test_a_cell_over_the_csv_limit_rejects_its_line_and_the_next_rows_import(
    tmp_path: Path,
) -> None:
    # Past FIELD_LIMIT csv itself refuses the cell; it goes on at the next physical line.
    path = write_csv(tmp_path / "giant.csv", [
        "email,first_name,newsletter_consent",
        "a@example.com,A,yes",
        "huge@example.com," + "A" * (FIELD_LIMIT + 1) + ",yes",
        "b@example.com,B,yes",
    ])
    a, huge, b = read(path)
    assert huge == Rejection(
        3, "row", "",
        f"field larger than field limit ({FIELD_LIMIT}): a value over 16,777,216 characters "
        "(an unclosed quote?); not imported",
        str(path),
    )
    assert [r.email for r in (a, b)] == ["a@example.com", "b@example.com"]  # type: ignore[union-attr]


def test_a_short_row_is_refused_when_consent_columns_could_shift(
    session: Session, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "short.csv", [
        "email,newsletter_consent,tracking_consent,profiling_consent",
        "shift@example.com,no,yes,no",
        "shift2@example.com,yes,no",  # which of the three was dropped? Not guessed.
    ])
    summary = import_csv(session, path, "s", now=NOW)
    assert summary.created == 1
    assert [(r.line, r.field, r.value, r.reason) for r in summary.rejected] == [(
        3, "row", "shift2@example.com,yes,no",
        "3 values for 4 columns: a missing cell shifts the consent columns (a tracking yes "
        "could be read as a newsletter yes); add the missing ','",
    )]
    assert find_contact(session, "shift2@example.com") is None


def test_a_short_row_without_consent_columns_is_still_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "names.csv", ["email,first_name,last_name", "a@example.com,Ann"])
    [row] = read(path)
    assert isinstance(row, ContactRow) and (row.first_name, row.last_name) == ("Ann", "")


def test_blank_lines_above_the_header_are_skipped_and_counted(
    session: Session, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "blank.csv", [
        "", " ", "email,newsletter_consent", "a@example.com,yes", "bad@,yes",
    ], crlf=True, bom=True)
    summary = import_csv(session, path, "b", now=NOW)
    assert summary.created == 1
    assert [(r.line, r.field) for r in summary.rejected] == [(5, "email")]
    granted = session.scalars(select(ConsentState.purpose).where(ConsentState.granted)).all()
    assert granted == ["newsletter"]
