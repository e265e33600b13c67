"""The intake admin: IMAP mailboxes are configured there and show how their polls went."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from casework.accounts.services import user_create
from casework.channels.models import Mailbox

VARIABLE = "CASEWORK_IMAP_PASSWORD_SUPPORT"  # the name of the one holding the password


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(user_create(username="root", email="root@casework.test", role="admin"))
    return client


def failing_mailbox() -> Mailbox:
    return Mailbox.objects.create(
        name="support", host="imap.example.test", username="support@example.test",
        password_env=VARIABLE, consecutive_failures=3,
        last_error="MailboxLoginError: [AUTHENTICATIONFAILED] Authentication failed.",
    )  # fmt: skip


def test_the_mailbox_list_shows_a_failing_mailboxs_error_and_streak(
    admin_client: Client,
) -> None:
    failing_mailbox()
    page = admin_client.get("/admin/intake/mailbox/")
    assert page.status_code == 200
    assert b"AUTHENTICATIONFAILED" in page.content


def test_the_mailbox_page_says_whether_its_password_variable_is_set(
    admin_client: Client,
) -> None:
    mailbox = failing_mailbox()
    url = f"/admin/intake/mailbox/{mailbox.pk}/change/"
    with override_settings(CASEWORK_IMAP_PASSWORDS={}):
        assert b'alt="False"' in admin_client.get(url).content
    with override_settings(CASEWORK_IMAP_PASSWORDS={VARIABLE: "x"}):
        assert b'alt="True"' in admin_client.get(url).content


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"after_fetch": "move", "move_to": ""}, b"Name the folder to move stored mail to."),
        ({"password_env": "HOME"}, b"the name of an environment variable"),
    ],
)
def test_a_mailbox_that_moves_mail_nowhere_or_names_another_variable_is_refused(
    admin_client: Client, fields: dict[str, str], error: bytes
) -> None:
    form = {
        "name": "support", "host": "imap.example.test", "port": "993", "tls": "ssl",
        "username": "support@example.test", "password_env": VARIABLE,
        "folder": "INBOX", "after_fetch": "seen", "move_to": "", "enabled": "on",
    }  # fmt: skip
    page = admin_client.post("/admin/intake/mailbox/add/", form | fields)
    assert page.status_code == 200
    assert error in page.content
    assert not Mailbox.objects.exists()
    assert admin_client.post("/admin/intake/mailbox/add/", form).status_code == 302
    assert Mailbox.objects.get().password_env == VARIABLE
