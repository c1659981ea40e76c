"""Debian's Chromium, headless, driven over the DevTools protocol by Playwright.

Playwright never downloads a browser here: it starts ``/usr/bin/chromium``. Every
request a page makes is counted from the DevTools protocol's own events, so a test
can say that a page made none.
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Without the background-networking flags Chromium itself calls home at every start."""
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def need_chromium() -> None:
    """Skip on a developer's machine without Chromium; CI installs it, so there it fails."""
    if shutil.which(str(CHROMIUM)) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def browser_environment() -> dict[str, str | float | bool]:
    """Ours, but for the second pass's clock shifter, which Chromium crashes under (SIGSEGV);
    the page's clock is set by the test (:func:`open_page`), never read from the machine."""
    return {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}


@contextmanager
def chromium(*extra: str) -> Iterator[Browser]:
    need_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*FLAGS, *extra], env=browser_environment()
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Requests:
    """Every request the page began, as the DevTools protocol reported it."""

    urls: list[str] = field(default_factory=list)

    def record(self, event: dict[str, Any]) -> None:
        self.urls.append(event["request"]["url"])

    def beyond(self, page_url: str) -> list[str]:
        """All but the page's own document: what it fetched, or tried to."""
        own = page_url.split("#", 1)[0]
        return [url for url in self.urls if url.split("#", 1)[0] != own]


@contextmanager
def open_page(
    browser: Browser, url: str, now: datetime, viewport: dict[str, int] = DESKTOP
) -> Iterator[tuple[Page, Requests]]:
    """A new page at ``url`` whose clock stands at ``now``, and the requests it makes."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    requests = Requests()
    session = context.new_cdp_session(page)
    session.on("Network.requestWillBeSent", requests.record)
    session.send("Network.enable")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.clock.set_fixed_time(now)
    try:
        page.goto(url)
        yield page, requests
        assert errors == [], errors
    finally:
        context.close()
