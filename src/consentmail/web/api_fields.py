"""Field types the API models share."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from consentmail.contacts.values import name_problem


def _mail_name(value: str) -> str:
    if (problem := name_problem(value)) is not None:
        raise ValueError(problem)
    return value


# A display name that goes into a mail header (From, To): at most 200 characters, no line break
# or other control character, refused with a 422 naming the field before anything is stored.
MailName = Annotated[str, AfterValidator(_mail_name)]
