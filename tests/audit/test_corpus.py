"""The real newsletters in ../shared/corpus/emails against the analyses shipped beside them.

Each ``<service>__tests__1.expected.yml`` lists the URLs of the u1 copy with, per provider, whether
the URL tracks the user (``isUserTracking``). Every such URL must be reported by the audit, as a
pixel (images) or tracked link (links), naming the service; URLs the analysis marks as not tracking
must not be reported as tracking. Negative controls report no tracking at all.
"""

from __future__ import annotations

import pytest
import yaml

from consentmail.audit import audit_html
from tests.audit.helpers import audit_corpus, corpus_email

EXPECTED = {
    "cleverreach": "cleverreach__examples__2023-01-02-oekumenisches-asylforum.u",
    "inxmail": "inxmail__examples__2023-02-16-inxmail-u",
    "mailchimp": "mailchimp__examples__2023-01-17-schreibsuchti.u",
}
PAIRS = [
    *EXPECTED.values(),
    "_todo__klaviyo__examples__2023-01-25-katjes-u",
    "_todo__newsletter2go__examples__2023-01-02-schoepflin.u",
]
NORMA = "_todo___no-user-tracking__2023-01-16-norma.u"


def _items(service: str) -> list[dict]:
    data = yaml.safe_load(corpus_email(f"{service}__tests__1.expected.yml").read_text("utf-8"))
    return data["fullResult"]["details"]["urlItemInfoBag"]["urlItemInfos"]


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_expected_trackers_are_found_with_their_service(service: str) -> None:
    report = audit_corpus(EXPECTED[service] + "1.eml")
    found = {f.url: f for f in report.tracking_findings}
    tracking = [
        i for i in _items(service)
        if any(m.get("isUserTracking") for m in (i.get("matches") or {}).values())
    ]
    assert tracking
    for item in tracking:
        url, kind = item["urlItem"]["url"], item["urlItem"]["type"]
        assert url in found, f"{kind} not reported: {url}"
        finding = found[url]
        assert service in [v.lower() for v in finding.vendors], (url, finding.vendors)
        if kind == "image":
            assert finding.auto_loaded and finding.category == "known_tracker"
        else:
            assert not finding.auto_loaded and finding.category == "tracked_link"
        assert finding.line is not None


@pytest.mark.parametrize("service", sorted(EXPECTED))
def test_urls_the_analysis_clears_are_not_reported(service: str) -> None:
    report = audit_corpus(EXPECTED[service] + "1.eml")
    found = {f.url for f in report.tracking_findings}
    cleared = [
        i["urlItem"]["url"] for i in _items(service)
        if not any(m.get("isUserTracking") for m in (i.get("matches") or {}).values())
    ]
    assert cleared
    assert not found & set(cleared)


@pytest.mark.parametrize("stem", PAIRS)
def test_pairs_track_individuals_with_pixel_and_links(stem: str) -> None:
    report = audit_corpus(stem + "1.eml", stem + "2.eml")
    assert report.verdict.code == "individual" and report.verdict.confirmed
    tracking = [t for t in report.personal_tokens if t.purpose == "tracking"]
    assert any(t.auto_loaded for t in tracking), "a personal pixel"
    assert any(not t.auto_loaded for t in tracking), "personal links"
    pixel_urls = {t.url_a for t in tracking if t.auto_loaded}
    assert all(f.personal for f in report.tracking_findings if f.url in pixel_urls)


@pytest.mark.parametrize("stem", [*PAIRS, NORMA])
def test_pair_verdicts_do_not_depend_on_the_argument_order(stem: str) -> None:
    forward = audit_corpus(stem + "1.eml", stem + "2.eml")
    backward = audit_corpus(stem + "2.eml", stem + "1.eml")
    assert (backward.verdict.code, backward.verdict.requirements) == (
        forward.verdict.code, forward.verdict.requirements)
    assert len(backward.personal_tokens) == len(forward.personal_tokens)
    assert [f.only_in for f in forward.findings + backward.findings if f.only_in] == []


def test_cleverreach_tokens_are_the_recipient_path_segment() -> None:
    report = audit_corpus(EXPECTED["cleverreach"] + "1.eml", EXPECTED["cleverreach"] + "2.eml")
    pixel = [t for t in report.personal_tokens if t.auto_loaded]
    assert [(t.part, t.value_a) for t in pixel] == [
        ("path[2]", "mc_121070_14141611_b09ec13a504-ro9gus.gif")
    ]
    assert pixel[0].url_a.startswith("https://stats-eu2.crsend.com/stats/")
    links = {t.value_a for t in report.personal_tokens if t.part == "path[3]"}
    assert "b09ec13a504-ro9gus" in links


def test_mailchimp_token_is_the_e_query_value() -> None:
    report = audit_corpus(EXPECTED["mailchimp"] + "1.eml", EXPECTED["mailchimp"] + "2.eml")
    assert {(t.part, t.value_a, t.value_b) for t in report.personal_tokens} == {
        ("query:e", "6496a8003f", "dbc07cf131")
    }
    purposes = {t.purpose for t in report.personal_tokens}
    assert purposes == {"tracking", "unsubscribe"}


def test_norma_pair_reports_no_tracking() -> None:
    report = audit_corpus(NORMA + "1.eml", NORMA + "2.eml")
    assert report.verdict.code == "none"
    assert report.tracking_findings == ()
    assert report.personal_tokens == ()
    single = audit_corpus(NORMA + "1.eml")
    assert single.verdict.code == "none" and single.tracking_findings == ()


def test_embedded_base64_image_email_reports_no_tracking() -> None:
    html = corpus_email("mailtrackerblocker_embeddedBase64Img.html").read_text("utf-8")
    report = audit_html(html)
    assert report.verdict.code == "none"
    assert report.tracking_findings == ()


def test_unsubscribe_headers_of_corpus_emails() -> None:
    assert audit_corpus(EXPECTED["cleverreach"] + "1.eml").unsubscribe.one_click
    klaviyo = audit_corpus("_todo__klaviyo__examples__2023-01-25-katjes-u1.eml").unsubscribe
    assert klaviyo.uris[0].startswith("https://manage.kmail-lists.com/subscriptions/unsubscribe")
    assert not klaviyo.one_click
    norma = audit_corpus(NORMA + "1.eml").unsubscribe
    assert norma is not None and not norma.present


@pytest.mark.parametrize("stem", PAIRS)
def test_evidence_lines_point_at_the_url_in_the_html(stem: str) -> None:
    from html import escape

    from consentmail.audit.mime import read_message

    html = read_message(corpus_email(stem + "1.eml").read_bytes()).html
    assert html is not None
    lines = html.split("\n")
    report = audit_corpus(stem + "1.eml")
    assert report.findings
    for finding in report.findings:
        assert finding.line is not None, finding.url
        text = lines[finding.line - 1]
        prefix = finding.url.split("&")[0]
        assert prefix in text or escape(prefix, quote=False) in text, (finding.line, finding.url)
