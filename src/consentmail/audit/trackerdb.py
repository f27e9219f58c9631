"""The compiled tracker database (data/trackers.json, built by build_db.py) and its matching.

Rules are case-insensitive regexes, as in the source lists. Image rules run against the whole raw
``<img ...>`` tag (MailTrackerBlocker's semantics) and the decoded URL; link rules against the URL.
Each rule carries a literal that every match contains, so most rules are skipped by a substring test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Rule:
    vendor: str
    applies: str  # open | click | any
    regex: re.Pattern[str]
    literal: str
    host: bool  # names a host, so it is safe to apply to links too
    param: str | None  # query parameter holding the destination (click rules)
    source: str


class TrackerDB:
    """Match URLs and tags against the known tracker rules."""

    def __init__(self, rules: list[Rule], spacer: re.Pattern[str], sources: list[dict]) -> None:
        self.rules = rules
        self.spacer = spacer
        self.sources = sources
        self._open = [r for r in rules if r.applies in ("open", "any")]
        self._click = [r for r in rules if r.applies in ("click", "any") or r.host]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackerDB:
        rules = [
            Rule(
                vendor=r["vendor"],
                applies=r["applies"],
                regex=re.compile(r["pattern"], re.I),
                literal=r["literal"],
                host=bool(r["host"]),
                param=r.get("param"),
                source=r["source"],
            )
            for r in data["rules"]
        ]
        return cls(rules, re.compile(data["spacer_regex"], re.I), data.get("sources", []))

    @staticmethod
    def _match(rules: list[Rule], text: str) -> list[Rule]:
        low = text.lower()
        return [r for r in rules if r.literal in low and r.regex.search(text)]

    def match_loaded(self, text: str) -> list[Rule]:
        """Rules hit by something loaded on open (an image tag, a CSS url, a stylesheet)."""
        return self._match(self._open, text)

    def match_link(self, url: str) -> list[Rule]:
        """Rules hit by a link: click-tracker rules and host-anchored open rules."""
        return self._match(self._click, url)

    def is_spacer(self, text: str) -> bool:
        return self.spacer.search(text) is not None


def vendors_of(rules: list[Rule]) -> tuple[str, ...]:
    """Distinct vendor names, in rule order (MailTrackerBlocker, simplify, Trocker, ours)."""
    return tuple(dict.fromkeys(r.vendor for r in rules))


@lru_cache(maxsize=1)
def default_db() -> TrackerDB:
    """The database shipped in the package, loaded once."""
    text = resources.files("consentmail.audit").joinpath("data/trackers.json").read_text("utf-8")
    return TrackerDB.from_dict(json.loads(text))
