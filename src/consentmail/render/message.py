"""One recipient's message: fill the compiled parts, add headers, frame as MIME.

multipart/alternative, text/plain then text/html, UTF-8, quoted-printable. Literal chunks were
encoded at compile time; here only slots and merge-field values are encoded.
"""

from __future__ import annotations

from . import headers
from .body import END
from .compile import CompiledCampaign
from .footer import html_footer, text_footer
from .links import resolve
from .templates import context
from .types import Envelope, Recipient, Rendered, Tracking

_PART = 'Content-Type: text/{}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable'


def render_message(
    compiled: CompiledCampaign, recipient: Recipient, tracking: Tracking, envelope: Envelope
) -> Rendered:
    ctx = context(recipient)
    head = _headers(compiled, ctx, envelope)
    html_slots, text_slots, destinations = resolve(compiled._links, ctx, tracking)
    html_slots[END] = html_footer(tracking)
    text_slots[END] = text_footer(tracking)
    boundary = compiled._boundary.encode("ascii")
    data = b"".join(
        [
            head,
            b"--" + boundary + b"\r\n" + _PART.format("plain").encode("ascii") + b"\r\n\r\n",
            compiled._text.fill(ctx, text_slots),
            b"\r\n--" + boundary + b"\r\n" + _PART.format("html").encode("ascii") + b"\r\n\r\n",
            compiled._html.fill(ctx, html_slots),
            b"\r\n--" + boundary + b"--\r\n",
        ]
    )
    return Rendered(data=data, personal_destinations=destinations)


def _headers(compiled: CompiledCampaign, ctx: dict[str, object], envelope: Envelope) -> bytes:
    if envelope.subject_override is not None:
        subject = headers.unstructured("Subject", envelope.subject_override, "subject_override")
    else:
        subject = compiled._subject.line(ctx)
    lines = [
        headers.cached_address("From", envelope.from_name, envelope.from_addr, "from"),
        headers.address("To", envelope.to_name, envelope.to_addr, "to"),
        subject,
        headers.date(envelope.date),
        headers.message_id(envelope.message_id),
        "MIME-Version: 1.0",
    ]
    if envelope.list_unsubscribe_url is not None:
        lines += headers.list_unsubscribe(envelope.list_unsubscribe_url, envelope.one_click)
    elif envelope.one_click:
        raise ValueError("one_click needs a list_unsubscribe_url (never a fake one-click, U5)")
    if envelope.list_id is not None:
        lines.append(headers.list_id(envelope.list_id))
    for index, (name, value) in enumerate(envelope.extra_headers):
        lines.append(headers.extra(index, name, value))
    lines.append(f'Content-Type: multipart/alternative; boundary="{compiled._boundary}"')
    # ASCII unless an address needs RFC 6532 UTF-8 headers (sent with SMTPUTF8).
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
