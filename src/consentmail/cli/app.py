"""The `consentmail` command and its sub-commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import typer
from rich.markup import escape

from consentmail.cli.audit_cmd import audit_command
from consentmail.cli.campaigns_cmd import campaigns_app
from consentmail.cli.common import console, fail, ready_settings, redacted_url, session
from consentmail.cli.consent_cmd import consent_app, notices_app, policy_app
from consentmail.cli.contacts_cmd import contacts_app
from consentmail.cli.privacy_cmd import retention_app
from consentmail.config import Settings
from consentmail.consent.notices import seed_if_no_notices

app = typer.Typer(no_args_is_help=True, help="consentmail: consent-aware email campaigns.")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(contacts_app, name="contacts")
app.add_typer(consent_app, name="consent")
app.add_typer(notices_app, name="notices")
app.add_typer(policy_app, name="policy")
app.add_typer(retention_app, name="retention")
app.command("audit")(audit_command)


@app.command("init")
def init(
    demo: bool = typer.Option(False, "--demo", help="Load a small demo workspace when empty."),
) -> None:
    """Create or upgrade the database schema (idempotent)."""
    s = ready_settings()
    console.print(f"database ready: {redacted_url(s.database_url)}", highlight=False)
    with session(s) as sess:
        # The hosted form stays off until notices exist; the pages would show these defaults.
        seeded = seed_if_no_notices(sess)
    if seeded:
        console.print(f"default notices stored ({seeded}): review them with "
                      "`consentmail notices list`", highlight=False)
    if demo:
        _load_demo(s)
    console.print(
        f"admin: {s.public_url}/admin (user admin, password in "
        f"{s.data_dir / 'api_token'} or CONSENTMAIL_API_TOKEN)"
    )


def _load_demo(s: Settings) -> None:
    from consentmail.demo import DemoError, load_demo

    try:
        with session(s) as sess:
            loaded = load_demo(sess, s)
    except DemoError as exc:
        fail(escape(str(exc)))
    if loaded is None:
        console.print("workspace not empty: demo not loaded")
        return
    cid = loaded.campaign_id
    console.print(
        f"demo loaded: {loaded.contacts} contacts, campaign {cid} (send it with "
        f"`.venv/bin/consentmail campaigns send {cid}`: the server's worker delivers it)",
        highlight=False,
    )


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="Run the in-process worker."),
) -> None:
    """Serve tracking, recipient pages, API and admin (with an in-process delivery worker)."""
    import uvicorn

    from consentmail.web.app import create_app

    s = ready_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app_ = create_app(s, run_worker=worker and s.run_worker)
    # access_log off: the access log would carry tokens and client IPs (R21, issue 5).
    uvicorn.run(
        app_, host=host, port=port, access_log=False, proxy_headers=False, server_header=False
    )


@app.command("worker")
def worker() -> None:
    """Run a delivery worker (any number may run against one PostgreSQL database)."""
    from consentmail.campaigns.runner import deliver

    s = ready_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(deliver(s, None))


def main() -> None:
    app()
