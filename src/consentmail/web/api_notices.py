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
    current_ids,
    notice_dict,
    notice_rows,
    store_notice,
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
    """Every stored notice (optionally of one purpose and/or language), oldest first; `current`
    marks the version added last per purpose and language, the one forms and pages show. An
    unknown purpose or language is a 422 naming the query parameter."""
    try:
        return notice_rows(session, purpose, language)
    except NoticeError as exc:
        raise HTTPException(422, f"query parameter {exc.field}: {exc}") from None


@router.post("/notices", status_code=201)
def post_notice(
    body: NoticeIn, response: Response, session: Session = Depends(db)
) -> dict[str, Any]:
    """Add a notice version; it becomes the current one of its purpose and language. 201 when
    stored, 200 when the identical text was already there, 409 when that version and language
    exist with different text, 422 for invalid fields (control characters: line and column)."""
    try:
        notice, added = store_notice(
            session, body.purpose, body.version, body.language, body.text
        )
    except NoticeConflict as exc:
        raise HTTPException(409, str(exc)) from None
    except NoticeError as exc:
        raise HTTPException(422, str(exc)) from None
    session.commit()
    if not added:
        response.status_code = 200
    return notice_dict(notice, current=notice.id in current_ids(session))
