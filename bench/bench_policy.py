"""decide() for 1,000,000 recipients, against a loop that only constructs Decision objects.

Two runs: a varied mix (every profile, category, measure; granted, refused, silent and objected
purposes; unsubscribed and legacy recipients) and the slowest case (everyone consented, so each
decision is a new object). Ratio = decisions/s over baseline objects/s, same process.

The baseline is what a naive decide() would build for a consented recipient: a `Decision(...)`
through the frozen dataclass's own keyword __init__, unchanged. decide() itself builds the same
frozen Decision more cheaply (policy.types.new_decision), which is part of what is measured; the
baseline deliberately keeps the naive construction rather than following that shortcut.
Run: .venv/bin/python bench/bench_policy.py [--recipients N]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from consentmail.policy import (
    EU_DEFAULT,
    PROFILES,
    Category,
    ConsentSnapshot,
    Decision,
    Measure,
    MessageContext,
    Mode,
    Profile,
    PurposeState,
    decide,
)

START = datetime(2025, 1, 1, tzinfo=UTC)


def _state(rng: random.Random, event_id: int) -> PurposeState:
    roll = rng.random()
    at = START + timedelta(minutes=rng.randrange(800_000))
    if roll < 0.55:
        return PurposeState(granted=True, event_id=event_id, at=at)
    if roll < 0.75:
        return PurposeState(granted=False)  # never answered
    return PurposeState(granted=False, event_id=event_id, at=at, objected=roll > 0.95)


def recipients(count: int, seed: int = 7) -> list[ConsentSnapshot]:
    """One snapshot per recipient; purpose states drawn from a pool to keep the set-up short."""
    rng = random.Random(seed)
    pool = [_state(rng, event_id) for event_id in range(1, 60_001)]
    informed = (START, None)
    return [
        ConsentSnapshot(
            newsletter=rng.choice(pool),
            tracking=rng.choice(pool),
            profiling=rng.choice(pool),
            subscribed=rng.random() > 0.03,
            collected_at=START - timedelta(days=i % 900),
            legacy_informed_at=informed[i % 2],
        )
        for i in range(count)
    ]


def consented(count: int) -> list[ConsentSnapshot]:
    """The slowest case: every recipient has a tracking consent, so every Decision is new."""
    granted = [
        PurposeState(granted=True, event_id=i, at=START + timedelta(hours=i))
        for i in range(1, 5001)
    ]
    return [
        ConsentSnapshot(newsletter=granted[0], tracking=granted[i % len(granted)])
        for i in range(count)
    ]


def messages() -> list[MessageContext]:
    at = datetime(2026, 11, 2, tzinfo=UTC)
    return [
        MessageContext(
            category, measure, profiling_requested=profiling, aggregate_cohort=cohort, at=at
        )
        for category in Category
        for measure in Measure
        for profiling in (False, True)
        for cohort in (5, 5000)
    ]


def _decisions_per_second(pairs: list[tuple[ConsentSnapshot, MessageContext, Profile]]) -> float:
    started = time.perf_counter()
    for snapshot, message, profile in pairs:
        decide(snapshot, message, profile)
    return len(pairs) / (time.perf_counter() - started)


def _baseline_per_second(count: int) -> float:
    """Only construct the Decision objects, as a naive decide() would for a consented recipient."""
    personal = Mode.PERSONAL
    started = time.perf_counter()
    for _ in range(count):
        Decision(
            send=True,
            open_mode=personal,
            click_mode=personal,
            basis="consent:1",
            rule_id="IT-R1-consent",
            reason="We measure opens and clicks for you personally because you agreed.",
            profile="it-garante-2026",
        )
    return count / (time.perf_counter() - started)


def run(count: int) -> None:
    rng = random.Random(11)
    profiles = list(PROFILES.values())
    cases = messages()
    varied = [(s, rng.choice(cases), rng.choice(profiles)) for s in recipients(count)]
    campaign = MessageContext(Category.MARKETING, Measure.INDIVIDUAL, aggregate_cohort=count)
    worst = [(s, campaign, EU_DEFAULT) for s in consented(count)]

    baseline = _baseline_per_second(count)
    print(f"recipients                      {count:>12,}")
    print(f"baseline: Decision() only       {baseline:>12,.0f} objects/s")
    for label, pairs in (("varied mix", varied), ("all consented", worst)):
        rate = _decisions_per_second(pairs)
        print(f"decide(), {label:<21} {rate:>12,.0f} decisions/s  ratio {rate / baseline:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    run(parser.parse_args().recipients)
