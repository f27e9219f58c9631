"""422 answers for request validation: where and what, never the value that was sent.

FastAPI's default handler echoes each rejected input back. That made a 30 MB text a 30 MB
answer, and a JSON string holding a lone surrogate ("sh\\ud800op") a 500, because such a string
cannot be encoded as UTF-8 in the answer. Here each error keeps its location, message and type;
every string is made encodable and short, and a body with very many errors gets the first few.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_ERRORS = 20
MAX_TEXT = 300  # characters of a message or of one location part


def encodable(text: str) -> str:
    """`text` as it can be sent: lone surrogates become \\udxxx escapes; cut to MAX_TEXT."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _error(error: dict[str, Any]) -> dict[str, Any]:
    loc = [part if isinstance(part, int) else encodable(str(part)) for part in error["loc"]]
    msg = str(error["msg"])
    if error["type"] == "json_invalid" and (why := (error.get("ctx") or {}).get("error")):
        msg = f"{msg}: {why}"  # the parser's words ("Expecting value"), not the input
    return {"loc": loc, "msg": encodable(msg), "type": str(error["type"])}


def validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = list(exc.errors())
    detail = [_error(e) for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        detail.append({"loc": [], "msg": f"{more} more errors not shown", "type": "too_many"})
    return detail


async def _answer(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": validation_detail(exc)}, status_code=422)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _answer)
