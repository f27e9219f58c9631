"""Small numbers (law 3): per-link and per-hour aggregate counts below k are hidden in reports,
with a second cell hidden when one alone could be worked out from the total."""

from __future__ import annotations

from datetime import UTC, datetime

from consentmail.db import session_scope
from consentmail.reports.campaign import campaign_report, suppress_small
from tests.privacy.world import counter, sent_message
from tests.web.recipients import make_recipient

HOUR = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def test_suppress_small() -> None:
    assert suppress_small({}, 10) == {}
    assert suppress_small({0: 12, 1: 0, 2: 30}, 10) == {0: 12, 1: 0, 2: 30}
    assert suppress_small({0: 12, 1: 3, 2: 9}, 10) == {0: 12, 1: None, 2: None}
    # One small cell alone: the smallest other positive cell is hidden too.
    assert suppress_small({0: 12, 1: 3, 2: 30, 3: 0}, 10) == {0: None, 1: None, 2: 30, 3: 0}
    assert suppress_small({0: 4}, 10) == {0: None}
    assert suppress_small({0: 9, 1: 10}, 10) == {0: None, 1: None}
    assert suppress_small({"a": 1, "b": 1}, 1) == {"a": 1, "b": 1}


def test_report_breakdown_hides_small_counts_and_keeps_exact_totals(db_url: str) -> None:
    ada = make_recipient(db_url)
    _, campaign = sent_message(db_url, ada.contact_id, HOUR, "anonymous-aggregate")
    later = HOUR.replace(hour=10)
    counter(db_url, campaign, HOUR, 25, kind="open")
    counter(db_url, campaign, later, 4, kind="open")
    counter(db_url, campaign, HOUR, 14, link=0, kind="click")
    counter(db_url, campaign, later, 2, link=0, kind="click")
    counter(db_url, campaign, HOUR, 3, link=1, kind="click")
    counter(db_url, campaign, HOUR, 40, link=2, kind="click")
    with session_scope(db_url) as s:
        report = campaign_report(s, campaign, k_min=10)
    assert report["opens"]["aggregate"] == 29 and report["clicks"]["aggregate"] == 59
    # Link 1 (3) is small; link 0 (16) goes with it, or 59 - 40 - 16 would give it away.
    assert report["clicks_by_link"] == {0: None, 1: None, 2: 40}
    # Each hourly column had one small cell, and only two cells.
    assert report["aggregate_hours"] == [
        {"hour": "2026-06-01T09:00:00+00:00", "opens": None, "clicks": None},
        {"hour": "2026-06-01T10:00:00+00:00", "opens": None, "clicks": None},
    ]
    assert report["small_numbers"] == {"k": 10, "suppressed_links": [0, 1],
                                       "suppressed_cells": 6}


def test_large_counts_are_shown(db_url: str) -> None:
    ada = make_recipient(db_url)
    _, campaign = sent_message(db_url, ada.contact_id, HOUR, "anonymous-aggregate")
    counter(db_url, campaign, HOUR, 25, kind="open")
    counter(db_url, campaign, HOUR, 12, link=0, kind="click")
    counter(db_url, campaign, HOUR.replace(hour=11), 11, link=1, kind="click")
    with session_scope(db_url) as s:
        report = campaign_report(s, campaign, k_min=10)
    assert report["clicks_by_link"] == {0: 12, 1: 11}
    assert report["aggregate_hours"] == [
        {"hour": "2026-06-01T09:00:00+00:00", "opens": 25, "clicks": 12},
        {"hour": "2026-06-01T11:00:00+00:00", "opens": 0, "clicks": 11},
    ]
    assert report["small_numbers"]["suppressed_cells"] == 0
