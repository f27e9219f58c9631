"""MJML sources and CSS inlining keep Jinja merge fields and blocks exactly (issue 4.5)."""

from __future__ import annotations

import pytest

from consentmail.campaigns.compose import CampaignError, CampaignSpec, source_html
from consentmail.campaigns.sources import SourceError, inline_css, is_mjml, mjml_to_html
from consentmail.policy.types import Mode
from consentmail.render import Recipient, compile_campaign, render_message
from tests.render.support import envelope, parts, tracking

ANN = Recipient("ann@example.org", {"first_name": "Ann", "country": "IT"})
MJML = """<mjml>
  <mj-body>
    {% for p in data.products %}
    <mj-section><mj-column><mj-text>{{ p }}</mj-text></mj-column></mj-section>
    {% endfor %}
    <mj-section>
      <mj-column>
        <mj-text>Hello {{ contact.first_name }}</mj-text>
        <mj-button href="https://shop.example/?c={{ contact.country }}&amp;x=1">Shop</mj-button>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"""
STYLED = """<html><head><style>
p { color: #123456; }
.big { font-size: 20px; }
@media (max-width: 600px) { p { color: #654321; } }
</style></head><body>
<table>{% for i in range(2) %}<tr><td class="big">row {{ i }}</td></tr>{% endfor %}</table>
<p class="{% if contact.country == 'IT' %}big{% endif %}" title="a > b {{ contact.first_name }}">
Hi {{ contact.first_name }}
<a href="https://shop.example/?n={{ contact.first_name }}&amp;x=1">go</a>
</p>
<!--[if mso]><v:rect href="https://shop.example/vml"></v:rect><![endif]-->
</body></html>
"""


def render_html(html: str, recipient: Recipient = ANN) -> str:
    compiled = compile_campaign(html, subject="News")
    return parts(render_message(compiled, recipient, tracking(Mode.NONE), envelope()))[1]


def test_mjml_is_detected_by_name_or_content() -> None:
    assert is_mjml(MJML) and is_mjml("\ufeff<?xml version='1.0'?>\n<mjml></mjml>")
    assert is_mjml("<p>x</p>", "news.MJML")
    assert not is_mjml("<html><body>mjml</body></html>", "news.html")


def test_mjml_becomes_html_with_merge_fields_and_loops_intact() -> None:
    html = mjml_to_html(MJML)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "{{ contact.first_name }}" in html and "{% for p in data.products %}" in html
    out = render_html(
        html,
        Recipient(
            "ann@example.org",
            {"first_name": "Ann", "country": "IT"},
            {"products": ["Scarf", "Gloves"]},
        ),
    )
    assert "Hello Ann" in out and "Scarf" in out and "Gloves" in out
    assert 'href="https://shop.example/?c=IT&amp;x=1"' in out or "?c=IT&x=1" in out


def test_broken_mjml_is_a_campaign_error() -> None:
    spec = CampaignSpec("x", "s", "a@b.example", "<mjml><mj-body><mj-section>", "n.mjml")
    with pytest.raises(CampaignError, match="n.mjml"):
        source_html(spec)


def test_inline_css_moves_rules_and_keeps_jinja() -> None:
    html = inline_css(STYLED)
    assert 'style="color: #123456;"' in html  # the <p> rule is inlined
    assert "@media (max-width: 600px)" in html  # media queries stay in <style>
    for jinja in (
        "{% for i in range(2) %}",
        "{% endfor %}",
        "{{ i }}",
        "{% if contact.country == 'IT' %}big{% endif %}",
        "{{ contact.first_name }}",
    ):
        assert jinja in html, jinja
    assert "<!--[if mso]>" in html  # Outlook conditional comments survive
    # The loop stayed inside the table (a parser moves stray text out of tables).
    assert html.index("{% for i in range(2) %}") > html.index("<table>")
    out = render_html(html)
    assert out.count("row 0") == 1 and out.count("row 1") == 1
    assert "Hi Ann" in out and "?n=Ann&amp;x=1" in out
    assert 'title="a &gt; b Ann"' in out or 'title="a > b Ann"' in out


def test_jinja_between_attributes_is_refused() -> None:
    with pytest.raises(SourceError, match="line 2"):
        inline_css('<p>x</p>\n<td {% if x %}class="a"{% endif %}>y</td>')


def test_jinja_inside_style_is_refused_not_lost() -> None:
    with pytest.raises(SourceError, match="drop template syntax"):
        inline_css(
            "<style>p { color: red; } {% if x %}.a { color: blue; }{% endif %}</style>"
            '<p class="a">x</p>'
        )


def test_spec_inline_css_applies_before_compiling() -> None:
    spec = CampaignSpec("x", "s", "a@b.example", STYLED, "t.html", inline_css=True)
    html = source_html(spec)
    assert "color: #123456" in html and "{{ contact.first_name }}" in html
    assert source_html(CampaignSpec("x", "s", "a@b.example", STYLED, "t.html")) == STYLED
