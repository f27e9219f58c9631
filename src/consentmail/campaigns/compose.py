"""Creating a campaign: the template is compiled once here so errors surface before any send."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from consentmail.campaigns.sources import SourceError, inline_css, is_mjml, mjml_to_html
from consentmail.campaigns.urls import new_token
from consentmail.contacts.address import AddressError, normalise_address
from consentmail.contacts.lists import ListNameError, get_or_create_list
from consentmail.db.models import Campaign, CampaignLink
from consentmail.policy.types import Category, Measure
from consentmail.render import compile_campaign


class CampaignError(ValueError):
    pass


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


def read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CampaignError(f"{path}: no such template file") from None
    except IsADirectoryError:
        raise CampaignError(f"{path}: is a directory, not a template file") from None
    except UnicodeDecodeError as exc:
        raise CampaignError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def source_html(spec: CampaignSpec) -> str:
    """The HTML to compile: MJML converted (by .mjml name or <mjml> content), CSS inlined on
    request; Jinja merge fields and blocks kept as written."""
    try:
        html = mjml_to_html(spec.html) if is_mjml(spec.html, spec.template_name) else spec.html
        return inline_css(html) if spec.inline_css else html
    except SourceError as exc:
        raise CampaignError(f"{spec.template_name}: {exc}") from None


def create_campaign(session: Session, spec: CampaignSpec) -> Campaign:
    try:
        category = Category(spec.category)
    except ValueError:
        raise CampaignError(
            f"category {spec.category!r}: choose one of {[c.value for c in Category]}"
        ) from None
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
    if category is Category.MARKETING and not spec.list_name:
        raise CampaignError("a marketing campaign needs a list (--list)")
    html = source_html(spec)
    # Raises render.TemplateError with file and line: the caller shows it as is.
    compiled = compile_campaign(html, subject=spec.subject, text=spec.text, name=spec.template_name)
    try:
        contact_list = get_or_create_list(session, spec.list_name) if spec.list_name else None
    except ListNameError as exc:
        raise CampaignError(f"--list: {exc}") from None
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
