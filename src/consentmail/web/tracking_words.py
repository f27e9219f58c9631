"""The recipient pages' sentences about how a person is measured now, in it, en, fr, de and es.

Kept beside web/i18n.py (same conventions: "tu" in Italian and Spanish, "vous"/"Sie" in French and
German, the same {placeholders} in every language, plain text that templates escape). Templates
call them as `tw("key", name=value)`. They say what privacy/tracking_status.py finds: an informed
legacy contact is tracked from a date unless they object (R11); the last open's date (R7) and
service notices (R6) are measured until the person says no; security mail is the exception
"stop tracking" keeps (R5, R13).
"""

from __future__ import annotations

from consentmail.web import i18n

_W: dict[str, dict[str, str]] = {
    "stop.explain": {
        "en": "Stopping tracking does not unsubscribe you: you keep receiving the same messages, "
        "with nothing that measures you personally, except security messages such as password "
        "resets, whose links are the function. It also applies to messages you already "
        "received.",
        "it": "Interrompere il tracciamento non ti disiscrive: continui a ricevere gli stessi "
        "messaggi, senza nulla che ti misuri individualmente, tranne i messaggi di sicurezza "
        "come il ripristino della password, i cui link sono la funzione stessa. Vale anche per i "
        "messaggi che hai già ricevuto.",
        "fr": "Arrêter le suivi ne vous désinscrit pas : vous continuez à recevoir les mêmes "
        "messages, sans rien qui vous mesure individuellement, sauf les messages de sécurité "
        "comme la réinitialisation du mot de passe, dont les liens sont la fonction même. Cela "
        "vaut aussi pour les messages déjà reçus.",
        "de": "Wenn Sie die Messung beenden, bleiben Sie angemeldet: Sie erhalten weiterhin "
        "dieselben Nachrichten, ohne etwas, das Sie persönlich misst, außer "
        "Sicherheitsnachrichten wie dem Zurücksetzen des Passworts, deren Links die Funktion "
        "selbst sind. Das gilt auch für Nachrichten, die Sie bereits erhalten haben.",
        "es": "Desactivar el seguimiento no te da de baja: sigues recibiendo los mismos "
        "mensajes, sin nada que te mida individualmente, salvo los mensajes de seguridad como el "
        "restablecimiento de la contraseña, cuyos enlaces son la función misma. También se aplica "
        "a los mensajes que ya has recibido.",
    },
    "stop.done_text": {
        "en": "We no longer measure whether you open or click our messages, including the ones "
        "you already received, except security messages such as password resets, whose links "
        "are the function. You stay subscribed and will get the same messages, without markers.",
        "it": "Non misuriamo più se apri i nostri messaggi o ne clicchi i link, nemmeno per "
        "quelli che hai già ricevuto, tranne i messaggi di sicurezza come il ripristino della "
        "password, i cui link sono la funzione stessa. La tua iscrizione resta attiva e "
        "riceverai gli stessi messaggi, senza marcatori.",
        "fr": "Nous ne mesurons plus si vous ouvrez nos messages ou cliquez sur leurs liens, y "
        "compris pour ceux déjà reçus, sauf les messages de sécurité comme la réinitialisation "
        "du mot de passe, dont les liens sont la fonction même. Votre abonnement reste actif : "
        "vous recevrez les mêmes messages, sans traceurs.",
        "de": "Wir messen nicht mehr, ob Sie unsere Nachrichten öffnen oder darin klicken, auch "
        "nicht bei bereits erhaltenen, außer bei Sicherheitsnachrichten wie dem Zurücksetzen des "
        "Passworts, deren Links die Funktion selbst sind. Sie bleiben angemeldet und erhalten "
        "dieselben Nachrichten, ohne Markierungen.",
        "es": "Ya no medimos si abres nuestros mensajes o haces clic en ellos, tampoco en los que "
        "ya recibiste, salvo los mensajes de seguridad como el restablecimiento de la "
        "contraseña, cuyos enlaces son la función misma. Tu suscripción sigue activa y recibirás "
        "los mismos mensajes, sin marcadores.",
    },
    "status.legacy_before": {
        "en": "On {informed} we told you that from {date} we may measure your opens and clicks "
        "individually unless you object. You have not objected.",
        "it": "Il {informed} ti abbiamo informato che dal {date} potremo misurare "
        "individualmente le tue aperture e i tuoi clic, a meno che tu non ti opponga. Finora non "
        "hai espresso opposizione.",
        "fr": "Le {informed}, nous vous avons informé qu'à partir du {date} nous pourrons "
        "mesurer individuellement vos ouvertures et vos clics, sauf si vous vous y opposez. Nous "
        "n'avons reçu aucune opposition de votre part.",
        "de": "Am {informed} haben wir Ihnen mitgeteilt, dass wir ab dem {date} Ihre Öffnungen "
        "und Klicks personenbezogen messen dürfen, sofern Sie nicht widersprechen. Sie haben "
        "bisher nicht widersprochen.",
        "es": "El {informed} te informamos de que a partir del {date} podremos medir tus "
        "aperturas y tus clics de forma individual, salvo que te opongas. Hasta ahora no te has "
        "opuesto.",
    },
    "status.legacy_since": {
        "en": "Since {date} we measure your opens and clicks individually, because we told you "
        "on {informed} and you did not object.",
        "it": "Dal {date} misuriamo individualmente le tue aperture e i tuoi clic, perché ti "
        "abbiamo informato il {informed} e non hai espresso opposizione.",
        "fr": "Depuis le {date}, nous mesurons individuellement vos ouvertures et vos clics, car "
        "nous vous en avons informé le {informed} et nous n'avons reçu aucune opposition de "
        "votre part.",
        "de": "Seit dem {date} messen wir Ihre Öffnungen und Klicks personenbezogen, weil wir "
        "Sie am {informed} informiert haben und Sie nicht widersprochen haben.",
        "es": "Desde el {date} medimos tus aperturas y tus clics de forma individual, porque te "
        "informamos el {informed} y no te opusiste.",
    },
    "status.legacy_object_here": {
        "en": "The button below records your objection; you keep receiving our emails.",
        "it": "Il pulsante qui sotto registra la tua opposizione; continui a ricevere le nostre "
        "email.",
        "fr": "Le bouton ci-dessous enregistre votre opposition ; vous continuez à recevoir nos "
        "e-mails.",
        "de": "Die Schaltfläche unten erfasst Ihren Widerspruch; Sie erhalten unsere E-Mails "
        "weiterhin.",
        "es": "El botón de abajo registra tu oposición; sigues recibiendo nuestros correos.",
    },
    "status.legacy_object_box": {
        "en": "Saving with this box unticked records your objection.",
        "it": "Se salvi lasciando questa casella vuota, registriamo la tua opposizione.",
        "fr": "Si vous enregistrez sans cocher cette case, nous enregistrons votre opposition.",
        "de": "Wenn Sie speichern, ohne dieses Kästchen anzukreuzen, erfassen wir Ihren "
        "Widerspruch.",
        "es": "Si guardas sin marcar esta casilla, registramos tu oposición.",
    },
    "status.last_open_date": {
        "en": "Of your opens we keep only the date of the most recent one, to stop writing to "
        "you if you no longer read our emails; stopping tracking ends this too.",
        "it": "Delle tue aperture conserviamo solo la data dell'ultima, per smettere di "
        "scriverti se non leggi più le nostre email; interrompere il tracciamento pone fine "
        "anche a questo.",
        "fr": "De vos ouvertures, nous ne gardons que la date de la plus récente, pour cesser de "
        "vous écrire si vous ne lisez plus nos e-mails ; arrêter le suivi y met fin aussi.",
        "de": "Von Ihren Öffnungen speichern wir nur das Datum der letzten, um Ihnen nicht mehr "
        "zu schreiben, wenn Sie unsere E-Mails nicht mehr lesen; wenn Sie die Messung beenden, "
        "endet auch das.",
        "es": "De tus aperturas guardamos solo la fecha de la más reciente, para dejar de "
        "escribirte si ya no lees nuestros correos; desactivar el seguimiento también pone fin a "
        "esto.",
    },
    "status.service_notices": {
        "en": "Service notices, such as changes to your contract, are measured only to confirm "
        "that they reached you; stopping tracking ends this too.",
        "it": "Gli avvisi di servizio, come le modifiche al tuo contratto, sono misurati solo "
        "per confermare che ti sono arrivati; interrompere il tracciamento pone fine anche a "
        "questo.",
        "fr": "Les avis de service, comme les modifications de votre contrat, ne sont mesurés "
        "que pour confirmer qu'ils vous sont parvenus ; arrêter le suivi y met fin aussi.",
        "de": "Servicemitteilungen, etwa Änderungen Ihres Vertrags, messen wir nur, um zu "
        "bestätigen, dass sie Sie erreicht haben; wenn Sie die Messung beenden, endet auch das.",
        "es": "Los avisos de servicio, como los cambios en tu contrato, se miden solo para "
        "confirmar que te han llegado; desactivar el seguimiento también pone fin a esto.",
    },
    "prefs.notice_changed": {
        "en": "The information has changed; please read it again. Nothing was recorded for: "
        "{purposes}.",
        "it": "L'informativa è cambiata; ti chiediamo di rileggerla. Non è stato registrato "
        "nulla per: {purposes}.",
        "fr": "L'information a changé ; veuillez la relire. Rien n'a été enregistré pour : "
        "{purposes}.",
        "de": "Der Hinweis hat sich geändert; bitte lesen Sie ihn erneut. Nichts erfasst für: "
        "{purposes}.",
        "es": "La información ha cambiado; vuelve a leerla. No se ha registrado nada para: "
        "{purposes}.",
    },
}


def all_keys() -> list[str]:
    return list(_W)


def text(lang: str, key: str, **values: object) -> str:
    """The sentence `key` in `lang` (English when missing), with `values` filled in."""
    entry = _W[key]
    template = entry.get(lang) or entry[i18n.DEFAULT_LANGUAGE]
    return template.format(**values) if values else template


class Words:
    """What templates call as `tw("key", name=value)`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: object) -> str:
        return text(self.lang, key, **values)
