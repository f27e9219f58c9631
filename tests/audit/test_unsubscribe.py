"""List-Unsubscribe (RFC 2369) and one-click (RFC 8058), against the shared conformance vectors
and hand-written cases (folding, encoded-words, DKIM coverage)."""

from __future__ import annotations

import pytest

from consentmail.audit import check_list_unsubscribe, parse_list_unsubscribe
from tests.audit.helpers import jsonl, own_pair
from tests.conftest import shared_path

VECTORS = jsonl("corpus", "conformance", "list_unsubscribe_vectors.jsonl")
# The trusted-shops vectors' note says "only a mailto: URI", but their value also holds an
# https URI in angle brackets; we assert what the header value says (one-click offered).
NOTE_CONTRADICTED_BY_VALUE = "trusted-shops"

ONE_CLICK_YES = ("One-Click present", "+ List-Unsubscribe=One-Click")
ONE_CLICK_NO = ("do not treat as one-click", "reject one-click", "no List-Unsubscribe-Post",
                "one-click not applicable")


def _headers(vector: dict) -> dict:
    return {"List-Unsubscribe": vector.get("List-Unsubscribe"),
            "List-Unsubscribe-Post": vector.get("List-Unsubscribe-Post")}


@pytest.mark.parametrize("vector", VECTORS,
                         ids=[f"{i}-{v['source'][-40:]}" for i, v in enumerate(VECTORS)] or None)
def test_vector(vector: dict) -> None:
    shared_path("corpus", "conformance")
    check = check_list_unsubscribe(_headers(vector))
    note = vector.get("note", "")

    if vector.get("List-Unsubscribe") is None:
        assert not check.present and not check.one_click and check.uris == ()
    if "expected_uris" in vector:
        assert list(check.uris) == vector["expected_uris"]
    if "expected_one_click_post" in vector:
        want = vector["expected_one_click_post"]
        assert check.one_click and check.request is not None
        assert (check.request.method, check.request.url, check.request.body) == (
            want["method"], want["url"], want["body"])
        assert want["content_type"].startswith(check.request.content_type)

    if NOTE_CONTRADICTED_BY_VALUE in vector["source"]:
        assert check.mailto_uris and check.https_uris and check.one_click
    elif any(s in note for s in ONE_CLICK_NO):
        assert not check.one_click
    elif any(s in note for s in ONE_CLICK_YES):
        assert check.one_click and check.request.url == check.https_uris[0]

    if "RFC 2047" in note:
        assert check.uris and check.uris[0].startswith("https://")
        assert "=?" not in check.uris[0] and "=3D" not in check.uris[0]
        assert any("2047" in i for i in check.issues)
    if "Leading folded whitespace" in note:
        assert check.uris[0].startswith("https://unsubscribe.convertkit-mail4.com/")
    if "trailing & in https URL" in note:
        assert check.uris[0].endswith("&") and check.uris[1].startswith("mailto:")
    if "NOT enclosed in <>" in note:
        assert check.uris == () and any("angle brackets" in i for i in check.issues)
    if "misspelled" in note:
        assert any("not exactly" in i for i in check.issues)
    if "mailto first" in note:
        assert check.uris[0].startswith("mailto:") and check.uris[1].startswith("https://")


def test_vectors_present_or_skipped() -> None:
    shared_path("corpus", "conformance", "list_unsubscribe_vectors.jsonl")
    assert len(VECTORS) >= 30


def test_folded_encoded_word_value_is_decoded() -> None:
    value = ("=?us-ascii?Q?<https://example.com/u=3Fp?=\r\n"
             " =?us-ascii?Q?=3Dunsubscribe&id=3D42>?=")
    issues: list[str] = []
    assert parse_list_unsubscribe(value, issues) == ["https://example.com/u?p=unsubscribe&id=42"]
    assert any("2047" in i for i in issues)


def test_whitespace_inside_brackets_is_ignored() -> None:
    assert parse_list_unsubscribe("<https://example.com/un\r\n subscribe>") == [
        "https://example.com/unsubscribe"]


def test_post_value_must_be_exact() -> None:
    check = check_list_unsubscribe({"List-Unsubscribe": "<https://e.example/u>",
                                    "List-Unsubscribe-Post": "List-Unsubscribe=one-click"})
    assert not check.one_click


def test_http_uri_is_not_one_click() -> None:
    check = check_list_unsubscribe({"List-Unsubscribe": "<http://e.example/u>",
                                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    assert not check.one_click
    assert any("https" in i for i in check.issues)


def test_dkim_must_cover_both_headers_when_signed() -> None:
    base = {"List-Unsubscribe": "<https://e.example/u>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    covered = "v=1; d=e.example; h=From:List-Unsubscribe:\r\n\tList-Unsubscribe-Post; bh=x; b=y"
    partial = "v=1; d=e.example; h=From:Subject:List-Unsubscribe; bh=x; b=y"
    assert check_list_unsubscribe({**base, "DKIM-Signature": covered}).dkim == "covered"
    check = check_list_unsubscribe({**base, "DKIM-Signature": partial})
    assert check.dkim == "not covered" and not check.one_click
    either = check_list_unsubscribe({**base, "DKIM-Signature": [partial, covered]})
    assert either.one_click
    unsigned = check_list_unsubscribe(base)
    assert unsigned.dkim == "no signature" and unsigned.one_click


def test_bh_tag_is_not_read_as_h() -> None:
    sig = "v=1; bh=List-Unsubscribe:List-Unsubscribe-Post; h=From:To; b=z"
    check = check_list_unsubscribe({"List-Unsubscribe": "<https://e.example/u>",
                                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                                    "DKIM-Signature": sig})
    assert check.dkim == "not covered"


def test_header_names_are_case_insensitive() -> None:
    check = check_list_unsubscribe({"list-unsubscribe": "<mailto:u@e.example>"})
    assert check.present and check.mailto_uris == ("mailto:u@e.example",)


def test_own_fixture_is_one_click_with_dkim_coverage() -> None:
    check = own_pair().unsubscribe
    assert check is not None and check.one_click and check.dkim == "covered"
    assert check.uris == ("https://mail.example.com/unsubscribe/7f3a9c21e4b8",
                          "mailto:unsubscribe-7f3a9c21e4b8@example.com")
