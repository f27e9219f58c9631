"""`consentmail consent|notices|policy ...`: thin commands over consent/ (ledger, notices, proof,
expiry, overrides) and the policy explanation."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from consentmail.campaigns.permission_mail import (
    PermissionMailError,
    PermissionMailSummary,
    Sender,
    ask_again,
    default_sender,
    send_legacy_notice,
)
from consentmail.cli.campaigns_cmd import deliver_with_progress, progress_counts
from consentmail.cli.common import (
    console,
    fail,
    human_time,
    print_json,
    ready_settings,
    session,
)
from consentmail.config import Settings
from consentmail.consent.expiry import ExpiryError, expire_due, expiry_days, set_expiry_days
from consentmail.consent.explain import ExplainError, explain
from consentmail.consent.ip_capture import ip_capture_enabled, set_ip_capture
from consentmail.consent.ledger import LedgerError
from consentmail.consent.notice_text import read_notice_file
from consentmail.consent.notices import (
    NoticeError,
    current_ids,
    current_notice,
    notice_dict,
    notice_rows,
    seed_default_notices,
    store_notice,
)
from consentmail.consent.overrides import (
    OverrideError,
    clear_override,
    profile_overrides,
    set_override,
)
from consentmail.consent.proof import UnknownContact, proof_for
from consentmail.consent.verify import ChainCheck, parse_anchor, verify_ledger
from consentmail.policy import PROFILES

consent_app = typer.Typer(
    help="The consent ledger: verify, proof, expiry; asking again (R10), legacy notices (R11).",
    no_args_is_help=True,
)
notices_app = typer.Typer(help="Versioned notice texts per purpose and language.",
                          no_args_is_help=True)
policy_app = typer.Typer(help="Policy profiles: explain a decision, workspace overrides.",
                         no_args_is_help=True)


# --- consent ---------------------------------------------------------------------------------
@consent_app.command("verify")
def consent_verify(
    head: str | None = typer.Option(
        None, "--head", metavar="ID:HASH",
        help="A head printed by an earlier run and kept outside the database (a ticket, a log): "
        "that event must still be there with that hash, so a removed tail or a rewritten and "
        "re-hashed chain up to it is found.",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check the consent ledger's hash chain, the derived state against it (a cut-off tail
    leaves states pointing at missing events) and the notice texts the events name; names the
    first broken record. Prints the head (last event id and hash): record it to anchor later
    runs."""
    try:
        anchor = parse_anchor(head) if head is not None else None
    except LedgerError as exc:
        fail(f"--head: {escape(str(exc))}")
    s = ready_settings()
    with session(s) as sess:
        result = verify_ledger(sess, anchor)
    if as_json:
        print_json(dataclasses.asdict(result))
    elif result.ok:
        console.print(f"ledger intact: {result.checked} events checked, "
                      f"{result.states_checked} consent states match their latest event",
                      soft_wrap=True)
        console.print(f"{result.notices_checked} notice texts match their sha256")
        if anchor is not None:
            console.print(f"anchor event {anchor.id} is there with the hash recorded: nothing up "
                          "to it was removed or rewritten")
        _print_head(result)
    if not result.ok:
        fail(escape(_verify_failure(result, head)))


def _print_head(result: ChainCheck) -> None:
    if result.head_id is None:
        console.print("head: none (the ledger is empty)")
        return
    anchor = f"{result.head_id}:{result.head_hash}"
    # One line, never wrapped: it is meant to be copied into a ticket as it is.
    console.print(f"head: {anchor}", soft_wrap=True, highlight=False)
    console.print("record the head outside the database; `consentmail consent verify --head "
                  f"{result.head_id}:…` later proves nothing up to it was removed or rewritten",
                  soft_wrap=True, highlight=False)


def _verify_failure(result: ChainCheck, head: str | None) -> str:
    if result.kind == "state":
        return (f"ledger and consent state disagree: {result.problem} "
                f"(hash chain of {result.checked} events intact)")
    if result.kind == "anchor":
        return f"ledger does not match the anchor {head}: {result.problem}"
    if result.kind == "notice":
        return (f"notice texts do not match the ledger: {result.problem} (hash chain of "
                f"{result.checked} events and {result.states_checked} consent states intact)")
    where = "" if "missing" in result.problem else f" at event {result.first_broken_id}"
    return (f"ledger broken{where}: {result.problem} "
            f"({result.checked} events before it are intact)")


@consent_app.command("proof")
def consent_proof(
    email: str = typer.Argument(..., help="The person's address."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The full proof of consent for one person: every event with its notice text, and the state."""
    s = ready_settings()
    try:
        with session(s) as sess:
            proof = proof_for(sess, email)
    except UnknownContact as exc:
        if as_json:  # a script asked for JSON: it gets JSON, errors included
            print_json({"error": str(exc)})
            raise typer.Exit(1) from None
        fail(escape(str(exc)))
    if as_json:
        print_json(proof)
    else:
        _print_proof(proof)


def _print_proof(proof: dict[str, Any]) -> None:
    c = proof["contact"]
    console.print(
        f"[bold]Proof of consent for {escape(c['email'])}[/] (contact {c['id']}, "
        f"country {c['country'] or '-'}, language {c['language'] or '-'}, "
        f"collected {c['collected_at']})"
    )
    state = Table(title="Current state", show_lines=False)
    for col in ("purpose", "answer", "since", "event"):
        state.add_column(col)
    for purpose, st in proof["state"].items():
        state.add_row(purpose, st["answer"], st["since"] or "-", str(st["event_id"] or "-"))
    console.print(state)
    if proof["lists"]:
        lists = Table(title="Lists")
        for col in ("list", "status", "since", "source"):
            lists.add_column(col)
        for row in proof["lists"]:
            lists.add_row(escape(row["list"]), row["status"], row["since"], escape(row["source"]))
        console.print(lists)
    events = Table(title=f"Ledger events ({len(proof['events'])})", show_lines=True)
    for col in ("id", "time", "purpose", "action", "source / method", "notice", "evidence",
                "ip", "hash"):
        events.add_column(col, overflow="fold")
    texts: dict[tuple[str, str, str], tuple[str | None, bool | None, str | None]] = {}
    for ev in proof["events"]:
        n = ev["notice"]
        notice = "-"
        if n["version"]:
            notice = f"{n['version']} ({n['language'] or '?'})\nsha256 {n['sha256'][:12]}…"
            if not n["found"]:
                notice += "\n[red]text not stored[/]"
            elif not n["text_ok"]:
                notice += "\n[red]text edited: not these words[/]"
            texts[(ev["purpose"], n["version"], n["sha256"])] = (
                n["text"], n["text_ok"], n["stored_at"]
            )
        events.add_row(
            str(ev["id"]), ev["at"], ev["purpose"], ev["action"],
            f"{escape(ev['source'])}\n{ev['method']}", notice,
            escape(json.dumps(ev["evidence"], ensure_ascii=False, sort_keys=True)),
            ev["ip_truncated"] or "-",
            ev["hash"][:12] + "…" + ("" if ev["hash_ok"] else "\n[red]hash mismatch[/]"),
        )
    console.print(events)
    for (purpose, version, sha), (text, text_ok, stored_at) in texts.items():
        stored = f", stored here {stored_at}" if stored_at else ""
        console.print(f"\n[bold]Notice {purpose} {version}[/] (sha256 {sha}{stored})")
        if text is None:
            console.print("[red]the text of this version is not stored[/]")
            continue
        if not text_ok:
            console.print("[bold red]warning: the stored text below does not hash to this "
                          "sha256: it was changed after the event and is not the words the "
                          "person saw[/]")
        console.print(escape(text))
    if proof["requests"]:
        console.print("\n[bold]Permission requests and legacy notices[/]")
        for r in proof["requests"]:
            console.print(f"  {r['sent_at']}  {r['kind']}  {r['purpose']}  "
                          f"answered {r['answered_at'] or '-'}")


@consent_app.command("expire")
def consent_expire(as_json: bool = typer.Option(False, "--json")) -> None:
    """Append `expire` events for grants older than their purpose's configured limit.

    `consentmail serve` does this daily; decisions ignore a lapsed grant even before."""
    s = ready_settings()
    with session(s) as sess:
        limits = expiry_days(sess)
        count = expire_due(sess, datetime.now(UTC))
    if as_json:
        print_json({"expired": count, "expiry_days": limits})
    elif not limits:
        console.print("no expiry configured (see `consentmail consent expiry`): nothing expired")
    else:
        console.print(f"{count} consents expired")


@consent_app.command("expiry")
def consent_expiry(
    purpose: str | None = typer.Argument(None, help="newsletter | tracking | profiling"),
    days: int | None = typer.Argument(
        None, help="Grants older than this many days expire (1 to 36500)."
    ),
    clear: bool = typer.Option(False, "--clear", help="Remove the purpose's limit."),
) -> None:
    """Show, set or clear the consent expiry per purpose (default: consent never expires)."""
    s = ready_settings()
    try:
        with session(s) as sess:
            if purpose is not None and (days is not None or clear):
                set_expiry_days(sess, purpose, None if clear else days)
            elif purpose is not None:
                fail("give a number of days, or --clear")
            limits = expiry_days(sess)
    except ExpiryError as exc:
        fail(str(exc))
    if not limits:
        console.print("no expiry: consents last until withdrawn")
    for name, n in sorted(limits.items()):
        console.print(f"{name}: {n} days")


@consent_app.command("ip-capture")
def consent_ip_capture(
    switch: str | None = typer.Argument(
        None, help="on | off; without it, prints the current setting.", show_default=False
    ),
) -> None:
    """Keep a truncated IP (IPv4 /24, IPv6 /48) with consent proof: off by default.

    Honoured by every capture: hosted form, REST API, recipient pages and CSV import (whose
    consent_ip column is dropped while off)."""
    if switch is not None and switch.lower() not in ("on", "off"):
        fail(f"ip-capture {switch!r}: give on or off (or nothing to see the setting)")
    s = ready_settings()
    with session(s) as sess:
        if switch is not None:
            set_ip_capture(sess, switch.lower() == "on")
        enabled = ip_capture_enabled(sess)
    console.print(f"ip capture: {'on' if enabled else 'off'}"
                  + (" (truncated IP kept with consent)" if enabled else " (no IP kept)"))


@consent_app.command(
    "ask",
    help="Ask a list's contacts again for tracking or profiling consent (R10).\n\n"
    "One email per contact who receives the list's mail and may be asked now: never within six "
    "months of a refusal or of an unanswered request. The email measures nothing and links the "
    "recipient's preference page; silence is no.",
)
def consent_ask(
    list_name: str = typer.Option(..., "--list", help="The list whose contacts are asked."),
    purpose: str = typer.Option(..., "--purpose", help="tracking | profiling"),
    from_addr: str | None = typer.Option(
        None, "--from", help="Sender address (default: the From of the list's latest campaign)."
    ),
    from_name: str = typer.Option("", "--from-name"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count only; queue and record nothing."),
    wait: bool = typer.Option(False, "--wait", help="Deliver now and wait until done."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    _permission_mail(
        lambda sess, s, sender: ask_again(
            sess, list_name, purpose, sender=sender, public_url=s.public_url,
            default_jurisdiction=s.default_jurisdiction, dry_run=dry_run,
        ),
        list_name, from_addr, from_name, wait, as_json,
    )


@consent_app.command(
    "legacy-notice",
    help="Tell a list's fr-cnil-2026 legacy contacts about tracking, with a way to object (R11)."
    "\n\nOnce per contact collected before the profile's date with no tracking answer on "
    "record and never asked for tracking consent (that email said silence is no). The email "
    "measures nothing and links the one-click objection; its date starts the objection period "
    "after which non-objectors may be measured.",
)
def consent_legacy_notice(
    list_name: str = typer.Option(..., "--list", help="The list whose legacy contacts are told."),
    from_addr: str | None = typer.Option(
        None, "--from", help="Sender address (default: the From of the list's latest campaign)."
    ),
    from_name: str = typer.Option("", "--from-name"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count only; queue and record nothing."),
    wait: bool = typer.Option(False, "--wait", help="Deliver now and wait until done."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    _permission_mail(
        lambda sess, s, sender: send_legacy_notice(
            sess, list_name, sender=sender, public_url=s.public_url,
            default_jurisdiction=s.default_jurisdiction, dry_run=dry_run,
        ),
        list_name, from_addr, from_name, wait, as_json,
    )


_SKIPPED = {
    "suppressed": "suppressed (bounced)",
    "unsubscribed": "unsubscribed from the list",
    "no_newsletter": "without newsletter consent",
    "granted": "already granted",
    "too_soon": "asked, refused or collected without an answer less than six months ago",
    "not_legacy": "not a legacy contact of a profile with an objection window",
    "answered": "tracking answer on record",
    "asked": "asked for tracking consent (silence there is a refusal, R10)",
    "already_informed": "already informed",
}


def _permission_mail(
    mailing: Callable[[Session, Settings, Sender], PermissionMailSummary],
    list_name: str, from_addr: str | None, from_name: str, wait: bool, as_json: bool,
) -> None:
    """Queue in one transaction (messages with their records), then optionally deliver."""
    s = ready_settings()
    try:
        with session(s) as sess:  # messages and their records are committed together
            sender = Sender(from_addr, from_name) if from_addr else default_sender(sess, list_name)
            if sender is None:
                fail(f"list {list_name!r} has no campaign to take the sender from: give --from")
            summary = mailing(sess, s, sender)
    except PermissionMailError as exc:
        fail(escape(str(exc)))
    data = summary.as_dict()
    if not as_json:
        _print_summary(summary, wait)
    if wait:
        for campaign_id in summary.campaign_ids:
            deliver_with_progress(s, campaign_id, quiet=as_json)
    data["delivered"] = sum(progress_counts(s, c)[0] for c in summary.campaign_ids) if wait else 0
    if as_json:
        print_json(data)


def _print_summary(summary: PermissionMailSummary, wait: bool) -> None:
    what = ("legacy tracking notice" if summary.kind == "legacy-notice"
            else f"{summary.purpose} permission request")
    verb = "would queue" if summary.dry_run else "queued"
    console.print(f"{what}, list {escape(summary.list_name)}: {verb} [bold]{summary.queued}[/]",
                  highlight=False)
    if summary.skipped:
        table = Table(title="Not sent")
        table.add_column("reason")
        table.add_column("contacts", justify="right")
        for reason, count in sorted(summary.skipped.items()):
            table.add_row(_SKIPPED.get(reason, reason), str(count))
        console.print(table)
    if summary.campaign_ids and not summary.dry_run:
        ids = ", ".join(str(i) for i in summary.campaign_ids)
        if wait:
            console.print(f"campaigns {ids}: delivering now (--wait)", highlight=False)
        else:
            console.print(f"campaigns {ids}: delivered by the worker (`consentmail serve` or "
                          "`consentmail worker`), or now with --wait", highlight=False)


# --- notices ---------------------------------------------------------------------------------
@notices_app.command("add")
def notices_add(
    purpose: str = typer.Option(..., "--purpose", help="newsletter | tracking | profiling"),
    version: str = typer.Option(..., "--version", help="e.g. 2027-01-15"),
    language: str = typer.Option(..., "--language", help="it | en | fr | de | es"),
    file: Path = typer.Option(..., "--file", help="UTF-8 text file with the notice."),
) -> None:
    """Store a notice version; it becomes the current one of its purpose and language (whatever
    its name). Stored versions never change: new words need a new version."""
    try:
        text = read_notice_file(file)
    except NoticeError as exc:
        fail(escape(str(exc)))
    s = ready_settings()
    try:
        with session(s) as sess:
            notice, added = store_notice(sess, purpose, version, language, text)
            out = notice_dict(notice, current=notice.id in current_ids(sess))
            current = current_notice(sess, notice.purpose, notice.language)
            current_version = current.version if current else None
    except NoticeError as exc:
        fail(escape(f"{file}: {exc}"))
    key = f"{out['purpose']}/{out['version']}/{out['language']}"
    console.print(f"notice {key} sha256 {out['sha256']}", soft_wrap=True, highlight=False)
    if not added:
        console.print("already stored with this text: nothing changed", highlight=False)
    if out["current"]:
        console.print(f"current for {out['purpose']}/{out['language']}", highlight=False)
    else:
        console.print(f"not current: {out['purpose']}/{out['language']} shows version "
                      f"{current_version}, added later (to show these words again, add them "
                      "under a new version)", highlight=False)


@notices_app.command("list")
def notices_list(
    purpose: str | None = typer.Option(None, "--purpose", help="newsletter | tracking | profiling"),
    language: str | None = typer.Option(None, "--language", help="it | en | fr | de | es"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Stored notices, by purpose and language; "current" marks the version forms and pages show
    (the one added last)."""
    s = ready_settings()
    try:
        with session(s) as sess:
            rows = notice_rows(sess, purpose, language)
    except NoticeError as exc:
        fail(escape(f"--{exc.field}: {exc}"))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no notices stored" + (" that match" if purpose or language else
                                             " (`consentmail notices seed` adds defaults)"))
        return
    table = Table()
    for col in ("purpose", "version", "language", "current", "sha256", "text"):
        table.add_column(col, overflow="fold")
    for n in rows:
        text = str(n["text"])
        short = text[:70] + ("…" if len(text) > 70 else "")
        table.add_row(str(n["purpose"]), escape(str(n["version"])), str(n["language"]),
                      "current" if n["current"] else "", str(n["sha256"])[:12] + "…",
                      escape(short))
    console.print(table)


@notices_app.command("seed")
def notices_seed() -> None:
    """Store the built-in default notices (it, en, fr, de, es) of every purpose and language
    that has no notice yet; a workspace's own words stay current."""
    s = ready_settings()
    with session(s) as sess:
        added = seed_default_notices(sess)
    console.print(f"{added} default notices added")


# --- policy ----------------------------------------------------------------------------------
@policy_app.command("explain")
def policy_explain(
    campaign: int = typer.Option(..., "--campaign", help="Campaign id."),
    contact: str = typer.Option(..., "--contact", help="The recipient's address."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Why this contact is (or was) tracked in this campaign: rule, basis, reason, ledger event."""
    s = ready_settings()
    try:
        with session(s) as sess:
            result = explain(sess, campaign, contact, k_min=s.k_min,
                             default_jurisdiction=s.default_jurisdiction)
    except (ExplainError, UnknownContact) as exc:
        fail(str(exc))
    if as_json:
        print_json(result)
        return
    c, p = result["campaign"], result["profile"]
    console.print(f"[bold]Campaign {c['id']}[/] {escape(c['name'])} ({c['category']}, "
                  f"measure {c['measure']}, {c['status']}); contact "
                  f"{escape(result['contact']['email'])}")
    console.print(f"profile [bold]{p['name']}[/] from {p['from']}")
    console.print(f"aggregate cohort {c['aggregate_cohort']} (k = {c['k_min']}; "
                  f"{c['aggregate_cohort_from']})", highlight=False)
    _print_decision("Decision now", result["current"])
    if result["stored"] is None:
        console.print("\nno message for this campaign and contact yet")
    else:
        _print_decision(f"Decision stored with message {result['stored']['message_id']}",
                        result["stored"])


def _print_decision(title: str, d: dict[str, Any]) -> None:
    console.print(f"\n[bold]{title}[/]")
    if "send" in d:
        console.print(f"  send: {'yes' if d['send'] else 'no'}")
    console.print(f"  opens: {d['open_mode']}   clicks: {d['click_mode']}")
    console.print(f"  basis: {d['basis']}   rule: {d['rule_id']}")
    console.print(f"  reason: {escape(d['reason'])}")
    src = d["basis_source"]
    ended = d.get("ended_by")  # only for the decision now
    if src is None and ended is not None and ended["kind"] != "missing":
        ev = ended["event"]
        lapsed = ", lapsed: older than the workspace's expiry" if ended["kind"] == "lapsed-grant" \
            else ""
        console.print(f"  rests on: ledger event {ev['id']} ({ev['purpose']} {ev['action']} at "
                      f"{human_time(ev['at'])}, source {escape(ev['source'])}{lapsed})",
                      highlight=False)
    elif src is None and ended is not None:
        console.print(f"  rests on: [red]{escape(ended['detail'])}[/]")
    elif src is None:
        console.print("  rests on: no personal record (exemption, aggregate or none)")
    elif src["kind"] == "consent-event":
        ev = src["event"]
        n = ev["notice"]
        notice = "no notice"
        if n["version"]:
            notice = f"notice {n['version']} sha256 {n['sha256'][:12]}…"
        console.print(f"  rests on: ledger event {ev['id']} ({ev['purpose']} {ev['action']} at "
                      f"{human_time(ev['at'])}, source {escape(ev['source'])}, {notice})",
                      highlight=False)
    elif src["kind"] == "legacy-notice":
        console.print(f"  rests on: collected {src['collected_at']}, informed {src['informed_at']} "
                      "(permission request "
                      f"{src['request_id']}), no objection")
    else:
        console.print(f"  rests on: [red]{escape(src['detail'])}[/]")


@policy_app.command("override")
def policy_override(
    country: str = typer.Argument(..., help="ISO 3166-1 alpha-2 country code, e.g. FR."),
    profile: str | None = typer.Argument(None, help="Profile name (see `policy show`)."),
    clear: bool = typer.Option(False, "--clear", help="Back to the built-in mapping."),
) -> None:
    """Map a country to a policy profile for this workspace (or --clear the override)."""
    if clear == (profile is not None):
        fail("give either a PROFILE or --clear")
    s = ready_settings()
    try:
        with session(s) as sess:
            if clear:
                removed = clear_override(sess, country)
                message = (f"{country.upper()}: override removed" if removed
                           else f"{country.upper()}: no override was set")
            else:
                assert profile is not None
                name = set_override(sess, country, profile)
                message = f"{country.upper()} -> {name}"
    except OverrideError as exc:
        fail(str(exc))
    console.print(message)


@policy_app.command("show")
def policy_show(as_json: bool = typer.Option(False, "--json")) -> None:
    """The profiles, the workspace default and the workspace's country overrides."""
    s = ready_settings()
    with session(s) as sess:
        overrides = profile_overrides(sess)
    data: dict[str, Any] = {
        "default": s.default_jurisdiction,
        "overrides": dict(sorted(overrides.items())),
        "profiles": {name: p.summary for name, p in sorted(PROFILES.items())},
    }
    if as_json:
        print_json(data)
        return
    console.print(
        f"workspace default: [bold]{data['default']}[/] (CONSENTMAIL_DEFAULT_JURISDICTION)"
    )
    if overrides:
        for cc, name in data["overrides"].items():
            console.print(f"override {cc} -> {name}")
    else:
        console.print("no country overrides")
    table = Table(title="Profiles")
    table.add_column("profile")
    table.add_column("summary", overflow="fold")
    for name, summary in data["profiles"].items():
        table.add_row(name, summary)
    console.print(table)
