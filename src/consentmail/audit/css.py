"""What CSS makes a mail client fetch, and what it hides.

Regex-level reading, enough for email CSS: ``url()`` in declarations, ``@import``, ``@font-face``
sources, element sizes in inline styles, and top-level rules that hide an id or class.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.I)
_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^'")\s;]+))\s*\)?""", re.I
)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.I)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_HIDING = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?:\.0*)?\s*(?:;|!|$)", re.I
)
_SIMPLE_SELECTOR = re.compile(r"^[a-z0-9]*([#.])([\w-]+)$", re.I)
_SIZE = re.compile(
    r"(?<![\w-])(width|height)\s*:\s*(\d+(?:\.\d+)?)\s*(px)?\s*(?:!\s*important\s*)?(?:;|$)", re.I
)
_MAX_ZERO = re.compile(
    r"(?<![\w-])max-(?:height|width)\s*:\s*0(?:px)?\s*(?:!\s*important\s*)?(?:;|$)"
)

FONT_HOSTS = (
    "fonts.googleapis.com", "fonts.gstatic.com", "use.typekit.net", "p.typekit.net",
    "fonts.bunny.net", "fast.fonts.net", "cloud.typography.com", "use.fontawesome.com",
    "kit.fontawesome.com", "fonts.cdnfonts.com",
)


def strip_comments(css: str) -> str:
    """CSS with comments blanked out (same length, so offsets still hold)."""
    return _COMMENT.sub(lambda m: " " * len(m.group(0)), css)


def _first(m: re.Match[str]) -> str:
    return next((g for g in m.groups() if g is not None), "").strip()


def css_urls(css: str) -> list[tuple[str, str]]:
    """(url, how) for each URL the CSS loads, in source order.

    ``how`` is '@import', '@font-face' or 'url()'.
    """
    css = strip_comments(css)
    found: list[tuple[int, str, str]] = []
    import_spans = []
    for m in _IMPORT.finditer(css):
        import_spans.append(m.span())
        found.append((m.start(), _first(m), "@import"))
    fonts = [m.span() for m in _FONT_FACE.finditer(css)]
    for m in _URL.finditer(css):
        if any(s <= m.start() < e for s, e in import_spans):
            continue
        how = "@font-face" if any(s <= m.start() < e for s, e in fonts) else "url()"
        found.append((m.start(), _first(m), how))
    found.sort()
    return [(url, how) for _, url, how in found if url]


def hidden_selectors(css: str) -> tuple[set[str], set[str]]:
    """Ids and classes hidden by top-level rules (not in @media): ``#_eoa_img {display:none}``."""
    css = strip_comments(css)
    braces = [(m.start(), 1 if m.group(0) == "{" else -1) for m in re.finditer(r"[{}]", css)]
    positions = [p for p, _ in braces]
    depth_after = []
    depth = 0
    for _, d in braces:
        depth += d
        depth_after.append(depth)
    ids: set[str] = set()
    classes: set[str] = set()
    for m in _RULE.finditer(css):
        if not _HIDING.search(m.group(2)):
            continue
        i = bisect_right(positions, m.start()) - 1
        if i >= 0 and depth_after[i] > 0:
            continue  # inside @media or another block
        for selector in m.group(1).split(","):
            simple = _SIMPLE_SELECTOR.match(selector.strip())
            if simple:
                (ids if simple.group(1) == "#" else classes).add(simple.group(2))
    return ids, classes


def style_size(style: str) -> tuple[float | None, float | None]:
    """(width, height) in px from an inline style, None where absent or not in px."""
    width = height = None
    for m in _SIZE.finditer(style):
        value = float(m.group(2))
        if m.group(1).lower() == "width":
            width = value
        else:
            height = value
    return width, height


def style_hides(style: str) -> str:
    """Why an inline style hides its element, or ""."""
    m = _HIDING.search(style)
    if m:
        return re.sub(r"\s+", "", m.group(0)).rstrip(";!")
    if _MAX_ZERO.search(style.lower()) and "overflow" in style.lower():
        return "max-height:0;overflow:hidden"
    return ""


def is_font_host(host: str) -> bool:
    host = host.lower()
    return any(host == h or host.endswith("." + h) for h in FONT_HOSTS)
