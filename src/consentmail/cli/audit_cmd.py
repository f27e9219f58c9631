"""`consentmail audit FILE [SECOND_FILE] [--json] [--html OUT]`: a thin layer over the audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from consentmail.audit import AuditReport, NotAnEmail, audit_bytes, audit_pair
from consentmail.audit.engine import MAX_INPUT
from consentmail.audit.report_html import render_html

console = Console()
err_console = Console(stderr=True)
_STYLE = {"individual": "bold red", "individual-refusable": "bold yellow",
          "aggregate": "yellow", "none": "green"}


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_INPUT + 1)
    except OSError as exc:
        err_console.print(f"[bold red]error:[/] cannot read {escape(str(path))}: "
                          f"{escape(exc.strerror or str(exc))}")
        raise typer.Exit(1) from None


def _audit(path: Path) -> AuditReport:
    try:
        return audit_bytes(_read(path), source=path.name)
    except NotAnEmail as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(path))}: {escape(str(exc))}")
        raise typer.Exit(1) from None


def audit_command(
    file: Annotated[
        Path,
        typer.Argument(help="An .eml message or an .html body (anything else is an error)."),
    ],
    second: Annotated[
        Path | None,
        typer.Argument(help="The same message as sent to another recipient: finds personal "
                       "tokens."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write an HTML report to OUT.")
    ] = None,
) -> None:
    """Audit an email for trackers, personal tokens and unsubscribe conformance."""
    report = _audit(file)
    if second is not None:
        report = audit_pair(report, _audit(second))
    if html_out is not None:
        try:
            html_out.write_text(render_html(report), encoding="utf-8")
        except OSError as exc:
            err_console.print(f"[bold red]error:[/] cannot write {escape(str(html_out))}: "
                              f"{escape(exc.strerror or str(exc))}")
            raise typer.Exit(1) from None
    if json_out:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    show(report)
    if html_out is not None:
        console.print(f"HTML report written to {escape(str(html_out))}")


def show(report: AuditReport, limit: int = 40) -> None:
    """Human-readable summary on the terminal."""
    v = report.verdict
    title = escape(report.source) + (f" vs {escape(report.second_source)}"
                                     if report.second_source else "")
    console.print(f"[bold]{title}[/]" + (f"  {escape(report.subject)}" if report.subject else ""))
    presumed = "" if v.confirmed or v.code == "none" else " (one copy: presumed)"
    console.print(f"verdict: [{_STYLE[v.code]}]{escape(v.label)}[/]{presumed}")
    for reason in v.reasons:
        console.print(f"  - {escape(reason)}")
    if report.vendors:
        console.print(f"vendors: {escape(', '.join(report.vendors))}")
    if report.findings:
        table = Table()
        table.add_column("what", no_wrap=True)
        table.add_column("vendor")
        table.add_column("line", justify="right", no_wrap=True)
        table.add_column("URL", overflow="fold", ratio=1)
        table.add_column("personal", no_wrap=True)
        for f in report.findings[:limit]:
            url = f.url if len(f.url) <= 160 else f.url[:157] + "..."
            if f.destination:
                url += f"\n-> {f.destination[:157]}"
            personal = {True: "yes", False: "no", None: "?"}[f.personal]
            table.add_row(f.category, ", ".join(f.vendors), str(f.line or ""), escape(url),
                          personal)
        console.print(table)
        if len(report.findings) > limit:
            console.print(f"... and {len(report.findings) - limit} more (use --json or --html)")
    if report.personal_tokens:
        opens = sum(t.auto_loaded for t in report.personal_tokens)
        console.print(f"personal tokens: {len(report.personal_tokens)} "
                      f"({opens} loaded on open, {len(report.personal_tokens) - opens} on click)")
        for t in report.personal_tokens[:5]:
            console.print(f"  {escape(t.part)}: {escape(t.value_a[:40])} / "
                          f"{escape(t.value_b[:40])}  ({t.purpose}, line {t.line_a or '?'})")
    u = report.unsubscribe
    if u is not None:
        state = "one-click" if u.one_click else ("present" if u.present else "missing")
        console.print(f"List-Unsubscribe: {state}; DKIM: {u.dkim}")
        for issue in u.issues:
            console.print(f"  - {escape(issue)}")
    for note in report.notes:
        console.print(f"note: {escape(note)}")
