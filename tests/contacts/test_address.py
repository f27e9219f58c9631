"""Address normalisation: I4 (one form per mailbox), I5 (IDN), I6 (reasons), IDNA for sending."""

from __future__ import annotations

import unicodedata

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from consentmail.contacts.address import AddressError, ascii_domain_address, normalise_address


def reference(raw: str) -> tuple[bool, str]:
    """The slow, obvious definition: full validation every time, then our storage policy."""
    try:
        info = validate_email(raw.strip(" \t"), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        return False, str(exc)
    local = unicodedata.normalize("NFC", info.local_part.lower())
    return True, local + "@" + unicodedata.normalize("NFC", info.domain.lower())


def ours(raw: str) -> tuple[bool, str]:
    try:
        return True, normalise_address(raw)
    except AddressError as exc:
        return False, exc.reason


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        # I4: any case and surrounding blanks give the same stored address
        ("jurgen.fischer9@courrier.example", "jurgen.fischer9@courrier.example"),
        ("  JURGEN.FISCHER9@COURRIER.EXAMPLE ", "jurgen.fischer9@courrier.example"),
        ("\tJurgen.Fischer9@Courrier.Example", "jurgen.fischer9@courrier.example"),
        # I5: IDN domains stored in Unicode NFC, whatever form they come in
        ("marco.d_angelo8@müller.example", "marco.d_angelo8@müller.example"),
        ("MARCO.D_ANGELO8@MÜLLER.EXAMPLE", "marco.d_angelo8@müller.example"),
        ("marco.d_angelo8@mu\u0308ller.example", "marco.d_angelo8@müller.example"),  # NFD
        ("marco.d_angelo8@xn--mller-kva.example", "marco.d_angelo8@müller.example"),
        ("hannah.schmidt119@例え.テスト", "hannah.schmidt119@例え.テスト"),
        ("oliver.taylor124@xn--r8jz45g.xn--zckzah", "oliver.taylor124@例え.テスト"),
        ("NICCOLÒ774@例え.テスト", "niccolò774@例え.テスト"),
        ("luca40@почта.испытание", "luca40@почта.испытание"),
        ("Zoé874@Café.Example", "zoé874@café.example"),
    ],
)
def test_stored_form(raw: str, stored: str) -> None:
    assert normalise_address(raw) == stored
    assert unicodedata.is_normalized("NFC", normalise_address(raw))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # I6
        ("mario.rossi@", "There must be something after the @-sign."),
        (
            "a b@example.com",
            "The email address contains invalid characters before the @-sign: SPACE.",
        ),
        ("x@example..com", "An email address cannot have two periods in a row."),
        ("not-an-email", "An email address must have an @-sign."),
        ("@example.com", "There must be something before the @-sign."),
        ("anna@localhost", "The part after the @-sign is not valid. It should have a period."),
        ("luca@ex ample.com", "The part after the @-sign contains invalid characters: SPACE."),
        ("", "An email address must have an @-sign."),
        (
            "me@valid.invalid",
            "The part after the @-sign is a special-use or reserved name that cannot be used "
            "with email.",
        ),
    ],
)
def test_invalid_addresses_give_the_validators_reason(raw: str, reason: str) -> None:
    with pytest.raises(AddressError) as info:
        normalise_address(raw)
    assert info.value.reason == reason
    assert str(info.value) == reason


@pytest.mark.parametrize(
    ("stored", "ascii_form"),
    [
        ("marco.d_angelo8@müller.example", "marco.d_angelo8@xn--mller-kva.example"),
        ("oliver.taylor124@例え.テスト", "oliver.taylor124@xn--r8jz45g.xn--zckzah"),
        ("luca40@почта.испытание", "luca40@xn--80a1acny.xn--80akhbyknj4f"),
        ("emma@example.com", "emma@example.com"),
        ("niccolò774@例え.テスト", None),  # only with SMTPUTF8
    ],
)
def test_ascii_domain_address(stored: str, ascii_form: str | None) -> None:
    assert ascii_domain_address(stored) == ascii_form


def test_length_limit_is_the_validators_on_the_fast_path() -> None:
    # 254 octets in all: accepted; one more: refused with email-validator's own words.
    domain = "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + ".example"
    local = "a" * (254 - 1 - len(domain))
    assert normalise_address(local + "@" + domain) == local + "@" + domain
    assert ours("a" + local + "@" + domain) == reference("a" + local + "@" + domain)
    assert ours("a" + local + "@" + domain)[0] is False
    # The IDNA form is longer than the Unicode one: the limit applies to it too.
    idn = "ü" * 20 + "." + "c" * 60 + "." + "d" * 60 + ".example"
    for extra in range(60, 110):
        raw = "a" * extra + "@" + idn
        assert ours(raw) == reference(raw)


# Enough variety to reach both paths: ASCII atext, dots, @, IDN, combining marks, blanks.
_ALPHABET = st.sampled_from(
    list("abcXYZ019.-_+'@ \t\"<>()[]") + ["ü", "ß", "例", "\u0300", "\u200b", "＠", "．", "İ"]
)


@settings(max_examples=250, deadline=None)
@given(
    local=st.text(_ALPHABET, max_size=12),
    domain=st.sampled_from(
        [
            "example.com",
            "EXAMPLE.COM",
            "müller.example",
            "xn--mller-kva.example",
            "例え.テスト",
            "localhost",
            "ex..ample.com",
            "-bad.example",
            "\u0300x.example",
            "a.b",
            "",
        ]
    ),
)
def test_fast_path_matches_full_validation(local: str, domain: str) -> None:
    raw = local + "@" + domain
    assert ours(raw) == reference(raw)
