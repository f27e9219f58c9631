"""The shipped tracker database: built from the lists, credited, and matching what the lists say."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from consentmail.audit import default_db
from consentmail.audit.build_db import build, host_anchored, host_only, required_literal
from tests.audit.helpers import jsonl
from tests.conftest import shared_path

DATA = resources.files("consentmail.audit").joinpath("data")


def test_shipped_database_is_what_build_db_makes_from_the_lists() -> None:
    src = shared_path("corpus", "trackers")
    shipped = json.loads(DATA.joinpath("trackers.json").read_text("utf-8"))
    assert shipped == json.loads(json.dumps(build(src))), (
        "data/trackers.json is stale: run python -m consentmail.audit.build_db "
        "../shared/corpus/trackers"
    )


def test_notice_credits_every_source_with_its_licence() -> None:
    notice = DATA.joinpath("NOTICE").read_text("utf-8")
    shipped = json.loads(DATA.joinpath("trackers.json").read_text("utf-8"))
    for source in shipped["sources"]:
        assert f'source id: "{source["id"]}"' in notice
    for credit in ("Copyright (c) 2020, Aaron Lee.", "BSD-3-Clause",
                   "Copyright (c) 2021, Michael Leggett", "Apache License, Version 2.0"):
        assert credit in notice
    assert "Apache License" in DATA.joinpath("LICENSE-Apache-2.0.txt").read_text("utf-8")
    for commit in (s["commit"] for s in shipped["sources"] if s["commit"]):
        assert commit in notice


def test_every_rule_has_a_vendor_and_source() -> None:
    db = default_db()
    assert len(db.rules) > 700
    assert {r.source for r in db.rules} == {
        "mailtrackerblocker", "simplify-trackers", "trocker", "consentmail"}
    assert all(r.vendor and r.applies in ("open", "click", "any") for r in db.rules)


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"emltrk.com", "emltrk"),
        (r"/lt.php\?", "php?"),
        (r"sendgrid.net/wf/open", "net/wf/open"),
        (r"click.points-mail.com/open", "points-mail"),
        (r"\/o.aspx?t=", "asp"),
        (r"mkt\d{2,5}.(com|net)\/open", "/open"),
        (r"t.(hubspotemail|signaux)", "t"),
        (r"a|b", ""),
        (r"/track/open.php\?u=", "/track/open"),
        (r"sellercentral(-europe)?(-japan)?.amazon.+/nms/img/", "sellercentral"),
        (r"cmail(d{1,2}).com\/t\/", "com/t/"),
    ],
)
def test_required_literal(pattern: str, literal: str) -> None:
    assert required_literal(pattern) == literal


def test_literals_are_in_every_text_their_rule_matches() -> None:
    """The pre-filter must never hide a match: check every rule against every sample we have."""
    texts = [v["input_html"] for v in jsonl("corpus", "trackers",
                                            "mailtrackerblocker_test_vectors.jsonl")
             if isinstance(v["input_html"], str)]
    path = shared_path("corpus", "trackers", "trocker_lists.json")
    lists = json.loads(path.read_text("utf-8"))
    for key in ("openTrackerSamples", "clickTrackerSamples"):
        for entry in lists[key]:
            texts += entry["samples"]["hit"] + entry["samples"]["miss"]
    checked = 0
    for rule in default_db().rules:
        for text in texts:
            if rule.search(text):
                assert rule.literal in text.lower(), (rule.pattern, rule.literal)
                checked += 1
    assert checked > 50


def test_trocker_samples_hit_and_miss() -> None:
    lists = json.loads(shared_path("corpus", "trackers", "trocker_lists.json").read_text("utf-8"))
    db = default_db()
    for entry in lists["openTrackerSamples"]:
        for url in entry["samples"]["hit"]:
            assert db.match_loaded(url), url
        for url in entry["samples"]["miss"]:
            assert not db.match_loaded(url), url
    for entry in lists["clickTrackerSamples"]:
        for url in entry["samples"]["hit"]:
            assert db.match_link(url), url


def test_host_rules() -> None:
    assert host_anchored("emltrk.com") and host_only("emltrk.com")
    assert host_anchored(r"list-manage\.com/track") and not host_only(r"list-manage\.com/track")
    assert host_anchored(".awstrack.me/I0/")
    assert not host_anchored("/open.aspx\\?") and not host_anchored(".png1")


def test_vendor_names_are_merged_across_lists() -> None:
    vendors = {r.vendor for r in default_db().rules}
    assert "Litmus" in vendors and "Litmus.com" not in vendors
    assert "Mailchimp" not in vendors or "MailChimp" not in vendors
    assert not any(re.fullmatch(r"[A-Z]{2,3}\d?", v) for v in vendors - {"NTT"}), (
        "a Trocker code was not mapped to a vendor name")
