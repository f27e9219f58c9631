"""Tracker audit of any email: known trackers, pixels, tracked links, personal tokens,
List-Unsubscribe conformance, and a verdict against REGULATION.md.

Pure engine (no network, no database). The campaign preflight calls ``audit_html`` on a rendered
message and ``compare_pair`` on two recipients' renderings; the CLI (``consentmail audit``) and
``POST /api/audit`` call ``audit_bytes`` and ``audit_pair``; ``audit_bytes`` raises ``NotAnEmail``
for input that is neither an email message nor an HTML document.
"""

from consentmail.audit.engine import audit_bytes, audit_html, audit_pair
from consentmail.audit.model import (
    VERDICT_LABELS,
    AuditReport,
    Finding,
    OneClickRequest,
    PersonalToken,
    Resource,
    UnsubscribeCheck,
    Verdict,
)
from consentmail.audit.pair import compare_pair
from consentmail.audit.sniff import NotAnEmail
from consentmail.audit.trackerdb import TrackerDB, default_db
from consentmail.audit.unsubscribe import check_list_unsubscribe, parse_list_unsubscribe

__all__ = [
    "AuditReport",
    "Finding",
    "NotAnEmail",
    "OneClickRequest",
    "PersonalToken",
    "Resource",
    "TrackerDB",
    "UnsubscribeCheck",
    "VERDICT_LABELS",
    "Verdict",
    "audit_bytes",
    "audit_html",
    "audit_pair",
    "check_list_unsubscribe",
    "compare_pair",
    "default_db",
    "parse_list_unsubscribe",
]
