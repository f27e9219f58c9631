"""A message body compiled once and filled per recipient without parsing it again.

The compiler hands over the author's source with slot markers (SEP id SEP) spliced in where a
link target or the footer goes, and Jinja frames every literal text with boundaries (SEP SEP).
Jinja yields literal text as the same constant strings on every render; each is turned once
into a fragment (quoted-printable bytes and slot ids), so per recipient only merge-field values
and slots are encoded. A template without any Jinja syntax skips Jinja altogether.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import CodeType
from typing import Any

from jinja2.environment import Template
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateError
from .qp import encode_chunk
from .templates import (
    SEP,
    compile_template,
    context,
    is_static,
    literal_text,
    names_used,
    raise_template_error,
)

END = "-"  # the footer (and pixel) slot; link slots are "0", "1", ...
Fragment = tuple[bytes | str, ...]  # encoded text, or a slot id


class Body:
    def __init__(
        self,
        env: SandboxedEnvironment,
        source: str,
        filename: str,
        constants: Iterable[str] = (),
    ) -> None:
        self.filename = filename
        template, tree = compile_template(env, source, filename)
        self.fields, self.unknown_names = names_used(tree)
        # Slot values known in advance (untracked constant links) are encoded once too.
        self._encoded = {value: encode_chunk(value) for value in constants}
        self._fragments: dict[str, Fragment] = {}
        for text in (*literal_text(tree), *_code_strings(template)):
            self._fragments[text] = self._fragment(text)
        self._static: str | None = None
        self._template: Template | None = None
        if is_static(tree):
            self._static = "".join(literal_text(tree))
            self._fragments[self._static] = self._fragment(self._static)
        else:
            self._template = template
            self.fill(context(None), {})  # an empty contact surfaces runtime errors now

    def fill(self, ctx: Mapping[str, Any], slots: Mapping[str, str]) -> bytes:
        """The encoded body for one recipient; ``slots`` maps slot ids to their text."""
        pieces = (self._static,) if self._static is not None else self._generate(ctx)
        out: list[bytes] = []
        end_done = False
        for piece in pieces:
            fragment = self._fragments.get(piece)
            if fragment is None:
                fragment = self._fragment(piece)
            for item in fragment:
                if isinstance(item, bytes):
                    out.append(item)
                    continue
                if item == END:
                    if end_done:  # the footer once, even if a loop repeats </body>
                        continue
                    end_done = True
                value = slots.get(item)
                if value:
                    out.append(self._encode(value))
        # The footer is in every message, even if the template's </body> sat in a branch not taken.
        if not end_done and slots.get(END):
            out.append(self._encode(slots[END]))
        return b"".join(out)

    def _generate(self, ctx: Mapping[str, Any]) -> Iterator[str]:
        assert self._template is not None
        try:
            yield from self._template.generate(ctx)
        except Exception as exc:  # an author's template must never surface as a traceback
            raise_template_error(exc, self.filename)

    def _encode(self, text: str) -> bytes:
        cached = self._encoded.get(text)
        return cached if cached is not None else encode_chunk(text)

    def _fragment(self, piece: str) -> Fragment:
        """Encoded literal parts and slot ids of one piece of output, in order."""
        if SEP not in piece:
            return (encode_chunk(piece),) if piece else ()
        parts = piece.split(SEP)
        if len(parts) % 2 == 0 or not all(_is_slot_id(p) for p in parts[1::2]):
            # Only a template mangling its own link markup (e.g. truncating a captured block
            # that holds a link) gets here; tracking it would be guesswork.
            raise TemplateError(self.filename, None, "link markup is altered by the template")
        fragment: list[bytes | str] = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                if part:
                    fragment.append(encode_chunk(part))
            elif part:
                fragment.append(part.strip())  # a multi-line href keeps its newlines in the id
        return tuple(fragment)


def _is_slot_id(part: str) -> bool:
    key = part.strip()
    return not key or key == END or key.isdigit()


def _code_strings(template: Template) -> list[str]:
    """Literal output as Jinja's generated code holds it (adjacent literals already joined).

    Only a speed-up: pieces missing here are looked up by value, or encoded per message."""
    functions = [getattr(template, "root_render_func", None), *template.blocks.values()]
    codes = [code for f in functions if isinstance(code := getattr(f, "__code__", None), CodeType)]
    found: list[str] = []
    while codes:
        for const in codes.pop().co_consts:
            if isinstance(const, str) and SEP in const:
                found.append(const)
            elif isinstance(const, CodeType):
                codes.append(const)
    return found
