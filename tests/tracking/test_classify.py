"""Cases B1-B5 (../shared/cases/hits.md) and the other machine signals, with exact outcomes."""

from __future__ import annotations

from datetime import timedelta

from consentmail.tracking import (
    Actor,
    Agent,
    Classification,
    Delivery,
    Kind,
    classify_batch,
    classify_hit,
    read_signals,
)
from tests.tracking.world import BROWSER, KEY, SENT_AT, hit

TOKEN = "Zk3v8n1QyA0bX7rT2mWc4g"
AGG = "Ab9Cd8Ef7Gh6Ij5Kl4Mn3o"
FOUR_LINKS = {TOKEN: Delivery(SENT_AT, link_count=4), AGG: Delivery(None, link_count=4)}
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"


def at(seconds: float):  # type: ignore[no-untyped-def]
    return SENT_AT + timedelta(seconds=seconds)


def click(link: int, seconds: float, **kw):  # type: ignore[no-untyped-def]
    return hit(kw.pop("token", TOKEN), kind=Kind.CLICK, link=link, at=at(seconds), **kw)


# -- B1: every link clicked within 2 seconds, about 30 s after delivery ------------------------
def test_b1_every_link_within_two_seconds_is_a_scanner() -> None:
    burst = [click(0, 30.0), click(1, 30.4), click(2, 30.9), click(3, 31.6)]
    results = classify_batch(burst, FOUR_LINKS)
    assert [(r.counted, r.actor, r.rule_id) for r in results] == [
        (True, Actor.MACHINE, "B1-all-links")
    ] * 4


def test_b1_a_reader_clicking_some_links_or_all_of_them_slowly_is_human() -> None:
    some = classify_batch([click(0, 300.0), click(2, 301.0)], FOUR_LINKS)
    slow = classify_batch([click(i, 300.0 + 20 * i) for i in range(4)], FOUR_LINKS)
    assert {(r.actor, r.rule_id) for r in some + slow} == {(Actor.HUMAN, "HIT-client")}


def test_b1_sees_a_burst_that_straddles_two_batches() -> None:
    earlier = [click(0, 30.0), click(1, 30.5)]  # recorded by the previous flush
    results = classify_batch([click(2, 31.0), click(3, 31.5)], FOUR_LINKS, neighbours=earlier)
    assert [r.rule_id for r in results] == ["B1-all-links", "B1-all-links"]


def test_b1_on_aggregate_links_groups_by_client_in_memory() -> None:
    one_client = [click(i, 30 + i / 2, token=AGG, aggregate=True) for i in range(4)]
    four_clients = [
        click(i, 30 + i / 2, token=AGG, aggregate=True, ip=f"198.51.100.{i}") for i in range(4)
    ]
    assert {r.rule_id for r in classify_batch(one_client, FOUR_LINKS)} == {"B1-all-links"}
    assert {r.rule_id for r in classify_batch(four_clients, FOUR_LINKS)} == {"HIT-client"}


# -- B2: Apple Mail Privacy Protection prefetch ---------------------------------------------------
def test_b2_apple_proxy_prefetch_is_a_machine_open_never_human() -> None:
    signals = read_signals("17.58.63.12", "Mozilla/5.0", key=KEY, with_client=False)
    assert signals.agent is Agent.APPLE_PROXY
    result = classify_hit(hit(TOKEN, at=at(3), ua="Mozilla/5.0", ip="17.58.63.12"), SENT_AT)
    assert (result.counted, result.actor, result.rule_id) == (True, Actor.MACHINE, "B2-apple-mpp")
    assert "3 s after delivery" in result.reason
    # The same proxy hours later (a refetch) is still not the reader.
    later = classify_hit(hit(TOKEN, at=at(7200), ua="Mozilla/5.0", ip="17.1.2.3"), SENT_AT)
    assert (later.actor, later.rule_id) == (Actor.MACHINE, "B2-apple-mpp")


def test_b2_apple_network_seen_through_ipv4_mapped_ipv6() -> None:
    signals = read_signals("::ffff:17.58.63.12", "Mozilla/5.0", key=KEY, with_client=False)
    assert signals.agent is Agent.APPLE_PROXY


def test_a_bare_mozilla_agent_elsewhere_is_a_machine_too() -> None:
    result = classify_hit(hit(TOKEN, ua="Mozilla/5.0", ip="203.0.113.50"), SENT_AT)
    assert (result.actor, result.rule_id) == (Actor.MACHINE, "HIT-bare-agent")


# -- B3: Gmail's image proxy fetches when the reader opens ---------------------------------------
def test_b3_google_image_proxy_is_a_human_open() -> None:
    result = classify_hit(hit(TOKEN, at=at(3), ua=GMAIL, ip="66.249.84.21"), SENT_AT)
    assert (result.counted, result.actor, result.rule_id) == (True, Actor.HUMAN, "B3-open-proxy")


# -- B4: HEAD is answered, never counted ----------------------------------------------------------
def test_b4_head_is_never_counted() -> None:
    reason = "HEAD request: answered, never counted."
    expected = Classification(False, Actor.MACHINE, "B4-head", reason)
    assert classify_hit(hit(TOKEN, method="HEAD"), SENT_AT) == expected
    batch = [hit(TOKEN, method="HEAD"), click(0, 600, method="HEAD")]
    assert classify_batch(batch, FOUR_LINKS) == [expected, expected]


# -- B5: the same personal pixel 40 times in a minute ---------------------------------------------
def test_b5_forty_fetches_in_a_minute_are_one_unique_open_and_39_repeats() -> None:
    fetches = [hit(TOKEN, at=at(600 + i * 1.5)) for i in range(40)]
    results = classify_batch(fetches, FOUR_LINKS)
    first, repeats = results[0], results[1:]
    assert (first.counted, first.actor, first.rule_id, first.repeat) == (
        True, Actor.HUMAN, "HIT-client", False,
    )
    assert len(repeats) == 39
    assert {(r.counted, r.actor, r.rule_id, r.repeat) for r in repeats} == {
        (True, Actor.HUMAN, "B5-repeat", True)
    }


def test_b5_a_machine_prefetch_does_not_take_the_unique_open() -> None:
    results = classify_batch(
        [hit(TOKEN, at=at(2), ua="Mozilla/5.0", ip="17.0.0.1"), hit(TOKEN, at=at(900))],
        FOUR_LINKS,
    )
    assert [(r.actor, r.repeat) for r in results] == [(Actor.MACHINE, False), (Actor.HUMAN, False)]


# -- other signals --------------------------------------------------------------------------------
def test_known_scanner_agents_are_machines() -> None:
    agents = {
        "python-requests/2.32.3": "python-requests",
        "curl/8.5.0": "curl/",
        "Mozilla/5.0 (compatible; Barracuda Sentinel)": "barracuda",
        "Mimecast-URL-Protect/1.0": "mimecast",
        "Mozilla/5.0 Proofpoint URL Defense": "proofpoint",
    }
    for ua, matched in agents.items():
        result = classify_hit(hit(TOKEN, kind=Kind.CLICK, link=0, at=at(900), ua=ua), SENT_AT)
        assert (result.actor, result.rule_id) == (Actor.MACHINE, "HIT-scanner-agent"), ua
        assert matched in result.reason


def test_a_click_seconds_after_delivery_is_a_gateway() -> None:
    early = classify_hit(click(0, 2.0), SENT_AT)
    later = classify_hit(click(0, 120.0), SENT_AT)
    assert (early.actor, early.rule_id) == (Actor.MACHINE, "HIT-early-click")
    assert (later.actor, later.rule_id) == (Actor.HUMAN, "HIT-client")


def test_no_user_agent_is_a_machine() -> None:
    assert classify_hit(hit(TOKEN, ua=""), SENT_AT).rule_id == "HIT-no-agent"


def test_signals_keep_neither_address_nor_user_agent() -> None:
    signals = read_signals("203.0.113.77", BROWSER, key=KEY, with_client=True)
    assert "203.0.113.77" not in repr(signals)
    assert "Macintosh" not in repr(signals)
    assert signals.agent is Agent.CLIENT


def test_b1_judges_a_storm_of_one_clients_clicks_in_one_pass() -> None:
    # 20,000 clicks of one client on an aggregate link set within 2 s: a quadratic window scan
    # would take minutes here; every click is a scanner's.
    storm = [
        click(i % 4, 30 + i / 10_000, token=AGG, aggregate=True) for i in range(20_000)
    ]
    results = classify_batch(storm, FOUR_LINKS, neighbours=storm[:5_000])
    assert {r.rule_id for r in results} == {"B1-all-links"}
