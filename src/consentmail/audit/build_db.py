"""Compile the public tracker lists into the database shipped in ``audit/data/trackers.json``.

Run it when a source list changes, then commit the output (and update ``data/NOTICE``)::

    python -m consentmail.audit.build_db ../shared/corpus/trackers

Sources (see data/NOTICE for their licences): MailTrackerBlocker's vendor rules, simplify-trackers'
blocklist, Trocker's open/click lists, plus a few rules of our own (``CONSENTMAIL_RULES``) for
sending platforms the corpus shows but no list names. Every rule keeps its source and vendor.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

MTB_FILE = "mailtrackerblocker_rules.json"
SIMPLIFY_FILE = "simplify_trackers_blocklist.json"
TROCKER_FILE = "trocker_lists.json"
OUT = Path(__file__).resolve().parent / "data" / "trackers.json"

# Trocker names its trackers with two-letter codes; these are the vendors behind them (the same
# hosts appear under these names in the MailTrackerBlocker list).
TROCKER_VENDORS = {
    "YW": "Yesware", "SK": "HubSpot", "SK2": "HubSpot", "SK3": "HubSpot", "SK4": "HubSpot",
    "MT": "Mailtrack", "MC": "Mailchimp", "SG": "SendGrid", "IC": "iContact", "BT": "Bananatag",
    "MM": "Mixmax", "MTA": "LogDNA", "CC": "Constant Contact", "GA": "Google", "IB": "Acoustic",
    "MP": "Mixpanel", "GN": "GetNotify", "SV": "Selligent", "GM": "Gmass", "CM": "ClickMeter",
    "SL": "Signal", "PM": "Postmark", "KV": "Klaviyo",
}

# Our own rules: (vendor, applies, regex, destination query parameter or None).
# applies: "open" (loaded automatically), "click" (followed on click) or "any".
CONSENTMAIL_RULES: list[tuple[str, str, str, str | None]] = [
    ("CleverReach", "open", r"crsend\.com/stats/", None),
    ("CleverReach", "click", r"cleverreach\.com/c/\d+/", None),
    ("CleverReach", "click", r"cleverreach\.com/m/\d+/", None),
    ("Inxmail", "click", r"/d\?o0[0-9a-z]{40,}", None),
    ("Inxmail", "open", r"/d/d\.gif\?o0[0-9a-z]{20,}", None),
    ("Mailchimp", "click", r"list-manage\d*\.com/track/click\?", None),
    ("Mailchimp", "open", r"list-manage\d*\.com/track/open\.php\?", None),
    ("Klaviyo", "click", r"trk\.klclick\d?\.com/ls/click\?", None),
    ("Klaviyo", "open", r"trk\.klclick\d?\.com/wf/open\?", None),
    ("Klaviyo", "click", r"ctrk\.klclick\d?\.com/l/", None),
    ("Sendinblue", "click", r"amxe\.net/[a-z0-9]+-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+", None),
    ("SendGrid", "click", r"\.ct\.sendgrid\.net/ls/click\?", None),
    ("Amazon SES", "click", r"\.awstrack\.me/L0/", None),
]

_TLD_SUFFIX = re.compile(r"\.(com|io|net|org|co|ca|de|fr|jp|us|me|in|app|email|co\.il)$", re.I)
_META = set(".^$*+?{}[]()|")
_QUANT = set("*?{")


def vendor_key(name: str) -> str:
    """Normalised vendor name used to merge the lists' spellings ("Litmus", "Litmus.com")."""
    return re.sub(r"[^a-z0-9]", "", _TLD_SUFFIX.sub("", name.strip()).lower())


def required_literal(pattern: str) -> str:
    """The longest run of plain characters that every match must contain, lower-cased.

    Used as a cheap ``in`` pre-filter before running the regex. Returns "" when unsure (a top-level
    alternation, for instance): the regex then always runs.
    """
    runs: list[str] = [""]
    i, depth = 0, 0

    def cut() -> None:
        if runs[-1]:
            runs.append("")

    while i < len(pattern):
        ch = pattern[i]
        literal: str | None = None
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            i += 2
            literal = None if nxt.isalnum() else nxt  # \d, \w, \S ... are classes
        elif ch == "[":
            end = pattern.find("]", i + 2)
            i = len(pattern) if end < 0 else end + 1
        elif ch == "{":
            end = pattern.find("}", i)
            i = len(pattern) if end < 0 else end + 1
        else:
            i += 1
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(0, depth - 1)
            elif ch == "|" and not depth:
                return ""
            elif ch not in _META:
                literal = ch
        optional = i < len(pattern) and pattern[i] in _QUANT
        if literal is not None and not depth and not optional:
            runs[-1] += literal
        else:
            cut()
    return max(runs, key=len).lower()


def _host_and_path(pattern: str) -> tuple[str, str] | None:
    body = re.sub(r"^(\^|\(\.\*|\.\*)+", "", pattern).lstrip(".").replace("\\/", "/")
    if not body[:1].isalnum():
        return None
    host, _, path = body.partition("/")
    return (host, path) if "." in host.replace("\\", "").strip(".") else None


def host_anchored(pattern: str) -> bool:
    """True when the rule names a host (``emltrk.com``), not just a path (``/open.aspx\\?``).

    Only host-anchored image rules are also applied to links: path-only rules are too generic there.
    """
    return _host_and_path(pattern) is not None


def host_only(pattern: str) -> bool:
    """True when the rule is a bare host (``amxe.net``): anything served from there matches,
    content images included."""
    parts = _host_and_path(pattern)
    return parts is not None and not parts[1].strip("/")


def _rule(vendor: str, applies: str, pattern: str, source: str, param: str | None = None) -> dict:
    re.compile(pattern, re.I)  # fail the build, not the audit, on a bad pattern
    return {
        "vendor": vendor,
        "applies": applies,
        "pattern": pattern,
        "literal": required_literal(pattern),
        "host": host_anchored(pattern),
        "host_only": host_only(pattern),
        "param": param,
        "source": source,
    }


def _display(name: str) -> str:
    return "Unknown vendor" if name == "Unknown" else _TLD_SUFFIX.sub("", name)


def build(src: Path) -> dict[str, Any]:
    mtb = json.loads((src / MTB_FILE).read_text(encoding="utf-8"))
    simplify = json.loads((src / SIMPLIFY_FILE).read_text(encoding="utf-8"))
    trocker = json.loads((src / TROCKER_FILE).read_text(encoding="utf-8"))

    names: dict[str, str] = {}  # vendor_key -> display name, first spelling wins (MTB first)

    def name(raw: str) -> str:
        return names.setdefault(vendor_key(raw) or raw, _display(raw))

    rules: list[dict] = []
    for vendor, patterns in mtb["vendors"].items():
        rules += [_rule(name(vendor), "open", p, "mailtrackerblocker") for p in patterns]
    for vendor, patterns in simplify["vendors"].items():
        rules += [_rule(name(vendor), "open", p, "simplify-trackers") for p in patterns]
    for kind, applies in (("openTrackers", "open"), ("clickTrackers", "click")):
        for entry in trocker[kind]:
            vendor = name(TROCKER_VENDORS.get(entry["name"], entry["name"]))
            for domain in entry["domains"]:
                pattern = re.escape(domain)
                rules.append(_rule(vendor, applies, pattern, "trocker", entry.get("param")))
    for vendor, applies, pattern, param in CONSENTMAIL_RULES:
        rules.append(_rule(name(vendor), applies, pattern, "consentmail", param))

    seen: set[tuple[str, str, str]] = set()
    unique = []
    for r in rules:
        key = (r["vendor"], r["applies"], r["pattern"].lower())
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return {
        "format": 1,
        "sources": [
            {"id": "mailtrackerblocker", "origin": mtb["source"], "commit": mtb["commit"],
             "license": mtb["license"]},
            {"id": "simplify-trackers", "origin": simplify["source"],
             "commit": simplify["commit"], "license": simplify["license"]},
            {"id": "trocker", "origin": trocker["source"], "commit": trocker["commit"],
             "license": trocker["license"]},
            {"id": "consentmail", "origin": "consentmail.audit.build_db.CONSENTMAIL_RULES",
             "commit": None, "license": "AGPL-3.0-or-later"},
        ],
        "spacer_regex": mtb["heuristics"]["spacer_false_positive_regex"],
        "rules": unique,
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print(__doc__)
        return 2
    out = Path(args[1]) if len(args) > 1 else OUT
    db = build(Path(args[0]))
    out.write_text(json.dumps(db, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(db['rules'])} rules from {len(db['sources'])} sources -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
