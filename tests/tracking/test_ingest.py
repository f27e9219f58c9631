"""Buffered ingest against real databases (SQLite, and PostgreSQL through `db_url`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import anyio
import pytest
from sqlalchemy import delete
from sqlalchemy.exc import OperationalError

from consentmail.consent.expiry import set_expiry_days
from consentmail.db import get_engine, session_scope, upgrade
from consentmail.db.models import Engagement, Message
from consentmail.tracking import FlushStats, Ingest, Kind
from tests.tracking.world import (
    SENT_AT,
    aware,
    build,
    counters,
    engagements,
    hit,
    last_open_dates,
    withdraw_tracking,
)


def test_a_hit_survives_the_flush(db_url: str) -> None:
    world = build(db_url)
    assert world.track_token and world.basis.startswith("consent:")
    ingest = Ingest(db_url)
    opened = hit(world.track_token)
    ingest.add(opened)
    assert engagements(db_url) == []  # add() only buffers
    assert ingest.flush_now() == FlushStats(hits=1, personal=1)
    [row] = engagements(db_url)
    assert (row.message_id, row.campaign_id, row.kind, row.link_index) == (
        world.message_id, world.campaign_id, "open", -1,
    )
    assert (row.human_hits, row.machine_hits, row.basis) == (1, 0, world.basis)
    assert aware(row.first_human_at) == opened.at
    assert counters(db_url) == []


def test_law2_withdrawn_tracking_counts_in_the_aggregate_when_allowed(db_url: str) -> None:
    world = build(db_url, profile="it-garante-2026", cohort=20)  # aggregate allowed at render
    assert world.track_token
    withdraw_tracking(db_url, world.contact_id)
    ingest = Ingest(db_url, k_min=10)
    ingest.add(hit(world.track_token, at=SENT_AT + timedelta(hours=2, minutes=5)))
    ingest.add(hit(world.track_token, kind=Kind.CLICK, link=1,
                   at=SENT_AT + timedelta(hours=2, minutes=6)))
    assert ingest.flush_now() == FlushStats(hits=2, aggregate=2)
    assert engagements(db_url) == []
    got = {(c.campaign_id, c.kind, c.link_index, aware(c.bucket), c.human, c.machine)
           for c in counters(db_url)}
    bucket = SENT_AT + timedelta(hours=2)
    assert got == {
        (world.campaign_id, "open", -1, bucket, 1, 0),
        (world.campaign_id, "click", 1, bucket, 1, 0),
    }


@pytest.mark.parametrize(
    ("profile", "cohort"),
    [("it-garante-2026", 3), ("strict", 20)],
    ids=["cohort-below-k", "profile-without-aggregate"],
)
def test_law2_withdrawn_tracking_is_dropped_without_aggregate(
    db_url: str, profile: str, cohort: int
) -> None:
    world = build(db_url, profile=profile, cohort=cohort)
    assert world.track_token
    withdraw_tracking(db_url, world.contact_id)
    ingest = Ingest(db_url, k_min=10)
    ingest.add(hit(world.track_token))
    assert ingest.flush_now() == FlushStats(hits=1, dropped=1)
    assert engagements(db_url) == []
    assert counters(db_url) == []


def test_a_withdrawal_after_the_hit_but_before_the_flush_wins(sqlite_url: str) -> None:
    world = build(sqlite_url, cohort=3)
    assert world.track_token
    ingest = Ingest(sqlite_url)
    ingest.add(hit(world.track_token))
    withdraw_tracking(sqlite_url, world.contact_id)  # e.g. on another node, a second later
    assert ingest.flush_now().dropped == 1
    assert engagements(sqlite_url) == []


@pytest.mark.parametrize(("days", "stats"), [(365, FlushStats(hits=1, personal=1)),
                                             (40, FlushStats(hits=1, dropped=1))])
def test_law2_a_grant_past_the_workspace_expiry_is_no_basis_at_the_hit(
    db_url: str, days: int, stats: FlushStats
) -> None:
    # The grant is 30 days older than SENT_AT, so more than 40 days old at any flush now, and
    # lapsed for the hit as it is for decide(), before `consent expire` writes its event.
    world = build(db_url, cohort=3)
    assert world.track_token
    with session_scope(db_url) as session:
        set_expiry_days(session, "tracking", days)
    ingest = Ingest(db_url, k_min=10)
    ingest.add(hit(world.track_token))
    assert ingest.flush_now() == stats
    assert len(engagements(db_url)) == stats.personal


def test_aggregate_token_counts_per_hour_human_and_machine(db_url: str) -> None:
    world = build(db_url, tracking=False, cohort=20)  # IT: anonymous aggregate for this one
    assert world.track_token is None and world.open_mode == "aggregate"
    token, ten = world.aggregate_token, SENT_AT + timedelta(hours=1)
    ingest = Ingest(db_url, k_min=10)
    for minutes in (17, 59, 61):
        ingest.add(hit(token, aggregate=True, at=ten + timedelta(minutes=minutes)))
    ingest.add(hit(token, aggregate=True, at=ten + timedelta(minutes=20),
                   ua="Mozilla/5.0", ip="17.5.6.7"))
    ingest.add(hit(token, aggregate=True, kind=Kind.CLICK, link=0, at=ten))
    assert ingest.flush_now() == FlushStats(hits=5, aggregate=5, machine=1)
    got = {(c.kind, c.link_index, aware(c.bucket), c.human, c.machine) for c in counters(db_url)}
    assert got == {
        ("open", -1, ten, 2, 1),
        ("open", -1, ten + timedelta(hours=1), 1, 0),
        ("click", 0, ten, 1, 0),
    }
    assert engagements(db_url) == []


def test_aggregate_token_of_a_cohort_below_k_is_not_counted(sqlite_url: str) -> None:
    world = build(sqlite_url, tracking=False, cohort=20)
    ingest = Ingest(sqlite_url, k_min=50)
    ingest.add(hit(world.aggregate_token, aggregate=True))
    assert ingest.flush_now() == FlushStats(hits=1, dropped=1)
    assert counters(sqlite_url) == []


def test_deliverability_keeps_only_the_date_of_the_last_open(db_url: str) -> None:
    world = build(db_url, profile="fr-cnil-2026", tracking=False)
    assert world.deliverability_only and world.open_mode == "personal" and world.track_token
    ingest = Ingest(db_url)
    day1 = datetime(2026, 11, 4, 23, 30, tzinfo=UTC)
    ingest.add(hit(world.track_token, at=day1))
    ingest.add(hit(world.track_token, at=day1 - timedelta(days=1)))
    ingest.add(hit(world.track_token, at=day1, ua="Mozilla/5.0", ip="17.1.1.1"))  # MPP
    assert ingest.flush_now() == FlushStats(hits=3, deliverability=2, dropped=1, machine=0)
    assert last_open_dates(db_url) == {world.contact_id: date(2026, 11, 4)}
    ingest.add(hit(world.track_token, at=day1 - timedelta(days=3)))  # late, older: kept newer
    ingest.flush_now()
    assert last_open_dates(db_url) == {world.contact_id: date(2026, 11, 4)}
    ingest.add(hit(world.track_token, at=day1 + timedelta(days=2)))
    ingest.flush_now()
    assert last_open_dates(db_url) == {world.contact_id: date(2026, 11, 6)}
    assert engagements(db_url) == [] and counters(db_url) == []


def test_b5_forty_opens_in_a_minute_make_one_unique_open(db_url: str) -> None:
    world = build(db_url)
    assert world.track_token
    ingest = Ingest(db_url)
    fetches = [hit(world.track_token, at=SENT_AT + timedelta(hours=1, seconds=1.5 * i))
               for i in range(40)]
    for fetch in fetches[:25]:
        ingest.add(fetch)
    ingest.flush_now()
    for fetch in fetches[25:]:
        ingest.add(fetch)
    ingest.flush_now()
    [row] = engagements(db_url)
    assert (row.human_hits, row.machine_hits) == (40, 0)  # 1 unique open + 39 repeats
    assert aware(row.first_human_at) == fetches[0].at


def test_b1_scanner_clicks_are_machine_hits_not_engagement(sqlite_url: str) -> None:
    world = build(sqlite_url)
    assert world.track_token and world.click_mode == "personal"
    ingest = Ingest(sqlite_url)
    for link, seconds in ((0, 30.0), (1, 30.5), (2, 31.0)):  # 3 tracked links, incl. the L7 one
        ingest.add(hit(world.track_token, kind=Kind.CLICK, link=link,
                       at=SENT_AT + timedelta(seconds=seconds)))
    assert ingest.flush_now() == FlushStats(hits=3, personal=3, machine=3)
    rows = engagements(sqlite_url)
    assert [(r.link_index, r.human_hits, r.machine_hits, r.first_human_at) for r in rows] == [
        (0, 0, 1, None), (1, 0, 1, None), (2, 0, 1, None),
    ]


def test_b1_burst_straddling_two_periodic_flushes(sqlite_url: str) -> None:
    world = build(sqlite_url)
    assert world.track_token
    now = [SENT_AT]
    ingest = Ingest(sqlite_url, clock=lambda: now[0])
    click = lambda link, s: hit(  # noqa: E731
        world.track_token, kind=Kind.CLICK, link=link, at=SENT_AT + timedelta(seconds=s)
    )
    ingest.add(click(0, 30.0))
    ingest.add(click(1, 30.5))
    now[0] = SENT_AT + timedelta(seconds=31)
    assert ingest.flush_due() == FlushStats(held=2)  # the B1 window is still open
    ingest.add(click(2, 31.2))
    now[0] = SENT_AT + timedelta(seconds=40)
    assert ingest.flush_due() == FlushStats(hits=3, personal=3, machine=3)
    assert {r.machine_hits for r in engagements(sqlite_url)} == {1}


def test_head_and_unknown_tokens_are_not_counted(sqlite_url: str) -> None:
    world = build(sqlite_url)
    assert world.track_token
    ingest = Ingest(sqlite_url)
    ingest.add(hit(world.track_token, method="HEAD"))
    ingest.add(hit("Q" * 22))
    ingest.add(hit("R" * 22, aggregate=True))
    assert ingest.flush_now() == FlushStats(hits=3, not_counted=1, dropped=2)
    assert engagements(sqlite_url) == [] and counters(sqlite_url) == []


def test_a_failed_flush_keeps_its_hits_for_the_next_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'later.db'}"
    ingest = Ingest(url)
    ingest.add(hit("Q" * 22))
    with pytest.raises(OperationalError):
        ingest.flush_now()  # no schema yet: the database is "down"
    assert len(ingest) == 1
    upgrade(url)
    assert ingest.flush_now() == FlushStats(hits=1, dropped=1)
    assert len(ingest) == 0
    get_engine(url).dispose()


@pytest.mark.anyio
async def test_run_flushes_in_the_background_and_aclose_flushes_the_rest(
    sqlite_url: str,
) -> None:
    world = build(sqlite_url)
    assert world.track_token
    ingest = Ingest(sqlite_url, flush_interval=0.02)
    async with ingest:
        ingest.add(hit(world.track_token))
        with anyio.fail_after(5):
            while ingest.totals.hits == 0:
                await anyio.sleep(0.01)
        assert [r.human_hits for r in engagements(sqlite_url)] == [1]
        ingest.flush_interval = 3600
        await anyio.sleep(0.05)  # the loop now waits an hour
        ingest.add(hit(world.track_token))
    assert [r.human_hits for r in engagements(sqlite_url)] == [2]  # flushed on close
    assert ingest.accepted == 2 and len(ingest) == 0


@pytest.mark.anyio
async def test_flush_size_triggers_an_early_flush(sqlite_url: str) -> None:
    world = build(sqlite_url)
    assert world.track_token
    ingest = Ingest(sqlite_url, flush_interval=3600, flush_size=3)
    async with ingest:
        await anyio.sleep(0.01)
        for _ in range(3):
            ingest.add(hit(world.track_token))
        with anyio.fail_after(5):
            while ingest.totals.hits < 3:
                await anyio.sleep(0.01)
    assert [r.human_hits for r in engagements(sqlite_url)] == [3]


def test_a_message_erased_after_it_was_cached_is_dropped_not_stuck(sqlite_url: str) -> None:
    world = build(sqlite_url)
    assert world.track_token
    ingest = Ingest(sqlite_url)
    ingest.add(hit(world.track_token))
    ingest.flush_now()  # the message's facts are now cached
    with session_scope(sqlite_url) as session:  # erasure, as the privacy package would do it
        session.execute(delete(Engagement).where(Engagement.message_id == world.message_id))
        session.execute(delete(Message).where(Message.id == world.message_id))
    ingest.add(hit(world.track_token))
    assert ingest.flush_now() == FlushStats(hits=1, dropped=1)
    assert len(ingest) == 0
