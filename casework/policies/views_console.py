"""The console's policy pages for support managers (``/console/policies/``): the loaded
versions, and uploading a new one in two steps (validate and diff, then load).

Only managers and administrators reach them; anyone else on the staff side gets a 404, like
a page that does not exist for them (contacts and the anonymous are turned away by
``staff_required`` first). Views are thin (STYLE rule 1): the reads are
``casework.reports.selectors.policy_versions_overview`` and
``casework.policies.selectors.policy_upload_preview``; the write is ``policy_version_load``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from casework.lib.web import manager_required, request_user
from casework.policies.forms import PolicyLoadForm, PolicyUploadForm, upload_signature
from casework.policies.selectors import policy_upload_preview
from casework.policies.services import policy_version_load
from casework.policy import PolicyError
from casework.reports.selectors import policy_versions_overview

UPLOAD_TEMPLATE = "policies/console/policy_upload.html"
INCOMPLETE = "The form to load a version was incomplete; upload the file again."


@manager_required
def policy_versions(request: HttpRequest) -> HttpResponse:
    """Every loaded policy with its versions, newest first, and the open cases on each."""
    context = {"policies": policy_versions_overview()}
    return render(request, "policies/console/policy_versions.html", context)


@manager_required
def policy_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: validate an uploaded policy with the real loader. An invalid file is shown
    with every ``FILE:LINE: message`` (400); a valid one with the diff of its targets against
    the current version and a form to load exactly this text. Nothing is stored here."""
    if request.method != "POST":
        return render(request, UPLOAD_TEMPLATE, {"form": PolicyUploadForm()})
    form = PolicyUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, UPLOAD_TEMPLATE, {"form": form}, status=400)
    text, filename = form.policy_text()
    try:
        preview = policy_upload_preview(text=text, filename=filename)
    except PolicyError as error:
        context = {"form": form, "issues": error.issues, "filename": filename}
        return render(request, UPLOAD_TEMPLATE, context, status=400)
    user = request_user(request)
    load_form = PolicyLoadForm(
        user=user,
        initial={
            "text": text,
            "filename": filename,
            "sha256": preview.sha256,
            "signature": upload_signature(user=user, sha256=preview.sha256),
        },
    )
    context = {"preview": preview, "load_form": load_form, "filename": filename}
    return render(request, "policies/console/policy_preview.html", context)


@manager_required
def policy_load(request: HttpRequest) -> HttpResponse:
    """Step 2 (POST): store the previewed text as the policy's next version, unless its hash
    or signature shows it is not the text that was previewed (400). Loading a text already
    stored is a no-op, and the page says so."""
    if request.method != "POST":
        return redirect("console:policy-upload")
    user = request_user(request)
    form = PolicyLoadForm(request.POST, user=user)
    if not form.is_valid():
        context: dict[str, object] = {
            "form": PolicyUploadForm(),
            "refused": form.non_field_errors() or [INCOMPLETE],
        }
        return render(request, UPLOAD_TEMPLATE, context, status=400)
    data = form.cleaned_data
    try:
        result = policy_version_load(text=data["text"], filename=data["filename"], loaded_by=user)
    except PolicyError as error:  # only if the loader changed between the two steps
        context = {"form": PolicyUploadForm(), "issues": error.issues}
        return render(request, UPLOAD_TEMPLATE, context, status=400)
    row = result.version
    if result.created:
        messages.success(request, f"Loaded {row.policy_id} version {row.version} ({row.label}).")
    else:
        messages.info(
            request,
            f"No change: this text is already {row.policy_id} version {row.version}; "
            "nothing was loaded.",
        )
    return redirect("console:policies")
