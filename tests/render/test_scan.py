"""The scan keeps exact source offsets, sees Outlook conditional comments, and finds </body>."""

from __future__ import annotations

from consentmail.render.scan import scan_html


def test_offsets_point_at_the_authors_text() -> None:
    source = (
        '<html><body>\n<a class=x href="https://a.example/?x=1&amp;y=2">a</a>\n'
        "<A HREF='https://b.example/'>b</A> <a href=https://c.example/ id=c>c</a>\n"
        '<a href="https://first.example/" href="https://second.example/">d</a>\n'
        "</body></html>"
    )
    scan = scan_html(source)
    assert [source[h.start : h.end] for h in scan.hrefs] == [h.raw for h in scan.hrefs]
    assert [h.url for h in scan.hrefs] == [
        "https://a.example/?x=1&y=2",
        "https://b.example/",
        "https://c.example/",
        "https://first.example/",  # the first href wins, as in browsers
    ]
    assert scan.body_end == source.index("</body>")


def test_conditional_comments_are_scanned_for_links() -> None:
    source = (
        '<body><!--[if mso]>\n<v:roundrect href="https://vml.example/?a&amp;b">'
        '<w:anchorlock/></v:roundrect>\n<![endif]--><!-- <a href="https://no.example/"> -->'
        '<!--[if !mso]><!--><a href="https://html.example/">x</a><!--<![endif]--></body>'
    )
    scan = scan_html(source)
    assert [(h.tag, h.url, h.conditional) for h in scan.hrefs] == [
        ("v:roundrect", "https://vml.example/?a&b", True),
        ("a", "https://html.example/", False),
    ]
    assert all(source[h.start : h.end] == h.raw for h in scan.hrefs)


def test_no_body_and_no_links() -> None:
    scan = scan_html("<p>just text &amp; <a name=top>an anchor</a></p>")
    assert scan.body_end is None
    assert scan.hrefs == []
