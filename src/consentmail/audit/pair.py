"""Personal tokens: the URL parts that differ between two recipients' copies of one message.

The URLs of both copies are aligned in document order (by kind and host, with difflib), then each
aligned pair is compared part by part: host, each path segment, each query value, the fragment.
What differs is a per-recipient token; it is loaded on open when the URL is an image, CSS or
stylesheet URL (a personal pixel), and sent on click when it is a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from urllib.parse import parse_qsl, urlsplit

from consentmail.audit.html_scan import scan_html
from consentmail.audit.model import AuditReport, PersonalToken, Resource

_FUNCTIONAL = {"unsubscribe", "preferences", "refusal"}


def _key(res: Resource) -> tuple[str, str]:
    try:
        host = (urlsplit(res.url).hostname or "").lower()
    except ValueError:
        host = ""
    return ("open" if res.auto_loaded else "click", host)


def _diff_parts(url_a: str, url_b: str) -> list[tuple[str, str, str]]:
    """(part, value in a, value in b) for each differing part of two URLs."""
    try:
        a, b = urlsplit(url_a), urlsplit(url_b)
    except ValueError:
        return [("url", url_a, url_b)]
    out: list[tuple[str, str, str]] = []
    if a.netloc.lower() != b.netloc.lower():
        out.append(("host", a.netloc, b.netloc))
    seg_a, seg_b = a.path.split("/"), b.path.split("/")
    if len(seg_a) == len(seg_b):
        pairs = enumerate(zip(seg_a, seg_b, strict=True))
        out += [(f"path[{i}]", x, y) for i, (x, y) in pairs if x != y]
    else:
        out.append(("path", a.path, b.path))
    q_a = parse_qsl(a.query, keep_blank_values=True)
    q_b = parse_qsl(b.query, keep_blank_values=True)
    if len(q_a) == len(q_b) and [k for k, _ in q_a] == [k for k, _ in q_b]:
        out += [(f"query:{k}", x, y) for (k, x), (_, y) in zip(q_a, q_b, strict=True) if x != y]
    elif a.query != b.query:
        d_a, d_b = dict(q_a), dict(q_b)
        for k in dict.fromkeys([*d_a, *d_b]):
            if d_a.get(k) != d_b.get(k):
                out.append((f"query:{k}", d_a.get(k, ""), d_b.get(k, "")))
        if not q_a and not q_b:
            out.append(("query", a.query, b.query))
    if a.fragment != b.fragment:
        out.append(("fragment", a.fragment, b.fragment))
    return out


Copy = str | AuditReport | Sequence[Resource]
Pair = tuple[Resource, Resource]


def _resources(copy: Copy) -> Sequence[Resource]:
    if isinstance(copy, str):
        return scan_html(copy)
    if isinstance(copy, AuditReport):
        return copy.resources
    return copy


def align(a: Sequence[Resource], b: Sequence[Resource]) -> tuple[list[Pair], int]:
    """Aligned (a, b) resource pairs, and how many URLs of either copy have no counterpart."""
    matcher = SequenceMatcher(None, [_key(r) for r in a], [_key(r) for r in b], autojunk=False)
    pairs: list[Pair] = []
    missing = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pairs += zip(a[i1:i2], b[j1:j2], strict=True)
        elif op == "replace" and i2 - i1 == j2 - j1:
            # Same place, other host: a counterpart only when both load on open or both on
            # click (an image is never the other copy's link).
            for ra, rb in zip(a[i1:i2], b[j1:j2], strict=True):
                if ra.auto_loaded == rb.auto_loaded:
                    pairs.append((ra, rb))
                else:
                    missing += 2
        else:
            missing += (i2 - i1) + (j2 - j1)
    return pairs, missing


def _purpose(ra: Resource, rb: Resource) -> str:
    """A control only when both copies' links are that control; else the difference tracks
    (the same answer whichever copy comes first)."""
    if ra.role in _FUNCTIONAL and rb.role in _FUNCTIONAL:
        return ra.role
    return "tracking"


def tokens_of(pairs: Sequence[Pair]) -> list[PersonalToken]:
    """The personal tokens of aligned pairs."""
    tokens = []
    for ra, rb in pairs:
        if ra.url == rb.url:
            continue
        purpose = _purpose(ra, rb)
        for part, va, vb in _diff_parts(ra.url, rb.url):
            tokens.append(
                PersonalToken(
                    part=part, value_a=va, value_b=vb, url_a=ra.url, url_b=rb.url,
                    element=ra.element, auto_loaded=ra.auto_loaded, line_a=ra.line,
                    line_b=rb.line, purpose=purpose,
                )
            )
    return tokens


def compare_pair(a: Copy, b: Copy) -> list[PersonalToken]:
    """Personal tokens between two copies: each an HTML string, an AuditReport or resources."""
    pairs, _ = align(_resources(a), _resources(b))
    return tokens_of(pairs)
