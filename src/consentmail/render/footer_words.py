"""The footer's words in it, en, fr, de and es: the recipient's controls, and the sentence saying
whether and why the message is measured, in the contact's language (else English).

The one place these words are written: the renderer's footer takes its labels here, the builder
takes the sentence for each recipient (footer_reason, from the decision's basis), and the recipient
pages' texts (web/i18n.py) reuse the not-measured sentence for the confirmation email. Policy's
reasons stay English: they are stored with the message and shown to the sender (law 7).

The labels of the tracking-choices link must stay recognisable as a refusal control by the audit
(audit/roles.py), in every language; tests check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from consentmail.policy.types import ConsentSnapshot, Decision, Mode

FALLBACK = "en"


@dataclass(frozen=True, slots=True)
class FooterWords:
    language: str
    unsubscribe: str
    stop_tracking: str  # the message measures the recipient personally
    tracking_choices: str  # it measures nothing personal: the same page, a calmer label
    preferences: str
    # Mail before any subscription (the double opt-in confirmation): its two links lead to
    # cancelling the request and to the choices awaiting confirmation.
    cancel_request: str
    review_request: str
    not_measured: str
    aggregate: str
    security: str
    mandatory: str
    deliverability: str
    deliverability_and_aggregate: str
    agreed: str  # {when}: on_day, or nothing when the date is unknown
    informed: str
    on_day: str  # {day}: ISO date, as in the policy's sentence


WORDS: dict[str, FooterWords] = {
    "en": FooterWords(
        language="en",
        unsubscribe="Unsubscribe",
        stop_tracking="Stop tracking (keep receiving)",
        tracking_choices="Your tracking choices",
        preferences="Preferences",
        cancel_request="Cancel this request",
        review_request="Review your choices",
        not_measured="This email is not measured: no pixel, no tracked links.",
        aggregate="We count opens and clicks only in total for everyone; nothing identifies you.",
        security="We note whether this security email is opened and its links used, only to "
        "protect your account.",
        mandatory="We note whether this notice is opened and its links used, only to confirm "
        "that it reached you.",
        deliverability="We keep only the date you last opened our emails, to stop writing if you "
        "no longer read them.",
        deliverability_and_aggregate="We keep only the date you last opened our emails, to stop "
        "writing if you no longer read them; clicks are counted only in total.",
        agreed="We measure opens and clicks for you personally because you agreed{when}.",
        informed="We measure opens and clicks for you personally because we told you{when} and "
        "you did not object.",
        on_day=" on {day}",
    ),
    "it": FooterWords(
        language="it",
        unsubscribe="Disiscriviti",
        stop_tracking="Interrompi il tracciamento (continua a ricevere)",
        tracking_choices="Le tue scelte sul tracciamento",
        preferences="Preferenze",
        cancel_request="Annulla questa richiesta",
        review_request="Rivedi le tue scelte",
        not_measured="Questa email non viene misurata: nessun pixel, nessun link tracciato.",
        aggregate="Contiamo aperture e clic solo in totale, per tutti insieme; nulla ti "
        "identifica.",
        security="Registriamo se questa email di sicurezza viene aperta e se i suoi link vengono "
        "usati, solo per proteggere il tuo account.",
        mandatory="Registriamo se questa comunicazione viene aperta e se i suoi link vengono "
        "usati, solo per confermare che ti è arrivata.",
        deliverability="Conserviamo solo la data in cui hai aperto per l'ultima volta le nostre "
        "email, per smettere di scriverti se non le leggi più.",
        deliverability_and_aggregate="Conserviamo solo la data in cui hai aperto per l'ultima "
        "volta le nostre email, per smettere di scriverti se non le leggi più; i clic sono "
        "contati solo in totale.",
        agreed="Misuriamo aperture e clic per te personalmente perché hai acconsentito{when}.",
        informed="Misuriamo aperture e clic per te personalmente perché ti abbiamo informato"
        "{when} e non hai fatto opposizione.",
        on_day=" il {day}",
    ),
    "fr": FooterWords(
        language="fr",
        unsubscribe="Se désinscrire",
        stop_tracking="Arrêter le suivi (continuer à recevoir)",
        tracking_choices="Vos choix de suivi",
        preferences="Préférences",
        cancel_request="Annuler cette demande",
        review_request="Revoir vos choix",
        not_measured="Cet e-mail n'est pas mesuré : aucun pixel, aucun lien suivi.",
        aggregate="Nous comptons les ouvertures et les clics uniquement au total, pour tous ; "
        "rien ne vous identifie.",
        security="Nous notons si cet e-mail de sécurité est ouvert et si ses liens sont utilisés, "
        "uniquement pour protéger votre compte.",
        mandatory="Nous notons si cet avis est ouvert et si ses liens sont utilisés, uniquement "
        "pour confirmer qu'il vous est parvenu.",
        deliverability="Nous ne gardons que la date de votre dernière ouverture de nos e-mails, "
        "pour cesser de vous écrire si vous ne les lisez plus.",
        deliverability_and_aggregate="Nous ne gardons que la date de votre dernière ouverture de "
        "nos e-mails, pour cesser de vous écrire si vous ne les lisez plus ; les clics ne sont "
        "comptés qu'au total.",
        agreed="Nous mesurons les ouvertures et les clics pour vous personnellement parce que "
        "vous l'avez accepté{when}.",
        informed="Nous mesurons les ouvertures et les clics pour vous personnellement parce que "
        "nous vous en avons informé{when} sans opposition de votre part.",
        on_day=" le {day}",
    ),
    "de": FooterWords(
        language="de",
        unsubscribe="Abmelden",
        stop_tracking="Messung beenden (weiterhin erhalten)",
        tracking_choices="Ihre Einstellungen zur Messung",
        preferences="Einstellungen",
        cancel_request="Diese Anfrage abbrechen",
        review_request="Ihre Auswahl prüfen",
        not_measured="Diese E-Mail wird nicht gemessen: kein Pixel, keine verfolgten Links.",
        aggregate="Wir zählen Öffnungen und Klicks nur insgesamt, für alle zusammen; nichts davon "
        "identifiziert Sie.",
        security="Wir erfassen, ob diese Sicherheits-E-Mail geöffnet wird und ihre Links genutzt "
        "werden, nur um Ihr Konto zu schützen.",
        mandatory="Wir erfassen, ob diese Mitteilung geöffnet wird und ihre Links genutzt werden, "
        "nur um zu bestätigen, dass sie Sie erreicht hat.",
        deliverability="Wir speichern nur das Datum, an dem Sie unsere E-Mails zuletzt geöffnet "
        "haben, um Ihnen nicht mehr zu schreiben, wenn Sie sie nicht mehr lesen.",
        deliverability_and_aggregate="Wir speichern nur das Datum, an dem Sie unsere E-Mails "
        "zuletzt geöffnet haben, um Ihnen nicht mehr zu schreiben, wenn Sie sie nicht mehr "
        "lesen; Klicks werden nur insgesamt gezählt.",
        agreed="Wir messen Öffnungen und Klicks für Sie persönlich, weil Sie{when} zugestimmt "
        "haben.",
        informed="Wir messen Öffnungen und Klicks für Sie persönlich, weil wir Sie{when} "
        "informiert haben und Sie nicht widersprochen haben.",
        on_day=" am {day}",
    ),
    "es": FooterWords(
        language="es",
        unsubscribe="Darse de baja",
        stop_tracking="Desactivar el seguimiento (seguir recibiendo)",
        tracking_choices="Tus opciones de seguimiento",
        preferences="Preferencias",
        cancel_request="Cancelar esta solicitud",
        review_request="Revisar tus opciones",
        not_measured="Este correo no se mide: ni píxel ni enlaces con seguimiento.",
        aggregate="Contamos las aperturas y los clics solo en total, para todos; nada te "
        "identifica.",
        security="Anotamos si este correo de seguridad se abre y si se usan sus enlaces, solo "
        "para proteger tu cuenta.",
        mandatory="Anotamos si este aviso se abre y si se usan sus enlaces, solo para confirmar "
        "que te ha llegado.",
        deliverability="Solo guardamos la fecha en que abriste nuestros correos por última vez, "
        "para dejar de escribirte si ya no los lees.",
        deliverability_and_aggregate="Solo guardamos la fecha en que abriste nuestros correos "
        "por última vez, para dejar de escribirte si ya no los lees; los clics se cuentan solo "
        "en total.",
        agreed="Medimos las aperturas y los clics de forma personal porque lo aceptaste{when}.",
        informed="Medimos las aperturas y los clics de forma personal porque te lo comunicamos"
        "{when} y no te opusiste.",
        on_day=" el {day}",
    ),
}
LANGUAGES = tuple(WORDS)


def footer_words(language: str | None) -> FooterWords:
    """The words for a contact's language ('de', 'de-AT', 'IT', 'es_ES'), else English."""
    found = WORDS.get(language or FALLBACK)  # the common case: a plain code
    if found is None:
        code = (language or "").strip().lower().replace("_", "-").split("-", 1)[0]
        found = WORDS.get(code, WORDS[FALLBACK])
    return found


def sentences(name: str) -> dict[str, str]:
    """One field in every language, e.g. sentences("not_measured") for web/i18n.py."""
    return {lang: getattr(words, name) for lang, words in WORDS.items()}


# One sentence per language and calendar day: the days are few, the recipients many.
_dated: dict[tuple[str, str, date | None], str] = {}


def footer_reason(language: str | None, decision: Decision, snapshot: ConsentSnapshot) -> str:
    """The footer's sentence for this recipient: what `decision` measures and why, in their
    language. A basis this table does not know keeps the policy's own (English) sentence."""
    words = footer_words(language)
    kind, _, detail = decision.basis.partition(":")
    if kind == "consent":
        return _on(words, "agreed", snapshot.tracking.at)
    if kind == "legacy":
        return _on(words, "informed", snapshot.legacy_informed_at)
    if kind == "exemption" and detail == "deliverability":
        aggregate_clicks = decision.click_mode == Mode.AGGREGATE  # a str when read back
        return words.deliverability_and_aggregate if aggregate_clicks else words.deliverability
    if kind == "exemption" and detail in ("security", "mandatory"):
        return words.security if detail == "security" else words.mandatory
    if decision.basis == "anonymous-aggregate":
        return words.aggregate
    if decision.basis == "none":
        return words.not_measured
    return decision.reason


def _on(words: FooterWords, name: str, at: datetime | None) -> str:
    day = at.date() if at is not None else None
    key = (words.language, name, day)
    sentence = _dated.get(key)
    if sentence is None:
        when = words.on_day.format(day=day.isoformat()) if day is not None else ""
        sentence = _dated[key] = getattr(words, name).format(when=when)
    return sentence
