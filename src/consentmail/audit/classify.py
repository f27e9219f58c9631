"""Resources -> findings: known trackers, generic pixels, tracked links, remote fonts, addresses.

Pure: takes the scanned resources and the tracker database, returns findings in document order.
Whether a finding is personal (differs per recipient) is left unknown here; engine.audit_pair
settles it from the personal tokens (pair.py) and each copy's URLs (presence.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from consentmail.audit.identity import find_address, recipient_forms
from consentmail.audit.links import destination, is_link_protection, is_share_link
from consentmail.audit.model import Finding, Resource
from consentmail.audit.trackerdb import TrackerDB, vendors_of

_ADDRESS = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)*\.[a-z]{2,})", re.I)
_NOT_A_DOMAIN = re.compile(r"^\d+x\b|\.(?:png|jpe?g|gif|svg|webp|css|js|html?|php|aspx?)$", re.I)


def _size(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def pixel_reason(res: Resource, db: TrackerDB) -> str | None:
    """Why an image looks like a tracking pixel (tiny or hidden), or None.

    Spacers (MailTrackerBlocker's false-positive list: "spacer", "transparent.gif", ...) are not.
    """
    if res.kind != "image" or db.is_spacer(res.tag or res.url):
        return None
    w, h = res.width, res.height
    tiny_w, tiny_h = w is not None and w <= 1, h is not None and h <= 1
    if (tiny_w and (tiny_h or h is None)) or (tiny_h and w is None):
        return f"{_size(w)}x{_size(h)} image"
    if res.hidden:
        return f"hidden image ({res.hidden})"
    return None


def _visible_image(res: Resource) -> bool:
    """A content image: shown (not hidden) and larger than a pixel in a known dimension."""
    if res.kind != "image" or res.hidden:
        return False
    sizes = [s for s in (res.width, res.height) if s is not None]
    return bool(sizes) and all(s > 1 for s in sizes)


def _loaded(res: Resource, db: TrackerDB) -> Finding | None:
    rules = db.match_loaded(f"{res.tag}\n{res.url}" if res.tag else res.url)
    if rules and all(r.host_only for r in rules) and _visible_image(res):
        vendors = vendors_of(rules)
        return Finding(
            category="vendor_content", url=res.url, element=res.element, line=res.line,
            auto_loaded=True, vendors=vendors,
            reason=f"a visible image served by {vendors[0]} (host rule `{rules[0].pattern}`):"
            " the vendor sees each open, but only a per-recipient URL makes it personal",
        )
    if rules:
        vendors = vendors_of(rules)
        return Finding(
            category="known_tracker", url=res.url, element=res.element, line=res.line,
            auto_loaded=True, vendors=vendors,
            reason=f"matches {vendors[0]}'s rule `{rules[0].pattern}` ({rules[0].source} list)",
        )
    why = pixel_reason(res, db)
    if why:
        return Finding(
            category="generic_pixel", url=res.url, element=res.element, line=res.line,
            auto_loaded=True, reason=f"{why}: loaded on open, shows nothing",
        )
    if res.kind == "font":
        host = urlsplit(res.url).hostname or "?"
        return Finding(
            category="remote_font", url=res.url, element=res.element, line=res.line,
            auto_loaded=True, reason=f"font fetched from {host} on open (same for every recipient)",
        )
    return None


def _link(res: Resource, db: TrackerDB) -> Finding | None:
    rules = db.match_link(res.url)
    if rules:
        vendors = vendors_of(rules)
        param = next((r.param for r in rules if r.param), None)
        return Finding(
            category="tracked_link", url=res.url, element=res.element, line=res.line,
            auto_loaded=False, vendors=vendors, destination=destination(res.url, param),
            reason=f"goes through {vendors[0]}'s click tracking "
            f"(rule `{rules[0].pattern}`, {rules[0].source} list)",
        )
    if is_share_link(res.url) or is_link_protection(res.url):
        return None
    dest = destination(res.url)
    if dest:
        host = urlsplit(res.url).hostname or "?"
        return Finding(
            category="tracked_link", url=res.url, element=res.element, line=res.line,
            auto_loaded=False, destination=dest, reason=f"redirects through {host}",
        )
    return None


def _address(res: Resource, forms: list[tuple[str, str, str]]) -> Finding | None:
    hit = find_address(res.url, forms) if forms else None
    if hit:
        return Finding(
            category="address_in_url", url=res.url, element=res.element, line=res.line,
            auto_loaded=res.auto_loaded, personal=True,
            reason=f"the URL carries the recipient's address {hit[0]} ({hit[1]}): R19 forbids it",
        )
    text = unquote(res.url)
    if "@" not in text:  # also spares the regex's backtracking on long tokens
        return None
    m = next((m for m in _ADDRESS.finditer(text) if not _NOT_A_DOMAIN.search(m.group(1))), None)
    if m is None:
        return None
    return Finding(
        category="address_in_url", url=res.url, element=res.element, line=res.line,
        auto_loaded=res.auto_loaded, personal=True,
        reason=f"the URL carries an email address ({m.group(0)}): R19 forbids it",
    )


def classify(
    resources: list[Resource], db: TrackerDB, recipients: Sequence[str] = ()
) -> list[Finding]:
    """Findings for the resources, in document order; ``recipients`` are the addresses the
    message was sent to, looked for in URLs in plain, encoded and hashed forms."""
    forms = recipient_forms(recipients)
    out: list[Finding] = []
    for res in resources:
        finding = _loaded(res, db) if res.auto_loaded else _link(res, db)
        if finding:
            out.append(finding)
        address = _address(res, forms)
        if address:
            out.append(address)
    return out
