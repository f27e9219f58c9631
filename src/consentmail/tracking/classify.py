"""Human or machine: the classification of opens and clicks (cases B1-B5). Pure: no I/O.

`classify_hit()` looks at one hit; `classify_batch()` adds what only a batch shows: every link of
a message clicked at once (B1) and repeats of the same pixel or link (B5). Every answer carries a
rule id and a sentence, like the policy's decisions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from consentmail.tracking.signals import Agent, Signals

# B1: a scanner clicks every link of a message within this span.
ALL_LINKS_WINDOW = timedelta(seconds=2)
# A click this soon after the message left is a gateway's, not a reader's.
EARLY_CLICK = timedelta(seconds=5)
# B2: Mail Privacy Protection prefetches as soon as the message reaches the mailbox.
PREFETCH_WINDOW = timedelta(minutes=2)


class Kind(StrEnum):
    OPEN = "open"
    CLICK = "click"


class Actor(StrEnum):
    HUMAN = "human"
    MACHINE = "machine"


@dataclass(frozen=True, slots=True)
class Hit:
    """One request on a pixel or tracked link, as buffered until the next flush."""

    kind: Kind
    token: str  # a message's track_token, or a campaign's aggregate_token when `aggregate`
    aggregate: bool
    at: datetime  # aware, UTC
    signals: Signals
    link_index: int = -1  # -1 for opens
    method: str = "GET"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the database knows about a token that classification needs."""

    sent_at: datetime | None = None  # None for aggregate tokens (no single delivery)
    link_count: int = 0  # tracked links of the message (B1 needs all of them)


@dataclass(frozen=True, slots=True)
class Classification:
    counted: bool  # False: answered but not counted at all (B4)
    actor: Actor
    rule_id: str
    reason: str
    # B5: a human hit after the first one of the same pixel/link in the batch. Still counted in
    # the hit totals; only the first human hit makes a unique open or click.
    repeat: bool = False


def classify_hit(hit: Hit, sent_at: datetime | None = None) -> Classification:
    """One hit on its own: method, user agent, network, timing."""
    if hit.method == "HEAD":
        return _NOT_COUNTED
    agent = hit.signals.agent
    since = hit.at - sent_at if sent_at is not None else None
    if agent is Agent.APPLE_PROXY:
        if since is not None and since <= PREFETCH_WINDOW:
            reason = (
                f"Apple Mail Privacy Protection prefetched it {_seconds(since)} after delivery; "
                "it says nothing about the reader and is never consent."
            )
        else:
            reason = "Fetched by Apple's mail proxy (Mail Privacy Protection): not the reader."
        return _machine("B2-apple-mpp", reason)
    if agent is Agent.BARE:
        return _machine("HIT-bare-agent", "A bare 'Mozilla/5.0' user agent is a proxy or prefetch.")
    if agent is Agent.SCANNER:
        return _machine(
            "HIT-scanner-agent", f"User agent of a tool or scanner ({hit.signals.matched})."
        )
    if agent is Agent.EMPTY:
        return _machine("HIT-no-agent", "No user agent: no mail client sends none.")
    if hit.kind is Kind.CLICK:
        if agent is Agent.OPEN_PROXY:
            return _machine("HIT-proxy-click", "An image proxy fetched a link: no one clicked it.")
        if since is not None and since <= EARLY_CLICK:
            return _machine(
                "HIT-early-click", f"Clicked {_seconds(since)} after delivery: a gateway's check."
            )
        return _HUMAN_CLICK
    if agent is Agent.OPEN_PROXY:
        return Classification(
            True,
            Actor.HUMAN,
            "B3-open-proxy",
            f"Image proxy that fetches when the reader opens ({hit.signals.matched}): a human "
            "open; the proxy's address says nothing about the reader.",
        )
    return _HUMAN_OPEN


def classify_batch(
    hits: Sequence[Hit],
    deliveries: Mapping[str, Delivery],
    neighbours: Sequence[Hit] = (),
) -> list[Classification]:
    """Classify a batch in order. `deliveries` maps tokens to their facts (missing: unknown);
    `neighbours` are clicks from just before or after the batch, looked at for B1 only."""
    results = [
        classify_hit(hit, deliveries.get(hit.token, _UNKNOWN).sent_at) for hit in hits
    ]
    scanned = _all_links_at_once(hits, results, deliveries, neighbours)
    seen: set[Hashable] = set()
    for i, hit in enumerate(hits):
        result = results[i]
        if not result.counted:
            continue
        if i in scanned and result.actor is Actor.HUMAN:
            results[i] = _machine(
                "B1-all-links",
                f"Every link of the message clicked within {_seconds(ALL_LINKS_WINDOW)}: "
                "a link scanner, not engagement.",
            )
            continue
        if result.actor is Actor.HUMAN:
            key = (_group(hit), hit.kind, hit.link_index)
            if key in seen:
                results[i] = Classification(
                    True, Actor.HUMAN, "B5-repeat", _REPEAT_REASON[hit.kind], repeat=True
                )
            seen.add(key)
    return results


def _all_links_at_once(
    hits: Sequence[Hit],
    results: Sequence[Classification],
    deliveries: Mapping[str, Delivery],
    neighbours: Sequence[Hit],
) -> set[int]:
    """Positions in `hits` of clicks that belong to a burst covering every link (B1)."""
    groups: dict[tuple[bool, str, int], list[tuple[datetime, int, int | None]]] = defaultdict(
        list
    )
    for i, hit in enumerate(hits):
        if hit.kind is Kind.CLICK and results[i].counted:
            groups[_group(hit)].append((hit.at, hit.link_index, i))
    for hit in neighbours:
        if hit.kind is Kind.CLICK and hit.method != "HEAD" and _group(hit) in groups:
            groups[_group(hit)].append((hit.at, hit.link_index, None))
    flagged: set[int] = set()
    for key, clicks in groups.items():
        links = deliveries.get(key[1], _UNKNOWN).link_count
        if links < 2 or len(clicks) < links:
            continue
        clicks.sort(key=lambda c: c[0])
        in_window: Counter[int] = Counter()
        left = 0
        marked = 0  # clicks[:marked] are flagged or cannot be any more: linear, not quadratic
        for right, (at, index, _) in enumerate(clicks):
            in_window[index] += 1
            while at - clicks[left][0] > ALL_LINKS_WINDOW:
                in_window[clicks[left][1]] -= 1
                if not in_window[clicks[left][1]]:
                    del in_window[clicks[left][1]]
                left += 1
            if len(in_window) >= links:
                start = max(left, marked)
                flagged.update(pos for _, _, pos in clicks[start : right + 1] if pos is not None)
                marked = right + 1
    return flagged


def _group(hit: Hit) -> tuple[bool, str, int]:
    """Whose hits these are: one message (personal token), or one client of an aggregate URL."""
    return (hit.aggregate, hit.token, hit.signals.client if hit.aggregate else 0)


def _machine(rule_id: str, reason: str) -> Classification:
    return Classification(True, Actor.MACHINE, rule_id, reason)


def _seconds(delta: timedelta) -> str:
    return f"{delta.total_seconds():.0f} s"


_UNKNOWN = Delivery()
_NOT_COUNTED = Classification(
    False, Actor.MACHINE, "B4-head", "HEAD request: answered, never counted."
)
_HUMAN_OPEN = Classification(True, Actor.HUMAN, "HIT-client", "Fetched by a mail client.")
_HUMAN_CLICK = Classification(True, Actor.HUMAN, "HIT-client", "Clicked in a mail client.")
_REPEAT_REASON = {
    Kind.OPEN: "The same pixel again: counted as a repeat, not as another unique open.",
    Kind.CLICK: "The same link again: counted as a repeat, not as another unique click.",
}
