"""Every string the recipient pages, the hosted form, its confirmation page and its confirmation
email show, in it, en, fr, de and es, and the choice of language.

Italian and Spanish address the reader with "tu", French and German with "vous"/"Sie", as the
built-in consent notices do. Placeholders ({email}, {list}, ...) are the same in every language
(a test checks it). Texts are plain: templates escape them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from consentmail.render.footer_words import sentences as footer_sentences

LANGUAGES = ("it", "en", "fr", "de", "es")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {
    "it": "Italiano",
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
}

_T: dict[str, dict[str, str]] = {
    # -- shared ---------------------------------------------------------------------------------
    "nav.language": {
        "en": "Language",
        "it": "Lingua",
        "fr": "Langue",
        "de": "Sprache",
        "es": "Idioma",
    },
    "link.preferences": {
        "en": "All your preferences",
        "it": "Tutte le tue preferenze",
        "fr": "Toutes vos préférences",
        "de": "Alle Ihre Einstellungen",
        "es": "Todas tus preferencias",
    },
    "link.privacy": {
        "en": "How we measure our emails",
        "it": "Come misuriamo le nostre email",
        "fr": "Comment nous mesurons nos e-mails",
        "de": "Wie wir unsere E-Mails messen",
        "es": "Cómo medimos nuestros correos",
    },
    "notfound.title": {
        "en": "Link not recognised",
        "it": "Link non riconosciuto",
        "fr": "Lien non reconnu",
        "de": "Link nicht erkannt",
        "es": "Enlace no reconocido",
    },
    "notfound.text": {
        "en": "This link is not valid. If you copied it, check that it is complete.",
        "it": "Questo link non è valido. Se l'hai copiato, controlla che sia completo.",
        "fr": "Ce lien n'est pas valide. Si vous l'avez copié, vérifiez qu'il est complet.",
        "de": "Dieser Link ist ungültig. Wenn Sie ihn kopiert haben, prüfen Sie, ob er "
        "vollständig ist.",
        "es": "Este enlace no es válido. Si lo has copiado, comprueba que esté completo.",
    },
    "expired.title": {
        "en": "Form expired",
        "it": "Modulo scaduto",
        "fr": "Formulaire expiré",
        "de": "Formular abgelaufen",
        "es": "Formulario caducado",
    },
    "expired.stop": {
        "en": "Please open the stop-tracking page again and press the button.",
        "it": "Apri di nuovo la pagina per interrompere il tracciamento e premi il pulsante.",
        "fr": "Veuillez rouvrir la page d'arrêt du suivi et appuyer sur le bouton.",
        "de": "Bitte öffnen Sie die Seite zum Beenden der Messung erneut und drücken Sie die "
        "Schaltfläche.",
        "es": "Vuelve a abrir la página para desactivar el seguimiento y pulsa el botón.",
    },
    "expired.preferences": {
        "en": "Please open your preferences again and save.",
        "it": "Apri di nuovo le tue preferenze e salva.",
        "fr": "Veuillez rouvrir vos préférences et enregistrer.",
        "de": "Bitte öffnen Sie Ihre Einstellungen erneut und speichern Sie.",
        "es": "Vuelve a abrir tus preferencias y guarda.",
    },
    # -- unsubscribe (/u) ------------------------------------------------------------------------
    "unsub.title": {
        "en": "Unsubscribe",
        "it": "Disiscrizione",
        "fr": "Désinscription",
        "de": "Abmelden",
        "es": "Darse de baja",
    },
    "unsub.question": {
        "en": "Unsubscribe from “{list}”?",
        "it": "Vuoi disiscriverti da “{list}”?",
        "fr": "Se désinscrire de « {list} » ?",
        "de": "Von „{list}“ abmelden?",
        "es": "¿Darte de baja de «{list}»?",
    },
    "unsub.confirm": {
        "en": "Confirm below to stop receiving these messages at {email}.",
        "it": "Conferma qui sotto per non ricevere più questi messaggi all'indirizzo {email}.",
        "fr": "Confirmez ci-dessous pour ne plus recevoir ces messages à l'adresse {email}.",
        "de": "Bestätigen Sie unten, um diese Nachrichten nicht mehr an {email} zu erhalten.",
        "es": "Confirma abajo para dejar de recibir estos mensajes en {email}.",
    },
    "unsub.button": {
        "en": "Unsubscribe",
        "it": "Disiscrivimi",
        "fr": "Me désinscrire",
        "de": "Abmelden",
        "es": "Darme de baja",
    },
    "unsub.instead": {
        "en": "Only want us to stop measuring you, and keep receiving these messages?",
        "it": "Vuoi solo che smettiamo di misurarti e continuare a ricevere questi messaggi?",
        "fr": "Vous voulez seulement que nous cessions de vous mesurer, tout en continuant à "
        "recevoir ces messages ?",
        "de": "Möchten Sie nur, dass wir Sie nicht mehr messen, und diese Nachrichten weiter "
        "erhalten?",
        "es": "¿Solo quieres que dejemos de medirte y seguir recibiendo estos mensajes?",
    },
    "unsub.instead_link": {
        "en": "Stop tracking instead",
        "it": "Interrompi solo il tracciamento",
        "fr": "Arrêter seulement le suivi",
        "de": "Nur die Messung beenden",
        "es": "Desactivar solo el seguimiento",
    },
    "unsub.done_title": {
        "en": "You are unsubscribed",
        "it": "Disiscrizione completata",
        "fr": "Désinscription confirmée",
        "de": "Sie sind abgemeldet",
        "es": "Te has dado de baja",
    },
    "unsub.done_text": {
        "en": "{email} will receive no more messages from “{list}”.",
        "it": "{email} non riceverà più messaggi da “{list}”.",
        "fr": "{email} ne recevra plus de messages de « {list} ».",
        "de": "{email} erhält keine Nachrichten von „{list}“ mehr.",
        "es": "{email} no recibirá más mensajes de «{list}».",
    },
    "unsub.no_list_title": {
        "en": "Nothing to unsubscribe from",
        "it": "Nessuna iscrizione da annullare",
        "fr": "Aucun abonnement à annuler",
        "de": "Kein Abonnement zum Abmelden",
        "es": "No hay ninguna suscripción que cancelar",
    },
    "unsub.no_list_text": {
        "en": "This message was not sent to a mailing list, so there is nothing to unsubscribe "
        "from. Your other choices are in your preferences.",
        "it": "Questo messaggio non è stato inviato a una lista, quindi non c'è nulla da cui "
        "disiscriversi. Le altre scelte sono nelle tue preferenze.",
        "fr": "Ce message n'a pas été envoyé à une liste de diffusion : il n'y a donc rien dont "
        "se désinscrire. Vos autres choix se trouvent dans vos préférences.",
        "de": "Diese Nachricht wurde nicht an eine Verteilerliste gesendet, daher gibt es nichts "
        "abzubestellen. Ihre übrigen Entscheidungen finden Sie in Ihren Einstellungen.",
        "es": "Este mensaje no se envió a una lista de correo, así que no hay nada de lo que "
        "darse de baja. Tus demás elecciones están en tus preferencias.",
    },
    # -- stop tracking (/t) ----------------------------------------------------------------------
    "stop.title": {
        "en": "Stop tracking",
        "it": "Interrompi il tracciamento",
        "fr": "Arrêter le suivi",
        "de": "Messung beenden",
        "es": "Desactivar el seguimiento",
    },
    "stop.state_on": {
        "en": "You agreed that we measure your opens and clicks.",
        "it": "Hai acconsentito a che misuriamo le tue aperture e i tuoi clic.",
        "fr": "Vous avez accepté que nous mesurions vos ouvertures et vos clics.",
        "de": "Sie haben zugestimmt, dass wir Ihre Öffnungen und Klicks messen.",
        "es": "Aceptaste que midamos tus aperturas y tus clics.",
    },
    "stop.state_off": {
        "en": "We do not measure your opens and clicks individually.",
        "it": "Non misuriamo le tue aperture e i tuoi clic in modo individuale.",
        "fr": "Nous ne mesurons pas vos ouvertures et vos clics de façon individuelle.",
        "de": "Wir messen Ihre Öffnungen und Klicks nicht personenbezogen.",
        "es": "No medimos tus aperturas ni tus clics de forma individual.",
    },
    "stop.button": {
        "en": "Stop tracking me",
        "it": "Interrompi il tracciamento",
        "fr": "Arrêter le suivi",
        "de": "Messung beenden",
        "es": "Desactivar el seguimiento",
    },
    "stop.done_title": {
        "en": "Tracking stopped",
        "it": "Tracciamento interrotto",
        "fr": "Suivi arrêté",
        "de": "Messung beendet",
        "es": "Seguimiento desactivado",
    },
    # -- preference centre (/p) ------------------------------------------------------------------
    "prefs.title": {
        "en": "Your preferences",
        "it": "Le tue preferenze",
        "fr": "Vos préférences",
        "de": "Ihre Einstellungen",
        "es": "Tus preferencias",
    },
    "prefs.for": {
        "en": "For {email}.",
        "it": "Per {email}.",
        "fr": "Pour {email}.",
        "de": "Für {email}.",
        "es": "Para {email}.",
    },
    "prefs.saved": {
        "en": "Your choices are saved. Changes recorded: {n}.",
        "it": "Le tue scelte sono state salvate. Modifiche registrate: {n}.",
        "fr": "Vos choix sont enregistrés. Modifications enregistrées : {n}.",
        "de": "Ihre Auswahl ist gespeichert. Erfasste Änderungen: {n}.",
        "es": "Tus elecciones se han guardado. Cambios registrados: {n}.",
    },
    "prefs.purposes": {
        "en": "What you agree to",
        "it": "A cosa acconsenti",
        "fr": "Ce que vous acceptez",
        "de": "Wozu Sie einwilligen",
        "es": "Lo que aceptas",
    },
    "prefs.state_on": {
        "en": "Currently: yes, since {date}.",
        "it": "Ora: sì, dal {date}.",
        "fr": "Actuellement : oui, depuis le {date}.",
        "de": "Derzeit: ja, seit {date}.",
        "es": "Ahora: sí, desde el {date}.",
    },
    "prefs.state_off": {
        "en": "Currently: no.",
        "it": "Ora: no.",
        "fr": "Actuellement : non.",
        "de": "Derzeit: nein.",
        "es": "Ahora: no.",
    },
    "prefs.notice_version": {
        "en": "Notice version {version}",
        "it": "Versione dell'informativa: {version}",
        "fr": "Version de l'information : {version}",
        "de": "Version des Hinweises: {version}",
        "es": "Versión del aviso: {version}",
    },
    "purpose.newsletter": {
        "en": "Newsletter",
        "it": "Newsletter",
        "fr": "Newsletter",
        "de": "Newsletter",
        "es": "Boletín",
    },
    "purpose.tracking": {
        "en": "Measure my opens and clicks",
        "it": "Misurare le mie aperture e i miei clic",
        "fr": "Mesurer mes ouvertures et mes clics",
        "de": "Meine Öffnungen und Klicks messen",
        "es": "Medir mis aperturas y mis clics",
    },
    "purpose.profiling": {
        "en": "Personalise by my interests",
        "it": "Personalizzare in base ai miei interessi",
        "fr": "Personnaliser selon mes centres d'intérêt",
        "de": "Nach meinen Interessen personalisieren",
        "es": "Personalizar según mis intereses",
    },
    "prefs.lists": {
        "en": "Your lists",
        "it": "Le tue liste",
        "fr": "Vos listes",
        "de": "Ihre Listen",
        "es": "Tus listas",
    },
    "prefs.list_label": {
        "en": "Receive “{list}”",
        "it": "Ricevere “{list}”",
        "fr": "Recevoir « {list} »",
        "de": "„{list}“ erhalten",
        "es": "Recibir «{list}»",
    },
    "prefs.lists_hint": {
        "en": "You receive a list's emails only while “{newsletter}” above is ticked too.",
        "it": "Ricevi le email di una lista solo se anche “{newsletter}” qui sopra è "
        "selezionata.",
        "fr": "Vous ne recevez les e-mails d'une liste que si « {newsletter} » ci-dessus est "
        "aussi cochée.",
        "de": "Sie erhalten die E-Mails einer Liste nur, wenn oben auch „{newsletter}“ "
        "angekreuzt ist.",
        "es": "Solo recibes los correos de una lista si «{newsletter}», más arriba, también "
        "está marcado.",
    },
    "prefs.no_lists": {
        "en": "You are on no mailing list.",
        "it": "Non sei in nessuna lista.",
        "fr": "Vous ne figurez sur aucune liste.",
        "de": "Sie stehen auf keiner Liste.",
        "es": "No estás en ninguna lista.",
    },
    "prefs.mail_language": {
        "en": "Language of our emails",
        "it": "Lingua delle nostre email",
        "fr": "Langue de nos e-mails",
        "de": "Sprache unserer E-Mails",
        "es": "Idioma de nuestros correos",
    },
    "prefs.save": {
        "en": "Save my choices",
        "it": "Salva le mie scelte",
        "fr": "Enregistrer mes choix",
        "de": "Meine Auswahl speichern",
        "es": "Guardar mis elecciones",
    },
    "prefs.stop_heading": {
        "en": "Stop tracking only",
        "it": "Interrompere solo il tracciamento",
        "fr": "Arrêter seulement le suivi",
        "de": "Nur die Messung beenden",
        "es": "Desactivar solo el seguimiento",
    },
    "prefs.stop_text": {
        "en": "Withdraws the measurement of your opens and clicks, and the personalisation "
        "based on it; you stay on your lists.",
        "it": "Revoca la misurazione delle tue aperture e dei tuoi clic e la personalizzazione "
        "che ne deriva; resti nelle tue liste.",
        "fr": "Retire la mesure de vos ouvertures et de vos clics, ainsi que la personnalisation "
        "qui en découle ; vous restez sur vos listes.",
        "de": "Widerruft die Messung Ihrer Öffnungen und Klicks und die darauf beruhende "
        "Personalisierung; Sie bleiben auf Ihren Listen.",
        "es": "Retira la medición de tus aperturas y clics, y la personalización basada en "
        "ella; sigues en tus listas.",
    },
    "prefs.stop_done": {
        "en": "Tracking stopped. You stay on your lists.",
        "it": "Tracciamento interrotto. Resti nelle tue liste.",
        "fr": "Suivi arrêté. Vous restez sur vos listes.",
        "de": "Messung beendet. Sie bleiben auf Ihren Listen.",
        "es": "Seguimiento desactivado. Sigues en tus listas.",
    },
    "prefs.unsub_all_heading": {
        "en": "Unsubscribe from everything",
        "it": "Disiscriviti da tutto",
        "fr": "Se désinscrire de tout",
        "de": "Von allem abmelden",
        "es": "Darse de baja de todo",
    },
    "prefs.unsub_all_text": {
        "en": "You will receive no more emails from any of our lists.",
        "it": "Non riceverai più email da nessuna delle nostre liste.",
        "fr": "Vous ne recevrez plus aucun e-mail de nos listes.",
        "de": "Sie erhalten keine E-Mails mehr von unseren Listen.",
        "es": "No recibirás más correos de ninguna de nuestras listas.",
    },
    "prefs.unsub_all_button": {
        "en": "Unsubscribe from all lists",
        "it": "Disiscrivimi da tutte le liste",
        "fr": "Me désinscrire de toutes les listes",
        "de": "Von allen Listen abmelden",
        "es": "Darme de baja de todas las listas",
    },
    "prefs.unsub_all_done": {
        "en": "You are unsubscribed from every list.",
        "it": "Disiscrizione da tutte le liste completata.",
        "fr": "Désinscription de toutes les listes effectuée.",
        "de": "Sie sind von allen Listen abgemeldet.",
        "es": "Te has dado de baja de todas las listas.",
    },
    "prefs.data_link": {
        "en": "See what we know about you",
        "it": "Vedi cosa sappiamo di te",
        "fr": "Voir ce que nous savons de vous",
        "de": "Sehen, was wir über Sie wissen",
        "es": "Ver lo que sabemos de ti",
    },
    # -- what we know about you (/p/.../data) ------------------------------------------------------
    "data.title": {
        "en": "What we know about you",
        "it": "Cosa sappiamo di te",
        "fr": "Ce que nous savons de vous",
        "de": "Was wir über Sie wissen",
        "es": "Lo que sabemos de ti",
    },
    "data.intro": {
        "en": "Everything we store about {email}, as of {date}. You can also download it as a "
        "file.",
        "it": "Tutto ciò che conserviamo su {email}, aggiornato al {date}. Puoi anche scaricarlo "
        "come file.",
        "fr": "Tout ce que nous conservons sur {email}, à la date du {date}. Vous pouvez aussi "
        "le télécharger sous forme de fichier.",
        "de": "Alles, was wir über {email} speichern, Stand {date}. Sie können es auch als Datei "
        "herunterladen.",
        "es": "Todo lo que guardamos sobre {email}, a fecha de {date}. También puedes "
        "descargarlo como archivo.",
    },
    "data.download": {
        "en": "Download my data (JSON)",
        "it": "Scarica i miei dati (JSON)",
        "fr": "Télécharger mes données (JSON)",
        "de": "Meine Daten herunterladen (JSON)",
        "es": "Descargar mis datos (JSON)",
    },
    "data.details": {
        "en": "Your details",
        "it": "I tuoi dati",
        "fr": "Vos coordonnées",
        "de": "Ihre Angaben",
        "es": "Tus datos",
    },
    "field.email": {
        "en": "Email address",
        "it": "Indirizzo email",
        "fr": "Adresse e-mail",
        "de": "E-Mail-Adresse",
        "es": "Dirección de correo",
    },
    "field.name": {
        "en": "Name",
        "it": "Nome",
        "fr": "Nom",
        "de": "Name",
        "es": "Nombre",
    },
    "field.country": {
        "en": "Country",
        "it": "Paese",
        "fr": "Pays",
        "de": "Land",
        "es": "País",
    },
    "field.language": {
        "en": "Language",
        "it": "Lingua",
        "fr": "Langue",
        "de": "Sprache",
        "es": "Idioma",
    },
    "field.collected": {
        "en": "Address collected on",
        "it": "Indirizzo raccolto il",
        "fr": "Adresse collectée le",
        "de": "Adresse erfasst am",
        "es": "Dirección recogida el",
    },
    "col.list": {
        "en": "List",
        "it": "Lista",
        "fr": "Liste",
        "de": "Liste",
        "es": "Lista",
    },
    "col.subscription": {
        "en": "Subscription",
        "it": "Iscrizione",
        "fr": "Abonnement",
        "de": "Abonnement",
        "es": "Suscripción",
    },
    "col.since": {
        "en": "Since",
        "it": "Dal",
        "fr": "Depuis le",
        "de": "Seit",
        "es": "Desde",
    },
    "status.subscribed": {
        "en": "active",
        "it": "attiva",
        "fr": "actif",
        "de": "aktiv",
        "es": "activa",
    },
    "status.unsubscribed": {
        "en": "ended",
        "it": "annullata",
        "fr": "résilié",
        "de": "beendet",
        "es": "cancelada",
    },
    "data.consent": {
        "en": "Your consent history",
        "it": "Storico dei tuoi consensi",
        "fr": "Historique de vos consentements",
        "de": "Verlauf Ihrer Einwilligungen",
        "es": "Historial de tus consentimientos",
    },
    "data.consent_intro": {
        "en": "Every choice is kept as proof, in the order it was made; it cannot be changed or "
        "deleted.",
        "it": "Ogni scelta è conservata come prova, nell'ordine in cui è stata fatta; non può "
        "essere modificata né cancellata.",
        "fr": "Chaque choix est conservé comme preuve, dans l'ordre où il a été fait ; il ne "
        "peut être ni modifié ni supprimé.",
        "de": "Jede Entscheidung wird als Nachweis in der Reihenfolge gespeichert, in der sie "
        "getroffen wurde; sie kann weder geändert noch gelöscht werden.",
        "es": "Cada elección se guarda como prueba, en el orden en que se hizo; no se puede "
        "modificar ni borrar.",
    },
    "col.date": {
        "en": "Date",
        "it": "Data",
        "fr": "Date",
        "de": "Datum",
        "es": "Fecha",
    },
    "col.purpose": {
        "en": "Purpose",
        "it": "Finalità",
        "fr": "Finalité",
        "de": "Zweck",
        "es": "Finalidad",
    },
    "col.choice": {
        "en": "Choice",
        "it": "Scelta",
        "fr": "Choix",
        "de": "Entscheidung",
        "es": "Elección",
    },
    "col.source": {
        "en": "Source",
        "it": "Origine",
        "fr": "Origine",
        "de": "Quelle",
        "es": "Origen",
    },
    "col.method": {
        "en": "Method",
        "it": "Modalità",
        "fr": "Méthode",
        "de": "Methode",
        "es": "Método",
    },
    "col.notice": {
        "en": "Notice version",
        "it": "Versione dell'informativa",
        "fr": "Version de l'information",
        "de": "Version des Hinweises",
        "es": "Versión del aviso",
    },
    "action.grant": {
        "en": "given",
        "it": "dato",
        "fr": "donné",
        "de": "erteilt",
        "es": "dado",
    },
    "action.withdraw": {
        "en": "withdrawn",
        "it": "revocato",
        "fr": "retiré",
        "de": "widerrufen",
        "es": "retirado",
    },
    "action.object": {
        "en": "objection",
        "it": "opposizione",
        "fr": "opposition",
        "de": "Widerspruch",
        "es": "oposición",
    },
    "action.expire": {
        "en": "expired",
        "it": "scaduto",
        "fr": "expiré",
        "de": "abgelaufen",
        "es": "caducado",
    },
    "data.no_consent": {
        "en": "No consent recorded.",
        "it": "Nessun consenso registrato.",
        "fr": "Aucun consentement enregistré.",
        "de": "Keine Einwilligung erfasst.",
        "es": "Ningún consentimiento registrado.",
    },
    "data.tracked": {
        "en": "Measured opens and clicks",
        "it": "Aperture e clic misurati",
        "fr": "Ouvertures et clics mesurés",
        "de": "Gemessene Öffnungen und Klicks",
        "es": "Aperturas y clics medidos",
    },
    "data.tracked_intro": {
        "en": "Only what a legal basis allowed. We never store your IP address or the name of "
        "your email program.",
        "it": "Solo ciò che una base giuridica consentiva. Non conserviamo mai il tuo indirizzo "
        "IP né il nome del tuo programma di posta.",
        "fr": "Seulement ce qu'une base légale permettait. Nous ne conservons jamais votre "
        "adresse IP ni le nom de votre logiciel de messagerie.",
        "de": "Nur was eine Rechtsgrundlage erlaubte. Ihre IP-Adresse und den Namen Ihres "
        "E-Mail-Programms speichern wir nie.",
        "es": "Solo lo que permitía una base jurídica. Nunca guardamos tu dirección IP ni el "
        "nombre de tu programa de correo.",
    },
    "col.campaign": {
        "en": "Campaign",
        "it": "Campagna",
        "fr": "Campagne",
        "de": "Kampagne",
        "es": "Campaña",
    },
    "col.kind": {
        "en": "What",
        "it": "Cosa",
        "fr": "Quoi",
        "de": "Was",
        "es": "Qué",
    },
    "col.first": {
        "en": "First time",
        "it": "Prima volta",
        "fr": "Première fois",
        "de": "Erstes Mal",
        "es": "Primera vez",
    },
    "col.count": {
        "en": "Times",
        "it": "Volte",
        "fr": "Fois",
        "de": "Anzahl",
        "es": "Veces",
    },
    "col.machine": {
        "en": "Automatic fetches (scanners, proxies)",
        "it": "Accessi automatici (scanner, proxy)",
        "fr": "Accès automatiques (scanners, proxys)",
        "de": "Automatische Abrufe (Scanner, Proxys)",
        "es": "Accesos automáticos (escáneres, proxies)",
    },
    "col.basis": {
        "en": "Legal basis",
        "it": "Base giuridica",
        "fr": "Base légale",
        "de": "Rechtsgrundlage",
        "es": "Base jurídica",
    },
    "kind.open": {
        "en": "open",
        "it": "apertura",
        "fr": "ouverture",
        "de": "Öffnung",
        "es": "apertura",
    },
    "kind.click": {
        "en": "click on link {n}",
        "it": "clic sul link {n}",
        "fr": "clic sur le lien {n}",
        "de": "Klick auf Link {n}",
        "es": "clic en el enlace {n}",
    },
    "basis.consent": {
        "en": "your consent",
        "it": "il tuo consenso",
        "fr": "votre consentement",
        "de": "Ihre Einwilligung",
        "es": "tu consentimiento",
    },
    "basis.legacy": {
        "en": "information with a right to object",
        "it": "informativa con diritto di opposizione",
        "fr": "information avec droit d'opposition",
        "de": "Information mit Widerspruchsrecht",
        "es": "información con derecho de oposición",
    },
    "basis.security": {
        "en": "account security (exemption)",
        "it": "sicurezza dell'account (esenzione)",
        "fr": "sécurité du compte (exemption)",
        "de": "Kontosicherheit (Ausnahme)",
        "es": "seguridad de la cuenta (exención)",
    },
    "basis.mandatory": {
        "en": "mandatory notice (exemption)",
        "it": "comunicazione obbligatoria (esenzione)",
        "fr": "message obligatoire (exemption)",
        "de": "Pflichtmitteilung (Ausnahme)",
        "es": "comunicación obligatoria (exención)",
    },
    "basis.deliverability": {
        "en": "deliverability (exemption)",
        "it": "recapitabilità (esenzione)",
        "fr": "délivrabilité (exemption)",
        "de": "Zustellbarkeit (Ausnahme)",
        "es": "entregabilidad (exención)",
    },
    "basis.aggregate": {
        "en": "anonymous totals (no personal data)",
        "it": "totali anonimi (nessun dato personale)",
        "fr": "totaux anonymes (aucune donnée personnelle)",
        "de": "anonyme Summen (keine personenbezogenen Daten)",
        "es": "totales anónimos (ningún dato personal)",
    },
    "basis.none": {
        "en": "none",
        "it": "nessuna",
        "fr": "aucune",
        "de": "keine",
        "es": "ninguna",
    },
    "data.no_tracked": {
        "en": "Nothing measured.",
        "it": "Nessuna misurazione.",
        "fr": "Rien n'a été mesuré.",
        "de": "Nichts gemessen.",
        "es": "No se ha medido nada.",
    },
    "data.deliverability": {
        "en": "Date of your last open (deliverability)",
        "it": "Data della tua ultima apertura (recapitabilità)",
        "fr": "Date de votre dernière ouverture (délivrabilité)",
        "de": "Datum Ihrer letzten Öffnung (Zustellbarkeit)",
        "es": "Fecha de tu última apertura (entregabilidad)",
    },
    "data.deliverability_text": {
        "en": "{date}: only the date, to stop writing to you if you no longer read us.",
        "it": "{date}: solo la data, per smettere di scriverti se non ci leggi più.",
        "fr": "{date} : la date seulement, pour cesser de vous écrire si vous ne nous lisez plus.",
        "de": "{date}: nur das Datum, um Ihnen nicht mehr zu schreiben, wenn Sie uns nicht mehr "
        "lesen.",
        "es": "{date}: solo la fecha, para dejar de escribirte si ya no nos lees.",
    },
    "data.none": {
        "en": "None.",
        "it": "Nessuna.",
        "fr": "Aucune.",
        "de": "Keine.",
        "es": "Ninguna.",
    },
    "data.back": {
        "en": "Back to your preferences",
        "it": "Torna alle tue preferenze",
        "fr": "Retour à vos préférences",
        "de": "Zurück zu Ihren Einstellungen",
        "es": "Volver a tus preferencias",
    },
    # -- transparency page (/privacy) ------------------------------------------------------------
    "privacy.intro": {
        "en": "By default we measure nothing about you. Each email says in its footer whether "
        "and why it is measured, and every email has a link to stop tracking that is separate "
        "from the unsubscribe link.",
        "it": "Per impostazione predefinita non misuriamo nulla di te. Ogni email indica in fondo "
        "se e perché viene misurata, e ogni email ha un link per interrompere il tracciamento, "
        "distinto da quello per disiscriversi.",
        "fr": "Par défaut, nous ne mesurons rien à votre sujet. Chaque e-mail indique en bas de "
        "page s'il est mesuré et pourquoi, et chaque e-mail contient un lien pour arrêter le "
        "suivi, distinct du lien de désinscription.",
        "de": "Standardmäßig messen wir nichts über Sie. Jede E-Mail sagt in der Fußzeile, ob "
        "und warum sie gemessen wird, und jede E-Mail enthält einen Link zum Beenden der "
        "Messung, getrennt vom Abmeldelink.",
        "es": "Por defecto no medimos nada sobre ti. Cada correo indica al pie si se mide y por "
        "qué, y todos incluyen un enlace para desactivar el seguimiento, distinto del enlace "
        "para darse de baja.",
    },
    "privacy.ip": {
        "en": "Your IP address and the name of your email program are used for a moment to tell "
        "people from machines (mail scanners, privacy proxies); they are never stored or logged.",
        "it": "Il tuo indirizzo IP e il nome del tuo programma di posta vengono usati per un "
        "istante per distinguere le persone dalle macchine (scanner di posta, proxy per la "
        "privacy); non vengono mai conservati né registrati nei log.",
        "fr": "Votre adresse IP et le nom de votre logiciel de messagerie servent un instant à "
        "distinguer les personnes des machines (analyseurs de courrier, proxys de "
        "confidentialité) ; ils ne sont jamais conservés ni journalisés.",
        "de": "Ihre IP-Adresse und der Name Ihres E-Mail-Programms werden nur kurz verwendet, "
        "um Menschen von Maschinen (Mail-Scanner, Datenschutz-Proxys) zu unterscheiden; sie "
        "werden nie gespeichert oder protokolliert.",
        "es": "Tu dirección IP y el nombre de tu programa de correo se usan un instante para "
        "distinguir a las personas de las máquinas (analizadores de correo, proxies de "
        "privacidad); nunca se guardan ni se registran.",
    },
    "privacy.rules": {
        "en": "What each kind of email may measure",
        "it": "Cosa può misurare ogni tipo di email",
        "fr": "Ce que chaque type d'e-mail peut mesurer",
        "de": "Was jede Art von E-Mail messen darf",
        "es": "Qué puede medir cada tipo de correo",
    },
    "privacy.rules_intro": {
        "en": "The rules depend on the country of your address. Where we do not know it, we "
        "apply “{profile}”.",
        "it": "Le regole dipendono dal paese del tuo indirizzo. Se non lo conosciamo, applichiamo "
        "“{profile}”.",
        "fr": "Les règles dépendent du pays de votre adresse. Si nous ne le connaissons pas, nous "
        "appliquons « {profile} ».",
        "de": "Die Regeln hängen vom Land Ihrer Adresse ab. Wenn wir es nicht kennen, wenden wir "
        "„{profile}“ an.",
        "es": "Las reglas dependen del país de tu dirección. Si no lo conocemos, aplicamos "
        "«{profile}».",
    },
    "privacy.default": {
        "en": "(applied when your country is unknown)",
        "it": "(applicate se il tuo paese non è noto)",
        "fr": "(appliquées si votre pays est inconnu)",
        "de": "(angewendet, wenn Ihr Land unbekannt ist)",
        "es": "(aplicadas si no se conoce tu país)",
    },
    "col.category": {
        "en": "Kind of email",
        "it": "Tipo di email",
        "fr": "Type d'e-mail",
        "de": "Art der E-Mail",
        "es": "Tipo de correo",
    },
    "col.when": {
        "en": "When",
        "it": "Quando",
        "fr": "Quand",
        "de": "Wann",
        "es": "Cuándo",
    },
    "col.measures": {
        "en": "What is measured",
        "it": "Cosa viene misurato",
        "fr": "Ce qui est mesuré",
        "de": "Was gemessen wird",
        "es": "Qué se mide",
    },
    "col.retention": {
        "en": "Kept for",
        "it": "Conservato per",
        "fr": "Conservé pendant",
        "de": "Aufbewahrt für",
        "es": "Se conserva durante",
    },
    "cat.marketing": {
        "en": "Newsletters and offers",
        "it": "Newsletter e offerte",
        "fr": "Newsletters et offres",
        "de": "Newsletter und Angebote",
        "es": "Boletines y ofertas",
    },
    "cat.transactional": {
        "en": "Service emails (orders, receipts)",
        "it": "Email di servizio (ordini, ricevute)",
        "fr": "E-mails de service (commandes, reçus)",
        "de": "Service-E-Mails (Bestellungen, Belege)",
        "es": "Correos de servicio (pedidos, recibos)",
    },
    "cat.security": {
        "en": "Security emails (password, account activation)",
        "it": "Email di sicurezza (password, attivazione dell'account)",
        "fr": "E-mails de sécurité (mot de passe, activation du compte)",
        "de": "Sicherheits-E-Mails (Passwort, Kontoaktivierung)",
        "es": "Correos de seguridad (contraseña, activación de la cuenta)",
    },
    "cat.mandatory": {
        "en": "Mandatory notices (contract or privacy changes)",
        "it": "Comunicazioni obbligatorie (modifiche al contratto o alla privacy)",
        "fr": "Messages obligatoires (modification du contrat ou de la confidentialité)",
        "de": "Pflichtmitteilungen (Vertrags- oder Datenschutzänderungen)",
        "es": "Comunicaciones obligatorias (cambios en el contrato o en la privacidad)",
    },
    "when.always": {
        "en": "Always",
        "it": "Sempre",
        "fr": "Toujours",
        "de": "Immer",
        "es": "Siempre",
    },
    "when.agreed": {
        "en": "If you agreed",
        "it": "Se hai acconsentito",
        "fr": "Si vous l'avez accepté",
        "de": "Wenn Sie eingewilligt haben",
        "es": "Si lo aceptaste",
    },
    "when.not_objected": {
        "en": "If we had your address before {date}, told you, and you did not object",
        "it": "Se avevamo il tuo indirizzo prima del {date}, ti abbiamo informato e non ti sei "
        "opposto",
        "fr": "Si nous avions votre adresse avant le {date}, vous avons informé et que vous ne "
        "vous y êtes pas opposé",
        "de": "Wenn wir Ihre Adresse vor dem {date} hatten, Sie informiert haben und Sie nicht "
        "widersprochen haben",
        "es": "Si teníamos tu dirección antes del {date}, te informamos y no te opusiste",
    },
    "when.otherwise": {
        "en": "Otherwise",
        "it": "Altrimenti",
        "fr": "Sinon",
        "de": "Andernfalls",
        "es": "En otro caso",
    },
    "measures.personal": {
        "en": "Your opens and clicks",
        "it": "Le tue aperture e i tuoi clic",
        "fr": "Vos ouvertures et vos clics",
        "de": "Ihre Öffnungen und Klicks",
        "es": "Tus aperturas y tus clics",
    },
    "measures.last_open_date": {
        "en": "Only the date of your last open",
        "it": "Solo la data della tua ultima apertura",
        "fr": "Seulement la date de votre dernière ouverture",
        "de": "Nur das Datum Ihrer letzten Öffnung",
        "es": "Solo la fecha de tu última apertura",
    },
    "measures.aggregate": {
        "en": "Anonymous totals of opens and clicks: an identical image for everyone, only when "
        "at least {k} people receive it",
        "it": "Totali anonimi di aperture e clic: un'immagine identica per tutti, solo se la "
        "ricevono almeno {k} persone",
        "fr": "Totaux anonymes des ouvertures et des clics : une image identique pour tous, "
        "seulement si au moins {k} personnes la reçoivent",
        "de": "Anonyme Summen von Öffnungen und Klicks: ein identisches Bild für alle, nur wenn "
        "mindestens {k} Personen es erhalten",
        "es": "Totales anónimos de aperturas y clics: una imagen idéntica para todos, solo si la "
        "reciben al menos {k} personas",
    },
    "measures.aggregate_clicks": {
        "en": "Anonymous totals of clicks, only when at least {k} people receive the email",
        "it": "Totali anonimi dei clic, solo se almeno {k} persone ricevono l'email",
        "fr": "Totaux anonymes des clics, seulement si au moins {k} personnes reçoivent l'e-mail",
        "de": "Anonyme Summen der Klicks, nur wenn mindestens {k} Personen die E-Mail erhalten",
        "es": "Totales anónimos de clics, solo si al menos {k} personas reciben el correo",
    },
    "measures.nothing": {
        "en": "Nothing",
        "it": "Nulla",
        "fr": "Rien",
        "de": "Nichts",
        "es": "Nada",
    },
    "why.improve": {
        "en": "Understanding and improving our emails",
        "it": "Capire e migliorare le nostre email",
        "fr": "Comprendre et améliorer nos e-mails",
        "de": "Unsere E-Mails verstehen und verbessern",
        "es": "Entender y mejorar nuestros correos",
    },
    "why.security": {
        "en": "Protecting your account",
        "it": "Proteggere il tuo account",
        "fr": "Protéger votre compte",
        "de": "Ihr Konto schützen",
        "es": "Proteger tu cuenta",
    },
    "why.mandatory": {
        "en": "Confirming that the notice reached you",
        "it": "Confermare che la comunicazione ti è arrivata",
        "fr": "Confirmer que le message vous est parvenu",
        "de": "Bestätigen, dass die Mitteilung Sie erreicht hat",
        "es": "Confirmar que la comunicación te ha llegado",
    },
    "why.deliverability": {
        "en": "Stopping emails to people who no longer read them",
        "it": "Smettere di scrivere a chi non ci legge più",
        "fr": "Cesser d'écrire à ceux qui ne nous lisent plus",
        "de": "Keine E-Mails mehr an Menschen senden, die sie nicht mehr lesen",
        "es": "Dejar de escribir a quien ya no nos lee",
    },
    "why.statistics": {
        "en": "Overall statistics",
        "it": "Statistiche complessive",
        "fr": "Statistiques globales",
        "de": "Gesamtstatistiken",
        "es": "Estadísticas globales",
    },
    "why.none": {
        "en": "—",
        "it": "—",
        "fr": "—",
        "de": "—",
        "es": "—",
    },
    "retention.days": {
        "en": "{n} days",
        "it": "{n} giorni",
        "fr": "{n} jours",
        "de": "{n} Tage",
        "es": "{n} días",
    },
    "privacy.retention": {
        "en": "How long we keep it",
        "it": "Per quanto tempo lo conserviamo",
        "fr": "Combien de temps nous le conservons",
        "de": "Wie lange wir es aufbewahren",
        "es": "Cuánto tiempo lo conservamos",
    },
    "retention.personal": {
        "en": "Your opens and clicks measured with your consent: {n} days after the email was "
        "sent.",
        "it": "Aperture e clic misurati con il tuo consenso: {n} giorni dall'invio dell'email.",
        "fr": "Ouvertures et clics mesurés avec votre consentement : {n} jours après l'envoi de "
        "l'e-mail.",
        "de": "Mit Ihrer Einwilligung gemessene Öffnungen und Klicks: {n} Tage nach dem Versand "
        "der E-Mail.",
        "es": "Aperturas y clics medidos con tu consentimiento: {n} días desde el envío del "
        "correo.",
    },
    "retention.exemption": {
        "en": "Data measured under an exemption (security emails, mandatory notices, date of "
        "your last open): {n} days.",
        "it": "Dati misurati in base a un'esenzione (email di sicurezza, comunicazioni "
        "obbligatorie, data dell'ultima apertura): {n} giorni.",
        "fr": "Données mesurées au titre d'une exemption (e-mails de sécurité, messages "
        "obligatoires, date de dernière ouverture) : {n} jours.",
        "de": "Aufgrund einer Ausnahme gemessene Daten (Sicherheits-E-Mails, "
        "Pflichtmitteilungen, Datum der letzten Öffnung): {n} Tage.",
        "es": "Datos medidos en virtud de una exención (correos de seguridad, comunicaciones "
        "obligatorias, fecha de la última apertura): {n} días.",
    },
    "retention.aggregate": {
        "en": "Anonymous totals: {n} days.",
        "it": "Totali anonimi: {n} giorni.",
        "fr": "Totaux anonymes : {n} jours.",
        "de": "Anonyme Summen: {n} Tage.",
        "es": "Totales anónimos: {n} días.",
    },
    "retention.consent": {
        "en": "Your consent choices: kept as proof of what you agreed to, never altered.",
        "it": "Le tue scelte sul consenso: conservate come prova di ciò a cui hai acconsentito, "
        "mai modificate.",
        "fr": "Vos choix de consentement : conservés comme preuve de ce que vous avez accepté, "
        "jamais modifiés.",
        "de": "Ihre Einwilligungsentscheidungen: als Nachweis dessen aufbewahrt, wozu Sie "
        "eingewilligt haben, nie verändert.",
        "es": "Tus elecciones de consentimiento: se conservan como prueba de lo que aceptaste, "
        "sin alterarse nunca.",
    },
    "privacy.rights": {
        "en": "To stop tracking, use the link at the bottom of any of our emails. From your "
        "preferences you can also see what we know about you and download it.",
        "it": "Per interrompere il tracciamento, usa il link in fondo a una qualsiasi delle "
        "nostre email. Dalle tue preferenze puoi anche vedere cosa sappiamo di te e scaricarlo.",
        "fr": "Pour arrêter le suivi, utilisez le lien en bas de n'importe lequel de nos "
        "e-mails. Depuis vos préférences, vous pouvez aussi voir ce que nous savons de vous et "
        "le télécharger.",
        "de": "Um die Messung zu beenden, nutzen Sie den Link am Ende jeder unserer E-Mails. In "
        "Ihren Einstellungen können Sie außerdem sehen, was wir über Sie wissen, und es "
        "herunterladen.",
        "es": "Para desactivar el seguimiento, usa el enlace al pie de cualquiera de nuestros "
        "correos. Desde tus preferencias también puedes ver lo que sabemos de ti y descargarlo.",
    },
    "profile.it-garante-2026": {
        "en": "Italy (Garante, measure 284/2026)",
        "it": "Italia (Garante, provvedimento 284/2026)",
        "fr": "Italie (Garante, décision 284/2026)",
        "de": "Italien (Garante, Maßnahme 284/2026)",
        "es": "Italia (Garante, resolución 284/2026)",
    },
    "profile.fr-cnil-2026": {
        "en": "France (CNIL, recommendation 2026-042)",
        "it": "Francia (CNIL, raccomandazione 2026-042)",
        "fr": "France (CNIL, recommandation 2026-042)",
        "de": "Frankreich (CNIL, Empfehlung 2026-042)",
        "es": "Francia (CNIL, recomendación 2026-042)",
    },
    "profile.fr-cnil-2026-aggregate": {
        "en": "France (CNIL 2026-042, anonymous totals accepted)",
        "it": "Francia (CNIL 2026-042, totali anonimi ammessi)",
        "fr": "France (CNIL 2026-042, totaux anonymes admis)",
        "de": "Frankreich (CNIL 2026-042, anonyme Summen zugelassen)",
        "es": "Francia (CNIL 2026-042, totales anónimos admitidos)",
    },
    "profile.uk-pecr-2026": {
        "en": "United Kingdom (PECR 2026)",
        "it": "Regno Unito (PECR 2026)",
        "fr": "Royaume-Uni (PECR 2026)",
        "de": "Vereinigtes Königreich (PECR 2026)",
        "es": "Reino Unido (PECR 2026)",
    },
    "profile.eu-default": {
        "en": "Other EU and EEA countries (ePrivacy, EDPB guidelines)",
        "it": "Altri paesi UE e SEE (ePrivacy, linee guida EDPB)",
        "fr": "Autres pays de l'UE et de l'EEE (ePrivacy, lignes directrices de l'EDPB)",
        "de": "Andere EU- und EWR-Länder (ePrivacy, Leitlinien des EDSA)",
        "es": "Otros países de la UE y del EEE (ePrivacy, directrices del CEPD)",
    },
    "profile.strict": {
        "en": "Strict (consent only)",
        "it": "Rigorose (solo consenso)",
        "fr": "Strictes (consentement uniquement)",
        "de": "Streng (nur mit Einwilligung)",
        "es": "Estrictas (solo consentimiento)",
    },
    # -- hosted subscription form (/subscribe) -----------------------------------------------------
    "form.title": {
        "en": "Subscribe to “{list}”",
        "it": "Iscriviti a “{list}”",
        "fr": "S'abonner à « {list} »",
        "de": "„{list}“ abonnieren",
        "es": "Suscribirse a «{list}»",
    },
    "form.unavailable": {
        "en": "This form is not available yet: the information notices have not been published.",
        "it": "Questo modulo non è ancora disponibile: le informative non sono state pubblicate.",
        "fr": "Ce formulaire n'est pas encore disponible : les mentions d'information n'ont pas "
        "été publiées.",
        "de": "Dieses Formular ist noch nicht verfügbar: Die Hinweise zur Datenverarbeitung "
        "wurden noch nicht veröffentlicht.",
        "es": "Este formulario aún no está disponible: los avisos informativos no se han "
        "publicado.",
    },
    "form.first_name": {
        "en": "First name (optional)",
        "it": "Nome (facoltativo)",
        "fr": "Prénom (facultatif)",
        "de": "Vorname (optional)",
        "es": "Nombre (opcional)",
    },
    "form.language": {
        "en": "Language of our emails",
        "it": "Lingua delle nostre email",
        "fr": "Langue de nos e-mails",
        "de": "Sprache unserer E-Mails",
        "es": "Idioma de nuestros correos",
    },
    "form.choices": {
        "en": "Your choices: each is separate and optional, and none is ticked for you",
        "it": "Le tue scelte: ognuna è separata e facoltativa, e nessuna è selezionata al posto "
        "tuo",
        "fr": "Vos choix : chacun est distinct et facultatif, et aucune case n'est cochée à "
        "votre place",
        "de": "Ihre Auswahl: Jede Einwilligung ist getrennt und freiwillig, und nichts ist für "
        "Sie vorab angekreuzt",
        "es": "Tus elecciones: cada una es independiente y opcional, y ninguna viene marcada de "
        "antemano",
    },
    "form.more": {
        "en": "More about how we use your data",
        "it": "Di più su come usiamo i tuoi dati",
        "fr": "En savoir plus sur l'utilisation de vos données",
        "de": "Mehr dazu, wie wir Ihre Daten verwenden",
        "es": "Más sobre cómo usamos tus datos",
    },
    "form.full_notice": {
        "en": "Full notice",
        "it": "Informativa completa",
        "fr": "Information complète",
        "de": "Vollständiger Hinweis",
        "es": "Aviso completo",
    },
    "form.submit": {
        "en": "Subscribe",
        "it": "Iscrivimi",
        "fr": "M'abonner",
        "de": "Abonnieren",
        "es": "Suscribirme",
    },
    # What is kept before confirmation, said as it is (R12): the contact and the pending signup
    # (with a truncated IP where enabled), deleted when the request lapses unconfirmed.
    "form.after": {
        "en": "We will email you a link to confirm. Until you confirm, you are not subscribed "
        "and have agreed to nothing: we keep only what you enter here, to send that email, and "
        "delete it if you do not confirm within {days} days.",
        "it": "Ti invieremo per email un link di conferma. Finché non confermi non sei iscritto "
        "e non hai dato alcun consenso: conserviamo solo ciò che inserisci qui, per inviarti "
        "quell'email, e lo cancelliamo se non confermi entro {days} giorni.",
        "fr": "Nous vous enverrons par e-mail un lien de confirmation. Tant que vous n'avez pas "
        "confirmé, vous n'êtes pas abonné et n'avez rien accepté : nous ne conservons que ce "
        "que vous saisissez ici, pour vous envoyer cet e-mail, et nous le supprimons si vous ne "
        "confirmez pas dans les {days} jours.",
        "de": "Wir senden Ihnen per E-Mail einen Link zur Bestätigung. Bis Sie bestätigen, sind "
        "Sie nicht angemeldet und haben in nichts eingewilligt: Wir speichern nur, was Sie hier "
        "eingeben, um Ihnen diese E-Mail zu senden, und löschen es, wenn Sie nicht innerhalb "
        "von {days} Tagen bestätigen.",
        "es": "Te enviaremos por correo un enlace para confirmar. Hasta que confirmes no estarás "
        "suscrito ni habrás aceptado nada: solo guardamos lo que escribes aquí, para enviarte "
        "ese correo, y lo borramos si no confirmas en {days} días.",
    },
    "form.after_ip": {
        "en": "We will email you a link to confirm. Until you confirm, you are not subscribed "
        "and have agreed to nothing: we keep only what you enter here and a shortened form of "
        "your IP address, to send that email and document the request, and delete them if you "
        "do not confirm within {days} days.",
        "it": "Ti invieremo per email un link di conferma. Finché non confermi non sei iscritto "
        "e non hai dato alcun consenso: conserviamo solo ciò che inserisci qui e il tuo "
        "indirizzo IP abbreviato, per inviarti quell'email e documentare la richiesta, e li "
        "cancelliamo se non confermi entro {days} giorni.",
        "fr": "Nous vous enverrons par e-mail un lien de confirmation. Tant que vous n'avez pas "
        "confirmé, vous n'êtes pas abonné et n'avez rien accepté : nous ne conservons que ce "
        "que vous saisissez ici et votre adresse IP tronquée, pour vous envoyer cet e-mail et "
        "attester la demande, et nous les supprimons si vous ne confirmez pas dans les {days} "
        "jours.",
        "de": "Wir senden Ihnen per E-Mail einen Link zur Bestätigung. Bis Sie bestätigen, sind "
        "Sie nicht angemeldet und haben in nichts eingewilligt: Wir speichern nur, was Sie hier "
        "eingeben, und Ihre gekürzte IP-Adresse, um Ihnen diese E-Mail zu senden und die "
        "Anfrage zu belegen, und löschen beides, wenn Sie nicht innerhalb von {days} Tagen "
        "bestätigen.",
        "es": "Te enviaremos por correo un enlace para confirmar. Hasta que confirmes no estarás "
        "suscrito ni habrás aceptado nada: solo guardamos lo que escribes aquí y tu dirección "
        "IP abreviada, para enviarte ese correo y acreditar la solicitud, y los borramos si no "
        "confirmas en {days} días.",
    },
    "form.error.email_missing": {
        "en": "Enter your email address.",
        "it": "Inserisci il tuo indirizzo email.",
        "fr": "Saisissez votre adresse e-mail.",
        "de": "Bitte geben Sie Ihre E-Mail-Adresse ein.",
        "es": "Escribe tu dirección de correo.",
    },
    "form.error.email": {
        "en": "This email address is not valid: please check it for typos.",
        "it": "Questo indirizzo email non è valido: controlla che non ci siano errori di "
        "battitura.",
        "fr": "Cette adresse e-mail n'est pas valide : vérifiez qu'elle ne contient pas de faute "
        "de frappe.",
        "de": "Diese E-Mail-Adresse ist ungültig: Bitte prüfen Sie sie auf Tippfehler.",
        "es": "Esta dirección de correo no es válida: comprueba que no tenga erratas.",
    },
    "form.error.first_name": {
        "en": "The first name can be at most 200 characters long.",
        "it": "Il nome può contenere al massimo 200 caratteri.",
        "fr": "Le prénom ne peut pas dépasser 200 caractères.",
        "de": "Der Vorname darf höchstens 200 Zeichen lang sein.",
        "es": "El nombre puede tener como máximo 200 caracteres.",
    },
    "form.error.first_name_control": {
        "en": "The first name cannot contain line breaks or other control characters.",
        "it": "Il nome non può contenere a capo o altri caratteri di controllo.",
        "fr": "Le prénom ne peut pas contenir de saut de ligne ni d'autre caractère de contrôle.",
        "de": "Der Vorname darf keine Zeilenumbrüche oder andere Steuerzeichen enthalten.",
        "es": "El nombre no puede contener saltos de línea ni otros caracteres de control.",
    },
    "form.error.language": {
        "en": "Choose one of the languages in the list.",
        "it": "Scegli una delle lingue dell'elenco.",
        "fr": "Choisissez l'une des langues de la liste.",
        "de": "Bitte wählen Sie eine der Sprachen aus der Liste.",
        "es": "Elige uno de los idiomas de la lista.",
    },
    "form.error.newsletter": {
        "en": "Tick “{newsletter}” to subscribe to this list.",
        "it": "Seleziona “{newsletter}” per iscriverti a questa lista.",
        "fr": "Cochez « {newsletter} » pour vous abonner à cette liste.",
        "de": "Kreuzen Sie „{newsletter}“ an, um diese Liste zu abonnieren.",
        "es": "Marca «{newsletter}» para suscribirte a esta lista.",
    },
    "form.error.notice": {
        "en": "The information shown has changed: please read it again.",
        "it": "Le informazioni mostrate sono cambiate: rileggile, per favore.",
        "fr": "Les informations affichées ont changé : veuillez les relire.",
        "de": "Die angezeigten Informationen haben sich geändert: Bitte lesen Sie sie erneut.",
        "es": "La información mostrada ha cambiado: vuelve a leerla.",
    },
    "form.error.other": {
        "en": "Something in the form could not be accepted: please check it and send it again.",
        "it": "Qualcosa nel modulo non è stato accettato: controllalo e invialo di nuovo.",
        "fr": "Un élément du formulaire n'a pas pu être accepté : veuillez le vérifier et le "
        "renvoyer.",
        "de": "Eine Angabe im Formular konnte nicht angenommen werden: Bitte prüfen Sie es und "
        "senden Sie es erneut ab.",
        "es": "Algo del formulario no se ha podido aceptar: revísalo y envíalo de nuevo.",
    },
    "form.not_found_title": {
        "en": "Form not found",
        "it": "Modulo non trovato",
        "fr": "Formulaire introuvable",
        "de": "Formular nicht gefunden",
        "es": "Formulario no encontrado",
    },
    "form.not_found_text": {
        "en": "There is no subscription form at this address.",
        "it": "A questo indirizzo non c'è nessun modulo di iscrizione.",
        "fr": "Il n'y a pas de formulaire d'abonnement à cette adresse.",
        "de": "Unter dieser Adresse gibt es kein Anmeldeformular.",
        "es": "No hay ningún formulario de suscripción en esta dirección.",
    },
    "form.not_sent_title": {
        "en": "Email not sent",
        "it": "Email non inviata",
        "fr": "E-mail non envoyé",
        "de": "E-Mail nicht gesendet",
        "es": "Correo no enviado",
    },
    "form.not_sent_text": {
        "en": "We could not send the confirmation email just now, so nothing was recorded. "
        "Please try again later.",
        "it": "Non siamo riusciti a inviare l'email di conferma in questo momento, quindi non è "
        "stato registrato nulla. Riprova più tardi.",
        "fr": "Nous n'avons pas pu envoyer l'e-mail de confirmation pour le moment : rien n'a "
        "donc été enregistré. Veuillez réessayer plus tard.",
        "de": "Wir konnten die Bestätigungs-E-Mail gerade nicht senden, daher wurde nichts "
        "gespeichert. Bitte versuchen Sie es später erneut.",
        "es": "No hemos podido enviar el correo de confirmación en este momento, así que no se "
        "ha registrado nada. Inténtalo de nuevo más tarde.",
    },
    "expired.subscribe": {
        "en": "Please open the subscription form again and send it again.",
        "it": "Riapri il modulo di iscrizione e invialo di nuovo.",
        "fr": "Veuillez rouvrir le formulaire d'abonnement et le renvoyer.",
        "de": "Bitte öffnen Sie das Anmeldeformular erneut und senden Sie es noch einmal ab.",
        "es": "Vuelve a abrir el formulario de suscripción y envíalo de nuevo.",
    },
    "expired.confirm": {
        "en": "Please open the link in the email again and confirm.",
        "it": "Riapri il link nell'email e conferma.",
        "fr": "Veuillez rouvrir le lien de l'e-mail et confirmer.",
        "de": "Bitte öffnen Sie den Link in der E-Mail erneut und bestätigen Sie.",
        "es": "Vuelve a abrir el enlace del correo y confirma.",
    },
    # -- double opt-in (/confirm) ------------------------------------------------------------------
    "confirm.sent_title": {
        "en": "Check your inbox",
        "it": "Controlla la tua casella di posta",
        "fr": "Consultez votre boîte de réception",
        "de": "Sehen Sie in Ihrem Posteingang nach",
        "es": "Revisa tu bandeja de entrada",
    },
    "confirm.sent_text": {
        "en": "We sent you an email with a link. Open it and confirm to complete your "
        "subscription: until then you are not subscribed and have agreed to nothing. The link "
        "is valid for {days} days.",
        "it": "Ti abbiamo inviato un'email con un link. Aprilo e conferma per completare "
        "l'iscrizione: fino ad allora non sei iscritto e non hai dato alcun consenso. Il link è "
        "valido per {days} giorni.",
        "fr": "Nous vous avons envoyé un e-mail contenant un lien. Ouvrez-le et confirmez pour "
        "finaliser votre abonnement : d'ici là, vous n'êtes pas abonné et n'avez rien accepté. "
        "Le lien est valable {days} jours.",
        "de": "Wir haben Ihnen eine E-Mail mit einem Link gesendet. Öffnen Sie ihn und "
        "bestätigen Sie, um Ihr Abonnement abzuschließen: Bis dahin sind Sie nicht angemeldet "
        "und haben in nichts eingewilligt. Der Link ist {days} Tage gültig.",
        "es": "Te hemos enviado un correo con un enlace. Ábrelo y confirma para completar tu "
        "suscripción: hasta entonces no estás suscrito ni has aceptado nada. El enlace es "
        "válido durante {days} días.",
    },
    "confirm.already_sent_title": {
        "en": "Email already sent",
        "it": "Email già inviata",
        "fr": "E-mail déjà envoyé",
        "de": "E-Mail bereits gesendet",
        "es": "Correo ya enviado",
    },
    "confirm.already_sent_text": {
        "en": "We sent a confirmation email to this address a few minutes ago, so we have not "
        "sent another one, and the choices you just made were not kept. Use the link in that "
        "email, or try again in {minutes} min.",
        "it": "Abbiamo inviato un'email di conferma a questo indirizzo pochi minuti fa, quindi "
        "non ne abbiamo inviata un'altra e le scelte che hai appena fatto non sono state "
        "conservate. Usa il link in quell'email, oppure riprova tra {minutes} min.",
        "fr": "Nous avons envoyé un e-mail de confirmation à cette adresse il y a quelques "
        "minutes : nous n'en avons donc pas envoyé d'autre, et les choix que vous venez de faire "
        "n'ont pas été conservés. Utilisez le lien de cet e-mail, ou réessayez dans {minutes} "
        "min.",
        "de": "Wir haben vor wenigen Minuten eine Bestätigungs-E-Mail an diese Adresse "
        "gesendet. Deshalb haben wir keine weitere gesendet, und die Auswahl, die Sie gerade "
        "getroffen haben, wurde nicht übernommen. Verwenden Sie den Link in dieser E-Mail oder "
        "versuchen Sie es in {minutes} Min. erneut.",
        "es": "Hace unos minutos enviamos un correo de confirmación a esta dirección, así que no "
        "hemos enviado otro y las elecciones que acabas de hacer no se han guardado. Usa el "
        "enlace de ese correo o inténtalo de nuevo dentro de {minutes} min.",
    },
    "confirm.open_title": {
        "en": "Confirm your subscription",
        "it": "Conferma la tua iscrizione",
        "fr": "Confirmez votre abonnement",
        "de": "Bestätigen Sie Ihr Abonnement",
        "es": "Confirma tu suscripción",
    },
    "confirm.open_text": {
        "en": "You are about to subscribe {email} to “{list}” and agree to:",
        "it": "Stai per iscrivere {email} a “{list}” e acconsentire a:",
        "fr": "Vous êtes sur le point d'abonner {email} à « {list} » et d'accepter :",
        "de": "Sie sind dabei, {email} für „{list}“ anzumelden und in Folgendes einzuwilligen:",
        "es": "Estás a punto de suscribir {email} a «{list}» y aceptar:",
    },
    "confirm.cancel_title": {
        "en": "Cancel this request?",
        "it": "Annullare questa richiesta?",
        "fr": "Annuler cette demande ?",
        "de": "Diese Anfrage abbrechen?",
        "es": "¿Cancelar esta solicitud?",
    },
    "confirm.cancel_text": {
        "en": "This address is not subscribed and nothing has been agreed to. If you did not ask "
        "for this, cancel the request: we delete it now and will not write about it again.",
        "it": "Questo indirizzo non è iscritto e non è stato dato alcun consenso. Se non l'hai "
        "chiesto tu, annulla la richiesta: la cancelliamo subito e non ti scriveremo più a "
        "riguardo.",
        "fr": "Cette adresse n'est pas abonnée et rien n'a été accepté. Si vous ne l'avez pas "
        "demandé, annulez la demande : nous la supprimons tout de suite et ne vous écrirons plus "
        "à ce sujet.",
        "de": "Diese Adresse ist nicht angemeldet, und es liegt keine Einwilligung vor. Wenn Sie "
        "das nicht angefordert haben, brechen Sie die Anfrage ab: Wir löschen sie sofort und "
        "schreiben Ihnen dazu nicht mehr.",
        "es": "Esta dirección no está suscrita y no se ha aceptado nada. Si no lo has pedido tú, "
        "cancela la solicitud: la borramos ahora mismo y no volveremos a escribirte sobre ella.",
    },
    "confirm.button": {
        "en": "Confirm",
        "it": "Conferma",
        "fr": "Confirmer",
        "de": "Bestätigen",
        "es": "Confirmar",
    },
    "confirm.cancel": {
        "en": "It was not me: cancel",
        "it": "Non ero io: annulla",
        "fr": "Ce n'était pas moi : annuler",
        "de": "Das war ich nicht: abbrechen",
        "es": "No he sido yo: cancelar",
    },
    "confirm.change_later": {
        "en": "You can change these choices or unsubscribe at any time from the links in every "
        "email.",
        "it": "Puoi modificare queste scelte o disiscriverti in qualsiasi momento dai link "
        "presenti in ogni email.",
        "fr": "Vous pouvez modifier ces choix ou vous désinscrire à tout moment grâce aux liens "
        "présents dans chaque e-mail.",
        "de": "Sie können diese Auswahl jederzeit über die Links in jeder E-Mail ändern oder "
        "sich abmelden.",
        "es": "Puedes cambiar estas elecciones o darte de baja en cualquier momento con los "
        "enlaces de cada correo.",
    },
    "confirm.done_title": {
        "en": "Subscription confirmed",
        "it": "Iscrizione confermata",
        "fr": "Abonnement confirmé",
        "de": "Abonnement bestätigt",
        "es": "Suscripción confirmada",
    },
    "confirm.done_text": {
        "en": "{email} is subscribed to “{list}”. Your choices are recorded: {purposes}.",
        "it": "L'indirizzo {email} è iscritto a “{list}”. Le tue scelte sono registrate: "
        "{purposes}.",
        "fr": "L'adresse {email} est abonnée à « {list} ». Vos choix sont enregistrés : "
        "{purposes}.",
        "de": "{email} ist für „{list}“ angemeldet. Ihre Auswahl ist gespeichert: {purposes}.",
        "es": "La dirección {email} está suscrita a «{list}». Tus elecciones han quedado "
        "registradas: {purposes}.",
    },
    "confirm.done_later": {
        "en": "You can change them or unsubscribe at any time from the links in every email.",
        "it": "Puoi modificarle o disiscriverti in qualsiasi momento dai link presenti in ogni "
        "email.",
        "fr": "Vous pouvez les modifier ou vous désinscrire à tout moment grâce aux liens "
        "présents dans chaque e-mail.",
        "de": "Sie können sie jederzeit über die Links in jeder E-Mail ändern oder sich abmelden.",
        "es": "Puedes cambiarlas o darte de baja en cualquier momento con los enlaces de cada "
        "correo.",
    },
    "confirm.cancelled_title": {
        "en": "Request cancelled",
        "it": "Richiesta annullata",
        "fr": "Demande annulée",
        "de": "Anfrage abgebrochen",
        "es": "Solicitud cancelada",
    },
    "confirm.cancelled_text": {
        "en": "Nothing was recorded for {email}, and we will not write again about this request.",
        "it": "Non è stato registrato nulla per {email} e non ti scriveremo più riguardo a "
        "questa richiesta.",
        "fr": "Rien n'a été enregistré pour {email}, et nous ne vous écrirons plus au sujet de "
        "cette demande.",
        "de": "Für {email} wurde nichts gespeichert, und wir schreiben Ihnen zu dieser Anfrage "
        "nicht mehr.",
        "es": "No se ha registrado nada para {email} y no volveremos a escribirte sobre esta "
        "solicitud.",
    },
    "confirm.unknown_text": {
        "en": "This confirmation link is not valid.",
        "it": "Questo link di conferma non è valido.",
        "fr": "Ce lien de confirmation n'est pas valide.",
        "de": "Dieser Bestätigungslink ist ungültig.",
        "es": "Este enlace de confirmación no es válido.",
    },
    "confirm.expired_title": {
        "en": "Link expired",
        "it": "Link scaduto",
        "fr": "Lien expiré",
        "de": "Link abgelaufen",
        "es": "Enlace caducado",
    },
    "confirm.expired_text": {
        "en": "This confirmation link is older than {days} days, so nothing was recorded. Please "
        "fill in the form again.",
        "it": "Questo link di conferma ha più di {days} giorni, quindi non è stato registrato "
        "nulla. Compila di nuovo il modulo.",
        "fr": "Ce lien de confirmation date de plus de {days} jours : rien n'a donc été "
        "enregistré. Veuillez remplir à nouveau le formulaire.",
        "de": "Dieser Bestätigungslink ist älter als {days} Tage, daher wurde nichts "
        "gespeichert. Bitte füllen Sie das Formular erneut aus.",
        "es": "Este enlace de confirmación tiene más de {days} días, así que no se ha registrado "
        "nada. Vuelve a rellenar el formulario.",
    },
    "confirm.used_title": {
        "en": "Already confirmed",
        "it": "Iscrizione già confermata",
        "fr": "Abonnement déjà confirmé",
        "de": "Bereits bestätigt",
        "es": "Suscripción ya confirmada",
    },
    "confirm.used_text": {
        "en": "This link was already used: your subscription is confirmed.",
        "it": "Questo link è già stato usato: la tua iscrizione è confermata.",
        "fr": "Ce lien a déjà été utilisé : votre abonnement est confirmé.",
        "de": "Dieser Link wurde bereits verwendet: Ihr Abonnement ist bestätigt.",
        "es": "Este enlace ya se ha usado: tu suscripción está confirmada.",
    },
    # -- the confirmation email --------------------------------------------------------------------
    "mail.confirm.subject": {
        "en": "Please confirm your subscription to {list}",
        "it": "Conferma la tua iscrizione a {list}",
        "fr": "Veuillez confirmer votre abonnement à {list}",
        "de": "Bitte bestätigen Sie Ihre Anmeldung zu {list}",
        "es": "Confirma tu suscripción a {list}",
    },
    "mail.confirm.hello": {
        "en": "Hello,",
        "it": "Ciao,",
        "fr": "Bonjour,",
        "de": "Guten Tag,",
        "es": "Hola:",
    },
    "mail.confirm.hello_name": {
        "en": "Hello {name},",
        "it": "Ciao {name},",
        "fr": "Bonjour {name},",
        "de": "Guten Tag {name},",
        "es": "Hola, {name}:",
    },
    "mail.confirm.intro": {
        "en": "Someone, hopefully you, asked to subscribe this address to “{list}”. Until you "
        "confirm, it is not subscribed and nothing is agreed to.",
        "it": "Qualcuno, speriamo tu, ha chiesto di iscrivere questo indirizzo a “{list}”. "
        "Finché non confermi, l'indirizzo non è iscritto e non è stato dato alcun consenso.",
        "fr": "Quelqu'un, vous-même nous l'espérons, a demandé à abonner cette adresse à « "
        "{list} ». Tant que vous n'avez pas confirmé, elle n'est pas abonnée et rien n'est "
        "accepté.",
        "de": "Jemand, hoffentlich Sie selbst, hat darum gebeten, diese Adresse für „{list}“ "
        "anzumelden. Bis Sie bestätigen, ist sie nicht angemeldet und es liegt keine "
        "Einwilligung vor.",
        "es": "Alguien, esperamos que tú, ha pedido suscribir esta dirección a «{list}». Hasta "
        "que confirmes, no está suscrita y no se ha aceptado nada.",
    },
    "mail.confirm.link": {
        "en": "Review and confirm your choices",
        "it": "Rivedi e conferma le tue scelte",
        "fr": "Vérifier et confirmer vos choix",
        "de": "Ihre Auswahl prüfen und bestätigen",
        "es": "Revisa y confirma tus elecciones",
    },
    "mail.confirm.ignore": {
        "en": "If it was not you, ignore this email: the request lapses in {days} days.",
        "it": "Se la richiesta non è partita da te, ignora questa email: scadrà tra {days} giorni.",
        "fr": "Si ce n'était pas vous, ignorez cet e-mail : la demande expirera dans {days} jours.",
        "de": "Falls Sie das nicht waren, ignorieren Sie diese E-Mail: Die Anfrage verfällt nach "
        "{days} Tagen.",
        "es": "Si no has sido tú, ignora este correo: la solicitud caducará en {days} días.",
    },
    "mail.confirm.cancel": {
        "en": "It was not me: cancel this request",
        "it": "Non ero io: annulla questa richiesta",
        "fr": "Ce n'était pas moi : annuler cette demande",
        "de": "Das war ich nicht: diese Anfrage abbrechen",
        "es": "No he sido yo: cancelar esta solicitud",
    },
    # The footer's own sentence (one wording for every email's footer).
    "mail.confirm.unmeasured": footer_sentences("not_measured"),
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def all_keys() -> list[str]:
    return list(_T)


def languages_of(key: str) -> frozenset[str]:
    """The languages `key` is written in (`text` falls back to English for the others)."""
    return frozenset(_T[key])


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def text(lang: str, key: str, **values: object) -> str:
    """The string `key` in `lang` (English when missing), with `values` filled in."""
    entry = _T[key]
    template = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return template.format(**values) if values else template


class Translator:
    """What templates call: `t("key", name=value)`; `t.lang` is the page's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: object) -> str:
        return text(self.lang, key, **values)

    def has(self, key: str) -> bool:
        return key in _T


def code(language: str | None) -> str:
    """'it-IT', 'IT', 'it_it' -> 'it'; anything else -> ''."""
    return (language or "").strip().lower().replace("_", "-").split("-", 1)[0]


def _from_accept(header: str) -> str | None:
    """The supported language the browser prefers most (RFC 9110 quality values)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        lang = code(tag)
        if lang in LANGUAGES and quality > 0:
            ranked.append((quality, -position, lang))
    return max(ranked)[2] if ranked else None


def choose(
    requested: str | None,
    contact_language: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """`?lang=xx` wins, then the contact's language, then the browser's, then English."""
    for candidate in (code(requested), code(contact_language)):
        if candidate in LANGUAGES:
            return candidate
    accept = (headers or {}).get("accept-language", "")
    return _from_accept(accept) or DEFAULT_LANGUAGE
