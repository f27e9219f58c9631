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
from consentmail.db.models import Contact, Message, Subscription
from consentmail.delivery import Outgoing
from tests.campaigns.support import add_contacts, campaign, page

BASE = "https://mail.shop.example"
CFG = BuildConfig(public_url=BASE, one_click=True, k_min=2, default_jurisdiction="strict")
BODY = page('<p>Hi {{ contact.first_name }}</p><a href="https://shop.example/sale">Sale</a>')


def _built(
    db_url: str, measure: str, languages: tuple[str, ...] = ("en",) * 3, *, tracking: bool = False
) -> list[tuple[Message, EmailMessage]]:
    with session_scope(db_url) as s:
        # IT; without tracking consent: aggregate at most (k = 2)
        lst = add_contacts(s, measure, len(languages), tracking=tracking)
        members = select(Subscription.contact_id).where(Subscription.list_id == lst.id)
        for contact, language in zip(
            s.scalars(select(Contact).where(Contact.id.in_(members)).order_by(Contact.id)),
            languages, strict=True,
        ):
            contact.language = language
        c = campaign(s, BODY, list_name=measure, measure=measure)
        queue_campaign(s, c, k_min=CFG.k_min, default_jurisdiction="strict")
        msgs = s.scalars(select(Message).where(Message.campaign_id == c.id)).all()
        built = build_messages(s, CFG, [m.id for m in msgs])
        by_id = {m.id: m for m in msgs}
        out_order = sorted(built, key=lambda item: by_id[item.message_id].contact_id)
        out = []
        for item in out_order:
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


FOOTERS = {  # the text part's footer, for a contact whose language is the key (one each)
    "de": ("Wir zählen Öffnungen und Klicks nur insgesamt, für alle zusammen; nichts davon "
           "identifiziert Sie.", "Abmelden", "Ihre Einstellungen zur Messung", "Einstellungen"),
    "it-IT": ("Contiamo aperture e clic solo in totale, per tutti insieme; nulla ti identifica.",
              "Disiscriviti", "Le tue scelte sul tracciamento", "Preferenze"),
    "fr": ("Nous comptons les ouvertures et les clics uniquement au total, pour tous ; rien ne "
           "vous identifie.", "Se désinscrire", "Vos choix de suivi", "Préférences"),
    "es": ("Contamos las aperturas y los clics solo en total, para todos; nada te identifica.",
           "Darse de baja", "Tus opciones de seguimiento", "Preferencias"),
    "": ("We count opens and clicks only in total for everyone; nothing identifies you.",
         "Unsubscribe", "Your tracking choices", "Preferences"),
}


def test_each_contact_gets_the_footer_in_their_language(db_url: str) -> None:
    built = _built(db_url, "aggregate", tuple(FOOTERS))
    for (msg, message), (reason, unsubscribe, choices, preferences) in zip(
        built, FOOTERS.values(), strict=True
    ):
        assert msg.reason == FOOTERS[""][0]  # stored for the sender: the policy's English (law 7)
        token = msg.page_token
        assert _body(message, "plain").endswith(
            f"\n{reason}\n\n{unsubscribe}: {BASE}/u/{token}\n{choices}: {BASE}/t/{token}\n"
            f"{preferences}: {BASE}/p/{token}\n"
        )
        tree = LexborHTMLParser(_body(message, "html"))
        assert tree.css_first('a[data-cm="stop-tracking"]').text() == choices


def test_personal_footers_in_german_say_when_consent_was_given(db_url: str) -> None:
    [(msg, message)] = _built(db_url, "individual", ("de",), tracking=True)
    assert (msg.open_mode, msg.click_mode) == ("personal", "personal")
    tree = LexborHTMLParser(_body(message, "html"))
    footer = tree.css_first('div[data-cm="footer"]')
    assert footer.attributes["lang"] == "de"
    assert footer.css_first("p").text() == (
        "Wir messen Öffnungen und Klicks für Sie persönlich, weil Sie am 2026-01-10 zugestimmt "
        "haben."
    )
    assert tree.css_first('a[data-cm="stop-tracking"]').text() == (
        "Messung beenden (weiterhin erhalten)"
    )


def test_the_link_is_a_refusal_control_in_every_language(db_url: str) -> None:
    for measure, verdict in (("aggregate", "aggregate"), ("none", "none")):
        (_, a), (_, b), (_, c), (_, d), (_, e) = _built(db_url, measure, tuple(FOOTERS))
        for one, other in ((a, b), (c, d), (e, a)):  # de/it, fr/es, en/de
            report = audit_pair(audit_bytes(one.as_bytes(), source="a.eml"),
                                audit_bytes(other.as_bytes(), source="b.eml"))
            assert report.verdict.code == verdict, report.verdict.reasons
            refusal = [t for t in report.personal_tokens if "/t/" in t.url_a]
            assert refusal and all(t.purpose == "refusal" for t in refusal)
