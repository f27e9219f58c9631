"""REST endpoint for external forms: POST /api/consent (bearer token).

    {"email": "ada@example.org", "list": "News",
     "purposes": {"newsletter": true, "tracking": false},
     "notice_versions": {"newsletter": "2026-12-01"}, "source": "shop-checkout",
     "language": "en", "collected_at": "2026-12-02T10:00:00Z", "ip": "203.0.113.7"}

A purpose set to false (or absent) records nothing: silence is refusal; only JSON true grants
("yes", 1 or "on" are errors). Every granted purpose needs the version of the notice the person
was shown, stored for that purpose and language. `collected_at` must lie between 2000-01-01 and
now. Errors are 422 with `loc` and a `msg` that names the field; a `collected_at` earlier than a
choice already on record for a purpose being granted (a later withdrawal, say) is refused with
409, since recording it would undo that choice. 201 with the new event ids; the same consent
sent again within a minute answers 200 with the ids already recorded.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy.orm import Session

from consentmail.consent.capture import (
    CaptureConflict,
    CaptureError,
    ExternalConsent,
    record_external_consent,
)
from consentmail.web.deps import db, require_api_token
from consentmail.web.validation_errors import encodable

router = APIRouter(prefix="/api", dependencies=[Depends(require_api_token)])


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    email: str = Field(min_length=1, max_length=320)
    list_name: str | None = Field(default=None, alias="list", max_length=200)
    purposes: dict[str, StrictBool]  # explicit consent: JSON true, never "yes" or 1
    notice_versions: dict[str, str] = Field(default_factory=dict)
    source: str = Field(min_length=1, max_length=200)
    language: str = Field(min_length=2, max_length=8)
    collected_at: datetime | None = None
    ip: str | None = Field(default=None, max_length=64)


@router.post("/consent", status_code=201)
def post_consent(
    body: ConsentIn, response: Response, session: Session = Depends(db)
) -> dict[str, object]:
    try:
        result = record_external_consent(
            session,
            ExternalConsent(
                email=body.email,
                purposes=body.purposes,
                notice_versions=body.notice_versions,
                source=body.source,
                language=body.language,
                list_name=body.list_name,
                collected_at=body.collected_at,
                ip=body.ip or "",
            ),
        )
    except CaptureError as exc:
        # A field can be a key that was sent (purposes.<key>): made encodable, like any 422.
        loc = ["body", *(encodable(part) for part in exc.field.split("."))]
        conflict = isinstance(exc, CaptureConflict)  # contradicts a later recorded choice
        status, kind = (409, "conflict") if conflict else (422, "value_error")
        error = {"loc": loc, "msg": encodable(str(exc)), "type": kind}
        raise HTTPException(status, [error]) from None
    if result.duplicate:
        response.status_code = 200
    return {
        "event_ids": list(result.event_ids),
        "subscribed": result.subscribed,
        "duplicate": result.duplicate,
    }
