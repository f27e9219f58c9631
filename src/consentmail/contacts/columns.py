"""Which export header means which of our columns: names seen in CRMs, forms and mail tools."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "country",
    "language",
    "newsletter_consent",
    "tracking_consent",
    "profiling_consent",
    "consent_date",
    "consent_source",
    "consent_ip",
    "subscription",
)

# Keys are slugs (see `slug`): lower-case ASCII words joined by "_".
_ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "e_mail", "mail", "email_address", "e_mail_address", "emailaddress",
        "email_adresse", "e_mail_adresse", "adresse_email", "adresse_e_mail", "courriel",
        "indirizzo_email", "indirizzo_e_mail", "correo", "correo_electronico",
        "electronic_mail", "subscriber_email", "contact_email",
    ),
    "first_name": (
        "first_name", "firstname", "first", "given_name", "forename", "fname", "vorname",
        "prenom", "nome", "nombre",
    ),
    "last_name": (
        "last_name", "lastname", "last", "surname", "family_name", "lname", "nachname",
        "nom", "nom_de_famille", "cognome", "apellido", "apellidos",
    ),
    # Mailchimp's CC is the country code it located the subscriber in.
    "country": ("country", "country_code", "land", "pays", "paese", "nazione", "pais", "cc"),
    "language": ("language", "lang", "locale", "sprache", "langue", "lingua", "idioma"),
    "newsletter_consent": (
        "newsletter_consent", "newsletter", "consent_newsletter", "email_consent",
        "marketing_consent", "opt_in", "optin", "email_opt_in", "subscribed",
    ),
    "tracking_consent": ("tracking_consent", "tracking", "consent_tracking"),
    "profiling_consent": ("profiling_consent", "profiling", "consent_profiling"),
    "consent_date": (
        "consent_date", "opt_in_date", "optin_date", "consent_at", "subscribed_at",
        "signup_date", "date_consent", "confirm_time", "confirmed_at", "optin_time",
        "opt_in_time",
    ),
    "consent_source": ("consent_source", "source", "signup_source", "opt_in_source"),
    "consent_ip": (
        "consent_ip", "ip", "ip_address", "signup_ip", "optin_ip", "opt_in_ip",
        "consent_ip_address", "confirm_ip",
    ),
    # Our export's status on the list (subscribed | unsubscribed).
    "subscription": (
        "subscription", "subscription_status", "subscriber_status", "list_status",
    ),
}
ALIASES: dict[str, str] = {alias: col for col, names in _ALIASES.items() for alias in names}

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def slug(header: str) -> str:
    """'E-Mail Address' -> 'e_mail_address', 'Prénom' -> 'prenom'."""
    text = unicodedata.normalize("NFKD", header.replace("\ufeff", "")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NOT_WORD.sub("_", text).strip("_")


# Mailchimp exports both when the person submitted the form (OPTIN_*) and when they confirmed
# it (CONFIRM_*): the confirmation is the consent, the submission stands in when it is empty.
SECONDARY = frozenset({"optin_time", "opt_in_time", "optin_ip", "opt_in_ip"})


class ImportFormatError(ValueError):
    """The file cannot be imported at all (as opposed to a rejected row)."""


class HeaderMap(NamedTuple):
    columns: dict[str, int]  # our column name -> index in the row
    fallbacks: dict[str, int]  # column -> index read when its own cell is empty (SECONDARY)
    ignored: list[str]  # headers that mean none of our columns, in file order


def map_headers(headers: list[str], source: str) -> HeaderMap:
    """Which header is which of our columns; unknown headers are listed as ignored."""
    found: dict[str, int] = {}
    fallbacks: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = slug(header)
        column = ALIASES.get(key)
        if column is None:
            ignored.append(header)
            continue
        if column in found:
            first = headers[found[column]]
            if key in SECONDARY and column not in fallbacks:
                fallbacks[column] = index
                continue
            if slug(first) in SECONDARY and column not in fallbacks:
                fallbacks[column], found[column] = found[column], index
                continue
            raise ImportFormatError(
                f"{source}: headers {first!r} and {header!r} both mean {column}; keep one"
            )
        found[column] = index
    if "email" not in found:
        shown = ", ".join(repr(h) for h in headers) or "none"
        raise ImportFormatError(
            f"{source}: no email column (a header like 'email' or 'Email Address'); "
            f"headers found: {shown}"
        )
    return HeaderMap(found, fallbacks, ignored)
