"""plan.py's pure parts: the evidence an imported consent carries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from consentmail.consent.bulk import SerialisedEvidence
from consentmail.consent.ledger import canonical_json
from consentmail.contacts.csv_read import ContactRow
from consentmail.contacts.plan import _evidence


@given(
    line=st.integers(min_value=2, max_value=10**9),
    source=st.text(max_size=40),
    ip=st.sampled_from(["", "203.0.113.0", "2001:db8:1::"]) | st.text(max_size=20),
    forced=st.booleans(),
)
def test_evidence_text_is_the_canonical_json_of_its_dict(
    line: int, source: str, ip: str, forced: bool
) -> None:
    # The import builds the text from a template; the ledger hashes and stores that text.
    row = ContactRow(line, "a@example.com", consent_source=source, ip=ip)
    evidence = _evidence(row, forced)
    assert type(evidence) is SerialisedEvidence
    assert evidence.canonical == canonical_json(dict(evidence))
    assert evidence["line"] == line and evidence["imported"] is True
    assert ("forced" in evidence) is forced


def test_evidence_says_what_the_file_says_and_nothing_more() -> None:
    row = ContactRow(7, "a@example.com", consent_source="fiera 2025", ip="203.0.113.0")
    assert dict(_evidence(row, False)) == {
        "imported": True, "line": 7, "consent_source": "fiera 2025", "ip": "203.0.113.0",
    }
    assert dict(_evidence(ContactRow(8, "b@example.com"), True)) == {
        "imported": True, "line": 8, "forced": True,
    }
