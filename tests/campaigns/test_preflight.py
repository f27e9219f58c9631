"""Preflight leak check: two recipients without tracking consent, every URL compared (issue 4.3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from consentmail.campaigns.preflight import (
    PreflightBlocked,
    accept_links,
    links_accepted,
    preflight,
)
from consentmail.campaigns.preflight_check import Issue, check
from consentmail.campaigns.queue import queue_campaign
from consentmail.cli.app import app
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Message, Setting
from consentmail.policy.types import Mode
from consentmail.render import compile_campaign
from tests.campaigns.support import L7, add_contacts, campaign, page
from tests.conftest import shared_path

BOTH = (Mode.NONE, Mode.AGGREGATE)


def issues_of(body: str, *, accept: bool = False, text: str | None = None) -> tuple[Issue, ...]:
    html = page(body)
    compiled = compile_campaign(html, subject="News", text=text)
    return check(
        compiled, source=html, from_addr="news@shop.example", modes=BOTH, accept_links=accept
    )


def only(issues: tuple[Issue, ...], code: str) -> Issue:
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, issues
    return found[0]


def test_merge_field_in_a_link_blocks_until_accepted() -> None:
    """L7: the link stays untracked for recipients without consent, and the preflight says so."""
    issues = issues_of(f'<p>Hi</p>\n<a href="{L7}">Join</a>')
    issue = only(issues, "link-differs")
    assert issue.severity == "block" and issue.acceptable
    assert issue.element == "a[href]" and issue.line == 3
    assert issue.url == "https://app.example/invite?first=Ada"
    assert "query:first" in issue.message

    accepted = issues_of(f'<p>Hi</p>\n<a href="{L7}">Join</a>', accept=True)
    assert all(i.severity == "warning" for i in accepted)
    assert "accepted by the author" in only(accepted, "link-differs").message


@pytest.mark.parametrize(
    ("body", "element"),
    [
        (
            '<img src="https://img.example/{{ contact.email }}.png" width="600" height="80">',
            "img[src]",
        ),
        (
            '<div style="background:url(https://img.example/b.png?n={{ contact.last_name }})">x'
            "</div>",
            "div[style] url()",
        ),
        (
            '<table background="https://img.example/{{ contact.country }}.jpg"><tr><td>x</td></tr>'
            "</table>",
            "table[background]",
        ),
        (
            '<link rel="stylesheet" href="https://css.example/s.css?l={{ contact.language }}">',
            "link[rel=stylesheet]",
        ),
        (
            '<!--[if mso]><v:rect><v:fill src="https://img.example/{{ contact.first_name }}.png"/>'
            "</v:rect><![endif]-->",
            "<!--[if]--> [src]",
        ),
    ],
)
def test_recipient_data_in_a_loaded_url_always_blocks(body: str, element: str) -> None:
    for accept in (False, True):
        issue = only(issues_of(body, accept=accept), "loaded-url-differs")
        assert issue.severity == "block" and not issue.acceptable
        assert issue.element == element


def test_the_address_in_a_pixel_is_named() -> None:
    issue = only(
        issues_of('<img src="https://img.example/o.gif?e={{ contact.email }}">'),
        "loaded-url-differs",
    )
    assert "email address" in issue.message


def test_text_part_links_are_compared_too() -> None:
    text = "Join us: https://app.example/join?n={{ contact.first_name }}\n"
    issues = issues_of('<a href="https://shop.example/">Shop</a>', text=text)
    issue = only(issues, "link-differs")
    assert issue.part == "text" and issue.severity == "block"


def test_identical_third_party_tracker_warns_and_personal_one_blocks() -> None:
    same = (
        '<img src="https://us1.list-manage.com/track/open.php?u=1&amp;id=2" width="1" height="1">'
    )
    issue = only(issues_of(same), "third-party-tracker")
    assert issue.severity == "warning" and "identical for every recipient" in issue.message

    personal = same.replace("id=2", "id={{ contact.first_name }}")
    issues = issues_of(personal)
    issue = only(issues, "loaded-url-differs")
    assert issue.severity == "block" and "tracker" in issue.message
    assert not [i for i in issues if i.code == "third-party-tracker"]


def test_foreign_tags_and_unknown_names_warn() -> None:
    issues = issues_of("<p>Hello *|FNAME|* {{ nickname }}</p>")
    assert only(issues, "foreign-merge-tag").severity == "warning"
    assert "nickname" in only(issues, "unknown-name").message
    assert not any(i.severity == "block" for i in issues)


def test_our_own_aggregate_urls_and_plain_templates_are_clean() -> None:
    body = (
        "<h1>Hello {{ contact.first_name }}</h1>"
        '<a href="https://shop.example/?utm_source=news">Shop</a>'
        '<img src="https://img.example/logo.png" width="200" height="50">'
    )
    assert issues_of(body) == ()


@pytest.mark.parametrize(
    "name",
    [
        "mailchimp_gallery-1-4-2.html",
        "mailchimp_modular-template-patterns.html",
        "leemunroe_email.html",
        "sendwithus_mantra_coupon.html",
        "foundation_newsletter_inky.html",
        "postmark_basic-full_welcome.html",
    ],
)
def test_corpus_templates_are_not_blocked(name: str) -> None:
    """The real templates have no merge fields in URLs: they must pass (the e2e sends them)."""
    path = shared_path("corpus", "templates", name)
    html = path.read_text(encoding="utf-8")
    compiled = compile_campaign(html, subject="News", name=name)
    issues = check(compiled, source=html, from_addr="news@shop.example", modes=BOTH)
    assert not [i for i in issues if i.severity == "block"], issues


# --- the service, the queue gate and the command ------------------------------------------


def test_queue_refuses_a_leaking_campaign_until_links_are_accepted(db_url: str) -> None:
    with session_scope(db_url) as s:
        add_contacts(s, "news", 3)
        c = campaign(s, page(f'<a href="{L7}">Join</a>'))
        with pytest.raises(PreflightBlocked) as blocked:
            queue_campaign(s, c, k_min=10, default_jurisdiction="strict")
        assert "a[href]" in str(blocked.value) and "--accept-links" in str(blocked.value)
        assert blocked.value.report.blocked
        assert s.scalar(select(func.count()).select_from(Message)) == 0
        assert c.status == "draft"

        accept_links(s, c)
        assert links_accepted(s, c)
        summary = queue_campaign(s, c, k_min=10, default_jurisdiction="strict")
        assert summary.queued == 3
        row = s.get(Setting, f"preflight_accept_links:{c.id}")
        assert row is not None and "template_sha256" in json.loads(row.value)

        c.html = c.html.replace("Join", "Join now")  # another template: accept it again
        assert not links_accepted(s, c)


def test_accepting_links_never_unblocks_a_loaded_resource(db_url: str) -> None:
    with session_scope(db_url) as s:
        add_contacts(s, "news", 2)
        c = campaign(s, page('<img src="https://img.example/{{ contact.email }}.png">'))
        accept_links(s, c)
        report = preflight(s, c)
        assert report.blocked and report.links_accepted
        with pytest.raises(PreflightBlocked):
            queue_campaign(s, c, k_min=10, default_jurisdiction="strict")


def test_preflight_command(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    with session_scope(db_url) as s:
        add_contacts(s, "news", 2)
        cid = campaign(s, page(f'<a href="{L7}">Join</a>')).id
    runner = CliRunner()

    result = runner.invoke(app, ["campaigns", "preflight", str(cid), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["blocked"] and data["issues"][0]["code"] == "link-differs"

    result = runner.invoke(app, ["campaigns", "send", str(cid)])
    assert result.exit_code == 1
    assert "preflight blocks it" in result.output and "[block]" in result.output

    result = runner.invoke(app, ["campaigns", "preflight", str(cid)])
    assert result.exit_code == 1
    assert "BLOCKED" in result.output and "--accept-links" in result.output

    result = runner.invoke(app, ["campaigns", "preflight", str(cid), "--accept-links"])
    assert result.exit_code == 0, result.output
    assert "ok to send" in result.output and "accepted" in result.output
    result = runner.invoke(app, ["campaigns", "send", str(cid), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["queued"] == 2
    with session_scope(db_url) as s:
        assert s.get(Campaign, cid).status == "queued"  # type: ignore[union-attr]


def test_downlevel_revealed_content_is_reported_once() -> None:
    body = ('<!--[if !mso]><!--><img src="https://img.example/{{ contact.first_name }}.png">'
            "<!--<![endif]-->")
    issue = only(issues_of(body), "loaded-url-differs")
    assert issue.element == "img[src]"
