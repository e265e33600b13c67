"""Signing in to the web pages: password (username or address), one-time links mailed over a
real SMTP conversation, password reset, rate limits, the gates of /console/ and /portal/."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from casework.accounts.models import ContactRole, LoginLink, Organization
from casework.accounts.services import user_create
from tests.cases.conftest import Inbox, smtp

__all__ = ["smtp"]

if TYPE_CHECKING:  # the test client's response type exists in django-stubs only
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

PASSWORD = "correct horse battery staple"  # noqa: S105 - a test password


@pytest.fixture
def carol(acme: Organization) -> User:
    """A contact of Acme who signs in with her address."""
    user = user_create(
        username="carol", email="Carol@Acme.test", role="contact", organization=acme,
        contact_role=ContactRole.ADMINISTRATOR,
    )  # fmt: skip
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def dan(packs: object) -> User:
    """A Level 1 engineer."""
    user = user_create(username="dan", email="dan@support.test", role="engineer")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str) -> Response:
    response: Response = client.post(
        "/accounts/login/", {"username": username, "password": password, **extra}
    )
    return response


def test_staff_sign_in_with_a_username_and_land_on_the_console(dan: User) -> None:
    client = Client()
    response = sign_in(client, "dan")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/console/"
    assert client.get("/console/").status_code == 200


def test_a_contact_signs_in_with_their_address_in_any_case_and_lands_on_the_portal(
    carol: User,
) -> None:
    client = Client()
    assert sign_in(client, "carol@acme.TEST").status_code == 302
    assert client.get("/")["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_a_wrong_password_is_refused_on_the_form(carol: User) -> None:
    response = sign_in(Client(), "carol", "wrong")
    assert response.status_code == 400
    assert "Please enter a correct username and password" in response.content.decode()


def test_signing_in_starts_a_new_session(dan: User) -> None:
    client = Client()
    client.get("/accounts/login/")
    client.cookies["sessionid"] = "fixated-by-an-attacker"
    sign_in(client, "dan")
    assert client.cookies["sessionid"].value != "fixated-by-an-attacker"
    assert client.get("/console/").status_code == 200


def test_the_next_parameter_is_followed_only_within_the_site(dan: User) -> None:
    inside = sign_in(Client(), "dan", next="/console/?queue=all")
    assert inside["Location"] == "/console/?queue=all"
    outside = sign_in(Client(), "dan", next="https://evil.example/")
    assert outside["Location"] == "/"


@override_settings(CASEWORK_SIGNIN_ATTEMPTS=3, CASEWORK_SIGNIN_WINDOW_SECONDS=600)
def test_sign_in_attempts_past_the_limit_answer_429_until_the_window_ends(carol: User) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert sign_in(Client(), "carol", "wrong").status_code == 400
        refused = sign_in(Client(), "carol")  # even the right password, for now
        assert refused.status_code == 429
        assert refused["Retry-After"] == "600"
        assert "Try again in 10 minutes" in refused.content.decode()
    with time_machine.travel(start + timedelta(seconds=601), tick=False):
        assert sign_in(Client(), "carol").status_code == 302


@override_settings(CASEWORK_SIGNIN_ATTEMPTS_PER_IP=2)
def test_one_client_address_is_limited_across_usernames(carol: User, dan: User) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(client, "nobody", "x").status_code == 400
    assert sign_in(client, "someone", "x").status_code == 400
    assert sign_in(client, "dan").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="198.51.100.8"), "dan").status_code == 302


def link_in(inbox: Inbox) -> str:
    (_, message), *_ = inbox.received
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"http://testserver(/accounts/login/link/[^/\s]+/)", body.decode())
    assert found is not None, body
    return found.group(1)


def test_a_mailed_link_signs_a_contact_in_once(
    transactional_db: None, carol: User, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    client = Client()
    answer = client.post("/accounts/login/link/", {"email": "carol@acme.test"})
    assert answer.status_code == 200
    assert "a sign-in link is on its way" in answer.content.decode()
    call_command("worker", "--once")  # the mail goes out through the task queue
    (envelope, message), *_ = inbox.received
    assert envelope.rcpt_tos == ["carol@acme.test"]
    assert message["Auto-Submitted"] == "auto-generated"
    link = link_in(inbox)
    # Fetching the link (a mail scanner would) does not use it up: it shows a button.
    assert client.get(link).status_code == 200
    assert client.get("/portal/").status_code == 302
    assert client.post(link)["Location"] == "/"
    assert client.get("/portal/").status_code == 200
    again = Client().post(link)
    assert again.status_code == 400
    assert "This link no longer works" in again.content.decode()
    # Only the hash is stored.
    assert link.split("/")[-2] not in {row.token_hash for row in LoginLink.objects.all()}


@override_settings(CASEWORK_LOGIN_LINK_SECONDS=60)
def test_a_link_stops_working_when_it_expires_or_a_newer_one_is_sent(carol: User) -> None:
    from casework.accounts.services import login_link_create, login_link_use

    at = timezone.now()
    first = login_link_create(user=carol, at=at)
    second = login_link_create(user=carol, at=at)
    assert login_link_use(first, at=at) is None  # replaced by the newer link
    assert login_link_use(second, at=at + timedelta(seconds=61)) is None  # expired
    third = login_link_create(user=carol, at=at)
    assert login_link_use(third, at=at + timedelta(seconds=59)) == carol


def test_unknown_addresses_and_staff_get_the_same_answer_and_no_mail(
    transactional_db: None, dan: User, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    for address in ("nobody@acme.test", "dan@support.test"):
        answer = Client().post("/accounts/login/link/", {"email": address})
        assert answer.status_code == 200
        assert "a sign-in link is on its way" in answer.content.decode()
    call_command("worker", "--once")
    assert inbox.received == []
    assert not LoginLink.objects.exists()


def test_a_malformed_address_is_named_on_the_form(db: None) -> None:
    answer = Client().post("/accounts/login/link/", {"email": "not an address"})
    assert answer.status_code == 400
    assert "Enter a valid email address." in answer.content.decode()


def test_a_password_reset_mail_sets_a_new_password_once(
    transactional_db: None, carol: User, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    client = Client()
    sent = client.post("/accounts/password/reset/", {"email": "carol@acme.test"})
    assert sent["Location"] == "/accounts/password/reset/sent/"
    call_command("worker", "--once")
    (_, message), *_ = inbox.received
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"http://testserver(/accounts/password/reset/\S+/)", body.decode())
    assert found is not None
    form_page = client.get(found.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new = "a much longer new passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done["Location"] == "/accounts/password/reset/done/"
    assert sign_in(Client(), "carol", new).status_code == 302
    reused = Client().get(found.group(1), follow=True)
    assert "This link no longer works" in reused.content.decode()


def test_the_console_is_for_staff_and_the_portal_for_contacts(carol: User, dan: User) -> None:
    anonymous = Client().get("/console/?queue=all")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/accounts/login/?next=/console/%3Fqueue%3Dall"
    contact, staff = Client(), Client()
    contact.force_login(carol)
    staff.force_login(dan)
    assert contact.get("/console/").status_code == 404
    assert staff.get("/portal/").status_code == 404


def test_signing_out_takes_a_post(dan: User) -> None:
    client = Client()
    client.force_login(dan)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert client.get("/console/").status_code == 302


def test_pages_forbid_inline_script_framing_and_foreign_sources(db: None) -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # every script is a file


def test_forms_without_the_csrf_token_are_refused(carol: User) -> None:
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "carol").status_code == 403
