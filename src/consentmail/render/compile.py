"""Compile once per campaign: scan the HTML, splice slots in, prepare both parts and the subject."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from jinja2.environment import Template
from jinja2.sandbox import SandboxedEnvironment

from .body import END, Body
from .errors import TemplateError
from .headers import unstructured
from .links import Link
from .scan import scan_html
from .templates import HTML_ENV, SEP, TEXT_ENV, compile_template, context, names_used, render
from .textpart import slot, text_from_html, text_with_slots
from .types import LinkSlot
from .urls import browser_clean, has_merge_fields, is_trackable, normalize_url

# Other vendors' merge tags (Mailchimp *|FNAME|*) are left as written; listed for preflight.
_FOREIGN = re.compile(r"\*\|[A-Za-z0-9_:]+\|\*")
_REPLACEMENT = "\ufffd"  # NUL is our separator; HTML itself treats NUL as an error


@dataclass(frozen=True, eq=False)
class CompiledCampaign:
    name: str
    links: tuple[LinkSlot, ...]  # trackable http(s) links, HTML first in document order
    foreign_tags: tuple[str, ...]  # e.g. "*|MC:SUBJECT|*", rendered as written
    fields: frozenset[str]  # contact fields the campaign reads
    unknown_names: frozenset[str]  # top-level names that will render empty ({{ name }})
    text_generated: bool
    _html: Body = field(repr=False)
    _text: Body = field(repr=False)
    _subject: Subject = field(repr=False)
    _links: tuple[Link, ...] = field(repr=False)
    _boundary: str = field(repr=False)

    @property
    def links_with_recipient_data(self) -> tuple[LinkSlot, ...]:
        """Links whose URL carries merge fields: tracked only in personal mode (L7)."""
        return tuple(link for link in self.links if link.has_merge_fields)


class Subject:
    def __init__(self, source: str, filename: str) -> None:
        if "\n" in source or "\r" in source:
            raise TemplateError(filename, 1, "a subject is a single line")
        self.filename = filename
        self.template, tree = compile_template(TEXT_ENV, source, filename)
        self.fields, self.unknown_names = names_used(tree)
        rendered = render(self.template, filename, context(None)).replace(SEP, "")
        self.static_line = unstructured("Subject", rendered, "subject") if _static(source) else None

    def line(self, ctx: dict[str, object]) -> str:
        if self.static_line is not None:
            return self.static_line
        value = render(self.template, self.filename, ctx).replace(SEP, "")
        return unstructured("Subject", value, "subject")


def _static(source: str) -> bool:
    return not any(mark in source for mark in ("{{", "{%", "{#"))


def compile_campaign(
    html: str, *, subject: str, text: str | None = None, name: str = "template"
) -> CompiledCampaign:
    stem = re.sub(r"\.html?$", "", name)
    html_name, text_name = f"{stem}.html", f"{stem}.txt"
    source = html.replace(SEP, _REPLACEMENT)
    scan = scan_html(source)

    links: list[Link] = []
    names = _Names()
    splices: list[tuple[int, int, str]] = []
    for href in scan.hrefs:
        if not is_trackable(href.url):
            continue
        template = None
        if has_merge_fields(href.url):
            line = source.count("\n", 0, href.start) + 1
            template = _link_template(HTML_ENV, href.raw, html_name, line, names)
            if template is None:
                continue  # not fillable on its own: left untracked in the page template
        index = len(links)
        href.slot = index
        link_slot = LinkSlot(index, normalize_url(href.url), template is not None)
        links.append(Link(link_slot, href.raw, template, html_name))
        # Newlines of a multi-line href stay inside the marker so template lines keep matching.
        newlines = "\n" * href.raw.count("\n")
        splices.append((href.start, href.end, slot(f"{index}{newlines}")))
    end = scan.body_end if scan.body_end is not None else len(source)
    splices.append((end, end, slot(END)))
    html_body = Body(
        HTML_ENV,
        _splice(source, splices),
        html_name,
        constants=[link.html_raw for link in links if link.template is None and link.html_raw],
    )

    if text is None:
        text_source = text_from_html(scan.events)
    else:
        text = text.replace(SEP, _REPLACEMENT)
        text = text if text.endswith("\n") else text + "\n"
        text_source = text_with_slots(text, _TextLinks(links, text_name, names))
    try:
        text_body = Body(
            TEXT_ENV,
            text_source + slot(END),
            text_name,
            constants=[link.slot.url for link in links if link.template is None],
        )
    except TemplateError as exc:
        if text is not None:
            raise
        raise TemplateError(
            html_name,
            None,
            "the text part derived from this HTML is not a valid template "
            f"({exc.message}); Jinja blocks probably cross <head> or <style>: pass text=",
        ) from None

    subject_ = Subject(subject, f"{stem} (subject)")
    for part in (html_body, text_body, subject_):
        names.add(part.fields, part.unknown_names)
    return CompiledCampaign(
        name=stem,
        links=tuple(link.slot for link in links),
        foreign_tags=tuple(dict.fromkeys(_FOREIGN.findall(f"{subject}\n{html}\n{text or ''}"))),
        fields=frozenset(names.fields),
        unknown_names=frozenset(names.unknown),
        text_generated=text is None,
        _html=html_body,
        _text=text_body,
        _subject=subject_,
        _links=tuple(links),
        _boundary=f"=_cm_{secrets.token_hex(12)}",  # "=_" never occurs in quoted-printable
    )


class _Names:
    """Fields and unknown names read anywhere in the campaign, for preflight warnings."""

    def __init__(self) -> None:
        self.fields: set[str] = set()
        self.unknown: set[str] = set()

    def add(self, fields: frozenset[str], unknown: frozenset[str]) -> None:
        self.fields |= fields
        self.unknown |= unknown


def _link_template(
    env: SandboxedEnvironment, source: str, filename: str, line: int, names: _Names
) -> Template | None:
    """A link's own template, or None when its Jinja does not stand on its own: syntax that
    reaches beyond the attribute, or names other than contact (a loop variable, a set): then
    the redirect could not know the URL, so the link stays untracked in the page template."""
    # A comment holding newlines makes the link's errors report the author's line.
    padded = "{#" + "\n" * (line - 1) + "#}" + source
    try:
        template, tree = compile_template(env, padded, filename)
    except TemplateError:
        return None
    fields, unknown = names_used(tree)
    if unknown:
        return None
    render(template, filename, context(None))  # runtime errors now, with their line
    names.fields |= fields
    return template


class _TextLinks:
    """Maps each URL of the author's text part to a link index, adding text-only links."""

    def __init__(self, links: list[Link], filename: str, names: _Names) -> None:
        self._links = links
        self._filename = filename
        self._names = names
        self._by_url: dict[str, int] = {}
        for link in reversed(links):  # the first HTML link with that URL wins
            self._by_url[link.slot.url] = link.slot.index

    def __call__(self, url: str, line: int) -> int | None:
        url = normalize_url(browser_clean(url))
        if url in self._by_url:
            return self._by_url[url]
        template = None
        if has_merge_fields(url):
            template = _link_template(TEXT_ENV, url, self._filename, line, self._names)
            if template is None:
                return None
        index = len(self._links)
        slot_ = LinkSlot(index, url, template is not None)
        self._links.append(Link(slot_, None, template, self._filename))
        self._by_url[url] = index
        return index


def _splice(source: str, splices: list[tuple[int, int, str]]) -> str:
    out: list[str] = []
    last = 0
    for start, end, text in sorted(splices):
        out += [source[last:start], text]
        last = end
    out.append(source[last:])
    return "".join(out)
