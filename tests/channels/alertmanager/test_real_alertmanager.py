"""A real Prometheus Alertmanager (Debian's ``prometheus-alertmanager``) posting to casework
on loopback: an alert fired through Alertmanager's API opens a case with origin noc, and the
same alert resolved marks its service restored (R5, R8; TESTING.md B1/B2)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer

from casework.accounts.models import Organization
from casework.accounts.services import organization_create
from casework.cases.models import Case
from casework.policies.services import policy_version_load
from tests.support import free_port, require_service

PACKS = Path(__file__).resolve().parents[3] / "policy-packs"
TOKEN = "real-alertmanager-token"  # noqa: S105 - a test token

CONFIG = """\
route:
  receiver: casework
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: casework
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {token}
"""


@pytest.fixture
def acme(transactional_db: None) -> Organization:
    path = PACKS / "liveops.yaml"
    policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    return organization_create(
        name="Acme", policy_id="liveops", plan_id="standard",
        effective_from=datetime.now(UTC) - timedelta(days=30),
    )  # fmt: skip


def wait_for(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Poll ``check`` until it holds (Alertmanager delivers asynchronously)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError:
            # SQLite: the live server thread shares the test's in-memory database, and a
            # read that meets its write transaction is refused ("database table is
            # locked") rather than kept waiting; a server write refused the same way is a
            # 5xx, which Alertmanager retries. Either way: look again.
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def alertmanager(live_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus-alertmanager")
    if binary is None:
        require_service("prometheus-alertmanager", "the monitoring intake is tested against it")
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        CONFIG.format(url=f"{live_server.url}/api/v1/intake/alertmanager", token=TOKEN)
    )
    base = f"http://127.0.0.1:{free_port()}"
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - Debian's binary, our arguments
        [binary, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
         f"--web.listen-address={base.removeprefix('http://')}", "--cluster.listen-address="],
        stdout=log, stderr=log,
    )  # fmt: skip

    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/-/ready", timeout=1) as answer:  # noqa: S310
                return bool(answer.status == 200)
        except OSError:
            return False

    try:
        wait_for(ready, "Alertmanager to be ready", seconds=20)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def post_alert(base: str, labels: dict[str, str], *, ends: datetime | None = None) -> None:
    alert: dict[str, object] = {"labels": labels, "annotations": {"summary": "SIP 503s"}}
    if ends is not None:
        alert["endsAt"] = ends.isoformat().replace("+00:00", "Z")
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v2/alerts", data=json.dumps([alert]).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
        assert answer.status == 200


@pytest.mark.rule("R5", "R8")
@override_settings(CASEWORK_ALERTMANAGER_TOKEN=TOKEN)
def test_an_alert_fired_through_alertmanager_opens_a_case_and_resolving_restores_it(
    acme: Organization, alertmanager: str
) -> None:
    labels = {"alertname": "InboundCallsFailing", "organization": "acme", "severity": "critical"}
    post_alert(alertmanager, labels)
    wait_for(lambda: Case.objects.exists(), "the alert's case")
    case = Case.objects.get()
    assert (case.origin, case.channel, case.priority) == ("noc", "noc", "P1")
    assert case.subject == "[InboundCallsFailing] SIP 503s"
    post_alert(alertmanager, labels, ends=datetime.now(UTC) - timedelta(seconds=1))
    wait_for(lambda: Case.objects.get().status == "service_restored", "service restored")
    wait_for(lambda: Case.objects.count() == 1, "one case")  # the resolution found the same
