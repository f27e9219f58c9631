"""Creating a campaign: the template is compiled once here so errors surface before any send."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from consentmail.campaigns.sources import SourceError, inline_css, is_mjml, mjml_to_html
from consentmail.campaigns.urls import new_token
from consentmail.contacts.address import AddressError, normalise_address
from consentmail.contacts.lookup import UnknownList, require_list
from consentmail.contacts.segments import engaged_segment_spec, parse_segment
from consentmail.db.models import Campaign, CampaignLink
from consentmail.policy.types import Category, Measure
from consentmail.render import compile_campaign


class CampaignError(ValueError):
    pass


# Per-person mail an application triggers (R5 and service mail): one message through the
# transactional API, never a list campaign, where the category would be a label that exempts
# a whole list from consent.
PER_PERSON = frozenset({Category.SECURITY, Category.TRANSACTIONAL})


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    subject: str
    from_addr: str
    html: str
    template_name: str = "template.html"
    list_name: str | None = None
    from_name: str = ""
    category: str = "marketing"
    measure: str = "individual"
    text: str | None = None
    inline_css: bool = False  # move <style> rules into style="" attributes (css-inline)
    segment: str | None = None  # "engaged:N": only the list's engaged segment (profiling gate)


def read_template(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CampaignError(f"{path}: no such template file") from None
    except IsADirectoryError:
        raise CampaignError(f"{path}: is a directory, not a template file") from None
    except UnicodeDecodeError as exc:
        raise CampaignError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise CampaignError(f"{path}: the template file is empty")
    return text


def source_html(spec: CampaignSpec) -> str:
    """The HTML to compile: MJML converted (by .mjml name or <mjml> content), CSS inlined on
    request; Jinja merge fields and blocks kept as written."""
    try:
        html = mjml_to_html(spec.html) if is_mjml(spec.html, spec.template_name) else spec.html
        return inline_css(html) if spec.inline_css else html
    except SourceError as exc:
        raise CampaignError(f"{spec.template_name}: {exc}") from None


def _required(value: str, what: str) -> None:
    if not value.strip():
        raise CampaignError(f"{what} is empty")


def create_campaign(session: Session, spec: CampaignSpec) -> Campaign:
    # Empty mail is a mistake, never a campaign: name the field (template files: read_template).
    _required(spec.name, "the campaign name (--name)")
    _required(spec.subject, "the subject (--subject)")
    _required(spec.html, f"the template {spec.template_name!r}")
    if spec.text is not None:
        _required(spec.text, "the plain-text template (--text)")
    try:
        category = Category(spec.category)
    except ValueError:
        raise CampaignError(
            f"category {spec.category!r}: choose one of {[c.value for c in Category]}"
        ) from None
    if category in PER_PERSON and spec.list_name is not None:
        raise CampaignError(
            f"category {category.value} cannot go to a list: {category.value} mail is sent to one "
            "person at a time, when an application triggers it; send it through the "
            "transactional API (POST /api/messages)"
        )
    try:
        measure = Measure(spec.measure)
    except ValueError:
        raise CampaignError(
            f"measure {spec.measure!r}: choose one of {[m.value for m in Measure]}"
        ) from None
    try:
        # One plain address: display names go in --from-name, and no CR/LF ever reaches a header.
        normalise_address(spec.from_addr)
    except AddressError as exc:
        raise CampaignError(f"--from {spec.from_addr!r} is not a valid address: {exc}") from None
    if any(c in spec.from_name for c in "\r\n\x00"):
        raise CampaignError("--from-name must be a single line")
    if category is Category.MARKETING and spec.list_name is None:
        raise CampaignError("a marketing campaign needs a list (--list)")
    segment = _segment(spec, category)
    html = source_html(spec)
    if not html.strip():  # e.g. MJML with an empty body
        raise CampaignError(f"the template {spec.template_name!r} gives an empty message")
    # Raises render.TemplateError with file and line: the caller shows it as is.
    compiled = compile_campaign(html, subject=spec.subject, text=spec.text, name=spec.template_name)
    contact_list = None
    if spec.list_name is not None:
        try:
            # Only an import creates lists: a misspelt name must not mean an empty audience.
            contact_list = require_list(session, spec.list_name)
        except UnknownList as exc:
            raise CampaignError(str(exc)) from None
    campaign = Campaign(
        name=spec.name,
        list_id=contact_list.id if contact_list else None,
        subject=spec.subject,
        from_addr=spec.from_addr,
        from_name=spec.from_name,
        category=category.value,
        measure=measure.value,
        template_name=spec.template_name,
        html=html,
        text=spec.text,
        aggregate_token=new_token(),
        segment=segment,
    )
    session.add(campaign)
    session.flush()
    session.add_all(
        CampaignLink(
            campaign_id=campaign.id,
            index=link.index,
            url=link.url,
            has_merge_fields=link.has_merge_fields,
        )
        for link in compiled.links
    )
    session.flush()
    return campaign


def _segment(spec: CampaignSpec, category: Category) -> str | None:
    """The stored segment ("engaged:N"), or None for the whole list."""
    if spec.segment is None:
        return None
    if category is not Category.MARKETING or spec.list_name is None:
        # Choosing by engagement is profiling for marketing; a notice goes to the whole list.
        raise CampaignError("--segment picks recipients of a marketing campaign to a list only")
    try:
        return engaged_segment_spec(parse_segment(spec.segment))
    except ValueError as exc:
        raise CampaignError(f"--segment: {exc}") from None
