"""The console's policy pages (casework/policies/views_console.py): who may see them, the
upload's validation errors with their lines, the diff, and loading exactly what was previewed."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casework.accounts.models import Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.services import CaseDraft, case_open
from casework.policies.forms import MAX_POLICY_BYTES
from casework.policies.models import PolicyVersion
from casework.policies.services import LoadResult
from casework.policy import PolicyError, load_policy_text
from tests.support import assert_console_only, signed_in

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
LIVEOPS = (PACKS / "liveops.yaml").read_text(encoding="utf-8")
# Standard's P2 first response, 8h -> 6h (the only row with these three lines).
P2_ROW = (
    "        time_to_open: 8h # R59\n        first_response: 8h # R60\n"
    "        periodic_update: { every: 48h"
)
CHANGED = LIVEOPS.replace(P2_ROW, P2_ROW.replace("first_response: 8h", "first_response: 6h"))
assert CHANGED.count("first_response: 6h") == 1
BROKEN = LIVEOPS.replace("time_to_open: 2h # R59", "time_to_open: soon # R59").replace(
    "        time_to_open: 24h # R59\n        first_response: 24h",
    "        time_to_open: 24h # R59\n        first_response: 24",
)
UPLOAD = reverse("console:policy-upload")
LOAD = reverse("console:policy-load")
VERSIONS = reverse("console:policies")


def page(response: object) -> str:
    """The response's HTML with entities decoded, for reading text such as ``got 'soon'``."""
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


@pytest.fixture
def manager(packs: dict[str, LoadResult]) -> User:
    return user_create(username="maria", email="maria@support.test", role="manager")


@pytest.fixture
def acme(packs: dict[str, LoadResult]) -> Organization:
    return organization_create(
        name="Acme", policy_id="liveops", plan_id="standard",
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def upload(client: Client, text: str, name: str = "liveops.yaml") -> object:
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, text.encode("utf-8"))})


def hidden(response: object, name: str) -> str:
    raw = response.content.decode()  # type: ignore[attr-defined]
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', raw)
    assert match is not None, name
    return html.unescape(match.group(1))


def confirm_data(response: object) -> dict[str, str]:
    return {name: hidden(response, name) for name in ("text", "filename", "sha256", "signature")}


@pytest.mark.parametrize("role", ["engineer", "lead", "tam", "noc"])
@pytest.mark.parametrize("url", [VERSIONS, UPLOAD, LOAD])
def test_staff_other_than_managers_and_admins_get_404(
    packs: dict[str, LoadResult], role: str, url: str
) -> None:
    user = user_create(username=f"s-{role}", email=f"{role}@support.test", role=role)
    assert signed_in(user).get(url).status_code == 404


def test_a_contact_gets_404_and_the_anonymous_are_sent_to_sign_in(acme: Organization) -> None:
    contact = user_create(username="alice", email="a@acme.test", role="contact", organization=acme)
    assert_console_only(VERSIONS, contact=contact)


def test_the_versions_page_lists_each_policy_with_its_versions_and_open_cases(
    manager: User, acme: Organization
) -> None:
    case_open(
        draft=CaseDraft(organization=acme, subject="Down", environment="production"),
        requester=None,
        at=datetime(2026, 3, 2, 10, tzinfo=UTC),
    )
    response = signed_in(manager).get(VERSIONS)
    assert response.status_code == 200
    text = page(response)
    liveops = PolicyVersion.objects.get(policy_id="liveops")
    assert 'href="/policy/liveops/?version=1"' in text
    assert liveops.sha256[:12] in text
    assert "current" in text
    row = re.search(r"Version 1</a>.*?</tr>", text, re.S)
    assert row is not None
    assert re.search(r"<td>1</td>\s*</tr>", row.group(0))


def test_an_admin_may_open_the_upload_form(packs: dict[str, LoadResult]) -> None:
    admin = user_create(username="root", email="root@support.test", role="admin")
    response = signed_in(admin).get(UPLOAD)
    assert response.status_code == 200
    assert '<label for="id_file">' in response.content.decode()
    assert '<label for="id_text">' in response.content.decode()


def test_an_invalid_file_shows_every_error_with_its_line_and_loads_nothing(
    manager: User,
) -> None:
    with pytest.raises(PolicyError) as expected:
        load_policy_text(BROKEN, filename="broken.yaml")
    assert len(expected.value.issues) == 2
    response = upload(signed_in(manager), BROKEN, name="broken.yaml")
    assert response.status_code == 400  # type: ignore[attr-defined]
    text = page(response)
    for issue in expected.value.issues:
        assert f"broken.yaml:{issue.line}</code>: <span>{issue.message}</span>" in text
    assert "2 problems in broken.yaml; nothing was loaded" in text
    assert PolicyVersion.objects.filter(policy_id="liveops").count() == 1


def test_pasted_yaml_is_checked_like_a_file(manager: User) -> None:
    response = signed_in(manager).post(UPLOAD, {"text": BROKEN})
    assert response.status_code == 400
    assert "pasted.yaml:162</code>" in page(response)


def test_a_changed_file_shows_old_and_new_targets_and_loading_it_makes_version_2(
    manager: User,
) -> None:
    client = signed_in(manager)
    preview = upload(client, CHANGED)
    assert preview.status_code == 200  # type: ignore[attr-defined]
    text = page(preview)
    assert "Changes against version 1 (2026.11)" in text
    rows = re.findall(r"<tr class=\"diff-changed\">(.*?)</tr>", text, re.S)
    assert len(rows) == 1
    cells = re.findall(r"<td>(.*?)</td>", rows[0], re.S)
    assert [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells] == [
        "standard", "P2", "first_response", "changed", "within 8 hours", "within 6 hours"
    ]  # fmt: skip
    assert PolicyVersion.objects.filter(policy_id="liveops").count() == 1
    loaded = client.post(LOAD, confirm_data(preview), follow=True)
    assert loaded.redirect_chain == [(VERSIONS, 302)]
    assert "Loaded liveops version 2 (2026.11)." in page(loaded)
    stored = PolicyVersion.objects.get(policy_id="liveops", version=2)
    assert stored.source == CHANGED
    assert stored.loaded_by == manager
    assert stored.filename == "liveops.yaml"


def test_a_browser_s_crlf_newlines_still_load_the_previewed_text(manager: User) -> None:
    client = signed_in(manager)
    data = confirm_data(upload(client, CHANGED))
    data["text"] = data["text"].replace("\n", "\r\n")  # what a form submission sends
    assert client.post(LOAD, data).status_code == 302
    assert PolicyVersion.objects.get(policy_id="liveops", version=2).source == CHANGED


@pytest.mark.parametrize("tamper", ["text", "text and hash", "signature"])
def test_a_tampered_text_or_hash_is_refused(manager: User, tamper: str) -> None:
    client = signed_in(manager)
    data = confirm_data(upload(client, CHANGED))
    other = CHANGED.replace("first_response: 6h", "first_response: 1h", 1)
    if tamper != "signature":
        data["text"] = other
    if tamper == "text and hash":
        data["sha256"] = hashlib.sha256(other.encode()).hexdigest()
    if tamper == "signature":
        data["signature"] = "x" + data["signature"][1:]
    response = client.post(LOAD, data)
    assert response.status_code == 400
    assert "not the text that was previewed" in page(response)
    assert PolicyVersion.objects.filter(policy_id="liveops").count() == 1


def test_another_manager_cannot_load_a_preview_signed_for_someone_else(manager: User) -> None:
    data = confirm_data(upload(signed_in(manager), CHANGED))
    other = user_create(username="mo", email="mo@support.test", role="manager")
    assert signed_in(other).post(LOAD, data).status_code == 400
    assert not PolicyVersion.objects.filter(policy_id="liveops", version=2).exists()


def test_an_incomplete_load_form_is_refused(manager: User) -> None:
    response = signed_in(manager).post(LOAD, {"text": CHANGED})
    assert response.status_code == 400
    assert "incomplete" in page(response)


def test_an_unchanged_file_says_no_change_and_loads_nothing(manager: User) -> None:
    client = signed_in(manager)
    preview = upload(client, LIVEOPS)
    assert "No change: this exact text is already stored as liveops version 1" in page(preview)
    loaded = client.post(LOAD, confirm_data(preview), follow=True)
    assert "No change: this text is already liveops version 1; nothing was loaded." in page(loaded)
    assert PolicyVersion.objects.filter(policy_id="liveops").count() == 1


def test_a_new_policy_id_is_shown_as_new_not_diffed(manager: User) -> None:
    text = LIVEOPS.replace("id: liveops", "id: liveops-next", 1)
    preview = upload(signed_in(manager), text)
    assert preview.status_code == 200  # type: ignore[attr-defined]
    assert "New policy: no version of liveops-next is loaded yet" in re.sub(
        r"<[^>]+>", "", page(preview)
    )
    assert "Changes against" not in page(preview)


def test_a_file_over_1_mb_is_a_field_error(manager: User) -> None:
    big = LIVEOPS + "#" * MAX_POLICY_BYTES
    response = upload(signed_in(manager), big)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "The file is larger than 1 MB" in page(response)
    assert 'aria-describedby="file-error"' in page(response)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "Choose a policy file or paste its YAML."),
        ({"text": "x" * (MAX_POLICY_BYTES + 1)}, "The text is larger than 1 MB"),
    ],
)
def test_an_empty_or_oversized_paste_is_a_form_error(
    manager: User, data: dict[str, str], error: str
) -> None:
    response = signed_in(manager).post(UPLOAD, data)
    assert response.status_code == 400
    assert error in page(response)


def test_a_file_that_is_not_utf8_is_a_field_error(manager: User) -> None:
    client = signed_in(manager)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("p.yaml", b"id: \xff\xfe")})
    assert response.status_code == 400
    assert "The file is not UTF-8 text." in page(response)


def test_getting_the_load_url_goes_back_to_the_upload_form(manager: User) -> None:
    response = signed_in(manager).get(LOAD)
    assert response.status_code == 302
    assert response["Location"] == UPLOAD


def test_an_older_versions_text_is_a_no_op_and_the_page_says_which_stays_current(
    manager: User,
) -> None:
    client = signed_in(manager)
    client.post(LOAD, confirm_data(upload(client, CHANGED)))
    preview = upload(client, LIVEOPS)
    assert "already stored as liveops version 1" in page(preview)
    assert "Version 2 stays current" in page(preview)
