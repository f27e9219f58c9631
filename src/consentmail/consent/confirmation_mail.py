"""The double opt-in email: the confirmation message a hosted-form signup gets, and its sending.

It measures nothing (no pixel, no tracked link) and has no List-Unsubscribe: the person is on no
list yet. Its words come from the web layer in the person's language (web/i18n.py).
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentmail.config import Settings
from consentmail.consent.capture import Submitted
from consentmail.db.models import Setting, utcnow
from consentmail.delivery import Outgoing, SendResult, transport_from_url
from consentmail.policy.types import Mode
from consentmail.render import (
    CompiledCampaign,
    Envelope,
    Recipient,
    Tracking,
    compile_campaign,
    render_message,
)


@dataclass(frozen=True, slots=True)
class ConfirmationWords:
    """What the confirmation email says, in the person's language with the names filled in.
    The web layer writes them (web/i18n.py); they enter the message as data, so the HTML part
    escapes them like any merge field."""

    language: str
    subject: str
    greeting: str
    intro: str  # who asked for what, and that nothing is granted before confirming
    link: str  # the text of the confirmation link
    ignore: str  # not you? ignore it: the request lapses (CONFIRM_WITHIN)
    cancel: str  # the text of the "it was not me: cancel" link
    unmeasured: str  # the footer's reason: no pixel, no tracked link


_SUBJECT = "{{ data.subject }}"
_HTML = """<!doctype html>
<html lang="{{ data.language }}"><body>
<p>{{ data.greeting }}</p>
<p>{{ data.intro }}</p>
<p><a href="{{ contact.confirm_url }}">{{ data.link }}</a></p>
<p>{{ data.ignore }} <a href="{{ contact.cancel_url }}">{{ data.cancel }}</a></p>
</body></html>
"""
_TEXT = """{{ data.greeting }}

{{ data.intro }}

{{ data.link }}: {{ contact.confirm_url }}

{{ data.ignore }}
{{ data.cancel }}: {{ contact.cancel_url }}
"""
SENDER_SETTING = "capture_from_addr"  # the From of confirmation emails; default no-reply@host


def confirm_url(public_url: str, token: str) -> str:
    return f"{public_url}/confirm/{token}"


def cancel_url(public_url: str, token: str, language: str) -> str:
    """The confirmation page opened on "it was not me": its GET changes nothing (law 4)."""
    return f"{confirm_url(public_url, token)}?cancel=1&lang={language}"


def sender_address(session: Session, public_url: str) -> str:
    configured = session.scalar(select(Setting.value).where(Setting.key == SENDER_SETTING))
    return configured or f"no-reply@{urlsplit(public_url).hostname or 'localhost'}"


@cache
def _confirmation_template() -> CompiledCampaign:
    return compile_campaign(_HTML, subject=_SUBJECT, text=_TEXT, name="confirm-signup")


def confirmation_message(
    submitted: Submitted,
    words: ConfirmationWords,
    *,
    public_url: str,
    sender: str,
    now: datetime | None = None,
) -> Outgoing:
    """The double opt-in email, in `words`. It carries no pixel and no tracked link (R10: only
    the consent link could be, and we track nothing) and no List-Unsubscribe: there is no list
    yet (U5)."""
    url = confirm_url(public_url, submitted.token)
    cancel = cancel_url(public_url, submitted.token, words.language)
    host = urlsplit(public_url).hostname or "consentmail.invalid"
    rendered = render_message(
        _confirmation_template(),
        Recipient(
            submitted.email, {"confirm_url": url, "cancel_url": cancel}, dataclasses.asdict(words)
        ),
        Tracking(
            open_mode=Mode.NONE,
            click_mode=Mode.NONE,
            pixel_url=None,
            click_base=None,
            # The person is on no list yet. The footer's way out is cancelling the request, and
            # its second link the choices awaiting confirmation (before_subscription labels
            # them so). Neither link is tracked (law 8).
            unsubscribe_url=cancel,
            preferences_url=url,
            stop_tracking_url=None,
            footer_reason=words.unmeasured,
            language=words.language,
            before_subscription=True,
        ),
        Envelope(
            from_addr=sender,
            from_name=None,
            to_addr=submitted.email,
            to_name=submitted.first_name or None,
            message_id=f"<{secrets.token_hex(16)}@{host}>",
            date=now or utcnow(),
            list_unsubscribe_url=None,
            one_click=False,
        ),
    )
    return Outgoing(
        # Not an outbox row: negative, so capture:// never overwrites a campaign message's file.
        message_id=-submitted.pending_id,
        sender=sender,
        recipients=(submitted.email,),
        data=rendered.data,
        needs_smtputf8=not submitted.email.rpartition("@")[0].isascii(),
    )


async def send_confirmation(settings: Settings, message: Outgoing) -> SendResult:
    transport = transport_from_url(settings.smtp_url, settings.data_dir)
    try:
        return await transport.send(message)
    finally:
        await transport.aclose()
