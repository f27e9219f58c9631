"""R13 on built messages: every recipient, whatever the message measures, gets a link of their own
to their tracking choices, apart from unsubscribe; and that link is no tracker: two recipients'
aggregate copies still audit as aggregate, with nothing personal."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import select

from consentmail.audit import audit_bytes, audit_pair
from consentmail.campaigns.build import BuildConfig, build_messages
from consentmail.campaigns.queue import queue_campaign
from consentmail.db import session_scope
from consentmail.db.models import Message
from consentmail.delivery import Outgoing
from tests.campaigns.support import add_contacts, campaign, page

BASE = "https://mail.shop.example"
CFG = BuildConfig(public_url=BASE, one_click=True, k_min=2, default_jurisdiction="strict")
BODY = page('<p>Hi {{ contact.first_name }}</p><a href="https://shop.example/sale">Sale</a>')


def _built(db_url: str, measure: str) -> list[tuple[Message, EmailMessage]]:
    with session_scope(db_url) as s:
        add_contacts(s, measure, 3)  # IT, no tracking consent: aggregate at most (k = 2)
        c = campaign(s, BODY, list_name=measure, measure=measure)
        queue_campaign(s, c, k_min=CFG.k_min, default_jurisdiction="strict")
        msgs = s.scalars(select(Message).where(Message.campaign_id == c.id)).all()
        built = build_messages(s, CFG, [m.id for m in msgs])
        by_id = {m.id: m for m in msgs}
        out = []
        for item in built:
            assert isinstance(item, Outgoing), item
            parsed = message_from_bytes(item.data, policy=default)
            assert isinstance(parsed, EmailMessage)
            out.append((by_id[item.message_id], parsed))
        s.expunge_all()
    return out


def _body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def test_aggregate_and_unmeasured_messages_link_the_tracking_choices(db_url: str) -> None:
    for measure, mode in (("aggregate", "aggregate"), ("none", "none")):
        built = _built(db_url, measure)
        assert len(built) == 3
        for msg, message in built:
            assert (msg.open_mode, msg.click_mode) == (mode, mode)
            tree = LexborHTMLParser(_body(message, "html"))
            (link,) = tree.css('a[data-cm="stop-tracking"]')
            (unsubscribe,) = tree.css('a[data-cm="unsubscribe"]')
            assert link.attributes["href"] == f"{BASE}/t/{msg.page_token}"
            assert link.text() == "Your tracking choices"
            assert unsubscribe.attributes["href"] == f"{BASE}/u/{msg.page_token}"
            assert f"Your tracking choices: {BASE}/t/{msg.page_token}\n" in _body(message, "plain")


def test_the_link_is_not_taken_for_a_personal_tracker(db_url: str) -> None:
    for measure, verdict in (("aggregate", "aggregate"), ("none", "none")):
        (_, a), (_, b), _ = _built(db_url, measure)
        report = audit_pair(audit_bytes(a.as_bytes(), source="a.eml"),
                            audit_bytes(b.as_bytes(), source="b.eml"))
        assert report.verdict.code == verdict, report.verdict.reasons
        assert not [t for t in report.personal_tokens if t.purpose == "tracking"]
        refusal = [t for t in report.personal_tokens if "/t/" in t.url_a]
        assert refusal and all(t.purpose == "refusal" for t in refusal)
