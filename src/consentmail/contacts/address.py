"""Email address normalisation: syntax only (no DNS), one stored form per mailbox.

The stored form is email-validator's normalised address, lower-cased as a whole (I4) with the
domain in Unicode NFC (I5). `ascii_domain_address` gives the IDNA form for servers without
SMTPUTF8.

Most addresses in an export are plain ASCII local parts on a few domains, so `normalise_address`
validates each distinct domain once (cached) and checks the local part with email-validator's own
dot-atom pattern. That shortcut is taken only where it provably gives the same answer as a full
`validate_email` call; every other input, and every failure, goes through the full call, so
results and error reasons are identical to it (tested on the conformance corpus).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from email_validator import EmailNotValidError, ValidatedEmail, validate_email
from email_validator.rfc_constants import DOMAIN_MAX_LENGTH, DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

# Only ASCII blanks are trimmed: other Unicode spaces are reported by the validator, not hidden.
_BLANKS = " \t"


class AddressError(ValueError):
    """An address that cannot be used; `reason` is email-validator's human explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _validate(address: str) -> ValidatedEmail:
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise AddressError(str(exc)) from None


def _stored_domain(domain: str) -> str:
    return unicodedata.normalize("NFC", domain.lower())


@lru_cache(maxsize=4096)
def _domain(domain: str) -> tuple[str, str, int] | None:
    """(stored domain, IDNA domain, longest UTF-8 length of its forms), or None if invalid.

    Probed through the full validator with a one-letter local part, so the split at "@" and the
    domain checks are exactly those the full address gets. Bounded, so memory stays flat.
    """
    try:
        info = _validate("a@" + domain)
    except AddressError:
        return None
    # validate_email_length checks the address as given, normalised and in IDNA form.
    longest = max(len(form.encode()) for form in (domain, info.domain, info.ascii_domain))
    return _stored_domain(info.domain), info.ascii_domain, longest


def normalise_address(raw: str) -> str:
    """The stored form of `raw`, or AddressError with the validator's reason."""
    address = raw.strip(_BLANKS)
    local, at, domain = address.partition("@")
    # Fast path: an ASCII dot-atom local part comes back from the validator unchanged (no quotes,
    # no NFC change, no display name possible), so only the domain and the lengths are left.
    if at and len(domain) <= DOMAIN_MAX_LENGTH and DOT_ATOM_TEXT.match(local):
        known = _domain(domain)  # (longer domains are refused anyway: keep them out of the cache)
        if known is not None and len(local) + 1 + known[2] <= EMAIL_MAX_LENGTH:
            return local.lower() + "@" + known[0]
    info = _validate(address)
    stored = unicodedata.normalize("NFC", info.local_part.lower()) + "@" + _stored_domain(
        info.domain
    )
    if stored != info.normalized and not stored.isascii():
        # Lower-casing a non-ASCII local part must not give something the validator refuses.
        _validate(stored)
    return stored


def ascii_domain_address(addr: str) -> str | None:
    """`addr` with its domain in IDNA ASCII, for servers without SMTPUTF8.

    None when the local part itself is not ASCII: such an address can only be sent with SMTPUTF8.
    """
    local, _, domain = normalise_address(addr).rpartition("@")
    if not local.isascii():
        return None
    known = _domain(domain)
    if known is None:  # pragma: no cover - a normalised address always has a valid domain
        raise AddressError(f"invalid domain {domain!r}")
    return local + "@" + known[1]
