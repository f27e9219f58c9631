"""The words of the re-permission email (R10) and of the legacy information message (R11).

Each is a template the normal builder renders: the wording in it, en, fr, de or es (else English),
the purpose's notice text as stored, and one body link to the recipient's own page, which comes
from the message's data (`{{ data.preferences_url }}`, `{{ data.stop_tracking_url }}`). Whatever
the workspace wrote (notice, list name) enters the template as a Jinja string literal, so its
braces are text, never template code. Nothing here measures anything: no image, no tracked
link. The link texts say what they are (preferences, refusing tracking), so an audit of the
message reads them as the recipient's controls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from html import escape

FALLBACK = "en"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "ask.subject.tracking": "May we measure how you read our emails?",
        "ask.subject.profiling": "May we tailor our emails to your interests?",
        "ask.intro": "You are on our list “{list}”. We would like to ask you a question that "
        "only you can answer.",
        "ask.question.tracking": "May we record whether you open our emails and which links "
        "you click?",
        "ask.question.profiling": "May we use what you open and click to choose what we send "
        "you?",
        "ask.yes": "Yes: open my preferences",
        "ask.silence": "If you do nothing, the answer is no: nothing changes, and we will not "
        "ask again for at least six months. You keep receiving our emails either way.",
        "notice": "What it means:",
        "unmeasured": "This email itself measures nothing: no pixel, no tracked link.",
        "legacy.subject": "How we measure our emails, and how to object",
        "legacy.intro": "Your address has been on our list “{list}” since before "
        "{collected_before}.",
        "legacy.what": "From {date}, we may record individually whether you open our emails "
        "and which links you click, unless you object before then.",
        "legacy.object": "I object: do not track me",
        "legacy.after": "Objecting does not unsubscribe you: you keep receiving the same emails, "
        "without measurement. You can also object later, at any time, with the link at the "
        "bottom of every email.",
    },
    "fr": {
        "ask.subject.tracking": "Pouvons-nous mesurer la lecture de nos e-mails ?",
        "ask.subject.profiling": "Pouvons-nous adapter nos e-mails à vos centres d'intérêt ?",
        "ask.intro": "Vous êtes inscrit(e) à notre liste « {list} ». Nous aimerions vous poser "
        "une question à laquelle vous seul(e) pouvez répondre.",
        "ask.question.tracking": "Acceptez-vous que nous enregistrions si vous ouvrez nos "
        "e-mails et sur quels liens vous cliquez ?",
        "ask.question.profiling": "Acceptez-vous que nous utilisions vos ouvertures et vos "
        "clics pour choisir ce que nous vous envoyons ?",
        "ask.yes": "Oui : ouvrir mes préférences",
        "ask.silence": "Si vous ne faites rien, la réponse est non : rien ne change et nous ne "
        "vous le redemanderons pas avant six mois au moins. Vous continuez à recevoir nos "
        "e-mails dans tous les cas.",
        "notice": "Ce que cela signifie :",
        "unmeasured": "Cet e-mail ne mesure rien : ni pixel, ni lien suivi.",
        "legacy.subject": "La mesure de nos e-mails et votre droit d'opposition",
        "legacy.intro": "Votre adresse figure sur notre liste « {list} » depuis avant le "
        "{collected_before}.",
        "legacy.what": "À partir du {date}, nous pourrons enregistrer individuellement si vous "
        "ouvrez nos e-mails et sur quels liens vous cliquez, sauf si vous vous y opposez d'ici "
        "là.",
        "legacy.object": "Je m'oppose : refuser le suivi",
        "legacy.after": "Vous opposer ne vous désinscrit pas : vous continuez à recevoir les "
        "mêmes e-mails, sans mesure. Vous pouvez aussi vous opposer plus tard, à tout moment, "
        "avec le lien en bas de chaque e-mail.",
    },
    "it": {
        "ask.subject.tracking": "Possiamo misurare la lettura delle nostre email?",
        "ask.subject.profiling": "Possiamo adattare le nostre email ai tuoi interessi?",
        "ask.intro": "Sei iscritto/a alla nostra lista «{list}». Vorremmo farti una domanda a "
        "cui solo tu puoi rispondere.",
        "ask.question.tracking": "Ci permetti di registrare se apri le nostre email e su quali "
        "link fai clic?",
        "ask.question.profiling": "Ci permetti di usare le email che apri e i link su cui fai "
        "clic per scegliere cosa inviarti?",
        "ask.yes": "Sì: apri le mie preferenze",
        "ask.silence": "Se non fai nulla, la risposta è no: non cambia niente e non te lo "
        "chiederemo di nuovo per almeno sei mesi. Continuerai comunque a ricevere le nostre "
        "email.",
        "notice": "Che cosa significa:",
        "unmeasured": "Questa email non misura nulla: nessun pixel, nessun link tracciato.",
        "legacy.subject": "Come misuriamo le nostre email e come opporti",
        "legacy.intro": "Il tuo indirizzo è nella nostra lista «{list}» da prima del "
        "{collected_before}.",
        "legacy.what": "Dal {date} potremo registrare individualmente se apri le nostre email e "
        "su quali link fai clic, a meno che tu non ti opponga prima di quella data.",
        "legacy.object": "Mi oppongo: rifiuta il tracciamento",
        "legacy.after": "Opporti non ti disiscrive: continuerai a ricevere le stesse email, "
        "senza misurazione. Puoi opporti anche più tardi, in qualsiasi momento, con il link in "
        "fondo a ogni email.",
    },
    "de": {
        "ask.subject.tracking": "Dürfen wir messen, wie Sie unsere E-Mails lesen?",
        "ask.subject.profiling": "Dürfen wir unsere E-Mails an Ihre Interessen anpassen?",
        "ask.intro": "Sie stehen auf unserer Liste „{list}“. Wir möchten Ihnen eine Frage "
        "stellen, die nur Sie beantworten können.",
        "ask.question.tracking": "Dürfen wir erfassen, ob Sie unsere E-Mails öffnen und welche "
        "Links Sie anklicken?",
        "ask.question.profiling": "Dürfen wir anhand Ihrer Öffnungen und Klicks auswählen, was "
        "wir Ihnen senden?",
        "ask.yes": "Ja: meine Einstellungen öffnen",
        "ask.silence": "Wenn Sie nichts tun, lautet die Antwort Nein: Es ändert sich nichts, und "
        "wir fragen frühestens in sechs Monaten wieder. Unsere E-Mails erhalten Sie in jedem "
        "Fall weiter.",
        "notice": "Was das bedeutet:",
        "unmeasured": "Diese E-Mail selbst misst nichts: kein Pixel, keine verfolgten Links.",
        "legacy.subject": "Wie wir unsere E-Mails messen und wie Sie widersprechen",
        "legacy.intro": "Ihre Adresse steht seit vor dem {collected_before} auf unserer Liste "
        "„{list}“.",
        "legacy.what": "Ab dem {date} dürfen wir einzeln erfassen, ob Sie unsere E-Mails öffnen "
        "und welche Links Sie anklicken, sofern Sie nicht vorher widersprechen.",
        "legacy.object": "Ich widerspreche: Tracking ablehnen",
        "legacy.after": "Ein Widerspruch meldet Sie nicht ab: Sie erhalten weiter dieselben "
        "E-Mails, ohne Messung. Sie können auch später jederzeit widersprechen, über den Link "
        "am Ende jeder E-Mail.",
    },
    "es": {
        "ask.subject.tracking": "¿Podemos medir cómo lees nuestros correos?",
        "ask.subject.profiling": "¿Podemos adaptar nuestros correos a tus intereses?",
        "ask.intro": "Estás en nuestra lista «{list}». Queremos hacerte una pregunta que solo "
        "tú puedes responder.",
        "ask.question.tracking": "¿Nos permites registrar si abres nuestros correos y en qué "
        "enlaces haces clic?",
        "ask.question.profiling": "¿Nos permites usar lo que abres y los enlaces en los que "
        "haces clic para elegir qué enviarte?",
        "ask.yes": "Sí: abrir mis preferencias",
        "ask.silence": "Si no haces nada, la respuesta es no: nada cambia y no te lo volveremos "
        "a preguntar en al menos seis meses. Seguirás recibiendo nuestros correos en cualquier "
        "caso.",
        "notice": "Qué significa:",
        "unmeasured": "Este correo no mide nada: ni píxel ni enlaces rastreados.",
        "legacy.subject": "Cómo medimos nuestros correos y cómo oponerte",
        "legacy.intro": "Tu dirección está en nuestra lista «{list}» desde antes del "
        "{collected_before}.",
        "legacy.what": "A partir del {date} podremos registrar individualmente si abres "
        "nuestros correos y en qué enlaces haces clic, salvo que te opongas antes.",
        "legacy.object": "Me opongo: rechazar el seguimiento",
        "legacy.after": "Oponerte no te da de baja: seguirás recibiendo los mismos correos, sin "
        "medición. También puedes oponerte más adelante, en cualquier momento, con el enlace "
        "al final de cada correo.",
    },
}

_BODY = "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:22px;color:#222222;"
_NOTICE = "margin:0 0 16px 0;padding:8px 16px;border-left:3px solid #cccccc;color:#444444;"
_BUTTON = (
    "display:inline-block;padding:10px 18px;background:#1a5fb4;color:#ffffff;"
    "text-decoration:none;border-radius:4px;font-weight:bold;"
)


@dataclass(frozen=True, slots=True)
class Content:
    """A campaign's template: what the builder compiles and fills per recipient."""

    name: str  # the template name (campaign.template_name)
    language: str
    subject: str
    html: str
    text: str


def wording_language(language: str) -> str:
    return language if language in TEXTS else FALLBACK


def literal(value: str) -> str:
    """`value` as a Jinja expression printing exactly it (escaped in HTML by autoescape)."""
    return "{{ " + json.dumps(value, ensure_ascii=False) + " }}"


@lru_cache(maxsize=64)  # pure: called per recipient, built once per wording
def ask_content(language: str, purpose: str, list_name: str, notice: str) -> Content:
    """R10: the question, the purpose's notice, a link to the preference page, silence is no."""
    lang = wording_language(language)
    t = TEXTS[lang]
    subject = t[f"ask.subject.{purpose}"]
    values = {"list": literal(list_name)}
    url = "{{ data.preferences_url }}"
    html = _html(
        lang,
        subject,
        _p(t["ask.intro"], values),
        f"<p><strong>{escape(t[f'ask.question.{purpose}'])}</strong></p>",
        _notice_html(t["notice"], notice),
        f'<p><a href="{url}" style="{_BUTTON}">{escape(t["ask.yes"])}</a></p>',
        _p(t["ask.silence"]),
        f'<p style="font-size:12px;color:#666666;">{escape(t["unmeasured"])}</p>',
    )
    text = _text(
        t["ask.intro"].format(**values),
        t[f"ask.question.{purpose}"],
        f"{t['notice']}\n{literal(notice)}",
        f"{t['ask.yes']}: {url}",
        t["ask.silence"],
        t["unmeasured"],
    )
    return Content(f"permission-request-{purpose}-{lang}", lang, subject, html, text)


@lru_cache(maxsize=64)
def legacy_content(
    language: str, list_name: str, notice: str, collected_before: str, tracked_from: str
) -> Content:
    """R11: tracking may start on `tracked_from` unless the person objects, in one click."""
    lang = wording_language(language)
    t = TEXTS[lang]
    values = {"list": literal(list_name), "collected_before": collected_before,
              "date": tracked_from}
    url = "{{ data.stop_tracking_url }}"
    html = _html(
        lang,
        t["legacy.subject"],
        _p(t["legacy.intro"], values),
        f"<p><strong>{escape(t['legacy.what']).format(**values)}</strong></p>",
        _notice_html(t["notice"], notice),
        f'<p><a href="{url}" style="{_BUTTON}">{escape(t["legacy.object"])}</a></p>',
        _p(t["legacy.after"]),
        f'<p style="font-size:12px;color:#666666;">{escape(t["unmeasured"])}</p>',
    )
    text = _text(
        t["legacy.intro"].format(**values),
        t["legacy.what"].format(**values),
        f"{t['notice']}\n{literal(notice)}",
        f"{t['legacy.object']}: {url}",
        t["legacy.after"],
        t["unmeasured"],
    )
    return Content(f"legacy-notice-{lang}", lang, t["legacy.subject"], html, text)


def _p(wording: str, values: dict[str, str] | None = None) -> str:
    # Escape the wording first: the values are Jinja literals, escaped when rendered.
    return f"<p>{escape(wording).format(**(values or {}))}</p>"


def _notice_html(label: str, notice: str) -> str:
    paragraphs = [p.strip() for p in notice.split("\n\n") if p.strip()] or [notice]
    body = "".join(f'<p style="margin:8px 0;">{literal(p)}</p>' for p in paragraphs)
    return f"<p>{escape(label)}</p>\n<div style=\"{_NOTICE}\">{body}</div>"


def _html(lang: str, title: str, *blocks: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        f'<body style="{_BODY}">\n' + "\n".join(blocks) + "\n</body>\n</html>\n"
    )


def _text(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"
