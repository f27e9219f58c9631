"""Laws 1 and 2 as properties over random consent histories, categories, measures and profiles.

The bases are restated here from REGULATION.md rather than taken from the engine, so that a change
to the engine that opens a new personal path fails these tests.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from consentmail.policy import (
    NO_ANSWER,
    PROFILES,
    Category,
    ConsentSnapshot,
    Decision,
    Measure,
    MessageContext,
    Mode,
    Profile,
    Purpose,
    PurposeState,
    decide,
    personal_at_hit,
)

BASE = datetime(2025, 1, 1, tzinfo=UTC)
TWO_YEARS = 2 * 366 * 24 * 60  # minutes: histories cross the CNIL legacy window of 2026
LEGACY_COLLECTED_BEFORE, LEGACY_WINDOW_CLOSES = date(2026, 4, 14), date(2026, 7, 14)
OBJECTION_PERIOD = timedelta(days=91)

Event = tuple[Purpose, str, int]  # purpose, grant|withdraw|object, minutes after BASE

minutes = st.integers(min_value=0, max_value=TWO_YEARS)
instants = minutes.map(lambda m: BASE + timedelta(minutes=m))
histories = st.lists(
    st.tuples(st.sampled_from(Purpose), st.sampled_from(["grant", "withdraw", "object"]), minutes),
    max_size=12,
).map(lambda events: sorted(events, key=lambda e: e[2]))
snapshot_extras = st.fixed_dictionaries(
    {
        "subscribed": st.booleans(),
        "collected_at": st.none() | instants.map(lambda at: at - timedelta(days=700)),
        "legacy_informed_at": st.none() | instants,
    }
)
profiles = st.sampled_from(list(PROFILES.values()))
messages = st.builds(
    MessageContext,
    category=st.sampled_from(Category),
    measure=st.sampled_from(Measure),
    profiling_requested=st.booleans(),
    aggregate_cohort=st.integers(min_value=0, max_value=30),
    k_min=st.integers(min_value=1, max_value=20),
    at=st.none() | instants,
)
# States no ledger would derive (a grant without an event, granted and objected) must be safe too.
odd_states = st.builds(
    PurposeState,
    granted=st.booleans(),
    event_id=st.none() | st.integers(min_value=1, max_value=10**6),
    at=st.none() | instants,
    objected=st.booleans(),
)


def fold(history: list[Event], until: datetime, **extras: Any) -> ConsentSnapshot:
    """The consent state at `until`: per purpose, the latest event decides (event id = position)."""
    states: dict[Purpose, PurposeState] = {}
    for event_id, (purpose, action, minute) in enumerate(history, start=1):
        at = BASE + timedelta(minutes=minute)
        if at > until:
            break
        states[purpose] = PurposeState(
            granted=action == "grant", event_id=event_id, at=at, objected=action == "object"
        )
    return ConsentSnapshot(
        newsletter=states.get(Purpose.NEWSLETTER, NO_ANSWER),
        tracking=states.get(Purpose.TRACKING, NO_ANSWER),
        profiling=states.get(Purpose.PROFILING, NO_ANSWER),
        **extras,
    )


@st.composite
def snapshots(draw: st.DrawFn) -> ConsentSnapshot:
    extras: dict[str, Any] = draw(snapshot_extras)
    if draw(st.booleans()):
        return fold(draw(histories), draw(instants), **extras)
    return ConsentSnapshot(
        newsletter=draw(odd_states), tracking=draw(odd_states), profiling=draw(odd_states), **extras
    )


def tracking_consent(snapshot: ConsentSnapshot) -> bool:
    return snapshot.tracking.granted and snapshot.tracking.event_id is not None


def exemption(profile: Profile, category: Category) -> bool:
    return (category is Category.SECURITY and profile.security_exemption) or (
        category is Category.MANDATORY and profile.mandatory_exemption
    )


def deliverability(profile: Profile, category: Category) -> bool:
    return profile.deliverability_exemption and category is not Category.SECURITY


def legacy_non_objector(
    profile: Profile, category: Category, snapshot: ConsentSnapshot, at: datetime | None
) -> bool:
    tracking, collected, informed = (
        snapshot.tracking,
        snapshot.collected_at,
        snapshot.legacy_informed_at,
    )
    return (
        profile.legacy is not None
        and category is Category.MARKETING
        and at is not None
        and collected is not None
        and informed is not None
        and not (tracking.granted or tracking.objected or tracking.event_id is not None)
        and collected.date() < LEGACY_COLLECTED_BEFORE
        and at.date() >= LEGACY_WINDOW_CLOSES
        and at.date() >= informed.date() + OBJECTION_PERIOD
    )


@settings(max_examples=300, deadline=None)
@given(snapshot=snapshots(), message=messages, profile=profiles)
def test_law_1_default_deny(
    snapshot: ConsentSnapshot, message: MessageContext, profile: Profile
) -> None:
    decision = decide(snapshot, message, profile)
    modes = {decision.open_mode, decision.click_mode}
    category = message.category
    individual = message.measure is Measure.INDIVIDUAL
    consent = individual and tracking_consent(snapshot)
    exempt = individual and exemption(profile, category)
    legacy = individual and legacy_non_objector(profile, category, snapshot, message.at)
    last_open_date = individual and deliverability(profile, category)

    if not (consent or exempt or legacy or last_open_date):
        assert Mode.PERSONAL not in modes
    # R13: "stop tracking" (a no on record) ends every personal measurement but the security
    # exemption's, whose links are the function (R5): service notices (R6) included.
    said_no = snapshot.tracking.event_id is not None and not snapshot.tracking.granted
    if said_no and category is not Category.SECURITY:
        assert Mode.PERSONAL not in modes
    if decision.click_mode is Mode.PERSONAL:
        assert consent or exempt or legacy  # clicks never under deliverability
    if Mode.AGGREGATE in modes:
        assert profile.aggregate_exemption
        assert message.measure is not Measure.NONE
        assert message.aggregate_cohort >= message.k_min
    if message.measure is Measure.NONE:
        assert modes == {Mode.NONE}

    # The audience: nobody off the list (or suppressed) is sent mail of any category, so no
    # category is a way round an unsubscribe; marketing also needs the newsletter consent.
    if not snapshot.subscribed:
        assert (decision.send, modes, decision.basis) == (False, {Mode.NONE}, "none")
        assert decision.rule_id == "ALL-R23-unsubscribed"
    elif category is Category.MARKETING and not snapshot.newsletter.granted:
        assert (decision.send, modes, decision.basis) == (False, {Mode.NONE}, "none")
        assert decision.rule_id in {"ALL-R24-no-newsletter", "ALL-R24-objection"}
    else:
        assert decision.send
    _assert_well_formed(decision, snapshot, profile)


def _assert_well_formed(decision: Decision, snapshot: ConsentSnapshot, profile: Profile) -> None:
    modes = {decision.open_mode, decision.click_mode}
    assert decision.profile == profile.name
    assert decision.rule_id.startswith((f"{profile.rule_prefix}-", "ALL-"))
    assert decision.reason.endswith(".")
    if decision.basis.startswith("consent:"):
        assert decision.basis == f"consent:{snapshot.tracking.event_id}"
        assert modes == {Mode.PERSONAL}
    if decision.deliverability_only:
        assert decision.basis == "exemption:deliverability"
        assert decision.open_mode is Mode.PERSONAL and decision.click_mode is not Mode.PERSONAL
    if Mode.PERSONAL not in modes:
        assert decision.basis in {"anonymous-aggregate", "none"}


@settings(max_examples=100, deadline=None)
@given(snapshot=snapshots(), message=messages, profile=profiles)
def test_profiling_never_changes_tracking(
    snapshot: ConsentSnapshot, message: MessageContext, profile: Profile
) -> None:
    asked = decide(snapshot, replace(message, profiling_requested=True), profile)
    not_asked = decide(snapshot, replace(message, profiling_requested=False), profile)
    assert replace(asked, profiling_allowed=False) == not_asked
    assert not (asked.profiling_allowed and not snapshot.profiling.granted)


@settings(max_examples=300, deadline=None)
@given(
    history=histories,
    render_minute=minutes,
    delay=st.integers(min_value=0, max_value=TWO_YEARS),
    withdraw_at_hit=st.sampled_from([None, "withdraw", "object"]),
    extras=snapshot_extras,
    message=messages,
    profile=profiles,
)
def test_law_2_recheck_at_hit(
    history: list[Event],
    render_minute: int,
    delay: int,
    withdraw_at_hit: str | None,
    extras: dict[str, Any],
    message: MessageContext,
    profile: Profile,
) -> None:
    render_at = BASE + timedelta(minutes=render_minute)
    hit_at = render_at + timedelta(minutes=delay)
    if withdraw_at_hit is not None:  # the last word on tracking before the hit is a "no"
        refusal = (Purpose.TRACKING, withdraw_at_hit, render_minute + delay)
        history = sorted([*history, refusal], key=lambda e: e[2])  # stable: last of its minute
    at_render = fold(history, render_at, **extras)
    at_hit = fold(history, hit_at, **extras)
    decision = decide(at_render, replace(message, at=render_at), profile)

    mode = personal_at_hit(at_hit, decision, profile, hit_at)

    exempt_basis = decision.basis.startswith("exemption:")
    # A refusal at hit ends every personal basis but security's (R5, R13), as at render.
    if withdraw_at_hit is not None and decision.basis != "exemption:security":
        assert mode is not Mode.PERSONAL
    if mode is Mode.PERSONAL:
        assert decision.open_mode is Mode.PERSONAL or decision.click_mode is Mode.PERSONAL
        if decision.basis.startswith("consent:"):
            assert tracking_consent(at_hit)
        elif decision.basis == "legacy:non-objector":
            assert legacy_non_objector(profile, message.category, at_hit, hit_at)
        else:
            assert exempt_basis
    if mode is Mode.AGGREGATE:
        assert decision.aggregate_allowed and profile.aggregate_exemption
        assert message.aggregate_cohort >= message.k_min
    if Mode.PERSONAL in {decision.open_mode, decision.click_mode}:
        # Nothing changed: a basis that held at render holds at the same instant.
        assert personal_at_hit(at_render, decision, profile, render_at) is Mode.PERSONAL


@settings(max_examples=300, deadline=None)
@given(
    snapshot=snapshots(),
    message=messages,
    profile=profiles,
    cohorts=st.tuples(st.integers(0, 40), st.integers(0, 40)),
)
def test_law_3_only_whether_the_cohort_reaches_k_matters(
    snapshot: ConsentSnapshot,
    message: MessageContext,
    profile: Profile,
    cohorts: tuple[int, int],
) -> None:
    """Queueing relies on this (campaigns/queue.py): it decides everyone once as if the cohort
    reached k and corrects afterwards the rows of a list that ends below k."""
    one, other = (decide(snapshot, replace(message, aggregate_cohort=c), profile) for c in cohorts)
    reached = [c >= message.k_min for c in cohorts]
    if reached[0] == reached[1]:
        assert one == other
        return
    above, below = (one, other) if reached[0] else (other, one)
    # The cohort never decides who is sent mail, and only the cohort's members (sent mail with an
    # aggregate mode once it reaches k) get another outbox row below k: fewer than k to correct.
    assert above.send == below.send
    if not (above.send and Mode.AGGREGATE in {above.open_mode, above.click_mode}):
        assert replace(above, aggregate_allowed=False) == replace(below, aggregate_allowed=False)
