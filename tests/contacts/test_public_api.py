"""The contacts package's public surface: changing it is a decision, not an accident."""

from __future__ import annotations

import consentmail.contacts as contacts


def test_public_api() -> None:
    assert contacts.__all__ == sorted(contacts.__all__)
    assert contacts.__all__ == [
        "AddressError",
        "ContactReader",
        "ContactRow",
        "ImportFormatError",
        "ImportSummary",
        "Rejection",
        "UnknownList",
        "ascii_domain_address",
        "contact_details",
        "export_rows",
        "find_contact",
        "get_or_create_list",
        "import_csv",
        "normalise_address",
        "parse_consent",
        "parse_date",
        "read_contacts",
        "require_list",
        "truncate_ip",
    ]
    for name in contacts.__all__:
        assert getattr(contacts, name) is not None
