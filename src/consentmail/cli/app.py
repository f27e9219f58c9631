"""The `consentmail` command and its sub-commands."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging

import typer

from consentmail.cli.audit_cmd import audit_command
from consentmail.cli.campaigns_cmd import campaigns_app
from consentmail.cli.common import console, fail, print_json, ready_settings, session
from consentmail.cli.contacts_cmd import contacts_app

app = typer.Typer(no_args_is_help=True, help="consentmail: consent-aware email campaigns.")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(contacts_app, name="contacts")
app.command("audit")(audit_command)


@app.command("init")
def init(
    demo: bool = typer.Option(False, "--demo", help="Load a small demo workspace when empty."),
) -> None:
    """Create or upgrade the database schema (idempotent)."""
    s = ready_settings()
    console.print(f"database ready: {_redacted(s.database_url)}")
    if demo:
        from consentmail.demo import load_demo

        with session(s) as sess:
            cid = load_demo(sess, s)
        if cid is None:
            console.print("workspace not empty: demo not loaded")
        else:
            console.print(
                f"demo loaded: 40 contacts, campaign {cid} (send it from the admin or "
                f"`consentmail campaigns send {cid} --wait`)"
            )
    console.print(
        f"admin: {s.public_url}/admin (user admin, password in "
        f"{s.data_dir / 'api_token'} or CONSENTMAIL_API_TOKEN)"
    )


def _redacted(url: str) -> str:
    """Database URLs may carry a password: never print it."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


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


consent_app = typer.Typer(help="The consent ledger.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")


@consent_app.command("verify")
def consent_verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """Check the whole hash chain of the consent ledger; names the first broken record."""
    from consentmail.consent import verify_chain

    s = ready_settings()
    with session(s) as sess:
        result = verify_chain(sess)
    if as_json:
        print_json(dataclasses.asdict(result))
    elif result.ok:
        console.print(f"ledger intact: {result.checked} events checked")
    if not result.ok:
        fail(
            f"ledger broken at event {result.first_broken_id}: {result.problem} "
            f"({result.checked} events before it are intact)"
        )


def main() -> None:
    app()
