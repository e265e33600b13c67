"""Helpers of the browser tests: watching what a page does, signing in through the form."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import ConsoleMessage, Page


@dataclass
class Watch:
    """Every request a page made and every console error (CSP violations are logged there)."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        """Watch ``page``; returns it."""
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def _console(self, message: ConsoleMessage) -> None:
        # A refused form's 4xx (or the browser's own favicon.ico 404) is logged as "Failed to
        # load resource"; the tests check statuses themselves. Anything else is a fault.
        if message.text.startswith("Failed to load resource"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def assert_clean(self, origin: str) -> None:
        """Nothing left ``origin`` and nothing went wrong in the page."""
        outside = [url for url in self.requests if not url.startswith(origin)]
        assert outside == [], outside
        assert self.errors == [], self.errors


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in through /accounts/login/ as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username or email address").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
