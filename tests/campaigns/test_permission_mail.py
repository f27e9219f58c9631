"""Re-permission (R10) and the legacy information message (R11) through the outbox, on SQLite and
PostgreSQL: who gets one, what the built message carries (nothing that measures), and the
bookkeeping that keeps a second run from writing to anyone again."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentmail.audit import audit_html, audit_pair
from consentmail.campaigns.build import BuildConfig, build_messages
from consentmail.campaigns.permission_mail import (
    PermissionMailError,
    PermissionMailSummary,
    Sender,
    ask_again,
    default_sender,
    send_legacy_notice,
)
from consentmail.consent import actions, snapshot
from consentmail.consent._default_notices import DEFAULT_TEXTS
from consentmail.consent.notices import add_notice
from consentmail.consent.overrides import set_override
from consentmail.consent.repermission import add_months, next_request_allowed_at
from consentmail.db import session_scope
from consentmail.db.models import Campaign, Message, PermissionRequest
from consentmail.delivery import Outgoing
from consentmail.policy import FR_CNIL_2026, decide, profile_for_country
from consentmail.policy.types import Category, Measure, MessageContext
from tests.campaigns.support import GIVEN, news_list, person

PUBLIC = "https://mail.shop.example"
SENDER = Sender("news@shop.example", "Shop")
NOW = datetime.now(UTC)  # grants from the preference page are stamped with the real clock
CFG = BuildConfig(public_url=PUBLIC, one_click=True, k_min=10, default_jurisdiction="strict")


def ask(
    s: Session, *, now: datetime | None = NOW, dry_run: bool = False, purpose: str = "tracking"
) -> PermissionMailSummary:
    return ask_again(s, "news", purpose, sender=SENDER, public_url=PUBLIC,
                     default_jurisdiction="strict", now=now, dry_run=dry_run)


def inform(s: Session, *, now: datetime = NOW, dry_run: bool = False) -> PermissionMailSummary:
    return send_legacy_notice(s, "news", sender=SENDER, public_url=PUBLIC,
                              default_jurisdiction="strict", now=now, dry_run=dry_run)


def outbox(s: Session) -> dict[int, Message]:
    """Queued messages by contact; fails if anyone has two."""
    rows = s.scalars(select(Message)).all()
    by_contact = {m.contact_id: m for m in rows}
    assert len(by_contact) == len(rows), "a contact got two messages"
    return by_contact


def requests(s: Session, kind: str = "request") -> dict[int, datetime]:
    rows = s.execute(
        select(PermissionRequest.contact_id, PermissionRequest.sent_at)
        .where(PermissionRequest.kind == kind)
    ).all()
    by_contact = {cid: at.replace(tzinfo=UTC) if at.tzinfo is None else at for cid, at in rows}
    assert len(by_contact) == len(rows), "a contact was recorded twice"
    return by_contact


def built(s: Session, messages: list[Message]) -> dict[int, EmailMessage]:
    """The real builder's MIME for each message, by contact."""
    out = build_messages(s, CFG, [m.id for m in messages])
    assert all(isinstance(o, Outgoing) for o in out), out
    by_id = {m.id: m.contact_id for m in messages}
    parsed = {}
    for o in out:
        assert isinstance(o, Outgoing)
        msg = email.message_from_bytes(o.data, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        parsed[by_id[o.message_id]] = msg
    return parsed


def html_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def assert_measures_nothing(msg: EmailMessage, page_token: str) -> None:
    html, text = html_of(msg), text_of(msg)
    for part in (html, text):
        assert "/o/" not in part and "/c/" not in part  # no pixel, no tracked link
    assert "<img" not in html.lower()
    urls = set(re.findall(r'href="([^"]+)"', html))
    # Only the recipient's own pages: preferences, tracking choices, unsubscribe.
    assert urls == {f"{PUBLIC}/p/{page_token}", f"{PUBLIC}/t/{page_token}",
                    f"{PUBLIC}/u/{page_token}"}
    assert msg["List-Unsubscribe"] == f"<{PUBLIC}/u/{page_token}>"


# --- R10: asking again ---------------------------------------------------------------------------
def test_ask_queues_one_untracked_email_per_eligible_contact(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        ids = {
            "asked": person(s, lid, "asked"),
            "granted": person(s, lid, "granted", tracking=("grant", GIVEN)),
            "refused_2m": person(s, lid, "refused2", tracking=("withdraw", NOW - timedelta(61))),
            "refused_7m": person(s, lid, "refused7", tracking=("object", NOW - timedelta(214))),
            "french": person(s, lid, "french", country="FR", language="fr-FR"),
            "unsubscribed": person(s, lid, "gone", status="unsubscribed"),
            "suppressed": person(s, lid, "bounced", suppressed=True),
            "no_newsletter": person(s, lid, "never", newsletter=None),
            "objected": person(s, lid, "objector", newsletter="object"),
        }
        summary = ask(s)
    assert summary.queued == 3
    assert dict(summary.skipped) == {
        "granted": 1, "too_soon": 1, "unsubscribed": 1, "suppressed": 1, "no_newsletter": 2,
    }
    asked = {ids["asked"], ids["refused_7m"], ids["french"]}
    with session_scope(db_url) as s:
        queued = outbox(s)
        assert set(queued) == asked
        assert requests(s) == {cid: NOW for cid in asked}  # recorded with the message
        campaigns = s.scalars(select(Campaign).order_by(Campaign.id)).all()
        assert [c.id for c in campaigns] == summary.campaign_ids
        assert [(c.category, c.measure, c.list_id, c.status) for c in campaigns] == [
            ("marketing", "none", None, "queued")
        ] * 2
        assert {c.template_name for c in campaigns} == {
            "permission-request-tracking-en", "permission-request-tracking-fr"
        }
        for m in queued.values():
            assert (m.status, m.list_id, m.open_mode, m.click_mode, m.track_token) == (
                "queued", lid, "none", "none", None
            )
            assert m.transactional_data == {"preferences_url": f"{PUBLIC}/p/{m.page_token}"}
        mails = built(s, list(queued.values()))
        for cid, msg in mails.items():
            assert_measures_nothing(msg, queued[cid].page_token)
        english, french = mails[ids["asked"]], mails[ids["french"]]
        assert english["Subject"] == "May we measure how you read our emails?"
        assert english["From"] == "Shop <news@shop.example>"
        # The purpose's notice, as the preference page shows it, and the way to say yes.
        assert DEFAULT_TEXTS["tracking"]["en"] in text_of(english)
        assert f"Yes: open my preferences: {PUBLIC}/p/{queued[ids['asked']].page_token}" in text_of(
            english
        )
        assert "nous ne vous le redemanderons pas avant six mois" in text_of(french)
        assert DEFAULT_TEXTS["tracking"]["fr"] in text_of(french)
        assert french["Subject"] == "Pouvons-nous mesurer la lecture de nos e-mails ?"
        # Two recipients' copies audit as measuring nothing (the audit's own pair comparison).
        a, b = (audit_html(html_of(mails[ids[k]])) for k in ("asked", "refused_7m"))
        assert audit_pair(a, b).verdict.code == "none"


def test_notice_is_the_current_version_in_the_contacts_language(db_url: str) -> None:
    hostile = 'Version 2: we count {{ contact.email }} opens {% raw %} "quoted" <b>\n\nSecond'
    with session_scope(db_url) as s:
        lid = news_list(s)
        de = person(s, lid, "de", country="DE", language="de")
        nl = person(s, lid, "nl", country="NL", language="nl")
        add_notice(s, "tracking", "2027-01", "de", hostile)
        ask(s)
        queued = outbox(s)
        mails = built(s, list(queued.values()))
    german, dutch = mails[de], mails[nl]
    assert german["Subject"] == "Dürfen wir messen, wie Sie unsere E-Mails lesen?"
    # The workspace's words arrive verbatim (never run as template code), escaped in HTML.
    assert 'Version 2: we count {{ contact.email }} opens {% raw %} "quoted" <b>' in text_of(german)
    assert "we count {{ contact.email }} opens {% raw %} &#34;quoted&#34; &lt;b&gt;" in html_of(
        german
    )
    assert "de@example.org" not in html_of(german).split("<body", 1)[1].split("data-cm")[0]
    # No Dutch notice or wording: English, as on the preference page.
    assert dutch["Subject"] == "May we measure how you read our emails?"
    assert DEFAULT_TEXTS["tracking"]["en"] in text_of(dutch)
    # The footer speaks the body's language too (English where we have no words).
    page = {cid: m.page_token for cid, m in queued.items()}
    assert text_of(german).replace("\r\n", "\n").endswith(
        "\nDiese E-Mail wird nicht gemessen: kein Pixel, keine verfolgten Links.\n\n"
        f"Abmelden: {PUBLIC}/u/{page[de]}\n"
        f"Ihre Einstellungen zur Messung: {PUBLIC}/t/{page[de]}\n"
        f"Einstellungen: {PUBLIC}/p/{page[de]}\n"
    )
    assert text_of(dutch).replace("\r\n", "\n").endswith(
        "\nThis email is not measured: no pixel, no tracked links.\n\n"
        f"Unsubscribe: {PUBLIC}/u/{page[nl]}\n"
        f"Your tracking choices: {PUBLIC}/t/{page[nl]}\n"
        f"Preferences: {PUBLIC}/p/{page[nl]}\n"
    )


def test_a_second_run_within_six_months_asks_nobody(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        first = {person(s, lid, f"p{i}") for i in range(3)}
        refused = person(s, lid, "refused", tracking=("withdraw", NOW - timedelta(61)))
        assert ask(s).queued == 3
    with session_scope(db_url) as s:
        again = ask(s, now=NOW + timedelta(days=1))
        assert (again.queued, dict(again.skipped), again.campaign_ids) == (
            0, {"too_soon": 4}, []
        )
        # Six calendar months after the unanswered request, and after the refusal: asked again.
        later = ask(s, now=add_months(NOW, 6) + timedelta(minutes=1))
        assert later.queued == 4
        assert {r.contact_id for r in s.scalars(select(PermissionRequest))} == first | {refused}
        assert s.scalar(select(func.count()).select_from(PermissionRequest)) == 7
        assert s.scalar(select(func.count()).select_from(Message)) == 7


def test_an_answer_closes_the_request(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        yes, no, silent = (person(s, lid, n) for n in ("yes", "no", "silent"))
        ask(s, now=None)  # the real clock: the answers below are stamped with it
        tokens = {m.contact_id: m.page_token for m in outbox(s).values()}
    with session_scope(db_url) as s:
        # Yes from the preference page the email links; no from the tracking-choices page.
        r = actions.find_recipient(s, tokens[yes])
        assert r is not None
        assert actions.set_preferences(s, r, {"tracking": True}, "page") == 1
        r = actions.find_recipient(s, tokens[no])
        assert r is not None and actions.stop_tracking(s, r, "page")
    with session_scope(db_url) as s:
        assert snapshot(s, yes, lid).tracking.granted
        assert next_request_allowed_at(s, yes, "tracking") is None  # answered: nothing holds
        refusal = snapshot(s, no, lid).tracking.at
        assert refusal is not None
        # A refusal is an answer too; it holds the next request six months from itself.
        assert next_request_allowed_at(s, no, "tracking") == add_months(refusal, 6)
        sent = requests(s)[silent]
        assert next_request_allowed_at(s, silent, "tracking") == add_months(sent, 6)
        again = ask(s, now=None)
        assert (again.queued, dict(again.skipped)) == (0, {"granted": 1, "too_soon": 2})


def test_dry_run_counts_without_writing_and_profiling_is_separate(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        for i in range(2):
            person(s, lid, f"p{i}")
        dry = ask(s, dry_run=True)
        assert (dry.queued, dict(dry.skipped), dry.campaign_ids) == (2, {}, [])
        assert s.scalar(select(func.count()).select_from(Message)) == 0
        assert s.scalar(select(func.count()).select_from(PermissionRequest)) == 0
        assert ask(s).queued == 2
        profiling = ask(s, purpose="profiling")  # its own six-month clock
        assert profiling.queued == 2
        names = s.scalars(select(Campaign.template_name).order_by(Campaign.id)).all()
        assert names == ["permission-request-tracking-en", "permission-request-profiling-en"]


def test_a_crash_before_commit_loses_nothing(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        for i in range(3):
            person(s, lid, f"p{i}")
    with pytest.raises(RuntimeError, match="crash"), session_scope(db_url) as s:
        assert ask(s).queued == 3
        raise RuntimeError("crash before commit")
    with session_scope(db_url) as s:
        # Neither the messages nor the requests survived: nobody is held back by a lost mail.
        assert s.scalar(select(func.count()).select_from(Message)) == 0
        assert s.scalar(select(func.count()).select_from(PermissionRequest)) == 0
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0
        assert ask(s).queued == 3


def test_errors_name_the_problem(db_url: str) -> None:
    with session_scope(db_url) as s:
        news_list(s)
        with pytest.raises(PermissionMailError, match="no list named 'nope'"):
            ask_again(s, "nope", "tracking", sender=SENDER, public_url=PUBLIC,
                      default_jurisdiction="strict")
        with pytest.raises(PermissionMailError, match="purpose 'ads'"):
            ask(s, purpose="ads")
        with pytest.raises(PermissionMailError, match="is itself marketing"):
            ask(s, purpose="newsletter")
        with pytest.raises(PermissionMailError, match="from"):
            ask_again(s, "news", "tracking", sender=Sender("not an address"), public_url=PUBLIC,
                      default_jurisdiction="strict")


def test_default_sender_is_the_lists_latest_campaign(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        assert default_sender(s, "news") is None
        for addr in ("old@shop.example", "new@shop.example"):
            s.add(Campaign(name="c", list_id=lid, subject="s", from_addr=addr, from_name="Shop",
                           html="<p>x</p>", aggregate_token=addr))
        s.flush()
        assert default_sender(s, "news") == Sender("new@shop.example", "Shop")


# --- R11: the legacy information message --------------------------------------------------------
def test_legacy_notice_goes_only_to_silent_fr_cnil_legacy_contacts(db_url: str) -> None:
    recent = datetime(2026, 5, 1, tzinfo=UTC)
    with session_scope(db_url) as s:
        lid = news_list(s)
        set_override(s, "BE", "fr-cnil-2026")  # the workspace maps Belgium to the CNIL profile
        set_override(s, "MC", "eu-default")  # and Monaco away from it
        ids = {
            "fr": person(s, lid, "fr", country="FR", language="fr"),
            "be": person(s, lid, "be", country="BE", language="fr"),
            "fr_en": person(s, lid, "fren", country="FR", language="en"),
            "mc": person(s, lid, "mc", country="MC"),
            "it": person(s, lid, "it", country="IT"),
            "fr_recent": person(s, lid, "frnew", country="FR", collected_at=recent),
            "fr_granted": person(s, lid, "frok", country="FR", tracking=("grant", GIVEN)),
            "fr_refused": person(s, lid, "frno", country="FR", tracking=("withdraw", GIVEN)),
            "fr_unsub": person(s, lid, "frgone", country="FR", status="unsubscribed"),
            "fr_bounced": person(s, lid, "frbounce", country="FR", suppressed=True),
            "fr_no_news": person(s, lid, "frnever", country="FR", newsletter=None),
        }
        summary = inform(s)
    assert summary.queued == 3
    assert dict(summary.skipped) == {
        "not_legacy": 3, "answered": 2, "unsubscribed": 1, "suppressed": 1, "no_newsletter": 1,
    }
    informed = {ids["fr"], ids["be"], ids["fr_en"]}
    with session_scope(db_url) as s:
        queued = outbox(s)
        assert set(queued) == informed
        assert requests(s, "legacy-notice") == {cid: NOW for cid in informed}
        assert requests(s) == {}  # not a re-permission request
        for m in queued.values():
            assert m.transactional_data == {"stop_tracking_url": f"{PUBLIC}/t/{m.page_token}"}
        mails = built(s, list(queued.values()))
        for cid, msg in mails.items():
            assert_measures_nothing(msg, queued[cid].page_token)
        french, english = mails[ids["fr"]], mails[ids["fr_en"]]
        tracked_from = (NOW + timedelta(days=91)).date().isoformat()
        assert french["Subject"] == "La mesure de nos e-mails et votre droit d'opposition"
        text = text_of(french)
        assert f"À partir du {tracked_from}, nous pourrons enregistrer individuellement" in text
        assert "depuis avant le 2026-04-14" in text
        assert f"Je m'oppose : refuser le suivi: {PUBLIC}/t/" in text
        assert DEFAULT_TEXTS["tracking"]["fr"] in text
        assert f"From {tracked_from}, we may record individually" in text_of(english)
        a, b = (audit_html(html_of(mails[ids[k]])) for k in ("fr", "be"))
        assert audit_pair(a, b).verdict.code == "none"


def test_after_the_notice_the_objection_window_counts_from_it(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        fr = person(s, lid, "fr", country="FR")
        assert snapshot(s, fr, lid).legacy_informed_at is None
        inform(s)
    with session_scope(db_url) as s:
        snap = snapshot(s, fr, lid)
        assert snap.legacy_informed_at == NOW
        profile = profile_for_country("FR")
        assert profile is FR_CNIL_2026

        def rule(at: datetime) -> str:
            ctx = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, at=at)
            return decide(snap, ctx, profile).rule_id

        assert rule(NOW + timedelta(days=90)) == "FR-R7-deliverability"
        assert rule(NOW + timedelta(days=91)) == "FR-R11-legacy"
        again = inform(s, now=NOW + timedelta(days=1))
        assert (again.queued, dict(again.skipped)) == (0, {"already_informed": 1})


def test_whoever_was_asked_for_tracking_gets_no_legacy_notice_and_no_legacy_basis(
    db_url: str,
) -> None:
    """R10 with R11: the request said "if you do nothing, the answer is no", so silence after
    it is a refusal; the legacy regime, which reads silence as non-objection, cannot apply."""
    with session_scope(db_url) as s:
        lid = news_list(s)
        informed_first = person(s, lid, "late", country="FR")
        assert inform(s).queued == 1
        asked_only = person(s, lid, "asked", country="FR")
        assert ask(s, now=NOW + timedelta(days=1)).queued == 2
        again = inform(s, now=NOW + timedelta(days=2))
    assert (again.queued, dict(again.skipped)) == (0, {"asked": 2})
    with session_scope(db_url) as s:
        assert requests(s, "legacy-notice") == {informed_first: NOW}
        later = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, at=NOW + timedelta(days=200))
        for cid in (informed_first, asked_only):
            snap = snapshot(s, cid, lid)
            assert snap.tracking_requested_at == NOW + timedelta(days=1)
            # Still the deliverability date only (no refusal recorded), never FR-R11-legacy.
            assert decide(snap, later, FR_CNIL_2026).rule_id == "FR-R7-deliverability"


def test_objecting_from_the_notice_ends_the_legacy_basis(db_url: str) -> None:
    with session_scope(db_url) as s:
        lid = news_list(s)
        fr = person(s, lid, "fr", country="FR")
        inform(s)
        token = outbox(s)[fr].page_token
    with session_scope(db_url) as s:
        r = actions.find_recipient(s, token)  # the one-click page the notice links (POST /t/)
        assert r is not None and actions.stop_tracking(s, r, "page")
    with session_scope(db_url) as s:
        snap = snapshot(s, fr, lid)
        ctx = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, at=NOW + timedelta(days=200))
        assert decide(snap, ctx, FR_CNIL_2026).rule_id == "ALL-R20-default-deny"
        assert snap.subscribed  # objecting never unsubscribes (R15)
