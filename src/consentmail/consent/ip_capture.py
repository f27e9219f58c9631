"""The workspace switch for keeping a truncated IP with consent proof (R16, R21).

Off by default (privacy by default, data minimisation): no capture path (hosted form, REST API,
recipient pages, CSV import) stores an IP unless `consentmail consent ip-capture on` was run.
When on, only the truncated form is ever stored (IPv4 /24, IPv6 /48).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.models import Setting
from consentmail.ip import truncate_ip  # noqa: F401 - one truncation for all paths

IP_SETTING = "capture_truncated_ip"  # "1": keep a truncated IP with captured consent


def ip_capture_enabled(session: Session) -> bool:
    """Workspace setting `capture_truncated_ip` = "1"; off by default (data minimisation)."""
    return session.scalar(select(Setting.value).where(Setting.key == IP_SETTING)) == "1"


def set_ip_capture(session: Session, enabled: bool) -> None:
    """Turn the truncated-IP proof on or off for future captures. Commits."""
    row = session.get(Setting, IP_SETTING)
    if row is None:
        session.add(Setting(key=IP_SETTING, value="1" if enabled else "0"))
    else:
        row.value = "1" if enabled else "0"
    session.commit()


def kept_ip(session: Session, ip: str) -> str:
    """What a capture may store of `ip`: its truncated form when the workspace enabled it,
    else nothing (also for anything that is not an IP address)."""
    if not ip or not ip_capture_enabled(session):
        return ""
    try:
        return truncate_ip(ip)
    except ValueError:
        return ""
