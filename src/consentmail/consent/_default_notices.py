"""Built-in notice texts: short, plain words, one per purpose and language (R8, R9, R12).

Each says what is collected, why, that it is optional and separate, and how to withdraw. They are
stored once as version DEFAULT_VERSION; a workspace adds its own words as new versions.
"""

from __future__ import annotations

DEFAULT_VERSION = "2026-12-01"

DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "newsletter": {
        "en": (
            "Newsletter: we send our newsletter by email to the address you gave us. "
            "You can unsubscribe at any time with the link at the bottom of every email; "
            "this does not change your other choices."
        ),
        "it": (
            "Newsletter: inviamo la nostra newsletter via email all'indirizzo che ci hai dato. "
            "Puoi disiscriverti in qualsiasi momento con il link in fondo a ogni email; "
            "le altre scelte che hai fatto restano invariate."
        ),
        "fr": (
            "Newsletter : nous envoyons notre newsletter par e-mail à l'adresse que vous nous "
            "avez donnée. Vous pouvez vous désinscrire à tout moment grâce au lien en bas de "
            "chaque e-mail ; vos autres choix ne changent pas."
        ),
        "de": (
            "Newsletter: Wir senden unseren Newsletter per E-Mail an die Adresse, die Sie uns "
            "gegeben haben. Sie können sich jederzeit über den Link am Ende jeder E-Mail "
            "abmelden; Ihre anderen Entscheidungen bleiben davon unberührt."
        ),
        "es": (
            "Boletín: enviamos nuestro boletín por correo electrónico a la dirección que nos "
            "diste. Puedes darte de baja en cualquier momento con el enlace al final de cada "
            "correo; tus otras elecciones no cambian."
        ),
    },
    "tracking": {
        "en": (
            "Measuring opens and clicks: our emails can contain a small image and personal links "
            "that tell us whether you opened each email and which links you clicked. We use this "
            "information, linked to your address, only to understand and improve our emails. "
            "It is optional and separate from the newsletter: if you say no, you get the same "
            "emails with nothing that tracks you. You can stop it at any time with the "
            "stop-tracking link in every email."
        ),
        "it": (
            "Misurazione di aperture e clic: le nostre email possono contenere una piccola "
            "immagine e link personali che ci dicono se hai aperto ogni email e quali link hai "
            "cliccato. Usiamo queste informazioni, collegate al tuo indirizzo, solo per capire e "
            "migliorare le nostre email. È facoltativo e separato dalla newsletter: se rifiuti, "
            "ricevi le stesse email senza nulla che ti tracci. Puoi interromperlo in qualsiasi "
            "momento con il link per interrompere il tracciamento presente in ogni email."
        ),
        "fr": (
            "Mesure des ouvertures et des clics : nos e-mails peuvent contenir une petite image "
            "et des liens personnels qui nous indiquent si vous avez ouvert chaque e-mail et sur "
            "quels liens vous avez cliqué. Nous utilisons ces informations, liées à votre "
            "adresse, uniquement pour comprendre et améliorer nos e-mails. C'est facultatif et "
            "distinct de la newsletter : si vous refusez, vous recevez les mêmes e-mails sans "
            "aucun traceur. Vous pouvez arrêter à tout moment avec le lien d'arrêt du suivi "
            "présent dans chaque e-mail."
        ),
        "de": (
            "Messung von Öffnungen und Klicks: Unsere E-Mails können ein kleines Bild und "
            "persönliche Links enthalten, die uns zeigen, ob Sie eine E-Mail geöffnet und welche "
            "Links Sie angeklickt haben. Wir nutzen diese Angaben, verknüpft mit Ihrer Adresse, "
            "nur, um unsere E-Mails zu verstehen und zu verbessern. Die Einwilligung ist "
            "freiwillig und unabhängig vom Newsletter: Wenn Sie ablehnen, erhalten Sie dieselben "
            "E-Mails ohne jede Messung. Sie können die Messung jederzeit über den Link zum "
            "Beenden des Trackings in jeder E-Mail stoppen."
        ),
        "es": (
            "Medición de aperturas y clics: nuestros correos pueden incluir una pequeña imagen y "
            "enlaces personales que nos indican si has abierto cada correo y en qué enlaces has "
            "hecho clic. Usamos esta información, vinculada a tu dirección, solo para entender y "
            "mejorar nuestros correos. Es opcional e independiente del boletín: si no aceptas, "
            "recibes los mismos correos sin nada que te rastree. Puedes detenerlo en cualquier "
            "momento con el enlace para dejar de medir que hay en cada correo."
        ),
    },
    "profiling": {
        "en": (
            "Personalisation: we use which of our emails you open and which links you click to "
            "choose the topics and frequency of what we send you and to place you in interest "
            "groups. It only works if you also let us measure opens and clicks. It is optional; "
            "you can withdraw it at any time from the preferences link in every email."
        ),
        "it": (
            "Personalizzazione: usiamo le email che apri e i link che clicchi per scegliere gli "
            "argomenti e la frequenza di ciò che ti inviamo e per inserirti in gruppi di "
            "interesse. Funziona solo se ci permetti anche di misurare aperture e clic. "
            "È facoltativo; puoi revocarlo in qualsiasi momento dal link alle preferenze "
            "presente in ogni email."
        ),
        "fr": (
            "Personnalisation : nous utilisons les e-mails que vous ouvrez et les liens sur "
            "lesquels vous cliquez pour choisir les sujets et la fréquence de nos envois et pour "
            "vous classer dans des groupes d'intérêt. Cela suppose aussi que vous acceptiez la "
            "mesure des ouvertures et des clics. C'est facultatif ; vous pouvez le retirer à "
            "tout moment depuis le lien vers vos préférences présent dans chaque e-mail."
        ),
        "de": (
            "Personalisierung: Wir nutzen, welche unserer E-Mails Sie öffnen und welche Links "
            "Sie anklicken, um Themen und Häufigkeit unserer E-Mails auszuwählen und Sie "
            "Interessengruppen zuzuordnen. Das setzt voraus, dass Sie auch der Messung von "
            "Öffnungen und Klicks zustimmen. Die Einwilligung ist freiwillig und jederzeit über "
            "den Link zu Ihren Einstellungen in jeder E-Mail widerrufbar."
        ),
        "es": (
            "Personalización: usamos los correos que abres y los enlaces en los que haces clic "
            "para elegir los temas y la frecuencia de nuestros envíos y para situarte en grupos "
            "de interés. Solo funciona si también nos permites medir aperturas y clics. Es "
            "opcional; puedes retirarlo en cualquier momento desde el enlace a tus preferencias "
            "de cada correo."
        ),
    },
}
