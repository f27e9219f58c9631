"""Privacy: access export (Art. 15/20), retention purges, the transparency page's facts and the
preference centre's service."""

from consentmail.privacy.access import access_export
from consentmail.privacy.retention import CLASSES, retention_days, run_retention
from consentmail.privacy.schedule import RetentionTask
from consentmail.privacy.transparency import transparency

__all__ = [
    "CLASSES",
    "RetentionTask",
    "access_export",
    "retention_days",
    "run_retention",
    "transparency",
]
