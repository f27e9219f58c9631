"""Generic pixels, CSS and fonts, tracked links, addresses in URLs: the detection rules on small
hand-written HTML."""

from __future__ import annotations

import pytest

from consentmail.audit import audit_html
from consentmail.audit.links import destination


def _categories(html: str) -> list[tuple[str, str]]:
    return [(f.category, f.url) for f in audit_html(html).findings]


@pytest.mark.parametrize(
    "img",
    [
        '<img src="https://t.example/o/1" width="1" height="1">',
        '<img src="https://t.example/o/1" width="0" height="0">',
        '<img src="https://t.example/o/1" style="width:1px;height:1px">',
        '<img src="https://t.example/o/1" width="1">',
        '<img src="https://t.example/o/1" style="display:none">',
        '<img src="https://t.example/o/1" style="visibility: hidden">',
        '<img src="https://t.example/o/1" hidden>',
        '<div style="display:none"><img src="https://t.example/o/1"></div>',
        '<style>#px{display:none}</style><img id="px" src="https://t.example/o/1">',
        '<style>.trk {display: none !important}</style><img class="a trk" src="https://t.example/o/1">',
    ],
)
def test_tiny_or_hidden_remote_images_are_pixels(img: str) -> None:
    assert _categories(f"<p>Hi</p>{img}") == [("generic_pixel", "https://t.example/o/1")]


@pytest.mark.parametrize(
    "img",
    [
        '<img src="cid:logo@local" width="1" height="1">',
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">',
        '<img src="https://cdn.example/spacer.gif" width="1" height="1">',
        '<img src="https://cdn.example/transparent.gif" width="1" height="1">',
        '<img src="https://cdn.example/line.png" width="600" height="1">',
        '<img src="https://cdn.example/logo.png" width="120" height="40">',
        '<img src="https://cdn.example/logo.png" style="border-width: 1px; width: 120px">',
        '<img src="relative/logo.png" width="1" height="1">',
        '<div style="display:none">Preheader text <img src="https://cdn.example/a.png"></div>',
        '<style>@media (max-width:480px){.m{display:none}}</style>'
        '<img class="m" src="https://cdn.example/a.png">',
    ],
)
def test_content_spacers_and_local_images_are_not_pixels(img: str) -> None:
    assert _categories(img) == []


def test_css_background_import_and_fonts() -> None:
    html = """<html><head><style>
      @import url("https://fonts.googleapis.com/css?family=Lato");
      @import 'https://cdn.example/extra.css';
      @font-face { font-family: X; src: url(https://fonts.example/x.woff2) format("woff2"); }
      /* url(https://commented.example/no.png) */
      .hero { background-image: url('https://cdn.example/hero.png'); }
    </style>
    <link rel="stylesheet" href="https://use.typekit.net/abc.css"></head>
    <body><table><tr><td background="https://cdn.example/bg.png"
      style="background:url(https://cdn.example/bg2.png)"></td></tr></table></body></html>"""
    report = audit_html(html)
    kinds = [(r.kind, r.element, r.url) for r in report.resources]
    assert kinds == [
        ("font", "style @import", "https://fonts.googleapis.com/css?family=Lato"),
        ("stylesheet", "style @import", "https://cdn.example/extra.css"),
        ("font", "style @font-face", "https://fonts.example/x.woff2"),
        ("css", "style url()", "https://cdn.example/hero.png"),
        ("font", "link[rel=stylesheet]", "https://use.typekit.net/abc.css"),
        ("image", "td[background]", "https://cdn.example/bg.png"),
        ("css", "td[style] url()", "https://cdn.example/bg2.png"),
    ]
    assert all(r.auto_loaded for r in report.resources)
    fonts = [f for f in report.findings if f.category == "remote_font"]
    assert len(fonts) == 3
    assert report.tracking_findings == () and report.verdict.code == "none"


def test_known_tracker_in_css_background() -> None:
    html = "<style>@media print{#x{background-image:url('https://a1.emltrk.com/v2/a1?p&d=Q')}}"
    html += "</style><div id=x></div>"
    (finding,) = audit_html(html).findings
    assert finding.category == "known_tracker" and "Litmus" in finding.vendors
    assert finding.element == "style url()" and finding.auto_loaded


def test_vendor_host_serving_a_visible_image_is_content_not_a_pixel() -> None:
    report = audit_html('<img src="https://amxe.net/files/logo.png" width="220" height="80">')
    (finding,) = report.findings
    assert finding.category == "vendor_content" and finding.vendors == ("Sendinblue",)
    assert report.verdict.code == "none"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://t.example/r?url=https%3A%2F%2Fshop.example%2Fa%3Fb%3D1", "https://shop.example/a?b=1"),
        ("https://t.example/c/9?redirect=http://shop.example/", "http://shop.example/"),
        ("https://t.example/x?id=5&next=https://shop.example/n", "https://shop.example/n"),
        ("http://r.us-east-1.awstrack.me/L0/https:%2F%2Fshop.example%2Fp%3Fq=1/1/0100-00/abc=",
         "https://shop.example/p?q=1"),
        ("https://t.example/redirect/https://shop.example/p", "https://shop.example/p"),
        ("https://t.example/c/abc123", None),
        ("https://t.example/ls/click?upn=L3exNPy0YRiEtc", None),
    ],
)
def test_destination(url: str, expected: str | None) -> None:
    assert destination(url) == expected


def test_trocker_destination_parameter() -> None:
    report = audit_html('<a href="http://t.yesware.com/tl/abc?ytl=http://example.com/x">x</a>')
    (finding,) = report.findings
    assert finding.category == "tracked_link" and finding.vendors[0] == "Yesware"
    assert finding.destination == "http://example.com/x"


def test_redirect_link_without_known_vendor_is_tracked() -> None:
    (finding,) = audit_html('<a href="https://go.shop.example/r?url=https://shop.example/">'
                            "Shop</a>").findings
    assert finding.category == "tracked_link" and finding.vendors == ()
    assert finding.destination == "https://shop.example/"
    assert not finding.auto_loaded


def test_share_links_and_link_scanners_are_not_tracking() -> None:
    html = (
        '<a href="https://www.facebook.com/sharer/sharer.php?u=https://shop.example/">f</a>'
        '<a href="https://twitter.com/intent/tweet?url=https://shop.example/">t</a>'
        '<a href="https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fshop.example'
        '&data=x">s</a>'
        '<a href="mailto:hello@shop.example">mail</a><a href="#top">top</a>'
    )
    report = audit_html(html)
    assert report.findings == ()
    assert any("link scanner" in n for n in report.notes)


def test_email_address_in_url_is_reported() -> None:
    html = ('<img src="https://cdn.example/logo@2x.png" width="100" height="30">'
            '<a href="https://shop.example/p?email=alice%40example.org">p</a>')
    report = audit_html(html)
    (finding,) = report.findings
    assert finding.category == "address_in_url" and finding.personal is True
    assert "alice@example.org" in finding.reason
    assert "R19" in report.verdict.requirements


def test_base_href_resolves_relative_urls() -> None:
    report = audit_html('<base href="https://t.example/m/"><img src="o.gif" width=1 height=1>')
    (finding,) = report.findings
    assert finding.url == "https://t.example/m/o.gif"


def test_srcset_and_broken_src_quoting() -> None:
    html = ('<img srcset="https://cdn.example/a.png 1x, https://cdn.example/b.png 2x">'
            '<img width="1px" height="1px" alt=" src="http://email.mg.example/o/eJxyz123">')
    report = audit_html(html)
    assert [r.url for r in report.resources] == [
        "https://cdn.example/a.png", "https://cdn.example/b.png",
        "http://email.mg.example/o/eJxyz123"]
    (finding,) = report.findings
    assert finding.category == "known_tracker" and "Mailgun" in finding.vendors


@pytest.mark.parametrize("form", ["base64", "base64url", "md5", "sha256", "percent"])
def test_recipient_address_in_encoded_or_hashed_form(form: str) -> None:
    import base64
    import hashlib
    from urllib.parse import quote

    address = "alice.o'neil+news@example.org"
    raw = address.encode()
    token = {
        "base64": base64.b64encode(raw + b"|campaign-7").decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "md5": hashlib.md5(raw).hexdigest(),
        "sha256": hashlib.sha256(raw).hexdigest().upper(),
        "percent": quote(address, safe=""),
    }[form]
    value = quote(token, safe="") if form == "base64" else token
    html = f'<a href="https://shop.example/p?r={value}">x</a>'
    report = audit_html(html, headers={"To": f"Alice <{address}>"})
    (finding,) = [f for f in report.findings if f.category == "address_in_url"]
    assert address in finding.reason and finding.personal is True
    assert report.verdict.code == "individual"
    if form != "percent":  # a readable address is found anyway; encoded ones need the recipient
        assert audit_html(html).findings == ()
