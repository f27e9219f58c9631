"""I2 consent spellings, I7 dates, IP truncation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from consentmail.contacts.values import (
    parse_consent,
    parse_date,
    parse_subscription,
    truncate_ip,
)

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


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-05-01", date(2023, 5, 1)),  # no time: still a date
        ("2023-05-01 12:34:56", datetime(2023, 5, 1, 12, 34, 56, tzinfo=UTC)),  # read as UTC
        ("2023-05-01T12:34:56Z", datetime(2023, 5, 1, 12, 34, 56, tzinfo=UTC)),
        ("2023-05-01t12:34:56z", datetime(2023, 5, 1, 12, 34, 56, tzinfo=UTC)),
        ("2023-05-01T12:34:56+02:00", datetime(2023, 5, 1, 10, 34, 56, tzinfo=UTC)),
        ("2023-05-01T00:30:00+0100", datetime(2023, 4, 30, 23, 30, tzinfo=UTC)),
        ("2023-05-01T12:34:56-05:30", datetime(2023, 5, 1, 18, 4, 56, tzinfo=UTC)),
        ("2023-05-01T12:34:56.250Z", datetime(2023, 5, 1, 12, 34, 56, tzinfo=UTC)),
        ("2023-05-01 12:34", datetime(2023, 5, 1, 12, 34, tzinfo=UTC)),
        ("01/10/2024 08:15", datetime(2024, 10, 1, 8, 15, tzinfo=UTC)),
    ],
)
def test_dates_with_a_time_are_utc_datetimes(value: str, expected: date) -> None:
    parsed = parse_date(value)
    assert (parsed, type(parsed)) == (expected, type(expected))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-05-01 24:00:00", "impossible date '2023-05-01 24:00:00' (hour must be in 0..23)"),
        ("2023-05-01T12:60", "impossible date '2023-05-01T12:60' (minute must be in 0..59)"),
        ("2023-05-01T12:00+25:00", "impossible date '2023-05-01T12:00+25:00' (offset +25:00 "
                                   "out of range)"),
        ("2023-05-01T12", "unreadable date '2023-05-01T12': use YYYY-MM-DD or DD/MM/YYYY"),
        # Valid local times whose UTC falls outside years 1..9999 (an OverflowError inside).
        ("0001-01-01 00:00:00+01:00",
         "impossible date '0001-01-01 00:00:00+01:00' (date value out of range)"),
        ("9999-12-31 23:30:00-01:00",
         "impossible date '9999-12-31 23:30:00-01:00' (date value out of range)"),
    ],
)
def test_bad_times(value: str, message: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_date(value)
    assert str(err.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("subscribed", "subscribed"), ("Subscribed", "subscribed"), (" ACTIVE ", "subscribed"),
        ("opted-in", "subscribed"), ("iscritto", "subscribed"), ("abonné", "subscribed"),
        ("unsubscribed", "unsubscribed"), ("Opted Out", "unsubscribed"),
        ("opt_out", "unsubscribed"), ("désabonné", "unsubscribed"),
        ("abgemeldet", "unsubscribed"), ("disiscritto", "unsubscribed"), ("", None),
    ],
)
def test_subscription_spellings(value: str, expected: str | None) -> None:
    assert parse_subscription(value) == expected


@pytest.mark.parametrize("value", ["cleaned", "pending", "yes", "no"])
def test_unknown_subscription_status_is_an_error(value: str) -> None:
    with pytest.raises(ValueError, match=f"unknown subscription status '{value}'"):
        parse_subscription(value)
