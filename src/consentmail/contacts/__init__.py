"""Contacts: address normalisation, CSV import and export, look-ups."""

from consentmail.contacts.address import AddressError, ascii_domain_address, normalise_address
from consentmail.contacts.columns import ImportFormatError
from consentmail.contacts.csv_read import ContactReader, ContactRow, Rejection, read_contacts
from consentmail.contacts.export import contact_details, export_rows
from consentmail.contacts.lookup import UnknownList, require_list
from consentmail.contacts.service import (
    ImportSummary,
    find_contact,
    get_or_create_list,
    import_csv,
)
from consentmail.contacts.values import parse_consent, parse_date, truncate_ip

__all__ = [
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
