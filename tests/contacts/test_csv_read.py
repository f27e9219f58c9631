"""Reading exports: I1 (BOM, CRLF), separators, header names, line numbers, format errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from consentmail.contacts.columns import ImportFormatError, slug
from consentmail.contacts.csv_read import ContactReader, ContactRow, Rejection, read_contacts
from tests.conftest import shared_path
from tests.contacts.conftest import CONTACT_FIXTURES, HEADER, write_csv

TODAY = date(2026, 1, 15)


def read(path: Path, **kw: object) -> list[ContactRow | Rejection]:
    return list(read_contacts(path, today=TODAY, **kw))  # type: ignore[arg-type]


def test_bom_and_crlf_leave_no_trace_in_values() -> None:
    items = read(CONTACT_FIXTURES / "bom_crlf.csv")
    rows = [r for r in items if isinstance(r, ContactRow)]
    assert rows[0] == ContactRow(
        line=2,
        email="jurgen.fischer9@courrier.example",
        first_name="Jürgen",
        last_name="Fischer",
        country="DE",
        language="de",
        newsletter=True,
        tracking=False,
        profiling=False,
        consent_date=date(2025, 10, 18),
        consent_source="signup-form/v3",
        ip="203.0.113.0",
    )
    for row in rows:  # I1
        for value in (row.email, row.first_name, row.last_name, row.consent_source, row.ip):
            assert "\ufeff" not in value and "\r" not in value and "\n" not in value


def test_rejections_carry_file_physical_line_field_value_and_reason() -> None:
    path = CONTACT_FIXTURES / "bom_crlf.csv"
    rejected = [r for r in read(path) if isinstance(r, Rejection)]
    assert rejected == [
        Rejection(
            5, "email", "mario.rossi@", "There must be something after the @-sign.", str(path)
        ),
        Rejection(
            6,
            "email",
            "a b@example.com",
            "The email address contains invalid characters before the @-sign: SPACE.",
            str(path),
        ),
        Rejection(
            7, "email", "x@example..com", "An email address cannot have two periods in a row.",
            str(path),
        ),
        Rejection(
            10,
            "newsletter_consent",
            "maybe",
            "unknown consent value 'maybe': use yes/no, y/n, 1/0, true/false or x "
            "(also sì/si/no, oui/non, vrai/faux, ja/nein, sí, да/нет, 是/否)",
            str(path),
        ),
        Rejection(
            11,
            "consent_date",
            "31/02/2024",
            "impossible date '31/02/2024' (day is out of range for month)",
            str(path),
        ),
    ]


def test_semicolons_german_headers_and_dotted_dates() -> None:
    reader = ContactReader(CONTACT_FIXTURES / "semicolon.csv", today=TODAY)
    with reader:
        assert reader.delimiter == ";"
        rows = list(reader)
    assert [r.email for r in rows if isinstance(r, ContactRow)] == [
        "lena.mueller1@mail.example",
        "jonas.becker2@mail.example",
        "felix.weiss3@mail.example",
    ]
    lena, jonas, felix = rows
    assert isinstance(lena, ContactRow) and isinstance(felix, ContactRow)
    assert isinstance(jonas, ContactRow)
    assert (lena.first_name, lena.last_name, lena.consent_date) == (
        "Lena",
        "Müller",
        date(2025, 10, 18),
    )
    assert (lena.newsletter, lena.tracking, lena.ip) == (True, False, "198.51.100.0")
    assert (jonas.consent_date, jonas.tracking) == (date(2024, 10, 1), True)
    assert (felix.last_name, felix.newsletter, felix.consent_date) == ("Weiß; Dr.", False, None)


def test_month_first_when_told() -> None:
    rows = read(CONTACT_FIXTURES / "semicolon.csv", day_first=False)
    assert isinstance(rows[1], ContactRow) and rows[1].consent_date == date(2024, 1, 10)


def test_crm_headers_multiline_values_blank_lines_and_shifted_rows() -> None:
    path = CONTACT_FIXTURES / "crm_headers.csv"
    items = read(path)
    assert items[0] == ContactRow(
        line=2,
        email="camille.martin1@example.org",
        first_name="Camille",
        last_name="Martin",
        country="FR",
        language="fr",
        newsletter=True,
        consent_date=date(2024, 2, 3),
        consent_source="crm",
    )  # no tracking/profiling column: None, the file says nothing
    assert isinstance(items[1], ContactRow) and items[1].line == 4  # after a 2-line value
    assert items[2] == Rejection(
        6,
        "row",
        "isla.taylor3@example.org,Isla,Taylor,GB,en,yes,2023-09-10,crm,extra,cell",
        "10 values for 9 columns (an unquoted ',' inside a value?)",
        str(path),
    )
    # One cell short, with a consent column: a cell dropped in the middle would shift the
    # consents, so it is refused (it used to be padded with an empty cell).
    assert items[3] == Rejection(
        7,
        "row",
        "noah.wilson4@example.org,Noah,Wilson,GB,en,yes,2023-09-11,crm",
        "8 values for 9 columns: a missing cell shifts the consent columns (a tracking yes "
        "could be read as a newsletter yes); add the missing ','",
        str(path),
    )
    assert len(items) == 4  # the blank line 5 is skipped


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Email Address", "email_address"),
        ("E-mail", "e_mail"),
        ("E-Mail-Adresse", "e_mail_adresse"),
        ("Prénom", "prenom"),
        ("\ufeffemail", "email"),
        ("  First Name ", "first_name"),
    ],
)
def test_header_slugs(header: str, column: str) -> None:
    assert slug(header) == column


def test_missing_email_column_names_file_and_headers() -> None:
    path = CONTACT_FIXTURES / "no_email.csv"
    with pytest.raises(ImportFormatError) as info:
        ContactReader(path)
    assert str(info.value) == (
        f"{path}: no email column (a header like 'email' or 'Email Address'); "
        "headers found: 'Name', 'Vorname', 'Newsletter'"
    )


def test_two_headers_for_one_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", ["email,E-mail", "a@example.com,b@example.com"])
    with pytest.raises(ImportFormatError, match="'email' and 'E-mail' both mean email"):
        ContactReader(path)


def test_not_utf8_fails_before_any_row() -> None:
    path = CONTACT_FIXTURES / "latin1.csv"
    with pytest.raises(ImportFormatError, match=r"not UTF-8 text \(line 2, byte 34\)"):
        ContactReader(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "unicode.csv"
    text = "email,first_name\na@example.com,Zoë\n"
    bom = "\ufeff" if encoding == "utf-16-be" else ""  # "utf-16" writes its own BOM
    path.write_bytes((bom + text).encode(encoding))
    with pytest.raises(ImportFormatError) as raised:
        ContactReader(path)
    assert str(raised.value) == (
        f"{path}: UTF-16 text (it starts with a UTF-16 byte order mark); export the file "
        "again as UTF-8 (in Excel: CSV UTF-8)"
    )


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(ImportFormatError, match="empty file"):
        ContactReader(path)


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        ("a@example.com,,,ITA,,,,,,,", "country", "not a two-letter country code (ISO 3166)"),
        ("a@example.com,,,ZZ,,,,,,,", "country", "not an assigned ISO 3166-1 country code"),
        ("a@example.com,,,,english,,,,,,", "language", "not a language code like 'it' or 'pt-BR'"),
        (
            "a@example.com,,,,,,,,2026-02-01,,",
            "consent_date",
            "in the future (today is 2026-01-15)",
        ),
        ("a@example.com,,,,,,,,,,10.0.0.256", "consent_ip", "not an IP address: '10.0.0.256'"),
        ("a@example.com," + "x" * 201 + ",,,,,,,,,", "first_name", "201 characters, at most 200"),
        ("a@exa\x00mple.com,,,,,,,,,,", "email", "contains a NUL character"),
    ],
)
def test_other_field_checks(tmp_path: Path, cells: str, field: str, reason: str) -> None:
    path = write_csv(tmp_path / "x.csv", [HEADER, cells])
    [item] = read(path)
    assert isinstance(item, Rejection)
    assert (item.line, item.field, item.reason) == (2, field, reason)


def test_language_and_country_are_normalised(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [HEADER, "a@example.com,,,it,pt_BR,,,,,,"])
    [row] = read(path)
    assert isinstance(row, ContactRow) and (row.country, row.language) == ("IT", "pt-br")


@pytest.mark.parametrize(("written", "read_as"), [("uk", "GB"), ("EL", "GR"), ("gb", "GB")])
def test_the_usual_stand_ins_for_gb_and_gr_are_read_as_their_codes(
    tmp_path: Path, written: str, read_as: str
) -> None:
    # The policy maps only ISO codes: "UK" kept as written would give the default profile.
    path = write_csv(tmp_path / "x.csv", [HEADER, f"a@example.com,,,{written},,,,,,,"])
    [row] = read(path)
    assert isinstance(row, ContactRow) and row.country == read_as


@pytest.mark.parametrize("name", ["crm-export-300.csv", "signup-export-2000.csv"])
def test_corpus_exports_read_without_bom_and_with_line_numbers(name: str) -> None:
    path = shared_path("corpus", "contacts", name)
    items = list(read_contacts(path, today=date(2027, 1, 1)))
    physical_lines = path.read_bytes().count(b"\n")
    assert items[0].line == 2 and items[-1].line <= physical_lines
    assert all("\ufeff" not in r.email for r in items if isinstance(r, ContactRow))
    rejected = {r.value for r in items if isinstance(r, Rejection)}
    assert rejected <= {
        "not-an-email",
        "mario.rossi@",
        "@example.com",
        "a b@example.com",
        "jean..dupont@example.org",
        "x@example..com",
        "luca@ex ample.com",
        "anna@localhost",
    }
    assert all(r.field == "email" for r in items if isinstance(r, Rejection))


def test_a_cell_over_the_csv_limit_is_one_rejected_row(tmp_path: Path) -> None:
    # Over csv's default 131,072 (which used to stop the whole file) and under FIELD_LIMIT:
    # refused for its field, and the next row is read.
    path = write_csv(
        tmp_path / "huge.csv",
        [HEADER, "a@example.com," + "x" * 200_000 + ",,,,,,,,,", "b@example.com,,,,,,,,,,"],
    )
    first, second = read(path)
    assert isinstance(first, Rejection) and isinstance(second, ContactRow)
    assert (first.line, first.field, first.reason) == (
        2, "first_name", "200,000 characters, more than 131,072: not a value of this column"
    )
    assert first.value == "x" * 1000 + "… (200,000 characters)"  # the report stays readable
    assert second.email == "b@example.com"


def test_unclosed_quote_names_every_line_it_swallowed(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(
        'email,newsletter_consent\n"unterminated@example.com,yes\nok@example.com,yes\n',
        encoding="utf-8",
    )
    rows = list(read_contacts(path))
    reason = (
        "unclosed quote: lines 2-3 were read as one value; close the quote and import those "
        "lines again"
    )
    assert rows == [
        Rejection(2, "row", "unterminated@example.com,yes", reason, str(path)),
        Rejection(
            3, "row", "ok@example.com,yes", f"read into the value of line 2 ({reason})", str(path)
        ),
    ]
