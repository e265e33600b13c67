"""A support manager's journey in a real browser: sign in, upload a broken policy file and see
its errors with their line numbers, upload a changed one, review the diff, load it, and find
version 2 on the versions page; and the at-risk board on a phone, refreshing itself. Nothing
leaves the live server; the CSP blocks nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from casework.accounts.services import organization_create, user_create
from casework.cases.services import CaseDraft, case_open
from casework.policies.models import PolicyVersion
from casework.policies.services import policy_version_load

ROOT = Path(__file__).resolve().parents[2]
LIVEOPS = (ROOT / "policy-packs" / "liveops.yaml").read_text(encoding="utf-8")
SCREENSHOT = ROOT / "docs" / "screenshots" / "console-policy-diff.png"
# Standard's P2 first response, 8h -> 6h (the only row with these three lines).
P2_ROW = (
    "        time_to_open: 8h # R59\n        first_response: 8h # R60\n"
    "        periodic_update: { every: 48h"
)
CHANGED = LIVEOPS.replace(P2_ROW, P2_ROW.replace("first_response: 8h", "first_response: 6h"))
assert CHANGED.count("first_response: 6h") == 1
BROKEN = LIVEOPS.replace("time_to_open: 2h # R59", "time_to_open: soon # R59")
PASSWORD = "a long passphrase"  # noqa: S105 - a test password


def staff(username: str, *, role: str) -> str:
    """A member of staff who signs in with ``PASSWORD``; returns the username."""
    user_create(username=username, email=f"{username}@support.test", role=role, password=PASSWORD)
    return username


def sign_in(page: Page, username: str) -> None:
    """Fill in the sign-in form the page shows and submit it."""
    page.get_by_label("Username or email address").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def manager(transactional_db: None) -> str:
    policy_version_load(text=LIVEOPS, filename="policy-packs/liveops.yaml")
    return staff("maria", role="manager")


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    """A 1280 x 800 window, the size of the committed screenshot."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def test_a_manager_reviews_the_diff_of_a_policy_file_and_loads_it(
    live_server: LiveServer, manager: str, desktop: Page, tmp_path: Path
) -> None:
    page = desktop
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        # Chromium reports what the CSP blocks on the console; a 400 page or the missing
        # favicon is logged there too, as an expected "failed to load resource".
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", on_console)

    page.goto(f"{live_server.url}/console/policies/upload/")
    assert "/accounts/login/" in page.url
    sign_in(page, "maria@support.test")
    expect(page.get_by_role("heading", name="Upload a policy file")).to_be_visible()

    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    page.get_by_label("Policy file (YAML)").set_input_files(broken)
    page.get_by_role("button", name="Check the file").click()
    issues = page.get_by_role("alert").filter(has_text="nothing was loaded")
    expect(issues).to_contain_text("1 problem in broken.yaml")
    expect(issues.get_by_role("listitem")).to_contain_text(
        "broken.yaml:162: plans.standard.targets.P1.time_to_open.within"
    )

    changed = tmp_path / "liveops.yaml"
    changed.write_text(CHANGED, encoding="utf-8")
    page.get_by_label("Policy file (YAML)").set_input_files(changed)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Changes against version 1 (2026.11)")).to_be_visible()
    row = page.get_by_role("table", name="Targets that change").get_by_role("row").nth(1)
    expect(row.get_by_role("cell")).to_have_text(
        ["standard", "P2", "first_response", "changed", "within 8 hours", "within 6 hours"]
    )
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    page.get_by_role("button", name="Load this version").click()
    expect(page.get_by_role("status")).to_contain_text("Loaded liveops version 2 (2026.11).")
    versions = page.get_by_role("table", name="Versions of liveops, newest first")
    expect(versions.get_by_role("row").nth(1)).to_contain_text("Version 2 current")
    assert PolicyVersion.objects.get(policy_id="liveops", version=2).source == CHANGED

    assert all(url.startswith(live_server.url) for url in requests), requests
    assert problems == []


@pytest.fixture
def board_cases(transactional_db: None) -> str:
    """An engineer, and Acme's P2 cases opened 7 h ago (at risk) and 9 h ago (breached)."""
    policy_version_load(text=LIVEOPS, filename="policy-packs/liveops.yaml")
    acme = organization_create(
        name="Acme", policy_id="liveops", plan_id="standard",
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    now = timezone.now()
    for subject, hours in (("Calls drop after 30 s", 7), ("Reports are empty", 9)):
        draft = CaseDraft(
            organization=acme, subject=subject, environment="production", priority="P2"
        )
        case_open(draft=draft, requester=None, at=now - timedelta(hours=hours))
    return staff("bob", role="engineer")


def test_the_board_reads_on_a_phone_and_refreshes_itself_every_30_seconds(
    live_server: LiveServer, board_cases: str, phone: Page
) -> None:
    problems: list[str] = []
    phone.on("pageerror", lambda error: problems.append(str(error)))
    phone.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    # The page's clock is Playwright's, so 30 seconds pass without waiting for them.
    phone.clock.install()
    phone.goto(f"{live_server.url}/accounts/login/?next=/console/board/")
    sign_in(phone, board_cases)
    expect(phone.get_by_role("heading", name="SLA at-risk board")).to_be_visible()
    first_response = phone.get_by_role("region", name="First response (1 at risk, 1 breached)")
    expect(first_response.get_by_role("table", name="At risk: 1")).to_contain_text(
        "Calls drop after 30 s"
    )
    expect(first_response.get_by_role("table", name="Breached: 1")).to_contain_text(
        "breached 1 h ago"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # Take the counts away: only the refresh can bring them back.
    phone.evaluate("document.querySelector('.board-counts').remove()")
    expect(phone.get_by_role("list", name="Counts")).to_have_count(0)
    with phone.expect_response(
        lambda response: (
            response.url.endswith("/console/board/")
            and response.request.headers.get("hx-request") == "true"
            and response.status == 200
        )
    ):
        phone.clock.run_for("00:31")
    expect(phone.get_by_role("list", name="Counts")).to_contain_text("1 at risk")
    expect(phone.get_by_role("heading", name="SLA at-risk board")).to_have_count(1)
    expect(first_response).to_be_visible()
    assert problems == []


def test_a_policy_error_reads_on_a_phone_without_scrolling_sideways(
    live_server: LiveServer, manager: str, phone: Page, tmp_path: Path
) -> None:
    phone.goto(f"{live_server.url}/accounts/login/?next=/console/policies/upload/")
    sign_in(phone, manager)
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    phone.get_by_label("Policy file (YAML)").set_input_files(broken)
    phone.get_by_role("button", name="Check the file").click()
    expect(phone.get_by_role("listitem").filter(has_text="broken.yaml:162")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
