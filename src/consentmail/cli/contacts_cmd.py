"""`consentmail contacts ...`: import, export, show. Thin: the work is in consentmail.contacts."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from consentmail.cli.common import (
    console,
    fail,
    human_time,
    print_json,
    ready_settings,
    session,
)
from consentmail.consent.proof import answers, find_contact_by_email
from consentmail.contacts.columns import ImportFormatError
from consentmail.contacts.export import EXPORT_HEADER, UnknownList, contact_details, export_rows
from consentmail.contacts.segments import MAX_LAST_CAMPAIGNS, segment_members
from consentmail.contacts.service import ImportSummary, import_csv

contacts_app = typer.Typer(
    help="Import contacts from CSV exports, export a list, show one contact or a segment.",
    no_args_is_help=True,
)
SHOWN_REJECTIONS = 50  # the rest is in --json
SHOWN_EVENTS = 10  # `contacts show`: the latest ledger events (--json has 20, `consent proof` all)


@contacts_app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(
            help="CSV export (UTF-8, with or without BOM; separated by commas, semicolons or "
            "tabs)."
        )
    ],
    list_name: str = typer.Option(..., "--list", help="List to subscribe to (created if new)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count, write nothing."),
    force: bool = typer.Option(
        False, "--force",
        help="Let the file override unsubscribes and withdrawals (needs --source).",
    ),
    source: str | None = typer.Option(
        None, "--source", help="Who asked for --force and why (recorded with each change)."
    ),
    month_first: bool = typer.Option(
        False, "--month-first", help="Read 01/10/2024 as January 10 (default: 1 October)."
    ),
) -> None:
    """Import contacts and their consent; bad rows are reported, good rows imported."""
    if force and not (source and source.strip()):
        fail("--force needs --source TEXT: who asked for it and why, e.g. 'ticket 4711'")
    if source and not force:
        fail("--source is the reason for --force; give both or neither")
    if file.is_dir():
        fail(f"{file}: is a directory, not a CSV file")
    if not file.is_file():
        fail(f"{file}: no such file")
    settings = ready_settings()
    try:
        with session(settings) as sess:
            summary = import_csv(
                sess, file, list_name, dry_run=dry_run, force=force, force_source=source,
                day_first=not month_first,
            )
    except (ImportFormatError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        print_json(summary.as_dict())
    else:
        _print_summary(summary, dry_run, list_name)


def _print_summary(summary: ImportSummary, dry_run: bool, list_name: str) -> None:
    table = Table(title="Import (dry run: nothing written)" if dry_run else "Import")
    table.add_column("result")
    table.add_column("count", justify="right")
    # The summary counts a duplicate row as updated or unchanged; here it is a line of its own,
    # so each row shows once (on a first import, "unchanged" would be only duplicates).
    repeated_unchanged = summary.duplicates - summary.duplicates_updated
    for label, value in (
        ("created", summary.created),
        ("updated", summary.updated - summary.duplicates_updated),
        ("unchanged", summary.unchanged - repeated_unchanged),
        ("duplicate rows (same address earlier in this file)", summary.duplicates),
        ("kept (unsubscribed or withdrawn)", summary.kept),
        ("kept expired (yes undated or too old to renew)", summary.expired_kept),
        ("rejected", len(summary.rejected)),
    ):
        table.add_row(label, str(value))
    console.print(table)
    if summary.duplicates_updated:
        console.print(f"duplicate rows that changed their contact: {summary.duplicates_updated}"
                      " (rows apply in file order, the last one wins)",
                      highlight=False, soft_wrap=True)
    are = "would not be" if dry_run else "are not"
    console.print(
        Text(f"not subscribed to {list_name.strip()}: {summary.not_subscribed} contacts of this "
             f"file {are} (newsletter no, unsubscribed or no newsletter column), so the list's "
             "campaigns do not go to them"),
        soft_wrap=True,
    )
    if summary.ignored_columns:
        shown = ", ".join(summary.ignored_columns)
        console.print(f"Ignored columns (not read): {shown}", highlight=False, markup=False)
    for note in summary.notes:
        console.print(f"Note: {note}", highlight=False, markup=False)
    if summary.ip_dropped:
        console.print(
            f"consent_ip not kept ({summary.ip_dropped} rows): IP capture is off for this "
            "workspace (`consentmail consent ip-capture on` to keep truncated IPs)",
            highlight=False,
        )
    if not summary.rejected:
        return
    # Text, not markup: the file name and the reasons quote what the file says.
    rejected = Table(title=Text(f"Rejected rows of {summary.rejected[0].file}"))
    for column in ("line", "field", "reason"):
        rejected.add_column(column, overflow="fold")
    for r in summary.rejected[:SHOWN_REJECTIONS]:
        rejected.add_row(str(r.line), Text(r.field), Text(r.reason))
    console.print(rejected)
    if len(summary.rejected) > SHOWN_REJECTIONS:
        console.print(f"... and {len(summary.rejected) - SHOWN_REJECTIONS} more (see --json)")


@contacts_app.command("export")
def export(list_name: str = typer.Option(..., "--list", help="List to export.")) -> None:
    """Write the list's contacts as CSV to standard output."""
    settings = ready_settings()
    out = csv.writer(sys.stdout, lineterminator="\n")
    with session(settings) as sess:
        try:
            rows = export_rows(sess, list_name)
            out.writerow(EXPORT_HEADER)
            out.writerows(rows)
        except UnknownList as exc:
            fail(str(exc))


@contacts_app.command("segment")
def segment(
    list_name: str = typer.Option(..., "--list", help="List the segment is taken from."),
    engaged: int = typer.Option(
        ...,
        "--engaged",
        min=1,
        max=MAX_LAST_CAMPAIGNS,
        help="Opened or clicked one of the list's last N campaigns.",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Who is in the engaged segment `campaigns create --segment engaged:N` would send to.

    Only contacts subscribed to the list with newsletter, tracking and profiling consent granted
    can be in it: engagement is personal data used to choose recipients (R3, R9), and opens
    measured under a tracking consent withdrawn since no longer count (R14)."""
    settings = ready_settings()
    with session(settings) as sess:
        try:
            found = segment_members(sess, list_name, engaged)
        except UnknownList as exc:
            fail(str(exc))
    if as_json:
        print_json(found.as_dict())
        return
    campaigns = ", ".join(str(c) for c in found.campaigns) or "none sent yet"
    console.print(
        f"{len(found.emails)} contacts on {found.list_name} opened or clicked one of its last "
        f"{found.last_n} campaigns (ids: {campaigns}) and agreed to profiling",
        highlight=False,
        markup=False,
    )
    for address in found.emails:
        typer.echo(address)


@contacts_app.command("show")
def show(
    email: Annotated[str, typer.Argument(help="Address (any case or spacing).")],
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One contact: fields, lists, consent per purpose and recent ledger events."""
    settings = ready_settings()
    with session(settings) as sess:
        try:
            details = contact_details(sess, email)
            # The words `consent proof` uses too (an expiry is no refusal).
            words = answers(sess, find_contact_by_email(sess, email).id)
        except LookupError as exc:
            fail(str(exc.args[0]))
    if as_json:
        print_json(details)
        return
    console.print(f"[bold]{details['email']}[/]  {details['first_name']} {details['last_name']}"
                  f"  {details['country'] or ''} {details['language'] or ''}", highlight=False)
    consent = Table(title="Consent")
    for column in ("purpose", "state", "since", "source"):
        consent.add_column(column)
    for purpose in ("newsletter", "tracking", "profiling"):
        state = details["consent"].get(purpose)
        if state is None:
            consent.add_row(purpose, "no answer", "", "")
        else:
            consent.add_row(purpose, words[purpose], human_time(state["at"]),
                            Text(state["source"]))
    console.print(consent)
    lists = Table(title="Lists")
    for column in ("list", "status", "since", "source"):
        lists.add_column(column)
    for entry in details["lists"]:
        lists.add_row(Text(entry["list"]), entry["status"], human_time(entry["changed_at"]),
                      Text(entry["source"]))
    console.print(lists)
    recent = details["events"][-SHOWN_EVENTS:]
    events = Table(title=f"Ledger events (latest {len(recent)})")
    for column in ("id", "time", "purpose", "action", "source"):
        events.add_column(column, overflow="fold")
    for ev in recent:
        events.add_row(str(ev["id"]), human_time(ev["at"]), ev["purpose"], ev["action"],
                       Text(f"{ev['source']} ({ev['method']})"))
    console.print(events)
    console.print(Text(f"every event with its evidence: consentmail consent proof "
                       f"{details['email']}"), soft_wrap=True)
