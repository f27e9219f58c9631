"""Every message says whether and why it is measured, and carries the recipient's controls."""

from __future__ import annotations

from dataclasses import replace

import pytest
from selectolax.lexbor import LexborHTMLParser

from consentmail.policy.types import Mode
from consentmail.render import Recipient, Tracking, compile_campaign, render_message

from .support import FIXTURES, PIXEL, envelope, parts, tracking

COMPILED = compile_campaign((FIXTURES / "plain.html").read_text(), subject="S")
ANN = Recipient("ann@example.org")


@pytest.mark.parametrize(("click", "open_"), [(c, o) for c in Mode for o in Mode])
def test_footer_links_are_never_tracked(click: Mode, open_: Mode) -> None:
    t = tracking(click, open_)
    text, html = parts(render_message(COMPILED, ANN, t, envelope()))
    tree = LexborHTMLParser(html)
    roles = {node.attributes["data-cm"]: node.attributes["href"] for node in tree.css("a[data-cm]")}
    assert roles == {  # R13: the tracking choices in every message, whatever is measured
        "unsubscribe": t.unsubscribe_url,
        "stop-tracking": t.stop_tracking_url,
        "preferences": t.preferences_url,
    }
    assert t.footer_reason in html and t.footer_reason in text
    assert (PIXEL in html) is (open_ is not Mode.NONE)
    assert html.index('data-cm="footer"') > html.index("a link")  # at the end (no </body> here)


def test_tracking_values_must_agree_with_the_modes() -> None:
    good = tracking(Mode.PERSONAL)
    fields = {name: getattr(good, name) for name in Tracking.__dataclass_fields__}
    bad_cases = [
        {"open_mode": Mode.NONE},  # a pixel URL without an open mode
        {"click_mode": Mode.NONE},
        {"pixel_url": None},
        {"pixel_url": "/o/relative.gif"},  # L11: absolute
        {"click_base": "javascript:x/"},
        {"stop_tracking_url": None},  # personal tracking needs its stop link (law 8)
        {"unsubscribe_url": "https://t.example.com/u/a b"},
    ]
    for change in bad_cases:
        with pytest.raises(ValueError):
            Tracking(**{**fields, **change})
    for mode in (Mode.AGGREGATE, Mode.NONE):  # the tracking choices are not only for personal
        base = {name: getattr(tracking(mode), name) for name in Tracking.__dataclass_fields__}
        assert Tracking(**base).stop_tracking_url
        # Mail that reaches no recipient page (the double opt-in confirmation) has none.
        assert Tracking(**{**base, "stop_tracking_url": None}).stop_tracking_url is None


@pytest.mark.parametrize(
    ("click", "open_", "label"),
    [
        (Mode.PERSONAL, Mode.PERSONAL, "Stop tracking (keep receiving)"),
        (Mode.AGGREGATE, Mode.PERSONAL, "Stop tracking (keep receiving)"),
        (Mode.PERSONAL, Mode.NONE, "Stop tracking (keep receiving)"),
        (Mode.AGGREGATE, Mode.AGGREGATE, "Your tracking choices"),
        (Mode.NONE, Mode.AGGREGATE, "Your tracking choices"),
        (Mode.NONE, Mode.NONE, "Your tracking choices"),
    ],
)
def test_every_message_links_the_tracking_choices_apart_from_unsubscribe(
    click: Mode, open_: Mode, label: str
) -> None:
    """R13 and the Garante's reading: a footer link to the rights area where pixels can be
    stopped while the mail keeps coming, in every message, not only in those measured per
    person; worded for what the message measures."""
    t = tracking(click, open_)
    text, html = parts(render_message(COMPILED, ANN, t, envelope()))
    tree = LexborHTMLParser(html)
    (link,) = tree.css('a[data-cm="stop-tracking"]')
    assert link.text() == label and link.attributes["href"] == t.stop_tracking_url
    assert t.stop_tracking_url != t.unsubscribe_url
    assert f"\n{label}: {t.stop_tracking_url}\n" in text
    assert f"\nUnsubscribe: {t.unsubscribe_url}\n" in text


LABELS = {  # unsubscribe, stop tracking (personal), tracking choices, preferences
    "en": ("Unsubscribe", "Stop tracking (keep receiving)", "Your tracking choices", "Preferences"),
    "it": ("Disiscriviti", "Interrompi il tracciamento (continua a ricevere)",
           "Le tue scelte sul tracciamento", "Preferenze"),
    "fr": ("Se désinscrire", "Arrêter le suivi (continuer à recevoir)", "Vos choix de suivi",
           "Préférences"),
    "de": ("Abmelden", "Messung beenden (weiterhin erhalten)", "Ihre Einstellungen zur Messung",
           "Einstellungen"),
    "es": ("Darse de baja", "Desactivar el seguimiento (seguir recibiendo)",
           "Tus opciones de seguimiento", "Preferencias"),
}


@pytest.mark.parametrize(
    ("language", "lang"),
    [("en", "en"), ("it", "it"), ("fr", "fr"), ("de", "de"), ("es", "es"), ("de-AT", "de"),
     ("", "en"), ("pt", "en")],
)
def test_the_footer_speaks_the_recipients_language(language: str, lang: str) -> None:
    unsubscribe, stop, choices, preferences = LABELS[lang]
    for mode, tracking_label in ((Mode.PERSONAL, stop), (Mode.NONE, choices)):
        t = replace(tracking(mode), language=language, footer_reason="Ä <reason> & more")
        text, html = parts(render_message(COMPILED, ANN, t, envelope()))
        tree = LexborHTMLParser(html)
        footer = tree.css_first('div[data-cm="footer"]')
        assert footer.attributes["lang"] == lang
        assert footer.css_first("p").text() == "Ä <reason> & more"  # escaped, then read back
        labels = {n.attributes["data-cm"]: n.text() for n in footer.css("a[data-cm]")}
        assert labels == {
            "unsubscribe": unsubscribe, "stop-tracking": tracking_label, "preferences": preferences
        }
        assert text.endswith(
            f"\nÄ <reason> & more\n\n{unsubscribe}: {t.unsubscribe_url}\n"
            f"{tracking_label}: {t.stop_tracking_url}\n{preferences}: {t.preferences_url}\n"
        )
