"""Debian's Chromium driven by Playwright. Absent Chromium skips, with the reason, except in CI
(CI=true), where it fails: the browser tests must run there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CONSENTMAIL_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A reader's desktop browser. Headless Chromium says "HeadlessChrome", which the hit classifier
# rightly treats as a scripted sandbox (a scanner); a person's browser does not.
READER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing in CI: apt-get install -y chromium")
    pytest.skip(f"{CHROMIUM} is absent: apt-get install -y chromium to run the browser tests")


@contextmanager
def chromium_page() -> Iterator:  # type: ignore[type-arg]
    """A fresh page in a fresh browser (started after any asyncio.run of the test's set-up:
    Playwright's sync API keeps its own event loop)."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(user_agent=READER_UA, java_script_enabled=False)
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()
