"""POST /api/messages: one transactional, security or mandatory message (bearer token).

202 with the queued message's id; a repeated idempotency key answers 200 with the same id (the
message is queued once, so sent once); the same key for a different message answers 409.
The key is the body's ``idempotency_key`` or the ``Idempotency-Key`` header.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from consentmail.campaigns.transactional import (
    MessageRequest,
    TransactionalError,
    send_transactional,
)
from consentmail.config import Settings
from consentmail.web.api_fields import MailName
from consentmail.web.deps import db, require_api_token, settings_of

router = APIRouter(prefix="/api", dependencies=[Depends(require_api_token)])


class MessageIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    to: str = Field(min_length=3, max_length=320)
    category: Literal["transactional", "security", "mandatory"]
    subject: str | None = Field(None, min_length=1, max_length=998)
    from_addr: str | None = Field(None, alias="from", min_length=3, max_length=320)
    from_name: MailName = ""
    template: str | None = Field(None, min_length=1)
    template_id: int | None = None
    text: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    measure: Literal["none", "aggregate", "individual"] = "none"
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


@router.post("/messages", status_code=202)
def post_message(
    body: MessageIn,
    response: Response,
    idempotency_header: str | None = Header(None, alias="Idempotency-Key", max_length=200),
    settings: Settings = Depends(settings_of),
    session: Session = Depends(db),
) -> dict[str, Any]:
    key = body.idempotency_key or idempotency_header
    if body.idempotency_key and idempotency_header and body.idempotency_key != idempotency_header:
        raise HTTPException(422, "idempotency_key and the Idempotency-Key header differ")
    request = MessageRequest(
        to=body.to,
        category=body.category,
        subject=body.subject,
        from_addr=body.from_addr,
        from_name=body.from_name,
        template=body.template,
        template_id=body.template_id,
        text=body.text,
        data=body.data,
        measure=body.measure,
        idempotency_key=key,
    )
    try:
        queued = send_transactional(
            session,
            request,
            k_min=settings.k_min,
            default_jurisdiction=settings.default_jurisdiction,
        )
    except TransactionalError as exc:
        session.rollback()
        raise HTTPException(exc.status, str(exc)) from None
    except ValueError as exc:  # a header value the renderer refuses (CR/LF in the subject...)
        session.rollback()
        raise HTTPException(422, str(exc)) from None
    session.commit()
    if not queued.created:
        response.status_code = 200
    return queued.as_dict()
