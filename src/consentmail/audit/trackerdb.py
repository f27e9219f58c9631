"""The compiled tracker database (data/trackers.json, built by build_db.py) and its matching.

Rules are case-insensitive regexes, as in the source lists. Image rules run against the whole raw
``<img ...>`` tag (MailTrackerBlocker's semantics) and the decoded URL; link rules against the URL.
Each rule carries a literal that every match contains; rules are indexed by one trigram of that
literal, so a text only runs the few rules whose trigram it contains.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


@dataclass(frozen=True, slots=True)
class Rule:
    vendor: str
    applies: str  # open | click | any
    pattern: str  # compiled on first use: most rules never run on a given message
    literal: str
    host: bool  # names a host, so it is safe to apply to links too
    host_only: bool  # a bare host: matches any file served from it, content images included
    param: str | None  # query parameter holding the destination (click rules)
    source: str

    def search(self, text: str) -> bool:
        return _compiled(self.pattern).search(text) is not None


class _Index:
    """Rules keyed by the rarest trigram of their literal; short literals are always candidates."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        grams = Counter(g for r in rules for g in _trigrams(r.literal))
        self.always: list[int] = []
        self.by_gram: dict[str, list[int]] = {}
        for i, r in enumerate(rules):
            mine = _trigrams(r.literal)
            if mine:
                self.by_gram.setdefault(min(mine, key=grams.__getitem__), []).append(i)
            else:
                self.always.append(i)

    def match(self, text: str) -> list[Rule]:
        low = text.lower()
        hits = list(self.always)
        for gram in _trigrams(low):
            hits += self.by_gram.get(gram, ())
        rules = self.rules
        return [rules[i] for i in sorted(hits) if rules[i].literal in low and rules[i].search(text)]


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


class TrackerDB:
    """Match URLs and tags against the known tracker rules."""

    def __init__(self, rules: list[Rule], spacer: re.Pattern[str], sources: list[dict]) -> None:
        self.rules = rules
        self.spacer = spacer
        self.sources = sources
        self._open = _Index([r for r in rules if r.applies in ("open", "any")])
        self._click = _Index([r for r in rules if r.applies in ("click", "any") or r.host])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackerDB:
        rules = [
            Rule(
                vendor=r["vendor"],
                applies=r["applies"],
                pattern=r["pattern"],
                literal=r["literal"],
                host=bool(r["host"]),
                host_only=bool(r.get("host_only")),
                param=r.get("param"),
                source=r["source"],
            )
            for r in data["rules"]
        ]
        return cls(rules, re.compile(data["spacer_regex"], re.I), data.get("sources", []))

    def match_loaded(self, text: str) -> list[Rule]:
        """Rules hit by something loaded on open (an image tag, a CSS url, a stylesheet)."""
        return self._open.match(text)

    def match_link(self, url: str) -> list[Rule]:
        """Rules hit by a link: click-tracker rules and host-anchored open rules."""
        return self._click.match(url)

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
