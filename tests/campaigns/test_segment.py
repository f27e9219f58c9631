"""Engagement segments from the command line (R3, R9): `contacts segment` shows who is in one,
`campaigns create --segment engaged:N` sends only to them. Both go through engaged_segment, so
nobody without profiling consent enters by either path (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from consentmail.cli.app import app as cli
from consentmail.consent import NewEvent, record
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Contact, ContactList, Engagement, Message, Subscription

T0 = datetime(2026, 11, 1, tzinfo=UTC)
HTML = "<html><body><p>Hi {{ contact.first_name }}</p></body></html>\n"


def _contact(s: Session, list_id: int, name: str, *purposes: str) -> int:
    c = Contact(email=f"{name}@example.org", first_name=name.title(), country="IT")
    s.add(c)
    s.flush()
    s.add(Subscription(contact_id=c.id, list_id=list_id))
    record(s, [NewEvent(c.id, p, "grant", T0, "test", "form") for p in purposes])
    return c.id


def _sent(s: Session, list_id: int) -> int:
    c = Campaign(name="past", list_id=list_id, subject="s", from_addr="news@shop.example",
                 html=HTML, status="sent", aggregate_token=secrets.token_urlsafe(16))
    s.add(c)
    s.flush()
    return c.id


def _engaged(
    s: Session, campaign_id: int, contact_id: int, list_id: int, *, kind: str = "open",
    basis: str = "consent:1",
) -> None:
    m = Message(campaign_id=campaign_id, contact_id=contact_id, list_id=list_id, status="sent",
                page_token=secrets.token_urlsafe(16))
    s.add(m)
    s.flush()
    s.add(Engagement(message_id=m.id, campaign_id=campaign_id, kind=kind, basis=basis,
                     human_hits=1, machine_hits=0, first_human_at=T0))


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> dict[str, int]:
    """news with two sent campaigns; who opened what, and who agreed to what."""
    monkeypatch.setenv("CONSENTMAIL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CONSENTMAIL_DATABASE_URL", db_url)
    monkeypatch.setenv("CONSENTMAIL_SMTP_URL", "capture://")
    monkeypatch.delenv("CONSENTMAIL_DEFAULT_JURISDICTION", raising=False)
    (tmp_path / "news.html").write_text(HTML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    everything = ("newsletter", "tracking", "profiling")
    with session_scope(db_url) as s:
        lst = ContactList(name="news")
        s.add(lst)
        s.flush()
        ids = {
            "ada": _contact(s, lst.id, "ada", *everything),
            # Opened everything, tracked with consent, never agreed to profiling: never in.
            "bob": _contact(s, lst.id, "bob", "newsletter", "tracking"),
            "cleo": _contact(s, lst.id, "cleo", *everything),  # opened nothing
            "dan": _contact(s, lst.id, "dan", *everything),  # only exemption data
            "eve": _contact(s, lst.id, "eve", *everything),
            "fay": _contact(s, lst.id, "fay", *everything),
        }
        first, second = _sent(s, lst.id), _sent(s, lst.id)
        for campaign_id in (first, second):
            _engaged(s, campaign_id, ids["bob"], lst.id)
        _engaged(s, first, ids["ada"], lst.id)
        _engaged(s, first, ids["fay"], lst.id)
        _engaged(s, second, ids["dan"], lst.id, basis="exemption:mandatory")
        _engaged(s, second, ids["eve"], lst.id, kind="click")
        record(s, [NewEvent(ids["fay"], "profiling", "withdraw", T0, "test", "page")])
        ids.update(first=first, second=second)
    return ids


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "300"})
    return result.exit_code, result.output


def create(*extra: str) -> tuple[int, str]:
    return run("campaigns", "create", "--name", "engaged", "--template", "news.html",
               "--subject", "For you", "--from", "news@shop.example", "--list", "news", *extra)


def queued_to(db_url: str, campaign_id: int) -> list[str]:
    with session_scope(db_url) as s:
        return list(s.scalars(
            select(Contact.email).join(Message, Message.contact_id == Contact.id)
            .where(Message.campaign_id == campaign_id).order_by(Contact.email)
        ))


def test_contacts_segment_shows_who_is_in_it(world: dict[str, int]) -> None:
    code, out = run("contacts", "segment", "--list", "news", "--engaged", "3", "--json")
    assert code == 0, out
    assert json.loads(out) == {
        "list": "news",
        "segment": "engaged:3",
        "campaigns": [world["second"], world["first"]],
        "count": 2,
        "contacts": ["ada@example.org", "eve@example.org"],
    }
    code, out = run("contacts", "segment", "--list", "news", "--engaged", "1")
    assert (code, out) == (0, (
        f"1 contacts on news opened or clicked one of its last 1 campaigns (ids: "
        f"{world['second']}) and agreed to profiling\neve@example.org\n"
    ))


def test_contacts_segment_refuses_bad_input(world: dict[str, int]) -> None:
    assert run("contacts", "segment", "--list", "nolist", "--engaged", "3") == (
        1, "error: no list named 'nolist'\n"
    )
    code, out = run("contacts", "segment", "--list", "news", "--engaged", "0")
    assert code == 2 and "--engaged" in out


def test_a_segmented_campaign_goes_to_the_segment_only(world: dict[str, int], db_url: str) -> None:
    code, out = create("--segment", "engaged:3")
    assert code == 0, out
    cid = int(out)
    code, out = run("campaigns", "send", str(cid), "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["queued"], summary["not_sent"], summary["outside_segment"]) == (2, 0, 4)
    assert queued_to(db_url, cid) == ["ada@example.org", "eve@example.org"]
    code, out = run("campaigns", "report", str(cid), "--json")
    assert json.loads(out)["campaign"]["segment"] == "engaged:3"


def test_requeueing_does_not_count_the_campaign_among_its_last_ones(
    world: dict[str, int], db_url: str
) -> None:
    """Queued once, the campaign is no longer a draft: its own last campaign would be itself,
    opened by nobody yet, and the segment would empty."""
    code, out = create("--segment", "engaged:1")
    assert code == 0, out
    cid = int(out)
    code, out = run("campaigns", "send", str(cid))
    assert code == 0, out
    assert out == (
        "queued 1 (not sent: 0 without newsletter consent, unsubscribed or suppressed; outside "
        "the segment engaged:1: 5; already queued: 0); tracking personal 1, aggregate 0, none 0\n"
    )
    code, out = run("campaigns", "send", str(cid), "--json")
    again = json.loads(out)
    assert (again["queued"], again["outside_segment"], again["total"]) == (0, 5, 1)
    assert queued_to(db_url, cid) == ["eve@example.org"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--segment", "vip"), "--segment: segment 'vip': write engaged:N (opened or clicked one "
         "of the list's last N campaigns), e.g. engaged:3"),
        (("--segment", "engaged:x"), "--segment: segment 'engaged:x': N in engaged:N must be a "
         "whole number"),
        (("--segment", "engaged:0"), "--segment: last_n_campaigns: 0; at least 1 and at most "
         "1000"),
        (("--segment", "engaged:3", "--category", "mandatory"),
         "--segment picks recipients of a marketing campaign to a list only"),
    ],
)
def test_bad_segments_are_refused(
    world: dict[str, int], db_url: str, extra: tuple[str, ...], message: str
) -> None:
    assert create(*extra) == (1, f"error: {message}\n")
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 2


def test_segment_is_stored_normalised(world: dict[str, int], db_url: str) -> None:
    code, out = create("--segment", " Engaged: 2 ")
    assert code == 0, out
    with session_scope(db_url) as s:
        assert s.get(Campaign, int(out)).segment == "engaged:2"  # type: ignore[union-attr]
