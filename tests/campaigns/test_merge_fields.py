"""docs/merge-fields.md cannot drift: every field it lists reaches the template."""

from __future__ import annotations

import re
from pathlib import Path

from consentmail.campaigns.build import recipient_for
from consentmail.db.models import Contact
from consentmail.policy.types import Mode
from consentmail.render import compile_campaign, render_message
from tests.render.support import envelope, parts, tracking

DOC = Path(__file__).resolve().parents[2] / "docs" / "merge-fields.md"
CONTACT = Contact(
    email="zoë@exämple.org", first_name="Zoë", last_name="Quinn", country="FR", language="fr"
)


def documented() -> list[str]:
    """The fields of the doc's tables (rows starting with a merge field)."""
    text = DOC.read_text(encoding="utf-8")
    return sorted(set(re.findall(r"^\| `\{\{ ((?:contact|data)\.[\w<>]+) \}\}`", text, re.M)))


def test_the_doc_lists_the_contact_fields_and_data() -> None:
    assert documented() == [
        "contact.country",
        "contact.email",
        "contact.first_name",
        "contact.language",
        "contact.last_name",
        "data.<key>",
    ]


def test_every_documented_field_is_in_the_render_context() -> None:
    data = {"key": "value-of-key"}
    recipient = recipient_for(CONTACT, data)
    for field in documented():
        name = field.replace("<key>", "key")
        compiled = compile_campaign(f"<p>[{{{{ {name} }}}}]</p>", subject=f"{{{{ {name} }}}}")
        message = render_message(compiled, recipient, tracking(Mode.NONE), envelope())
        obj, _, attr = name.partition(".")
        expected = data[attr] if obj == "data" else getattr(CONTACT, attr)
        assert expected, field
        text, html = parts(message)
        assert f"[{expected}]" in html and f"[{expected}]" in text, field


def test_data_is_plain_json_and_nul_free() -> None:
    """Nested values and lists work; a NUL (our slot separator) cannot inject anything."""
    recipient = recipient_for(CONTACT, {"order": {"n": "A-1\x000\x00", "items": ["a", "b"]}})
    compiled = compile_campaign(
        '<a href="https://shop.example/">x</a><p>{{ data.order.n }}'
        "{% for i in data.order['items'] %}/{{ i }}{% endfor %}</p>",
        subject="s",
    )
    html = parts(render_message(compiled, recipient, tracking(Mode.NONE), envelope()))[1]
    assert "<p>A-10/a/b</p>" in html
