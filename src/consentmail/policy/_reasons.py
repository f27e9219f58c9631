"""The plain sentences decisions carry (law 7), for previews, reports and the email footer."""

from __future__ import annotations

from datetime import date, datetime

NOT_MEASURED = "This email is not measured."
AGGREGATE = "We count opens and clicks only in total for everyone; nothing identifies you."
SECURITY = (
    "We note whether this security email is opened and its links used, "
    "only to protect your account."
)
MANDATORY = (
    "We note whether this notice is opened and its links used, only to confirm that it reached you."
)
MANDATORY_REFUSED = (
    "This notice is not measured for you personally: you asked us to stop tracking you."
)
MANDATORY_REFUSED_AGGREGATE = (
    "This notice is not measured for you personally, as you asked us to stop tracking you; "
    "opens and clicks are counted only in total."
)
DELIVERABILITY = (
    "We keep only the date you last opened our emails, to stop writing if you no longer read them."
)
DELIVERABILITY_AND_AGGREGATE = (
    "We keep only the date you last opened our emails, to stop writing if you no longer read them; "
    "clicks are counted only in total."
)
UNSUBSCRIBED = "Not sent: you are no longer on this list."
NO_NEWSLETTER = "Not sent: you have not agreed to receive these emails."
OBJECTED = "Not sent: you objected to receiving marketing emails."

_AGREED = "We measure opens and clicks for you personally because you agreed{when}."
_INFORMED = (
    "We measure opens and clicks for you personally because we told you{when} "
    "and you did not object."
)

# One sentence per calendar day: the number of distinct days is small, recipients are many.
_agreed: dict[date | None, str] = {}
_informed: dict[date | None, str] = {}


def agreed_on(at: datetime | None) -> str:
    # Called once per consented recipient: the cache lookup is inlined, not a shared helper call.
    day = at.date() if at is not None else None
    sentence = _agreed.get(day)
    return sentence if sentence is not None else _format(_agreed, _AGREED, day)


def informed_on(at: datetime | None) -> str:
    day = at.date() if at is not None else None
    sentence = _informed.get(day)
    return sentence if sentence is not None else _format(_informed, _INFORMED, day)


def _format(cache: dict[date | None, str], template: str, day: date | None) -> str:
    when = f" on {day.isoformat()}" if day is not None else ""
    sentence = cache[day] = template.format(when=when)
    return sentence
