"""The ASGI application: raw tracking routes in front, FastAPI for pages, API and admin.

Route table (who may call what):
  public   GET|HEAD       /o/...  /c/...              tracking (raw ASGI, no DB on the hot path)
  public   GET|HEAD|POST  /u/{t}  /t/{t}  /p/{t}      recipient pages (the token is the credential)
  public   GET|HEAD       /p/{t}/data[.json]  /privacy  /healthz  /
  public   GET|HEAD|POST  /subscribe/{list}  /confirm/{t}    hosted forms, double opt-in
  api      /api/...                                   bearer token
  admin    /admin/...                                 HTTP basic (admin + API token)
A public page answers HEAD like GET without the body (web/recipient.py `page`); neither changes
anything (law 4): every change is a POST. Request bodies are capped (web/limits.py: 64 KiB for
public routes, 1 MiB for the API) and a validation error never echoes the input sent
(web/validation_errors.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp

from consentmail.config import Settings
from consentmail.privacy.schedule import DAY, RetentionTask
from consentmail.tracking.asgi import TrackingApp
from consentmail.tracking.ingest import Ingest
from consentmail.tracking.resolver import Resolver
from consentmail.web import (
    admin,
    api,
    api_audit,
    api_consent,
    api_messages,
    api_notices,
    forms,
    pages,
    privacy_page,
    validation_errors,
)
from consentmail.web.access_log import install as redact_server_logs
from consentmail.web.deps import require_api_token
from consentmail.web.limits import BodyLimit
from consentmail.web.nul_guard import NulGuard
from consentmail.web.recipient import PAGE_METHODS

log = logging.getLogger("consentmail.web")


async def _keep_delivering(settings: Settings, stop: asyncio.Event, pause: float = 5.0) -> None:
    """The in-process worker, restarted after a pause if it dies (a database outage, say)."""
    from consentmail.campaigns.runner import deliver

    while not stop.is_set():
        try:
            await deliver(settings, None, stop=stop)
        except Exception as exc:  # noqa: BLE001 - any failure: report it, wait, start again
            # Type and message only: no traceback with local values (secrets stay out of logs).
            log.error("delivery worker stopped (%s: %s); restarting", type(exc).__name__, exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)


def create_app(
    settings: Settings,
    *,
    run_worker: bool | None = None,
    retention_interval: float | None = DAY,
) -> ASGIApp:
    """`retention_interval`: seconds between retention purges (the first runs at start-up);
    None runs none."""
    redact_server_logs()  # no client address or token in uvicorn's lines (issue 5, item 5)
    ingest = Ingest(
        settings.database_url,
        flush_interval=settings.flush_interval,
        flush_size=settings.flush_size,
        k_min=settings.k_min,
    )
    worker_on = settings.run_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(ingest.run(), name="tracking-flush")]
        stop = asyncio.Event()
        if worker_on:
            tasks.append(asyncio.create_task(_keep_delivering(settings, stop), name="worker"))
        if retention_interval is not None:
            purge = RetentionTask(settings, interval=retention_interval)
            tasks.append(asyncio.create_task(purge.run(), name="retention"))
        try:
            yield
        finally:
            stop.set()
            # Graceful shutdown: every buffered hit is flushed before the process ends.
            await ingest.aclose()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    app = FastAPI(
        title="consentmail",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.ingest = ingest
    validation_errors.install(app)
    app.add_middleware(BodyLimit)  # 413 before an oversized body is read (not /o, /c: raw)
    app.add_middleware(NulGuard)  # U+0000 refused before any look-up (PostgreSQL can't hold it)
    app.include_router(pages.router)
    app.include_router(privacy_page.router)
    app.include_router(api.router)
    app.include_router(api_audit.router, dependencies=[Depends(require_api_token)])
    app.include_router(forms.router)  # public: /subscribe/{slug}, /confirm/{token}
    app.include_router(api_consent.router)  # bearer token required by the router itself
    app.include_router(api_notices.router)  # /api/notices, bearer token in the router
    app.include_router(api_messages.router)  # /api/messages, bearer token in the router
    app.include_router(admin.router)

    @app.api_route("/", methods=PAGE_METHODS, include_in_schema=False)
    def root() -> dict[str, str]:
        return {"service": "consentmail", "privacy": "/privacy", "admin": "/admin"}

    @app.api_route("/healthz", methods=PAGE_METHODS, include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return TrackingApp(Resolver(settings.database_url), ingest, app)
