"""``/api/notices``: list and add the versioned notice texts consent events point at (bearer token).

Mount with ``app.include_router(api_notices.router)``; the router carries its own authentication.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from consentmail.consent.notices import (
    MAX_TEXT,
    NoticeConflict,
    NoticeError,
    add_notice,
    list_notices,
    notice_dict,
)
from consentmail.web.deps import db, require_api_token

router = APIRouter(prefix="/api", dependencies=[Depends(require_api_token)])


class NoticeIn(BaseModel):
    purpose: str = Field(min_length=1, max_length=32)
    version: str = Field(min_length=1, max_length=64)
    language: str = Field(min_length=2, max_length=8)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


@router.get("/notices")
def get_notices(
    purpose: str | None = None, language: str | None = None, session: Session = Depends(db)
) -> list[dict[str, Any]]:
    """Every stored notice (optionally of one purpose and/or language), oldest first."""
    return [notice_dict(n) for n in list_notices(session, purpose, language)]


@router.post("/notices", status_code=201)
def post_notice(
    body: NoticeIn, response: Response, session: Session = Depends(db)
) -> dict[str, Any]:
    """Add a notice version. 201 when stored, 200 when the identical text was already there,
    409 when that version and language exist with different text, 422 for invalid fields."""
    before = {n.id for n in list_notices(session, body.purpose, body.language)}
    try:
        notice = add_notice(session, body.purpose, body.version, body.language, body.text)
    except NoticeConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except NoticeError as exc:
        raise HTTPException(422, str(exc)) from None
    session.commit()
    if notice.id in before:
        response.status_code = 200
    return notice_dict(notice)
