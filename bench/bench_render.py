"""render_message() for N recipients with personal tracking, against a per-message baseline.

The baseline does what a naive sender does for every message: parse the template with the same
tokenizer (html.parser), rewrite the links, add pixel and footer, extract the text part, and
build the MIME message with email.message.EmailMessage (quoted-printable). Ratio = our
messages/s over the baseline's, same process, same templates, same header values.
Each figure is the best of --repeat runs, as timeit does: the machine may be shared.
Run: .venv/bin/python bench/bench_render.py [--n 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from consentmail.policy.types import Mode
from consentmail.render import (
    CompiledCampaign,
    Envelope,
    Recipient,
    Tracking,
    compile_campaign,
    render_message,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CONSENTMAIL_SHARED", ROOT.parent / "shared"))
TEMPLATES = ("mailchimp_gallery-1-4-2.html", "mailchimp_modular-template-patterns.html")
REASON = "We count opens and clicks per person because you agreed to it."
SUBJECT = "News for you, this week"


def tracking(i: int) -> Tracking:
    token = f"{i:032x}"
    return Tracking(
        open_mode=Mode.PERSONAL,
        click_mode=Mode.PERSONAL,
        pixel_url=f"https://t.example.com/o/{token}.gif",
        click_base=f"https://t.example.com/c/{token}/",
        unsubscribe_url=f"https://t.example.com/u/{token}",
        preferences_url=f"https://t.example.com/p/{token}",
        stop_tracking_url=f"https://t.example.com/s/{token}",
        footer_reason=REASON,
    )


def envelope(i: int) -> Envelope:
    return Envelope(
        from_addr="news@example.com",
        from_name="Example News",
        to_addr=f"user{i}@example.org",
        to_name=f"User {i}",
        message_id=f"<{i:032x}@example.com>",
        date=datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        list_unsubscribe_url=f"https://t.example.com/u/{i:032x}",
        one_click=True,
    )


def recipient(i: int) -> Recipient:
    return Recipient(f"user{i}@example.org", {"first_name": f"User {i}"})


def ours(compiled: CompiledCampaign, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        render_message(compiled, recipient(i), tracking(i), envelope(i))
    return n / (time.perf_counter() - start)


class _Rewriter(HTMLParser):
    """Re-emits the document as it reads it, rewriting http(s) hrefs."""

    def __init__(self, click_base: str, end: str) -> None:
        super().__init__(convert_charrefs=False)
        self.click_base, self.end = click_base, end
        self.out: list[str] = []
        self.text: list[str] = []
        self.links = 0
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, self.get_starttag_text() or "", ">"))
        self.skip += tag in ("style", "script", "head", "title")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs, self.get_starttag_text() or "", " />"))

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], raw: str, close: str) -> str:
        href = dict(attrs).get("href") or ""
        if tag not in ("a", "area") or not href.lower().startswith(("http://", "https://")):
            return raw
        self.links += 1
        new = [(k, f"{self.click_base}{self.links}" if k == "href" else v) for k, v in attrs]
        rendered = "".join(f' {k}="{escape(v or "")}"' for k, v in new)
        return f"<{tag}{rendered}{close}"

    def handle_endtag(self, tag: str) -> None:
        if tag == "body":
            self.out.append(self.end)
        self.skip -= tag in ("style", "script", "head", "title") and self.skip > 0
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)
        if not self.skip:
            self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def baseline(template: str, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        t, e = tracking(i), envelope(i)
        end = (
            f'<p>{escape(t.footer_reason)}</p><a href="{t.unsubscribe_url}">Unsubscribe</a> '
            f'<a href="{t.stop_tracking_url}">Stop tracking</a> '
            f'<a href="{t.preferences_url}">Preferences</a>'
            f'<img src="{t.pixel_url}" width="1" height="1" alt="">'
        )
        parser = _Rewriter(t.click_base or "", end)
        parser.feed(template)
        parser.close()
        msg = EmailMessage()
        msg["From"] = f"{e.from_name} <{e.from_addr}>"
        msg["To"] = f"{e.to_name} <{e.to_addr}>"
        msg["Subject"] = SUBJECT
        msg["Date"] = e.date
        msg["Message-ID"] = e.message_id
        msg["List-Unsubscribe"] = f"<{e.list_unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        text = " ".join("".join(parser.text).split()) + f"\n\nUnsubscribe: {t.unsubscribe_url}\n"
        msg.set_content(text, cte="quoted-printable")
        msg.add_alternative("".join(parser.out), subtype="html", cte="quoted-printable")
        msg.as_bytes(policy=SMTP)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="best of R runs (shared machines)")
    args = parser.parse_args()
    baseline_n = max(args.n // 10, 50)  # the baseline is slow; its rate does not depend on N
    for name in TEMPLATES:
        html = (SHARED / "corpus" / "templates" / name).read_text(encoding="utf-8")
        variants = {
            "as is": html,
            # The same template with a merge field in the body and in a link: the Jinja path.
            "+merge fields": html.replace(
                "<body",
                '<p>Hi {{ contact.first_name }}, <a href="https://shop.example/?u={{ '
                'contact.first_name|urlencode }}">your offers</a></p><body',
                1,
            ),
        }
        base = max(baseline(html, baseline_n) for _ in range(args.repeat))
        for label, source in variants.items():
            compiled = compile_campaign(source, subject=SUBJECT, name=name)
            rate = max(ours(compiled, args.n) for _ in range(args.repeat))
            print(
                f"{name} ({label}): {rate:,.0f} messages/s, baseline {base:,.0f}/s, "
                f"ratio {rate / base:.1f}x (N={args.n}, {len(compiled.links)} links)"
            )


if __name__ == "__main__":
    main()
