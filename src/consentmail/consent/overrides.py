"""Workspace overrides of the country -> policy profile table (e.g. FR -> fr-cnil-2026-aggregate).

Stored in the Setting table as `profile_override:<CC>` = profile name, read once per queue or build
batch and passed to `policy.profile_for_country(..., overrides=...)`.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.db.models import Setting
from consentmail.policy.countries import COMMON_MISTAKES, ISO_3166_ALPHA2
from consentmail.policy.profiles import get_profile

KEY_PREFIX = "profile_override:"
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class OverrideError(ValueError):
    pass


def _country(code: str) -> str:
    cc = code.strip().upper()
    if not _COUNTRY.match(cc):
        raise OverrideError(f"country {code!r}: a two-letter ISO 3166-1 code such as FR, IT, GB")
    if cc not in ISO_3166_ALPHA2:
        meant = COMMON_MISTAKES.get(cc)
        hint = f"; for that country use {meant}" if meant else ", e.g. FR, IT, GB"
        raise OverrideError(
            f"country {code!r}: not an ISO 3166-1 alpha-2 country code{hint}"
        )
    return cc


def profile_overrides(session: Session) -> dict[str, str]:
    """Country code -> profile name, for every override the workspace set."""
    rows = session.scalars(select(Setting).where(Setting.key.startswith(KEY_PREFIX)))
    return {row.key.removeprefix(KEY_PREFIX): row.value for row in rows}


def set_override(session: Session, country: str, profile: str) -> str:
    """Map `country` to `profile`; returns the canonical profile name. The caller commits."""
    cc = _country(country)
    try:
        name = get_profile(profile).name
    except ValueError as exc:
        raise OverrideError(str(exc)) from None
    row = session.get(Setting, KEY_PREFIX + cc)
    if row is None:
        session.add(Setting(key=KEY_PREFIX + cc, value=name))
    else:
        row.value = name
    session.flush()
    return name


def clear_override(session: Session, country: str) -> bool:
    """Back to the built-in table for `country`. True if an override was removed."""
    row = session.get(Setting, KEY_PREFIX + _country(country))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
