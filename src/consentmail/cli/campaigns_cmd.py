"""`consentmail campaigns ...`"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from consentmail.campaigns.compose import (
    CampaignError,
    CampaignSpec,
    create_campaign,
    read_template,
)
from consentmail.campaigns.preflight import (
    PreflightBlocked,
    accept_links,
    describe,
    preflight,
)
from consentmail.campaigns.queue import queue_campaign
from consentmail.campaigns.runner import deliver
from consentmail.cli.common import (
    campaign_or_fail,
    console,
    fail,
    print_json,
    ready_settings,
    session,
)
from consentmail.db.models import Campaign, Message
from consentmail.render import TemplateError
from consentmail.reports.campaign import campaign_report, status_counts

campaigns_app = typer.Typer(help="Create, send and report on campaigns.", no_args_is_help=True)


@campaigns_app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="Campaign name."),
    template: Path = typer.Option(
        ..., "--template", help="HTML template file, or MJML (.mjml or starting with <mjml>)."
    ),
    subject: str = typer.Option(..., "--subject"),
    from_addr: str = typer.Option(..., "--from", help="Sender address."),
    list_name: str | None = typer.Option(
        None, "--list", help="List to send to (an existing one: `contacts import` creates lists)."
    ),
    from_name: str = typer.Option("", "--from-name"),
    text: Path | None = typer.Option(None, "--text", help="Plain-text template (else derived)."),
    category: str = typer.Option(
        "marketing",
        "--category",
        help="marketing | mandatory (to a list); transactional | security (no list: a template "
        "for POST /api/messages)",
    ),
    measure: str = typer.Option("individual", "--measure", help="individual | aggregate | none"),
    inline: bool = typer.Option(
        False, "--inline-css", help="Move <style> rules into style attributes (css-inline)."
    ),
    segment: str | None = typer.Option(
        None,
        "--segment",
        help="engaged:N sends only to contacts who opened or clicked one of the list's last N "
        "campaigns and agreed to profiling (computed when sent; see `contacts segment`).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a campaign from a template; prints its id.

    Marketing and mandatory mail go to a list; security and transactional mail is sent one
    person at a time through the transactional API (POST /api/messages)."""
    s = ready_settings()
    try:
        spec = CampaignSpec(
            name=name,
            subject=subject,
            from_addr=from_addr,
            html=read_template(template),
            template_name=template.name,
            list_name=list_name,
            from_name=from_name,
            category=category,
            measure=measure,
            text=read_template(text) if text else None,
            inline_css=inline,
            segment=segment,
        )
        with session(s) as sess:
            campaign = create_campaign(sess, spec)
            cid = campaign.id
    except (CampaignError, TemplateError) as exc:
        fail(str(exc))
    if as_json:
        print_json({"id": cid})
    else:
        typer.echo(cid)


def progress_counts(s, campaign_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with session(s) as sess:
        rows = status_counts(sess, campaign_id)
    total = sum(rows.values())
    done = sum(rows.get(k, 0) for k in ("sent", "failed", "bounced"))
    return done, total


def _retry_note(s, campaign_id: int) -> str:  # type: ignore[no-untyped-def]
    """Why messages wait for a retry (the SMTP reply), so a dead relay is never a silent hang."""
    with session(s) as sess:
        waiting, reply = sess.execute(
            select(func.count(), func.max(Message.smtp_reply)).where(
                Message.campaign_id == campaign_id,
                Message.status == "queued",
                Message.attempts > 0,
            )
        ).one()
    return f"{waiting} waiting to retry: {reply}" if waiting else ""


@campaigns_app.command("send")
def send(
    campaign_id: int = typer.Argument(..., help="Campaign id."),
    wait: bool = typer.Option(False, "--wait", help="Deliver now and wait until done."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Queue a campaign (one policy decision per recipient); with --wait, deliver it too."""
    s = ready_settings()
    with session(s) as sess:
        campaign = campaign_or_fail(sess, campaign_id)
        if campaign.list_id is None:
            fail(f"campaign {campaign_id} has no list; use the transactional API for single mail")
        try:
            summary = queue_campaign(
                sess, campaign, k_min=s.k_min, default_jurisdiction=s.default_jurisdiction
            )
        except PreflightBlocked as exc:
            fail(f"not sent: the preflight blocks it\n{escape(str(exc))}")
        except ValueError as exc:
            fail(escape(str(exc)))
        segment = campaign.segment
    if not as_json:
        outside = (
            f"; outside the segment {segment}: {summary.outside_segment}" if segment else ""
        )
        console.print(
            f"queued {summary.queued} (not sent: {summary.not_sent} without newsletter consent, "
            f"unsubscribed or suppressed{outside}; already queued: {summary.already_queued}); "
            f"tracking personal {summary.modes['personal']}, aggregate "
            f"{summary.modes['aggregate']}, none {summary.modes['none']}",
            highlight=False,
        )
    if wait:
        deliver_with_progress(s, campaign_id, quiet=as_json)
    if as_json:
        done, total = progress_counts(s, campaign_id)
        print_json(
            {
                "queued": summary.queued,
                "not_sent": summary.not_sent,
                "outside_segment": summary.outside_segment,
                "tracking": summary.modes,
                "delivered": done if wait else 0,
                "total": total,
            }
        )


def deliver_with_progress(s, campaign_id: int, quiet: bool) -> None:  # type: ignore[no-untyped-def]
    async def run() -> None:
        task = asyncio.create_task(deliver(s, campaign_id))
        if quiet:
            await task
            return
        columns = (TextColumn("delivering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as bar:
            done, total = progress_counts(s, campaign_id)
            tid = bar.add_task("send", total=total, completed=done)
            shown = ""
            while not task.done():
                await asyncio.sleep(0.3)
                done, total = await asyncio.to_thread(progress_counts, s, campaign_id)
                bar.update(tid, completed=done, total=total)
                note = await asyncio.to_thread(_retry_note, s, campaign_id)
                if note and note != shown:
                    console.print(
                        f"[yellow]{escape(note)}[/] (Ctrl-C stops waiting; delivery resumes "
                        "with any worker)",
                        highlight=False,
                    )
                shown = note
            await task
            done, total = progress_counts(s, campaign_id)
            bar.update(tid, completed=done, total=total)

    started = time.monotonic()
    asyncio.run(run())
    if not quiet:
        console.print(
            f"done in {time.monotonic() - started:.1f}s: {outcome(s, campaign_id)}", highlight=False
        )


def outcome(s, campaign_id: int) -> str:  # type: ignore[no-untyped-def]
    """What delivery came to: sent, failed and bounced, and where to read why."""
    with session(s) as sess:
        counts = status_counts(sess, campaign_id)
        sent, failed, bounced = (counts.get(k, 0) for k in ("sent", "failed", "bounced"))
        said = f"{sent} sent, {failed} failed, {bounced} bounced"
        if failed or bounced:
            reply = sess.scalar(
                select(Message.smtp_reply)
                .where(Message.campaign_id == campaign_id,
                       Message.status.in_(("failed", "bounced")))
                .order_by(Message.id)
                .limit(1)
            )
            said += f"; the first reply: {reply}"
    return said


@campaigns_app.command("preflight")
def preflight_command(
    campaign_id: int = typer.Argument(..., help="Campaign id."),
    accept: bool = typer.Option(
        False, "--accept-links", help="Accept recipient data in links (never in loaded resources)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check a campaign for recipient data in URLs and third-party trackers before sending."""
    s = ready_settings()
    with session(s) as sess:
        campaign = campaign_or_fail(sess, campaign_id)
        if accept:
            accept_links(sess, campaign)
        report = preflight(sess, campaign, s)
    if as_json:
        print_json(report.to_dict())
    else:
        verdict = "[bold red]BLOCKED[/]" if report.blocked else "[green]ok to send[/]"
        console.print(f"campaign {campaign_id}: {verdict}", highlight=False)
        for issue in report.issues:
            console.print(f"  {describe(issue)}", highlight=False, markup=False)
        if report.links_accepted:
            console.print("  recipient data in links accepted by the author", highlight=False)
        elif any(i.acceptable and i.severity == "block" for i in report.issues):
            console.print(
                f"  links only: --accept-links accepts them (`consentmail campaigns preflight "
                f"{campaign_id} --accept-links`)",
                highlight=False,
                markup=False,
            )
    if report.blocked:
        raise typer.Exit(1)


@campaigns_app.command("report")
def report(
    campaign_id: int = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What was sent, how it was measured, and what recipients did."""
    s = ready_settings()
    with session(s) as sess:
        campaign_or_fail(sess, campaign_id)
        try:
            data = campaign_report(sess, campaign_id, s.k_min)
        except LookupError as exc:
            fail(str(exc))
    if as_json:
        print_json(data)
        return
    table = Table(title=f"Campaign {campaign_id}: {data['campaign']['name']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("sent", data["sent"]),
        ("failed", data["failed"]),
        ("bounced", data["bounced"]),
        ("tracked personally", data["tracking"]["personal"]),
        ("counted in aggregate only", data["tracking"]["aggregate"]),
        ("not measured", data["tracking"]["none"]),
        ("unique personal opens", data["opens"]["personal_unique"]),
        ("aggregate opens", data["opens"]["aggregate"]),
        ("unique personal clicks", data["clicks"]["personal_unique"]),
        ("aggregate clicks", data["clicks"]["aggregate"]),
        ("machine opens (not engagement)", data["machine"]["opens"]),
        ("machine clicks (not engagement)", data["machine"]["clicks"]),
        ("unsubscribed", data["unsubscribed"]),
        ("stopped tracking", data["stopped_tracking"]),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)


@campaigns_app.command("list")
def list_campaigns() -> None:
    """All campaigns."""
    s = ready_settings()
    with session(s) as sess:
        rows = sess.scalars(
            select(Campaign).where(Campaign.status != "transactional").order_by(Campaign.id)
        ).all()
        table = Table("id", "name", "status", "category", "measure")
        for c in rows:
            table.add_row(str(c.id), c.name, c.status, c.category, c.measure)
    console.print(table)
