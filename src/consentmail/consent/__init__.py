"""Consent: the append-only ledger, its hash chain and the derived state."""

from consentmail.consent.ledger import LedgerError, NewEvent, event_hash, record
from consentmail.consent.state import snapshot, snapshots
from consentmail.consent.verify import ChainCheck, verify_chain

__all__ = [
    "ChainCheck",
    "LedgerError",
    "NewEvent",
    "event_hash",
    "record",
    "snapshot",
    "snapshots",
    "verify_chain",
]
