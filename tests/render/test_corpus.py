"""The public templates in ../shared/corpus: each renders, or fails naming a line."""

from __future__ import annotations

import pytest

from consentmail.policy.types import Mode
from consentmail.render import Recipient, TemplateError, compile_campaign, render_message
from consentmail.render.footer import html_footer
from tests.conftest import shared_path

from .support import CLICK, envelope, parse, parts, tracking

MUST_RENDER = {
    "mailchimp_gallery-1-4-2.html",
    "mailchimp_modular-template-patterns.html",
    "leemunroe_email.html",
    "foundation_newsletter_inky.html",
}
ANN = Recipient("ann@example.org", {"first_name": "Ann"})


def test_every_corpus_template_renders_or_names_a_line() -> None:
    templates = sorted(shared_path("corpus", "templates").glob("*.html"))
    assert len(templates) == 14
    rendered = set()
    for path in templates:
        source = path.read_text(encoding="utf-8")
        try:
            compiled = compile_campaign(source, subject="Corpus", name=path.name)
        except TemplateError as exc:
            assert exc.line is not None, str(exc)
            assert str(exc).startswith(f"{path.name}:{exc.line}: ")
            continue
        for mode in Mode:
            message = render_message(compiled, ANN, tracking(mode), envelope())
            assert parse(message).defects == []
            text, html = parts(message)
            assert 'data-cm="unsubscribe"' in html and "Unsubscribe: " in text
            tracked = [f'"{CLICK}{link.index}"' in html for link in compiled.links]
            assert all(tracked) if mode is not Mode.NONE else not any(tracked)
        rendered.add(path.name)
    assert MUST_RENDER | {p.name for p in templates if p.name.startswith("sendwithus_")} <= rendered


@pytest.mark.parametrize(
    "name", ["mailchimp_gallery-1-4-2.html", "mailchimp_modular-template-patterns.html"]
)
def test_untracked_html_is_the_template_byte_for_byte(name: str) -> None:
    source = shared_path("corpus", "templates", name).read_text(encoding="utf-8")
    compiled = compile_campaign(source, subject="Corpus", name=name)
    t = tracking(Mode.NONE)
    html = parts(render_message(compiled, ANN, t, envelope()))[1]
    end = source.rindex("</body>")
    assert html == source[:end] + html_footer(t) + source[end:]
