"""`consentmail retention ...`: the retention purge on demand (`serve` also runs it daily)."""

from __future__ import annotations

import typer

from consentmail.cli.common import console, print_json, ready_settings, session

retention_app = typer.Typer(help="Retention of tracking data.", no_args_is_help=True)


@retention_app.command("run")
def retention_run(
    as_json: bool = typer.Option(False, "--json", help="Print counts as JSON."),
) -> None:
    """Delete tracking data past its retention, per data class; prints and logs counts only."""
    from consentmail.privacy.retention import retention_days, run_retention

    s = ready_settings()
    with session(s) as sess:
        deleted = run_retention(sess, s)
    days = retention_days(s)
    if as_json:
        print_json({"deleted": deleted, "retention_days": days})
        return
    for name, count in deleted.items():
        console.print(f"{name}: {count} deleted (kept {days[name]} days)")
