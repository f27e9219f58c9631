"""Counting one flush: hits grouped by the rows they go to, and what the flush did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from consentmail.tracking import store
from consentmail.tracking.classify import Actor, Classification, Hit
from consentmail.tracking.lookup import MessageFacts
from consentmail.tracking.recording import Recording, placed


@dataclass(frozen=True, slots=True)
class FlushStats:
    """What one flush did with the hits it took."""

    hits: int = 0  # hits taken from the buffer and handled
    personal: int = 0  # counted in a message's Engagement rows
    deliverability: int = 0  # human opens that set a contact's last-open date (R7)
    aggregate: int = 0  # counted in campaign counters (aggregate tokens and law 2 fallbacks)
    dropped: int = 0  # unknown token, basis gone without aggregate, cohort below k, ...
    not_counted: int = 0  # HEAD (B4)
    machine: int = 0  # of the counted ones, classified as machine
    held: int = 0  # recent clicks kept for the next flush (B1 window still open)

    @property
    def counted(self) -> int:
        return self.personal + self.aggregate


class Tally:
    """Counts of one flush, grouped by the rows they go to."""

    def __init__(self) -> None:
        self.engagements: dict[store.EngagementKey, dict[str, Any]] = {}
        self.counters: dict[store.CounterKey, tuple[int, int]] = {}
        self.dates: dict[int, date] = {}
        self.personal = self.deliverability = self.aggregate = 0
        self.dropped = self.not_counted = self.machine = 0

    def count_personal(
        self,
        message: MessageFacts | None,
        routes: Mapping[str, Recording],
        hit: Hit,
        result: Classification,
    ) -> None:
        if message is None or not placed(message, hit.kind):
            self.dropped += 1  # unknown token, or a URL the message never carried
            return
        route = routes.get(hit.token, Recording.DROP)
        if route is Recording.PERSONAL:
            self._engagement(message, hit, result)
        elif route is Recording.DELIVERABILITY and result.actor is Actor.HUMAN:
            day = hit.at.astimezone(UTC).date()  # workspace time zone later
            self.dates[message.contact_id] = max(day, self.dates.get(message.contact_id, day))
            self.deliverability += 1
        elif route is Recording.AGGREGATE and message.campaign_id is not None:
            self.count_aggregate(message.campaign_id, hit, result)
        else:
            self.dropped += 1  # includes machine hits under deliverability (R26: not an open)

    def _engagement(self, message: MessageFacts, hit: Hit, result: Classification) -> None:
        key = (message.id, hit.kind.value, hit.link_index)
        row = self.engagements.get(key)
        if row is None:
            row = self.engagements[key] = {
                "campaign_id": message.campaign_id,
                "basis": message.basis,
                "first_human_at": None,
                "human_hits": 0,
                "machine_hits": 0,
            }
        if result.actor is Actor.HUMAN:
            row["human_hits"] += 1
            if row["first_human_at"] is None or hit.at < row["first_human_at"]:
                row["first_human_at"] = hit.at
        else:
            row["machine_hits"] += 1
            self.machine += 1
        self.personal += 1

    def count_aggregate(self, campaign_id: int, hit: Hit, result: Classification) -> None:
        bucket = hit.at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        key = (campaign_id, hit.kind.value, hit.link_index, bucket)
        human, machine = self.counters.get(key, (0, 0))
        if result.actor is Actor.HUMAN:
            human += 1
        else:
            machine += 1
            self.machine += 1
        self.counters[key] = (human, machine)
        self.aggregate += 1

    def stats(self, hits: int, held: int) -> FlushStats:
        return FlushStats(
            hits=hits,
            personal=self.personal,
            deliverability=self.deliverability,
            aggregate=self.aggregate,
            dropped=self.dropped,
            not_counted=self.not_counted,
            machine=self.machine,
            held=held,
        )


def add_stats(a: FlushStats, b: FlushStats) -> FlushStats:
    return FlushStats(
        hits=a.hits + b.hits,
        personal=a.personal + b.personal,
        deliverability=a.deliverability + b.deliverability,
        aggregate=a.aggregate + b.aggregate,
        dropped=a.dropped + b.dropped,
        not_counted=a.not_counted + b.not_counted,
        machine=a.machine + b.machine,
        held=b.held,
    )
