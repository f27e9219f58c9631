"""Jinja2, sandboxed: the author's merge fields and the mapping of its errors to our lines."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.environment import Template
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .types import Recipient

# Separator of the rendered output: SEP id SEP marks a slot; an empty id is only a boundary.
SEP = "\x00"
_FOREIGN_SYNTAX = re.compile(r"\{\{[#/^>{!]")
_AT_OFFSET = re.compile(r" at \d+$")


class _DataBoundaries(Extension):
    """Frame every piece of literal template text with boundaries, so that constant text
    comes out of a render as parts of its own, whose encoding is cached at compile time."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        for token in stream:
            if token.type == "data":
                yield Token(token.lineno, "data", f"{SEP}{SEP}{token.value}{SEP}{SEP}")
            else:
                yield token


def _environment(*, autoescape: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        autoescape=autoescape,
        undefined=ChainableUndefined,  # a missing field renders empty, even contact.a.b
        keep_trailing_newline=True,  # the author's bytes survive, the last newline included
        extensions=[_DataBoundaries],
        auto_reload=False,
    )


HTML_ENV = _environment(autoescape=True)
TEXT_ENV = _environment(autoescape=False)
_FORBIDDEN = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


class Contact:
    """``contact.<field>``: fields only. A dict would shadow fields named items, keys, get..."""

    __slots__ = ("_fields",)

    def __init__(self, recipient: Recipient) -> None:
        fields = {k: _no_nul(v) for k, v in recipient.fields.items()}
        fields["email"] = _no_nul(recipient.email)
        self._fields = fields

    def __getattr__(self, name: str) -> str:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> str:
        return self._fields[name]

    def __str__(self) -> str:
        return ""


def _no_nul(value: Any) -> str:
    value = str(value)
    return value.replace(SEP, "") if SEP in value else value  # NUL is our separator


def _clean(value: Any) -> Any:
    """Transactional data as plain JSON-like values, with no NUL (our separator) in any string."""
    if isinstance(value, str):
        return _no_nul(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {_no_nul(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return _no_nul(value)


def context(recipient: Recipient | None) -> dict[str, Any]:
    recipient = recipient if recipient is not None else Recipient(email="")
    return {"contact": Contact(recipient), "data": _clean(recipient.data)}


def compile_template(
    env: SandboxedEnvironment, source: str, filename: str
) -> tuple[Template, nodes.Template]:
    try:
        tree = env.parse(source)
        for node in tree.find_all(_FORBIDDEN):
            message = "extends, include and import are not available"
            raise TemplateError(filename, node.lineno, message)
        code = env.compile(tree, name=filename, filename=filename)
    except TemplateSyntaxError as exc:  # unknown filters and tests come from compile()
        raise TemplateError(filename, exc.lineno, _syntax_message(exc, source)) from None
    return env.template_class.from_code(env, code, env.make_globals(None)), tree


def render(template: Template, filename: str, ctx: Mapping[str, Any]) -> str:
    try:
        return template.render(ctx)
    except Exception as exc:  # an author's template must never surface as a traceback
        raise_template_error(exc, filename)


def raise_template_error(exc: Exception, filename: str) -> NoReturn:
    """Re-raise a runtime error of a template as a TemplateError on the author's line."""
    if isinstance(exc, TemplateError):
        raise exc
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    raise TemplateError(filename, line, f"{type(exc).__name__}: {exc}") from None


def _syntax_message(exc: TemplateSyntaxError, source: str) -> str:
    message = _AT_OFFSET.sub("", exc.message or "syntax error")
    lines = source.splitlines()
    text = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
    if _FOREIGN_SYNTAX.search(text):
        message += " (Handlebars/Mustache syntax? templates use Jinja: {% if x %}...{% endif %})"
    elif "{#" in text:
        message += " ('{#' starts a Jinja comment, in CSS too: write '{ #')"
    return message


def is_static(tree: nodes.Template) -> bool:
    """Literal text only: the output is known at compile time."""
    return all(
        isinstance(node, nodes.Output)
        and all(isinstance(child, nodes.TemplateData) for child in node.nodes)
        for node in tree.body
    )


def literal_text(tree: nodes.Template) -> list[str]:
    return [node.data for node in tree.find_all(nodes.TemplateData)]


def names_used(tree: nodes.Template) -> tuple[frozenset[str], frozenset[str]]:
    """(contact fields read, other top-level names read) for preflight warnings."""
    fields = {
        n.attr
        for n in tree.find_all(nodes.Getattr)
        if isinstance(n.node, nodes.Name) and n.node.name == "contact"
    }
    fields |= {
        n.arg.value
        for n in tree.find_all(nodes.Getitem)
        if isinstance(n.node, nodes.Name)
        and n.node.name == "contact"
        and isinstance(n.arg, nodes.Const)
        and isinstance(n.arg.value, str)
    }
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    loaded = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}
    known = {"contact", "data", "loop", *HTML_ENV.globals}
    return frozenset(fields), frozenset(loaded - assigned - known)
