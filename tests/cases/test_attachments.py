"""Attachments (TESTING.md A1 row 9, ASVS 5.2–5.4): limits, types by magic bytes, sanitised
names, random storage names, downloads only for those who may see the case, never rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from casework.cases.models import Attachment
from tests.cases.conftest import Persona
from tests.cases.test_api import open_case, post

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(who: Persona, case_id: int, name: str, content: bytes, **extra: Any) -> Any:
    return who.client.post(
        f"/api/v1/cases/{case_id}/attachments",
        {"file": SimpleUploadedFile(name, content, content_type="image/png"), **extra},
    )


def test_a_contact_attaches_a_png_and_both_sides_download_it_as_an_attachment(
    alice: Persona, bob: Persona, media: Path
) -> None:
    case = open_case(alice)
    response = upload(alice, case["id"], "screen shot.png", PNG)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["filename"], out["content_type"], out["size"]) == (
        "screen shot.png",
        "image/png",
        40,
    )
    stored = Attachment.objects.get(pk=out["id"]).storage_name
    assert "screen" not in stored
    assert (media / stored).read_bytes() == PNG
    for who in (alice, bob):
        download = who.client.get(f"/api/v1/attachments/{out['id']}")
        assert download.status_code == 200
        assert download.getvalue() == PNG
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert download["Content-Type"] == "image/png"
    kinds = [e["kind"] for e in alice.client.get(f"/api/v1/cases/{case['id']}/events").json()]
    assert kinds[-1] == "attachment"


def test_the_outsider_gets_404_for_uploads_and_downloads(alice: Persona, eve: Persona) -> None:
    case = open_case(alice)
    attachment = upload(alice, case["id"], "a.png", PNG).json()
    assert upload(eve, case["id"], "a.png", PNG).status_code == 404
    assert eve.client.get(f"/api/v1/attachments/{attachment['id']}").status_code == 404
    assert eve.client.get("/api/v1/attachments/999999").status_code == 404


@pytest.mark.parametrize(
    ("label", "name", "content"),
    [
        (
            "svg with script",
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
        ),
        ("html", "x.html", b"<!doctype html><html><body>hi</body></html>"),
        ("html without doctype", "x.txt", b"  <script>alert(1)</script>"),
        ("executable", "x.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("zip", "x.zip", b"PK\x03\x04" + b"\x00" * 30),
        ("empty", "x.txt", b""),
        ("not utf-8 text", "x.txt", b"\xff\xfe\xfa"),
    ],
)
def test_files_of_other_kinds_are_refused_naming_the_field(
    alice: Persona, label: str, name: str, content: bytes
) -> None:
    case = open_case(alice)
    response = upload(alice, case["id"], name, content)
    assert response.status_code == 422, label
    assert response.json()["detail"][0]["field"] == "file"
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused(alice: Persona) -> None:
    case = open_case(alice)
    with override_settings(CASEWORK_MAX_ATTACHMENT_BYTES=16):
        response = upload(alice, case["id"], "a.png", PNG)
    assert response.status_code == 422
    assert "limit of 16 bytes" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ('"><svg onload=alert(1)>.jpg', PNG, "svg onload_alert(1)_.jpg.png"),
        ("../../etc/passwd", b"root:x:0:0", "passwd.txt"),
        ("..\\..\\boot.ini", b"[boot]", "boot.ini.txt"),
        ("invoice\u202egpj.exe", b"hello", "invoicegpj.exe.txt"),
        ("", b"hello", "attachment.txt"),
        ("notes.TXT", b"hello", "notes.TXT"),
    ],
)
def test_names_are_sanitised_and_end_in_the_detected_type(
    alice: Persona, name: str, content: bytes, expected: str
) -> None:
    case = open_case(alice)
    response = upload(alice, case["id"], name or "x", content)
    assert response.status_code == 201, response.content
    if name:
        assert response.json()["filename"] == expected


def test_a_gif_html_polyglot_is_kept_as_a_gif_and_never_rendered(alice: Persona) -> None:
    case = open_case(alice)
    polyglot = b"GIF89a/*<html><script>alert(1)</script></html>*/"
    out = upload(alice, case["id"], "x.html", polyglot).json()
    assert (out["content_type"], out["filename"]) == ("image/gif", "x.html.gif")
    download = alice.client.get(f"/api/v1/attachments/{out['id']}")
    assert download["Content-Type"] == "image/gif"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_an_attachment_on_an_internal_note_is_for_staff_only(alice: Persona, bob: Persona) -> None:
    case = open_case(alice)
    note = post(bob, f"/cases/{case['id']}/messages", {"body": "logs", "public": False}).json()
    out = upload(bob, case["id"], "log.txt", b"trace", message=note["id"])
    assert out.status_code == 201, out.content
    attachment = out.json()
    assert attachment["message"] == note["id"]
    assert bob.client.get(f"/api/v1/attachments/{attachment['id']}").status_code == 200
    assert alice.client.get(f"/api/v1/attachments/{attachment['id']}").status_code == 404
    assert upload(alice, case["id"], "x.txt", b"x", message=note["id"]).status_code == 422
