"""Personal tokens between two copies, and the verdict they lead to (own fixtures, no corpus)."""

from __future__ import annotations

from consentmail.audit import VERDICT_LABELS, audit_html, audit_pair, compare_pair
from tests.audit.helpers import own_pair

PAGE = """<html><body>
<p>News</p>
<img src="https://cdn.example/logo.png" width="200" height="50">
<a href="https://t.example/c/{tok}/spring?src=mail">Spring</a>
<a href="https://shop.example/about">About</a>
<a href="https://t.example/unsubscribe?u={tok}">Unsubscribe</a>
{extra}
<img src="https://t.example/o.gif?c=42&u={tok}" width="1" height="1">
</body></html>"""


def _page(tok: str, extra: str = "") -> str:
    return PAGE.format(tok=tok, extra=extra)


def test_compare_pair_reports_differing_parts_in_document_order() -> None:
    tokens = compare_pair(_page("aaa111"), _page("bbb222"))
    assert [(t.part, t.value_a, t.value_b, t.auto_loaded, t.purpose) for t in tokens] == [
        ("path[2]", "aaa111", "bbb222", False, "tracking"),
        ("query:u", "aaa111", "bbb222", False, "unsubscribe"),
        ("query:u", "aaa111", "bbb222", True, "tracking"),
    ]
    pixel = tokens[-1]
    assert pixel.element == "img[src]" and pixel.line_a == pixel.line_b == 8
    assert pixel.url_a == "https://t.example/o.gif?c=42&u=aaa111"


def test_alignment_survives_an_extra_block_in_one_copy() -> None:
    extra = '<a href="https://shop.example/vip">VIP offer</a><img src="https://cdn.example/v.png">'
    tokens = compare_pair(_page("aaa111", extra), _page("bbb222"))
    assert [t.part for t in tokens] == ["path[2]", "query:u", "query:u"]


def test_identical_copies_have_no_tokens() -> None:
    assert compare_pair(_page("same"), _page("same")) == []


def test_compare_pair_accepts_reports() -> None:
    a, b = audit_html(_page("aaa111")), audit_html(_page("bbb222"))
    assert compare_pair(a, b) == compare_pair(_page("aaa111"), _page("bbb222"))


def test_pair_marks_trackers_personal_and_confirms_individual_tracking() -> None:
    report = audit_pair(audit_html(_page("aaa111")), audit_html(_page("bbb222")))
    assert report.verdict.code == "individual" and report.verdict.confirmed
    assert report.verdict.label == VERDICT_LABELS["individual"]
    assert {"R1", "R13", "R17"} <= set(report.verdict.requirements)
    pixel = next(f for f in report.findings if f.category == "generic_pixel")
    assert pixel.personal is True


def test_same_tracker_for_everyone_is_aggregate_only() -> None:
    page = _page("same").replace("u=same", "campaign=42")
    single = audit_html(page)
    assert single.verdict.code == "individual" and not single.verdict.confirmed
    report = audit_pair(audit_html(page), audit_html(page))
    assert report.verdict.code == "aggregate"
    assert report.verdict.requirements == ("R4",)
    assert all(f.personal is False for f in report.tracking_findings)


def test_personal_url_not_caught_by_any_rule_is_still_reported() -> None:
    page = '<img src="https://cdn.example/banner/{tok}.jpg" width="600" height="200">'
    report = audit_pair(audit_html(page.format(tok="u1x")), audit_html(page.format(tok="u2y")))
    (finding,) = report.findings
    assert finding.category == "personal_url" and finding.personal is True
    assert report.verdict.code == "individual"


def test_stop_tracking_link_is_a_way_to_refuse() -> None:
    extra = '<a href="https://t.example/prefs/stop-tracking?u={tok}">Stop tracking</a>'
    a = audit_html(_page("aaa111", extra.format(tok="aaa111")))
    b = audit_html(_page("bbb222", extra.format(tok="bbb222")))
    report = audit_pair(a, b)
    assert report.verdict.code == "individual-refusable"
    assert report.refusal_links[0].text == "Stop tracking"
    assert all(t.purpose != "tracking" for t in report.personal_tokens
               if "stop-tracking" in t.url_a)


def test_a_tracking_choices_link_is_a_way_to_refuse_not_a_tracker() -> None:
    """consentmail's own footer in a message measured only in aggregate (R13): a per-recipient
    link to the recipient's tracking choices, beside the identical aggregate pixel."""
    pixel = '<img src="https://m.example/o/a/CAMPAIGN.gif" width="1" height="1">'
    footer = ('<a href="https://m.example/u/{tok}">Unsubscribe</a> | '
              '<a href="https://m.example/t/{tok}">Your tracking choices</a> | '
              '<a href="https://m.example/p/{tok}">Preferences</a>')
    a = audit_html("<p>News</p>" + footer.format(tok="aaa111") + pixel)
    b = audit_html("<p>News</p>" + footer.format(tok="bbb222") + pixel)
    assert [r.text for r in a.refusal_links] == ["Your tracking choices"]
    report = audit_pair(a, b)
    assert report.verdict.code == "aggregate"
    assert sorted(t.purpose for t in report.personal_tokens) == [
        "preferences", "refusal", "unsubscribe"]


def test_unsubscribe_link_alone_is_not_a_way_to_refuse_tracking() -> None:
    report = audit_html(_page("aaa111"))
    assert report.refusal_links == ()
    assert report.verdict.code == "individual"


def test_no_tracking_message() -> None:
    report = audit_html('<p>Hello</p><img src="https://cdn.example/logo.png" width="80" '
                        'height="20"><a href="https://shop.example/">Shop</a>')
    assert report.verdict.code == "none" and report.verdict.requirements == ()


def test_own_fixture_pair() -> None:
    report = own_pair()
    assert report.verdict.code == "individual"
    assert report.subject == "Spring news — issue 4"
    pixel = next(f for f in report.findings if f.category == "generic_pixel")
    link = next(f for f in report.findings if f.category == "tracked_link")
    assert pixel.personal and link.personal
    assert link.destination == "https://www.example.com/spring"
    assert (pixel.line, link.line) == (9, 6)
    assert [(t.part, t.value_a, t.value_b, t.purpose) for t in report.personal_tokens] == [
        ("path[2]", "7f3a9c21e4b8", "0b62d5e8f913", "tracking"),
        ("path[2]", "7f3a9c21e4b8", "0b62d5e8f913", "unsubscribe"),
        ("path[2]", "7f3a9c21e4b8.gif", "0b62d5e8f913.gif", "tracking"),
    ]
    data = report.to_dict()
    assert data["verdict"]["label"] == "tracks individuals without a visible way to refuse"
    assert data["resources"] == {"image": 2, "link": 3}
