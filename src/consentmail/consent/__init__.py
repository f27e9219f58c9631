"""Consent: the append-only ledger, its hash chain and the derived state."""

from consentmail.consent.ledger import (
    ChainCheck,
    LedgerError,
    NewEvent,
    event_hash,
    record,
    verify_chain,
)
from consentmail.consent.state import snapshot, snapshots

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
