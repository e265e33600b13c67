"""Subscriptions to the status page: email with double opt-in and RFC 8058 one-click
unsubscription, through a real SMTP conversation; webhooks signed with the Standard Webhooks
scheme, posted to a real local HTTP receiver that verifies them, retried after a failure;
the Atom feed. Each publication reaches each subscriber once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.etree import ElementTree

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from standardwebhooks import Webhook

from casework.status.models import Component, Delivery, Incident, Subscriber
from casework.status.publish import publication_deliver
from casework.status.services import incident_open, incident_update_post
from tests.cases.conftest import Inbox, Persona
from tests.support import free_port

ATOM = "{http://www.w3.org/2005/Atom}"


def _worker() -> None:
    """Run every task due now, as `casework worker` does."""
    call_command("worker", "--once")


def _incident(component: Component, nora: Persona, title: str = "Delivery delayed") -> Incident:
    return incident_open(
        title=title, impact="major", components={component: "partial_outage"},
        message="We are investigating.", actor=nora.user, at=timezone.now(),
    )  # fmt: skip


def _update(incident: Incident, nora: Persona, message: str) -> int:
    update = incident_update_post(
        incident=incident, status="identified", message=message, actor=nora.user,
        at=timezone.now(),
    )  # fmt: skip
    return update.pk


def _to(inbox: Inbox, address: str) -> list[Any]:
    return [message for envelope, message in inbox.received if address in envelope.rcpt_tos]


def _body(message: Any) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _link(message: Any, kind: str) -> str:
    base = re.escape(settings.CASEWORK_BASE_URL)
    found = re.search(rf"{base}(/status/subscriptions/[^/\s]+/{kind}/)", _body(message))
    assert found is not None, _body(message)
    return found.group(1)


def _subscribe(client: Client, email: str, **scope: list[int]) -> None:
    response = client.post("/status/subscribe/", {"email": email, **scope})
    assert response.status_code == 200, response.content
    assert "Check your mail" in response.content.decode()


@pytest.mark.rule("R23")
def test_an_address_hears_nothing_until_confirmed_then_each_update_once_until_one_click_away(
    transactional_db: None, smtp: tuple[Inbox, int], nora: Persona, messaging: Component,
    reporting: Component,
) -> None:  # fmt: skip
    inbox, _ = smtp
    client = Client()
    _subscribe(client, "Dana@Example.test", components=[messaging.pk])
    _worker()
    (confirmation,) = _to(inbox, "Dana@Example.test")
    assert confirmation["Subject"] == "Confirm your service status subscription"
    assert confirmation["Auto-Submitted"] == "auto-generated"
    confirm = _link(confirmation, "confirm")

    # Unconfirmed: an update on what it follows sends nothing.
    incident = _incident(messaging, nora)
    _worker()
    assert _to(inbox, "dana@example.test") == []

    # Fetching the link (a mail scanner would) confirms nothing; the button does.
    assert "Confirm my subscription" in client.get(confirm).content.decode()
    assert Subscriber.objects.get().confirmed_at is None
    assert "Confirmed" in client.post(confirm).content.decode()

    first = _update(incident, nora, "A queue is backed up.")
    _worker()
    (mail,) = _to(inbox, "dana@example.test")
    assert mail["Subject"] == "[Identified] Delivery delayed"
    assert "A queue is backed up." in _body(mail)
    unsubscribe = _link(mail, "unsubscribe")
    assert mail["List-Unsubscribe"] == f"<{settings.CASEWORK_BASE_URL}{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Delivered again (a retried task, a second worker): nobody hears it twice.
    publication_deliver(kind="incident", pk=first)
    _worker()
    assert len(_to(inbox, "dana@example.test")) == 1
    assert Delivery.objects.get().state == "sent"

    # Another component's incident is not theirs.
    _incident(reporting, nora, title="Reports are late")
    _worker()
    assert len(_to(inbox, "dana@example.test")) == 1

    # RFC 8058: the mail client's one-click POST carries no CSRF token, and unsubscribes.
    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert one_click.status_code == 200
    assert Subscriber.objects.get().unsubscribed_at is not None
    _update(incident, nora, "Draining the queue.")
    _worker()
    assert len(_to(inbox, "dana@example.test")) == 1
    # The confirmation link cannot bring it back.
    assert client.post(confirm).status_code == 409


def test_subscribing_again_changes_what_is_followed_once_confirmed(
    transactional_db: None, smtp: tuple[Inbox, int], nora: Persona, messaging: Component,
    reporting: Component,
) -> None:  # fmt: skip
    inbox, _ = smtp
    client = Client()
    _subscribe(client, "dana@example.test", components=[messaging.pk])
    _worker()
    client.post(_link(_to(inbox, "dana@example.test")[0], "confirm"))
    _subscribe(client, "dana@example.test", groups=[reporting.group.pk])  # type: ignore[union-attr]
    _worker()
    _incident(reporting, nora, title="Reports are late")
    _worker()
    assert len(_to(inbox, "dana@example.test")) == 2  # the two confirmation mails only
    client.post(_link(_to(inbox, "dana@example.test")[1], "confirm"))
    _incident(reporting, nora, title="Reports are late again")
    _incident(messaging, nora, title="Delivery delayed")
    _worker()
    subjects = [mail["Subject"] for mail in _to(inbox, "dana@example.test")[2:]]
    assert subjects == ["[Investigating] Reports are late again"]
    assert (
        Subscriber.objects.filter(unsubscribed_at__isnull=True, confirmed_at__isnull=False).count()
        == 1
    )


def test_bad_links_and_input_are_refused_without_a_500(db: None, messaging: Component) -> None:
    client = Client()
    assert client.get("/status/subscriptions/forged:token/confirm/").status_code == 404
    assert client.post("/status/subscriptions/forged:token/unsubscribe/").status_code == 404
    bad = client.post("/status/subscribe/", {"email": "not an address"})
    assert bad.status_code == 400
    assert "Enter a valid email address" in bad.content.decode()
    unknown = client.post("/status/subscribe/", {"email": "a@example.test", "components": [999]})
    assert unknown.status_code == 400
    assert Subscriber.objects.count() == 0
    refused = Client(enforce_csrf_checks=True).post("/status/subscribe/", {"email": "a@b.test"})
    assert refused.status_code == 403


def test_a_confirmation_link_expires(
    transactional_db: None, smtp: tuple[Inbox, int], settings: Any, messaging: Component
) -> None:
    inbox, _ = smtp
    settings.CASEWORK_STATUS_CONFIRM_SECONDS = 3600
    _subscribe(Client(), "dana@example.test")
    _worker()
    confirm = _link(_to(inbox, "dana@example.test")[0], "confirm")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert Client().post(confirm).status_code == 404
    assert Subscriber.objects.get().confirmed_at is None


def test_subscription_requests_are_rate_limited(db: None, settings: Any) -> None:
    settings.CASEWORK_STATUS_SUBSCRIBE_LIMIT = 2
    client = Client()
    for _ in range(2):
        _subscribe(client, "dana@example.test")
    refused = client.post("/status/subscribe/", {"email": "dana@example.test"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Subscriber.objects.count() == 2


# -- webhooks ----------------------------------------------------------------------------------


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers ``answers`` in turn (then 200) and keeps
    each request's headers and body."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = answers
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.url = f"http://127.0.0.1:{self.port}/hooks/status"

    def __enter__(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver([500]) as running:
        yield running


def _verified(secret: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The payload, after checking the signature twice: by the scheme's own library and by
    hand (HMAC-SHA256 of ``id.timestamp.body`` under the base64 secret after ``whsec_``)."""
    payload: dict[str, Any] = Webhook(secret).verify(body, headers)
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    return payload


@pytest.mark.rule("R23")
def test_a_webhook_gets_each_update_signed_once_and_retried_after_a_failure(
    transactional_db: None, nora: Persona, messaging: Component, reporting: Component,
    receiver: Receiver, settings: Any,
) -> None:  # fmt: skip
    settings.CASEWORK_NOTIFY_RETRY_SECONDS = 60
    made = nora.client.post(
        "/api/v1/status/webhooks", {"url": receiver.url, "components": [messaging.pk]},
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201, made.content
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    listed = nora.client.get("/api/v1/status/webhooks").json()
    assert [(row["url"], row["secret"]) for row in listed] == [(receiver.url, None)]

    incident = _incident(messaging, nora)
    _worker()
    assert len(receiver.requests) == 1  # answered 500: tried again later, not now
    assert Delivery.objects.get().state == "pending"
    _worker()
    assert len(receiver.requests) == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        _worker()
        (first, failed), (again, body) = receiver.requests
        assert first["webhook-id"] == again["webhook-id"]  # the receiver can drop duplicates
        payload = _verified(secret, again, body)
    assert payload["type"] == "incident.updated"
    assert payload["data"]["incident"]["title"] == "Delivery delayed"
    assert payload["data"]["update"]["message"] == "We are investigating."
    assert failed == body
    assert Delivery.objects.get().state == "sent"

    _update(incident, nora, "A queue is backed up.")
    _incident(reporting, nora, title="Reports are late")  # not followed
    _worker()
    assert len(receiver.requests) == 3
    headers, body = receiver.requests[2]
    assert json.loads(body)["data"]["update"]["message"] == "A queue is backed up."
    _verified(secret, headers, body)
    for delivery in Delivery.objects.all():
        publication_deliver(kind="incident", pk=int(delivery.publication.split(":")[1]))
    _worker()
    assert len(receiver.requests) == 3  # once each, however often it is delivered

    forged = dict(headers, **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(body, forged)


def test_webhooks_are_the_nocs_and_their_input_is_checked(
    nora: Persona, carol: Persona, messaging: Component
) -> None:
    def post(who: Persona, body: dict[str, object]) -> Any:
        return who.client.post("/api/v1/status/webhooks", body, content_type="application/json")

    assert post(carol, {"url": "https://hooks.example.test/"}).status_code == 403
    bad = post(nora, {"url": "ftp://hooks.example.test/"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "url"
    unknown = post(nora, {"url": "https://hooks.example.test/", "groups": [999]})
    assert unknown.json()["detail"][0]["field"] == "groups"
    made = post(nora, {"url": "https://hooks.example.test/"}).json()
    gone = nora.client.post(f"/api/v1/status/webhooks/{made['id']}/unsubscribe")
    assert gone.json()["unsubscribed_at"] is not None


# -- the Atom feed -----------------------------------------------------------------------------


def _xml(content: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(content)  # noqa: S314 - casework's own feed, in a test


def test_the_atom_feed_lists_updates_newest_first_per_component(
    nora: Persona, messaging: Component, reporting: Component
) -> None:
    incident = _incident(messaging, nora)
    _update(incident, nora, "A queue is backed up.")
    _incident(reporting, nora, title="Reports are late")
    response = Client().get("/status/feed.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = _xml(response.content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == [
        "Reports are late: Investigating", "Delivery delayed: Identified",
        "Delivery delayed: Investigating",
    ]  # fmt: skip
    one = _xml(Client().get(f"/status/feed.atom?component={messaging.pk}").content)
    assert len(list(one.iter(f"{ATOM}entry"))) == 2
    link = next(one.iter(f"{ATOM}entry")).find(f"{ATOM}link")
    assert link is not None
    assert f"/status/incidents/{incident.pk}/#update-" in link.get("href", "")
    assert Client().get("/status/feed.atom?component=abc").status_code == 400
