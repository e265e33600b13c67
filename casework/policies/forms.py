"""HTML forms of the console's policy pages: the upload (a file or pasted YAML) and the
confirmation that loads exactly the text that was previewed."""

from __future__ import annotations

import hashlib
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.core import signing
from django.utils.crypto import constant_time_compare

# A policy pack is about 20 KB; a megabyte is far beyond any real one and keeps the preview's
# hidden copy of the text well under DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
MAX_POLICY_BYTES = 1_000_000
PASTED_FILENAME = "pasted.yaml"
_SIGNER = signing.Signer(salt="casework.policies.upload")


def normalise_newlines(text: str) -> str:
    """``\\r\\n`` and ``\\r`` as ``\\n``: what ``casework policy load`` reads from a file (Python's
    universal newlines), and how a browser's form submission would otherwise change the text."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def upload_signature(*, user: User, sha256: str) -> str:
    """The signature that lets ``user`` (and only them) confirm the text hashing to ``sha256``."""
    return _SIGNER.signature(f"{user.pk}:{sha256}")


class PolicyUploadForm(forms.Form):
    """Step 1: a policy file, or its YAML pasted; one of the two, at most 1 MB."""

    file = forms.FileField(
        required=False,
        label="Policy file (YAML)",
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml,text/yaml"}),
    )
    text = forms.CharField(
        required=False,
        strip=False,
        label="Or paste the YAML",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
    )

    filename = PASTED_FILENAME

    def clean_file(self) -> str | None:
        """The uploaded file's text (UTF-8, newlines normalised), None when none was sent."""
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if upload.size > MAX_POLICY_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB; a policy file is smaller.")
        self.filename = PurePath(upload.name or PASTED_FILENAME).name[-255:]
        try:
            return normalise_newlines(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None

    def clean_text(self) -> str:
        """The pasted YAML, newlines normalised; at most 1 MB."""
        text = normalise_newlines(self.cleaned_data.get("text") or "")
        if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
            raise forms.ValidationError("The text is larger than 1 MB; a policy file is smaller.")
        return text

    def clean(self) -> dict[str, Any]:
        """Exactly one source: the file or the pasted text."""
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("file") is None and not data.get("text", "").strip():
            raise forms.ValidationError("Choose a policy file or paste its YAML.")
        if data.get("file") is not None and data.get("text", "").strip():
            raise forms.ValidationError("Choose a file or paste the YAML, not both.")
        return data

    def policy_text(self) -> tuple[str, str]:
        """(text, filename) of a valid form: the file's base name, or ``pasted.yaml``."""
        if self.cleaned_data["file"] is not None:
            return self.cleaned_data["file"], self.filename
        return self.cleaned_data["text"], PASTED_FILENAME


class PolicyLoadForm(forms.Form):
    """Step 2: the previewed text, carried back with its SHA-256 and a signature of that hash
    for this user, so the load stores exactly the text that was shown, or nothing."""

    text = forms.CharField(strip=False, widget=forms.HiddenInput)
    filename = forms.CharField(max_length=255, widget=forms.HiddenInput)
    sha256 = forms.CharField(min_length=64, max_length=64, widget=forms.HiddenInput)
    signature = forms.CharField(max_length=128, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        """Refuse a text whose hash or signature does not match what was previewed."""
        data = super().clean() or {}
        if self.errors:
            return data
        text = normalise_newlines(data["text"])
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        signed = constant_time_compare(
            upload_signature(user=self.user, sha256=data["sha256"]), data["signature"]
        )
        if digest != data["sha256"] or not signed:
            raise forms.ValidationError(
                "The text to load is not the text that was previewed; upload the file again."
            )
        data["text"] = text
        return data
