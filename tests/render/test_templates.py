"""Merge fields, the sandbox, and errors an author can act on (file and line, no traceback)."""

from __future__ import annotations

import pytest

from consentmail.policy.types import Mode
from consentmail.render import Recipient, TemplateError, compile_campaign, render_message
from consentmail.render.urls import normalize_url

from .support import envelope, parts, tracking


def html_of(source: str, fields: dict[str, str] | None = None, **kwargs: str) -> str:
    compiled = compile_campaign(source, subject="S", **kwargs)
    recipient = Recipient("ann@example.org", fields or {})
    return parts(render_message(compiled, recipient, tracking(Mode.NONE), envelope()))[1]


def test_merge_fields_are_escaped_and_missing_ones_render_empty() -> None:
    html = html_of(
        "<p>{{ contact.first_name }}|{{ contact.nope }}|{{ contact.nope.deeper }}|"
        "{{ contact.email }}|{{ contact.items }}|{{ contact['x-y'] }}|{{ contact }}</p>",
        {"first_name": "<b>Ann</b>", "items": "3", "x-y": "z"},
    )
    assert html.startswith("<p>&lt;b&gt;Ann&lt;/b&gt;|||ann@example.org|3|z|</p>")


def test_the_sandbox_holds() -> None:
    assert html_of("<p>{{ contact.__class__.__mro__ }}{{ contact._fields }}</p>").startswith(
        "<p></p>"
    )
    with pytest.raises(TemplateError, match="unsafe") as info:
        compile_campaign("<p>\n{{ ''.__class__.__subclasses__() }}</p>", subject="S")
    assert info.value.line == 2
    with pytest.raises(TemplateError, match="extends, include and import"):
        compile_campaign('<p>{% include "x.html" %}</p>', subject="S")


@pytest.mark.parametrize(
    ("source", "line", "hint"),
    [
        ("<p>\n\n{{#if name}}x{{/if}}</p>", 3, "Handlebars"),  # Postmark / Mustache
        ("<p>\n{{{ raw }}}</p>", 2, "Handlebars"),
        ("<p>\n{% if x %}no end</p>", 2, "endif"),
        ("<p>{{ contact.name | nosuchfilter }}</p>", 1, "nosuchfilter"),
    ],
)
def test_foreign_or_broken_syntax_names_the_line(source: str, line: int, hint: str) -> None:
    with pytest.raises(TemplateError) as info:
        compile_campaign(source, subject="S", name="welcome")
    assert info.value.line == line
    assert hint in info.value.message
    assert str(info.value).startswith(f"welcome.html:{line}: ")
    assert isinstance(info.value, ValueError)


def test_errors_in_a_link_report_the_authors_line() -> None:
    source = '<p>\n\n<a href="https://a.example/?u={{ contact.x.y() }}">x</a></p>'
    with pytest.raises(TemplateError) as info:
        compile_campaign(source, subject="S")
    assert info.value.line == 3


def test_subject_is_one_line_with_merge_fields() -> None:
    with pytest.raises(TemplateError, match="single line"):
        compile_campaign("<p>x</p>", subject="a\nb")
    compiled = compile_campaign("<p>x</p>", subject="Hi {{ contact.first_name }} & co")
    rendered = render_message(
        compiled,
        Recipient("a@example.org", {"first_name": "<Ann>"}),
        tracking(Mode.NONE),
        envelope(),
    )
    assert b"Subject: Hi <Ann> & co\r\n" in rendered.data  # no HTML escaping in headers


def test_other_vendors_tags_are_left_as_written_and_listed() -> None:
    source = '<title>*|MC:SUBJECT|*</title><a href="*|UNSUB|*">u</a> {{ name }}'
    compiled = compile_campaign(source, subject="S")
    assert compiled.foreign_tags == ("*|MC:SUBJECT|*", "*|UNSUB|*")
    assert compiled.unknown_names == frozenset({"name"})
    assert compiled.links == ()
    assert html_of(source).startswith('<title>*|MC:SUBJECT|*</title><a href="*|UNSUB|*">u</a> ')


def test_fields_read_are_listed_for_preflight() -> None:
    compiled = compile_campaign(
        '{{ contact.a }}<a href="https://x.example/?b={{ contact.b }}">x</a>',
        subject="{{ contact.c }}",
        text="{{ contact['d'] }} https://y.example/?e={{ contact.e }}",
    )
    assert compiled.fields == frozenset("abcde")


def test_jinja_control_flow_and_links_inside_it() -> None:
    source = (
        "<body>{% for item in ['a', 'b'] %}"
        '<a href="https://shop.example/{{ item }}">{{ item }}</a>{% endfor %}'
        '{% if contact.vip %}<a href="https://vip.example/">vip</a>{% endif %}</body>'
    )
    compiled = compile_campaign(source, subject="S")
    # A URL made from a loop variable cannot be filled for the redirect: it stays untracked.
    assert [link.url for link in compiled.links] == ["https://vip.example/"]
    vip = Recipient("a@example.org", {"vip": "yes"})
    text, html = parts(render_message(compiled, vip, tracking(Mode.PERSONAL), envelope()))
    assert html.startswith(
        '<body><a href="https://shop.example/a">a</a><a href="https://shop.example/b">b</a>'
        '<a href="https://t.example.com/c/TOKEN/0">vip</a>'
    )
    assert text.startswith(
        "a (https://shop.example/a)b (https://shop.example/b)vip (https://t.example.com/c/TOKEN/0)"
    )
    assert html.count('data-cm="footer"') == 1


def test_css_comment_trap_gets_a_hint() -> None:
    with pytest.raises(TemplateError, match="Jinja comment") as info:
        compile_campaign("<style>\n@media screen{#main{width:100%}}</style>", subject="S")
    assert info.value.line == 2


def test_footer_is_added_even_when_body_end_sits_in_a_branch_not_taken() -> None:
    html = html_of("<html><body><p>x</p>{% if contact.never %}</body>{% endif %}</html>")
    assert html.count('data-cm="footer"') == 1


def test_each_recipient_gets_their_own_values_from_one_compile() -> None:
    compiled = compile_campaign(
        '<p>Hi {{ contact.first_name }}</p><a href="https://a.example/?n={{ contact.first_name }}">'
        "go</a>",
        subject="For {{ contact.first_name }}",
    )
    for name in ("Ann", "Bob", "Ann", "Zoë"):
        rendered = render_message(
            compiled,
            Recipient("x@example.org", {"first_name": name}),
            tracking(Mode.PERSONAL),
            envelope(),
        )
        assert parts(rendered)[1].startswith(f"<p>Hi {name}</p>")
        assert rendered.personal_destinations == {0: normalize_url(f"https://a.example/?n={name}")}
