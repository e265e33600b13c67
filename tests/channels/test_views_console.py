"""The console's intake page: what could not be handled by itself, with the reason, for a
manager to retry or to turn into a case by hand; nobody else sees it."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from casework.accounts.models import Organization
from casework.accounts.services import user_create
from casework.cases.models import Case
from casework.channels.base import Channel
from casework.channels.models import RawInbound, RawStatus
from casework.channels.services import raw_inbound_process, raw_inbound_store
from tests.cases.conftest import Persona
from tests.channels.test_services import AT


def manager() -> Client:
    client = Client()
    client.force_login(user_create(username="mia", email="mia@support.test", role="manager"))
    return client


def held(channel: Channel, sender: str = "stranger@example.test") -> RawInbound:
    payload = json.dumps({"from": sender, "subject": "Wallboard frozen", "body": "<b>x</b>"})
    stored = raw_inbound_store(channel=channel, payload=payload.encode(), source="test",
                               received_at=AT)  # fmt: skip
    return raw_inbound_process(stored.raw, at=AT)


def test_held_and_failed_inputs_are_listed_with_their_reason(
    note_channel: Channel, alice: Persona
) -> None:
    waiting = held(note_channel)
    broken = raw_inbound_process(
        raw_inbound_store(channel=note_channel, payload=b"[1, 2", source="t", received_at=AT).raw,
        at=AT,
    )
    page = manager().get("/console/intake/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/console/intake/{waiting.pk}/" in text
    assert f"/console/intake/{broken.pk}/" in text
    assert "no contact or organisation is known for stranger@example.test" in text
    assert "not JSON" in text
    assert "Held (1)" in text
    assert "Failed (1)" in text


def test_the_detail_shows_the_input_escaped_and_a_case_can_be_made_of_it_by_hand(
    note_channel: Channel, acme: Organization
) -> None:
    raw = held(note_channel)
    client = manager()
    detail = client.get(f"/console/intake/{raw.pk}/").content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in detail  # the raw text is shown, never rendered
    made = client.post(
        f"/console/intake/{raw.pk}/case/",
        {"organization": acme.pk, "subject": "", "environment": "production", "priority": ""},
    )
    case = Case.objects.get()
    assert made["Location"] == f"/console/cases/{case.pk}/"
    assert (case.organization, case.subject, case.channel) == (acme, "Wallboard frozen", "email")
    raw.refresh_from_db()
    assert raw.status == RawStatus.PROCESSED
    assert raw.reason == f"opened {case.number} by hand (mia)"
    # Done once: it no longer needs a person.
    again = client.post(f"/console/intake/{raw.pk}/case/", {"organization": acme.pk})
    assert again.status_code == 404


@pytest.mark.rule("R50")
def test_a_by_hand_case_is_refused_with_the_field_named_or_lowered_as_its_channel_says(
    note_channel: Channel, acme: Organization
) -> None:
    raw = held(note_channel)
    client = manager()
    answer = client.post(
        f"/console/intake/{raw.pk}/case/",
        {"organization": acme.pk, "environment": "production", "priority": "P9"},
    )
    assert answer.status_code == 400
    assert "unknown priority" in answer.content.decode()
    assert not Case.objects.exists()
    # Mail is not refused for its priority: a staging P1 is lowered, with the note (R50).
    client.post(
        f"/console/intake/{raw.pk}/case/",
        {"organization": acme.pk, "environment": "staging", "priority": "P1"},
    )
    case = Case.objects.get()
    assert case.priority == "P3"
    assert "only for production" in case.events.get(kind="opened").data["note"]


def test_a_retry_handles_the_input_once_its_sender_is_known(
    note_channel: Channel, acme: Organization
) -> None:
    raw = held(note_channel, sender="new@acme.test")
    user_create(username="new", email="new@acme.test", role="contact", organization=acme)
    client = manager()
    answer = client.post(f"/console/intake/{raw.pk}/retry/")
    assert answer["Location"] == f"/console/intake/{raw.pk}/"
    raw.refresh_from_db()
    assert raw.status == RawStatus.PROCESSED
    assert raw.case is not None
    assert "Retried: Processed" in client.get(answer["Location"]).content.decode()


def test_only_managers_and_administrators_see_the_intake_pages(
    note_channel: Channel, alice: Persona, bob: Persona
) -> None:
    raw = held(note_channel)
    for who in (alice.user, bob.user):
        client = Client()
        client.force_login(who)
        assert client.get("/console/intake/").status_code == 404
        assert client.post(f"/console/intake/{raw.pk}/retry/").status_code == 404
    anonymous = Client().get("/console/intake/")
    assert anonymous["Location"].startswith("/accounts/login/")
    admin = User.objects.create_superuser("root", "root@support.test", "x")
    client = Client()
    client.force_login(admin)
    assert client.get("/console/intake/").status_code == 200
    assert client.get("/console/intake/?status=bogus").status_code == 404
