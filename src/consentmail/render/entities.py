"""Decode an HTML attribute value exactly as a browser does (cases L2, L3, L4).

The stdlib unescapes attributes with the text-content rule, which turns ``&map_id`` or
``&notify=`` into symbols. In an attribute, HTML5 leaves a named reference without ``;``
alone when the next character is ``=`` or ASCII alphanumeric.
"""

from __future__ import annotations

import html
import re
from html.entities import html5

_REF = re.compile(r"&(#[xX][0-9A-Fa-f]+;?|#[0-9]+;?|[A-Za-z][A-Za-z0-9]*;?)")
_LONGEST = max(map(len, html5))


def decode_attribute(value: str) -> str:
    if "&" not in value:
        return value
    return _REF.sub(_replace, value)


def _replace(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref[0] == "#":
        # Numeric: html.unescape already applies HTML5's replacement table (0, surrogates, C1).
        return html.unescape(match.group(0))
    for end in range(min(len(ref), _LONGEST), 1, -1):
        name = ref[:end]
        if name in html5:
            break
    else:
        return match.group(0)
    if not name.endswith(";"):
        after = ref[end] if end < len(ref) else match.string[match.end() : match.end() + 1]
        if after == "=" or (after.isascii() and after.isalnum()):
            return match.group(0)
    return html5[name] + ref[end:]
