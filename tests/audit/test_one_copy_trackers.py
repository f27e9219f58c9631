"""A tracker that only one of the two copies carries is personal to that copy's recipient, in
either argument order (a pixel sent to one recipient and not the other tells who opened).

The .eml pair is rendered by consentmail itself (tests/fixtures/audit/make_one_pixel.py): Ada
agreed to a personal pixel, Bruno refused tracking and got the same message without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consentmail.audit import AuditReport, audit_bytes, audit_html, audit_pair, compare_pair
from consentmail.audit.html_scan import scan_html
from consentmail.audit.pair import align
from consentmail.audit.report_html import render_html
from tests.audit.helpers import OWN

PERSONAL, REFUSED = OWN / "one-pixel.personal.eml", OWN / "one-pixel.refused.eml"
PIXEL = "https://news.shop.example/o/3vp8e9qw4dR6lL-sVylDzQ.gif"


def _pair(first: Path, second: Path) -> AuditReport:
    return audit_pair(audit_bytes(first.read_bytes(), source=first.name),
                      audit_bytes(second.read_bytes(), source=second.name))


@pytest.mark.parametrize(("first", "second", "copy"), [
    (PERSONAL, REFUSED, "first"),
    (REFUSED, PERSONAL, "second"),
])
def test_a_pixel_in_one_copy_only_is_personal_in_either_order(
    first: Path, second: Path, copy: str
) -> None:
    report = _pair(first, second)
    assert report.verdict.code == "individual-refusable" and report.verdict.confirmed
    assert report.verdict.reasons == (
        f"1 tracker(s) present in one copy only, e.g. {PIXEL} (line 9 of the {copy} copy, "
        "absent from the other): personal to that copy's recipient",
        "a way to refuse tracking is offered: 'Stop tracking (keep receiving)' (line 8)",
    )
    assert report.verdict.requirements == ("R1", "R3", "R13")
    assert [(f.category, f.url, f.line, f.personal, f.only_in) for f in report.findings] == [
        ("generic_pixel", PIXEL, 9, True, copy),
    ]
    # The footer's per-recipient links are the recipient's controls, not trackers.
    assert sorted(t.purpose for t in report.personal_tokens) == [
        "preferences", "refusal", "unsubscribe"]
    assert report.notes == ("1 URL(s) have no counterpart in the other copy: trackers the "
                            "other copy lacks are reported as present in one copy only",)


def test_the_json_and_html_reports_name_the_copy() -> None:
    report = _pair(REFUSED, PERSONAL)
    (finding,) = report.to_dict()["findings"]
    assert (finding["url"], finding["personal"], finding["only_in"]) == (PIXEL, True, "second")
    assert "<td>yes (second copy only)</td>" in render_html(report)


def test_the_cli_gives_the_same_verdict_in_both_orders() -> None:
    from typer.testing import CliRunner

    from consentmail.cli.app import app

    codes = []
    for files in ((PERSONAL, REFUSED), (REFUSED, PERSONAL)):
        result = CliRunner().invoke(app, ["audit", *map(str, files), "--json"])
        assert result.exit_code == 0, result.output
        codes.append(json.loads(result.output)["verdict"]["code"])
    assert codes == ["individual-refusable", "individual-refusable"]


PAGE = """<p>News</p>
<img src="https://cdn.example/logo.png" width="200" height="50">
<a href="https://shop.example/spring">Spring</a>
{extra}<a href="https://shop.example/u/{tok}">Unsubscribe</a>
"""


def test_a_tracked_link_in_one_copy_only_is_personal_click_tracking() -> None:
    tracked = audit_html(PAGE.format(
        tok="aaa", extra='<a href="https://click.example/r?url=https://shop.example/vip">VIP</a>'))
    plain = audit_html(PAGE.format(tok="bbb", extra=""))
    for report, copy in ((audit_pair(tracked, plain), "first"),
                         (audit_pair(plain, tracked), "second")):
        assert report.verdict.code == "individual"
        assert report.verdict.requirements == ("R1", "R13", "R17")
        assert report.verdict.reasons[0] == (
            "1 tracker(s) present in one copy only, e.g. https://click.example/r?url="
            f"https://shop.example/vip (line 4 of the {copy} copy, absent from the other): "
            "personal to that copy's recipient")
        assert [(f.category, f.only_in) for f in report.tracking_findings] == [
            ("tracked_link", copy)]


def test_the_same_pixel_out_of_place_in_the_other_copy_is_identical_not_one_copy() -> None:
    pixel = '<img src="https://t.example/o/a/CAMPAIGN.gif" width="1" height="1">'
    link = '<a href="https://shop.example/">Shop</a>'
    report = audit_pair(audit_html(pixel + "\n" + link), audit_html(link + "\n" + pixel))
    assert report.verdict.code == "aggregate"
    assert [(f.url, f.personal, f.only_in) for f in report.tracking_findings] == [
        ("https://t.example/o/a/CAMPAIGN.gif", False, None)]


def test_the_tracked_copy_must_offer_the_refusal_link() -> None:
    """The refusal link of the copy without the pixel refuses nothing for the tracked one."""
    tracked = audit_html('<p>News</p><img src="https://t.example/o/aaa.gif" width="1" height="1">')
    refusal = audit_html('<p>News</p><a href="https://t.example/t/bbb">Stop tracking</a>')
    for report, copy in ((audit_pair(tracked, refusal), "first"),
                         (audit_pair(refusal, tracked), "second")):
        assert report.verdict.code == "individual"
        assert report.verdict.reasons[-1] == (
            "no visible link to stop tracking separate from unsubscribing (R13)")
        assert f"the {copy} copy is tracked personally but has no link to stop tracking" in (
            report.notes)


def test_second_copy_only_findings_follow_the_first_copy_findings() -> None:
    first = audit_html('<p>x</p>\n<p>y</p>\n<img src="https://t.example/o/same.gif" width="1" '
                       'height="1">')
    second = audit_html('<img src="https://u.example/o/extra.gif" width="1" height="1">\n'
                        '<p>x</p>\n<img src="https://t.example/o/same.gif" width="1" height="1">')
    report = audit_pair(first, second)
    assert [(f.url, f.line, f.personal, f.only_in) for f in report.findings] == [
        ("https://t.example/o/same.gif", 3, False, None),
        ("https://u.example/o/extra.gif", 1, True, "second"),
    ]


def test_an_image_is_never_the_counterpart_of_the_other_copys_link() -> None:
    pixel = '<p>News</p><img src="https://t.example/o/aaa.gif" width="1" height="1">'
    link = '<p>News</p><a href="https://t.example/r/bbb">Read more</a>'
    assert compare_pair(pixel, link) == compare_pair(link, pixel) == []
    assert align(scan_html(pixel), scan_html(link)) == ([], 2)


def test_a_differing_link_is_a_control_only_when_both_copies_say_so() -> None:
    unsubscribe = '<a href="https://t.example/u/aaa">Unsubscribe</a>'
    other = '<a href="https://t.example/r/bbb">Read more</a>'
    for a, b in ((unsubscribe, other), (other, unsubscribe)):
        assert [(t.part, t.purpose) for t in compare_pair(a, b)] == [
            ("path[1]", "tracking"), ("path[2]", "tracking")]
    both = compare_pair(unsubscribe, unsubscribe.replace("aaa", "ccc"))
    assert [(t.part, t.purpose) for t in both] == [("path[2]", "unsubscribe")]
