"""The public policy page in a real browser: readable on a phone, no script, nothing external."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from casework.policies.services import policy_version_load

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"


@pytest.fixture
def loaded(transactional_db: None) -> None:
    for name in ("liveops", "liveperson"):
        path = PACKS / f"{name}.yaml"
        policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.rule("R59", "R60", "R61", "R62", "R64")
def test_liveops_policy_page_reads_on_a_375px_phone(
    live_server: LiveServer, loaded: None, phone: Page, tmp_path: Path
) -> None:
    requests: list[str] = []
    phone.on("request", lambda request: requests.append(request.url))
    phone.on("dialog", lambda dialog: pytest.fail(f"unexpected dialog: {dialog.message}"))
    response = phone.goto(f"{live_server.url}/policy/liveops/")
    assert response is not None
    assert response.status == 200
    assert phone.title() == "LiveOps Support · casework"
    assert phone.get_by_role("heading", name="Standard plan").is_visible()
    caption = "Response matrix, Standard plan (time counted on: 24x7)"
    table = phone.get_by_role("table", name=caption)
    assert table.get_by_role("row", name="Time to open").inner_text().split("\t")[1:] == [
        "Within 2 hours",
        "Within 8 hours",
        "Within 24 hours",
    ]
    # The page itself never scrolls sideways; wide matrices scroll inside their own box.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    assert all(url.startswith(live_server.url) for url in requests), requests
    phone.screenshot(path=str(tmp_path / "policy-liveops-375.png"), full_page=True)


def test_the_contents_link_moves_focus_to_a_plan(
    live_server: LiveServer, loaded: None, phone: Page
) -> None:
    phone.goto(f"{live_server.url}/policy/liveperson/")
    phone.get_by_role("link", name="Standard support plan").click()
    assert phone.url.endswith("#plan-standard")
    assert phone.get_by_role("heading", name="Standard support plan").is_visible()
