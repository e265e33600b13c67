"""Real headless Chromium (Debian's `chromium`) driven by Playwright; no browser download.

A missing Chromium skips these tests locally and fails them under CI=true (tests/support.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support import require_service

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# still plain synchronous code, so Django's async-safety guard must not refuse them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole run."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        require_service("chromium", "the page tests drive a real headless Chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page 375 px wide, like a small phone."""
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def sized_page(browser: Browser, width: int, height: int) -> Iterator[Page]:
    """A page of its own browser context, ``width`` by ``height``; closed after the test."""
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A page 1280 by 800, a laptop screen (the size of the committed screenshots)."""
    yield from sized_page(browser, 1280, 800)
