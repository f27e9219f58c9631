"""MessageContext.expiry: a grant older than the workspace's limit is no basis at render or at
hit, read exactly as the `expire` event will make it (decide() stays pure: the limit is a value)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from consentmail.policy import (
    EU_DEFAULT,
    FR_CNIL_2026,
    NO_EXPIRY,
    Category,
    ConsentSnapshot,
    Expiry,
    Measure,
    MessageContext,
    Mode,
    PurposeState,
    decide,
    personal_at_hit,
)

GRANTED = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
SNAP = ConsentSnapshot(
    newsletter=PurposeState(True, 1, GRANTED),
    tracking=PurposeState(True, 2, GRANTED),
    profiling=PurposeState(True, 3, GRANTED),
)
LIMIT = Expiry(tracking=90, profiling=90)


def _message(at: datetime, expiry: Expiry = NO_EXPIRY) -> MessageContext:
    return MessageContext(Category.MARKETING, Measure.INDIVIDUAL, profiling_requested=True,
                          aggregate_cohort=50, at=at, expiry=expiry)


def test_apply_reads_a_lapsed_grant_as_expired_and_leaves_the_rest() -> None:
    day_90 = GRANTED + timedelta(days=90)
    assert LIMIT.apply(SNAP, day_90) is SNAP  # exactly 90 days old: still within the limit
    lapsed = LIMIT.apply(SNAP, day_90 + timedelta(seconds=1))
    assert lapsed == replace(
        SNAP, tracking=PurposeState(False, 2, GRANTED), profiling=PurposeState(False, 3, GRANTED)
    )
    naive = LIMIT.apply(SNAP, (day_90 + timedelta(days=1)).replace(tzinfo=None))
    assert naive == lapsed


def test_decide_ignores_a_lapsed_grant() -> None:
    late = GRANTED + timedelta(days=120)
    before = decide(SNAP, _message(late), EU_DEFAULT)
    after = decide(SNAP, _message(late, LIMIT), EU_DEFAULT)
    assert (before.rule_id, before.profiling_allowed) == ("EU-R1-consent", True)
    assert (after.rule_id, after.open_mode, after.profiling_allowed) == (
        "EU-R4-aggregate", Mode.AGGREGATE, False
    )
    # Newsletter has no limit here: still sent.
    assert after.send
    # As after an `expire` event, the fr-cnil-2026 deliverability date ends too.
    assert decide(SNAP, _message(late, LIMIT), FR_CNIL_2026).rule_id == "ALL-R20-default-deny"
    newsletter_limit = Expiry(newsletter=90)
    assert not decide(SNAP, _message(late, newsletter_limit), EU_DEFAULT).send


def test_the_hit_recheck_agrees_with_decide() -> None:
    rendered = decide(SNAP, _message(GRANTED + timedelta(days=80), LIMIT), EU_DEFAULT)
    assert rendered.open_mode is Mode.PERSONAL
    hit = GRANTED + timedelta(days=100)
    assert personal_at_hit(SNAP, rendered, EU_DEFAULT, hit) is Mode.PERSONAL  # no limit given
    assert personal_at_hit(SNAP, rendered, EU_DEFAULT, hit, LIMIT) is Mode.AGGREGATE
