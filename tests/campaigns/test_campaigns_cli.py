"""`consentmail campaigns create|send` as a marketer runs them: the list is the audience whatever
the category, list names must exist, empty input is refused (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import email
import json
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Contact, ContactList, Message
from tests.web.recipients import client_for, settings_for

CSV = (
    "email,first_name,country,newsletter_consent,tracking_consent,consent_date\n"
    "ada@example.org,Ada,IT,yes,yes,2026-01-10\n"
    "bob@example.org,Bob,IT,yes,yes,2026-01-10\n"
    "cleo@example.org,Cleo,IT,yes,yes,2026-01-10\n"
    "dan@example.org,Dan,IT,yes,yes,2026-01-10\n"
)
HTML = "<html><body><p>Hi {{ contact.first_name }}</p><a href='https://shop.example/'>Shop</a>"
HTML += "</body></html>\n"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_SMTP_URL", "capture://")
    monkeypatch.setenv("CONSENTMAIL_API_TOKEN", "test-token")
    monkeypatch.delenv("CONSENTMAIL_DEFAULT_JURISDICTION", raising=False)
    (tmp_path / "contacts.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "news.html").write_text(HTML, encoding="utf-8")
    code, out = run("contacts", "import", str(tmp_path / "contacts.csv"), "--list", "news")
    assert code == 0, out
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "300"})  # no wrapped errors
    return result.exit_code, result.output


def create(workspace: Path, *extra: str, template: str = "news.html") -> tuple[int, str]:
    return run(
        "campaigns", "create", "--name", "n", "--template", str(workspace / template),
        "--subject", "s", "--from", "news@shop.example", *extra,
    )


def send(campaign_id: str) -> dict:
    code, out = run("campaigns", "send", campaign_id, "--wait", "--json")
    assert code == 0, out
    return json.loads(out)


def unsubscribe(db_url: str, data_dir: Path, page_token: str) -> None:
    """POST /u/<token> on the real app, as the one-click button does."""

    async def post() -> int:
        async with client_for(settings_for(db_url, data_dir)) as client:
            answer = await client.post(f"/u/{page_token}", content=b"List-Unsubscribe=One-Click")
            return answer.status_code

    assert asyncio.run(post()) == 200


def recipients(db_url: str, campaign_id: str) -> dict[str, tuple[str, str, str]]:
    with session_scope(db_url) as s:
        rows = s.execute(
            select(Contact.email, Message.status, Message.rule_id, Message.open_mode)
            .join(Message, Message.contact_id == Contact.id)
            .where(Message.campaign_id == int(campaign_id))
        )
        return {address: (status, rule, mode) for address, status, rule, mode in rows}


def captured_to(workspace: Path) -> list[str]:
    return sorted(
        email.message_from_bytes(p.read_bytes(), policy=default_policy)["To"]
        for p in (workspace / "var" / "capture").glob("*.eml")
    )


def test_a_mandatory_list_campaign_skips_who_unsubscribed(workspace: Path, db_url: str) -> None:
    code, first = create(workspace, "--list", "news")
    assert code == 0, first
    assert send(first.strip())["queued"] == 4
    with session_scope(db_url) as s:
        token = s.scalar(
            select(Message.page_token).join(Contact, Contact.id == Message.contact_id)
            .where(Contact.email == "ada@example.org")
        )
        s.execute(Contact.__table__.update().where(Contact.email == "dan@example.org")
                  .values(suppressed=True, suppressed_reason="550 gone"))
    assert token
    unsubscribe(db_url, workspace / "var", token)
    for eml in (workspace / "var" / "capture").glob("*.eml"):
        eml.unlink()

    code, notice = create(workspace, "--list", "news", "--category", "mandatory")
    assert code == 0, notice
    result = send(notice.strip())
    assert (result["queued"], result["not_sent"], result["delivered"], result["tracking"]) == (
        2, 2, 2, {"personal": 2, "aggregate": 0, "none": 0}
    )
    assert recipients(db_url, notice.strip()) == {
        "bob@example.org": ("sent", "IT-R6-mandatory", "personal"),
        "cleo@example.org": ("sent", "IT-R6-mandatory", "personal"),
    }
    assert captured_to(workspace) == ["Bob <bob@example.org>", "Cleo <cleo@example.org>"]
    code, out = run("policy", "explain", "--campaign", notice.strip(), "--contact",
                    "ada@example.org", "--json")
    assert code == 0, out
    current = json.loads(out)["current"]
    assert (current["send"], current["rule_id"], current["open_mode"]) == (
        False, "ALL-R23-unsubscribed", "none"
    )


@pytest.mark.parametrize("category", ["security", "transactional"])
def test_per_person_categories_never_go_to_a_list(
    workspace: Path, db_url: str, category: str
) -> None:
    code, out = create(workspace, "--list", "news", "--category", category)
    assert code == 1
    assert out == (
        f"error: category {category} cannot go to a list: {category} mail is sent to one person "
        "at a time, when an application triggers it; send it through the transactional API "
        "(POST /api/messages)\n"
    )
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0
    # Without a list it is a template for POST /api/messages (template_id), as before.
    code, out = create(workspace, "--category", category)
    assert code == 0, out
    code, out = run("campaigns", "send", out.strip())
    assert code == 1 and "has no list" in out


def test_a_list_campaign_stored_as_security_is_not_queued(workspace: Path, db_url: str) -> None:
    """A row written before create refused it: send refuses it too, and queues nothing."""
    with session_scope(db_url) as s:
        news = s.scalar(select(ContactList.id).where(ContactList.name == "news"))
        c = Campaign(name="old", list_id=news, subject="s", from_addr="news@shop.example",
                     html=HTML, category="security", aggregate_token="old-security")
        s.add(c)
        s.flush()
        cid = c.id
    code, out = run("campaigns", "send", str(cid), "--wait")
    assert code == 1
    assert out == (
        f"error: campaign {cid} is security mail to a list: that is per-person mail, sent "
        "through the transactional API (POST /api/messages), never to a list\n"
    )
    assert recipients(db_url, str(cid)) == {}


def test_unknown_lists_are_refused(workspace: Path, db_url: str) -> None:
    code, out = create(workspace, "--list", "nolist")
    assert (code, out) == (1, "error: no list named 'nolist'\n")
    code, out = run("contacts", "export", "--list", "nolist")
    assert (code, out) == (1, "error: no list named 'nolist'\n")  # not even the header
    code, out = create(workspace, "--list", " ", "--category", "mandatory")
    assert (code, out) == (1, "error: the list name is empty\n")
    with session_scope(db_url) as s:
        assert s.scalars(select(ContactList.name)).all() == ["news"]
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0
    code, out = create(workspace, "--list", " news ")  # spaces around the name are no typo
    assert code == 0, out


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        (("--name", ""), HTML, "the campaign name (--name) is empty"),
        (("--name", "  "), HTML, "the campaign name (--name) is empty"),
        (("--subject", ""), HTML, "the subject (--subject) is empty"),
        (("--subject", " \t"), HTML, "the subject (--subject) is empty"),
        ((), "", "{dir}/t.html: the template file is empty"),
        ((), " \n\t\n", "{dir}/t.html: the template file is empty"),
        (("--text", "{dir}/t.txt"), HTML, "{dir}/t.txt: the template file is empty"),
    ],
)
def test_empty_input_is_refused(
    workspace: Path, db_url: str, args: tuple[str, ...], content: str, message: str
) -> None:
    (workspace / "t.html").write_text(content, encoding="utf-8")
    (workspace / "t.txt").write_text("\n", encoding="utf-8")
    extra = [a.format(dir=workspace) for a in args]
    # The last --name/--subject given wins (click), so the empty ones override create()'s.
    code, out = create(workspace, "--list", "news", *extra, template="t.html")
    assert (code, out) == (1, f"error: {message.format(dir=workspace)}\n")
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0


def test_the_end_of_a_send_says_what_failed_and_why(workspace: Path, db_url: str) -> None:
    """`send --wait` ended on "done in 0.3s" when every message had failed: the outcome line
    counts them and quotes the first SMTP reply."""
    from consentmail.cli.campaigns_cmd import outcome
    from consentmail.cli.common import ready_settings

    code, out = create(workspace, "--list", "news")
    cid = int(out.strip())
    with session_scope(db_url) as s:
        people = s.scalars(select(Contact.id).order_by(Contact.id).limit(3)).all()
        for contact_id, (status, reply) in zip(people, (
            ("sent", "250 ok"), ("failed", "553 5.6.7 no SMTPUTF8"), ("bounced", "550 no user"),
        ), strict=True):
            s.add(Message(campaign_id=cid, contact_id=contact_id, page_token=f"t-{status}",
                          status=status, smtp_reply=reply))
    assert outcome(ready_settings(), cid) == (
        "1 sent, 1 failed, 1 bounced; the first reply: 553 5.6.7 no SMTPUTF8"
    )
