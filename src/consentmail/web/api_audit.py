"""``POST /api/audit``: upload an .eml or .html (and optionally a second recipient's copy), get the
audit report as JSON; a file that is neither an email nor an HTML document gets a 422 naming the
field, the file and the reason. Authentication is added where the router is mounted."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, UploadFile
from starlette.concurrency import run_in_threadpool

from consentmail.audit import AuditReport, NotAnEmail, audit_bytes, audit_pair
from consentmail.audit.engine import MAX_INPUT

router = APIRouter()


async def _read(upload: UploadFile) -> bytes:
    return await upload.read(MAX_INPUT + 1)


def _one(data: bytes, field: str, name: str) -> AuditReport:
    try:
        return audit_bytes(data, source=name)
    except NotAnEmail as exc:
        error = {"loc": ["body", field], "msg": f"{name}: {exc}", "type": "value_error"}
        raise HTTPException(422, [error]) from None


def _audit(first: bytes, name: str, second: bytes | None, second_name: str) -> AuditReport:
    report = _one(first, "file", name)
    if second is not None:
        report = audit_pair(report, _one(second, "second", second_name))
    return report


@router.post("/api/audit")
async def audit_upload(
    file: Annotated[UploadFile, File(description="An .eml message or an .html body.")],
    second: Annotated[
        UploadFile | None,
        File(description="The same message sent to another recipient: finds personal tokens."),
    ] = None,
) -> dict[str, Any]:
    """Audit an email for trackers, personal tokens and unsubscribe conformance."""
    first = await _read(file)
    other = await _read(second) if second is not None else None
    report = await run_in_threadpool(
        _audit, first, file.filename or "upload", other,
        (second.filename or "second") if second is not None else "",
    )
    return report.to_dict()
