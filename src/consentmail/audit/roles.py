"""What a link is for, from its text and URL: unsubscribe, stop tracking, preferences, web view.

A per-recipient token in an unsubscribe or preferences link is needed for the link to work; a
"stop tracking" link is the visible way to refuse that R13 asks for. Phrases cover the languages of
the jurisdiction profiles (en, de, fr, it, es, nl).
"""

from __future__ import annotations

import re

_REFUSAL = re.compile(
    r"stop[\s_-]*track|tracking[\s_-]*(?:off|opt[\s-]*out|preferences|settings|choices|ablehnen"
    r"|deaktivieren|widerrufen|widersprechen|beenden)"
    r"|(?:disable|refuse|turn off|opt out of|no)[\s_-]*tracking"
    r"|do[\s_-]*not[\s_-]*track|ohne[\s_-]*tracking|kein(?:e|en)?[\s_-]*tracking|notrack"
    r"|messung[\s_-]*(?:beenden|ablehnen|deaktivieren|widersprechen)|einstellungen zur messung"
    r"|(?:désactiver|refuser|arrêter) (?:le )?suivi|ne plus être suivi|sans suivi"
    r"|choix (?:de|du) suivi"
    r"|(?:disattiva(?:re)?|rifiuta(?:re)?|interrompi) (?:il )?tracciamento|non tracciare"
    r"|senza tracciamento|scelte (?:sul|di|per il) tracciamento"
    r"|(?:desactivar|rechazar) (?:el )?seguimiento|sin seguimiento|opciones de seguimiento"
    r"|niet (?:meer )?volgen|tracking uitschakelen",
    re.I,
)
_UNSUBSCRIBE = re.compile(
    r"unsubscri|opt[\s_-]*out|abmelden|abbestellen|austragen|abmeldung|désinscri|desinscri"
    r"|désabonn|desabonn|disiscri|cancella(?:re)? (?:l'|la )?iscrizione|darse de baja|\bbaja\b"
    r"|afmelden|uitschrijven|rmftlp|list_unsubscribe",
    re.I,
)
_PREFERENCES = re.compile(
    r"preferences|preference[\s_-]*cent|manage[\s_-]*(?:your[\s_-]*)?subscription|einstellungen"
    r"|profil (?:bearbeiten|ändern)|préférences|preferenze|preferencias|voorkeuren",
    re.I,
)
_WEBVIEW = re.compile(
    r"view (?:it |this (?:email|message) )?(?:in|online)|web[\s_-]*version|browser"
    r"|online[\s_-]*version"
    r"|im browser|version en ligne|versione online|versión web|webversie",
    re.I,
)


# Cheap gates: a regex runs only when one of these substrings is present.
_REFUSAL_GATE = ("track", "messung", "suivi", "traccia", "seguimiento", "volgen")
_UNSUBSCRIBE_GATE = ("unsub", "opt", "abmeld", "abbestell", "austrag", "sinscri", "sabonn",
                     "disiscri", "iscrizione", "baja", "afmeld", "uitschrijv", "rmftlp")
_PREFERENCES_GATE = ("pref", "préf", "subscription", "einstellung", "profil", "voorkeur")


def link_role(text: str, url: str) -> str:
    """'refusal', 'unsubscribe', 'preferences', 'webview' or '' (an ordinary link)."""
    both = f"{text}\n{url}".lower()
    if any(g in both for g in _REFUSAL_GATE) and _REFUSAL.search(both):
        return "refusal"
    if any(g in both for g in _UNSUBSCRIBE_GATE) and _UNSUBSCRIBE.search(both):
        return "unsubscribe"
    if any(g in both for g in _PREFERENCES_GATE) and _PREFERENCES.search(both):
        return "preferences"
    if _WEBVIEW.search(text):
        return "webview"
    return ""
