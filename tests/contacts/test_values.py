"""I2 consent spellings, I7 dates, IP truncation."""

from __future__ import annotations

import re
from datetime import date

import pytest

from consentmail.contacts.values import parse_consent, parse_date, truncate_ip

YES = [
    "yes",
    "Yes",
    "Y",
    "y",
    "1",
    "true",
    "TRUE",
    "x",
    "X",
    "sì",
    "si",
    "SI",
    "oui",
    "OUI",
    "vrai",
    "ja",
    "JA",
    "sí",
    "да",
    "ДА",
    "是",
    " yes ",
    "ｙｅｓ",
    "si\u0300",
]
NO = [
    "no",
    "No",
    "N",
    "n",
    "0",
    "false",
    "FALSE",
    "non",
    "NON",
    "faux",
    "nein",
    "Nein",
    "нет",
    "Нет",
    "否",
    "",
    "   ",
]


@pytest.mark.parametrize("value", YES)
def test_yes_spellings(value: str) -> None:
    assert parse_consent(value) is True


@pytest.mark.parametrize("value", NO)
def test_no_spellings_and_empty(value: str) -> None:
    assert parse_consent(value) is False


@pytest.mark.parametrize("value", ["maybe", "yes please", "2", "ok", "-", "oui?", "nope"])
def test_unknown_spelling_is_an_error_naming_the_value(value: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"unknown consent value '{value}'")):
        parse_consent(value)


@pytest.mark.parametrize(
    ("value", "day_first", "expected"),
    [
        ("2025-10-18", True, date(2025, 10, 18)),
        ("2025-10-18", False, date(2025, 10, 18)),
        ("01/10/2024", True, date(2024, 10, 1)),  # I7: day/month/year unless told otherwise
        ("01/10/2024", False, date(2024, 1, 10)),
        ("18.10.2025", True, date(2025, 10, 18)),
        (" 2025-1-2 ", True, date(2025, 1, 2)),
        ("", True, None),
        ("  ", True, None),
    ],
)
def test_dates(value: str, day_first: bool, expected: date | None) -> None:
    assert parse_date(value, day_first=day_first) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2024", "impossible date '31/02/2024'"),
        ("10/25/2024", "impossible date '10/25/2024'"),  # day first: month 25 is no guess
        ("2024/10/01", "unreadable date '2024/10/01'"),
        ("18/10/25", "unreadable date '18/10/25'"),
        ("yesterday", "unreadable date 'yesterday'"),
        ("٢٠٢٥-١٠-١٨", "unreadable date"),
    ],
)
def test_bad_dates(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.142", "203.0.113.0"),
        (" 198.51.100.7 ", "198.51.100.0"),
        ("0.0.0.0", "0.0.0.0"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::"),
        ("2001:DB8:ABCD:FFFF:1:2:3:4", "2001:db8:abcd::"),
        ("::ffff:203.0.113.9", "203.0.113.0"),
        ("fe80::1%eth0", "fe80::"),  # the zone goes with the host part
        ("", ""),
    ],
)
def test_truncate_ip(value: str, expected: str) -> None:
    assert truncate_ip(value) == expected


@pytest.mark.parametrize("value", ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4/24", "host"])
def test_truncate_ip_refuses_non_addresses(value: str) -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        truncate_ip(value)
