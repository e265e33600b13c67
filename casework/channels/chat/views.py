"""The chat pages: the portal's chat (``/portal/chat/``, and the widget on every portal page,
``context.widget``) and the console's chat pane (``/console/chat/``).

Thin like every view (STYLE rule 1): they authorise, parse a form and call the same chat
services as the websockets. They work without JavaScript: a message posted here is published
to the websockets like one sent over them; with JavaScript the page sends over its socket and
these POSTs are the fallback. A refusal re-renders the page with the reason (400/409)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from casework.accounts.selectors import subscription_terms
from casework.cases.errors import CaseInputError, CaseRefusedError
from casework.channels.chat.forms import ChatCaseForm, ChatMessageForm
from casework.channels.chat.selectors import (
    case_to_join,
    chat_channel_of,
    conversation_get,
    conversation_list,
    conversation_open_of,
    conversation_summary,
    transcript_view,
)
from casework.channels.chat.services import (
    chat_message_post,
    conversation_case_make,
    conversation_end,
    conversation_start,
)
from casework.channels.models import Conversation
from casework.lib.web import contact_required, request_user, staff_required


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


def _refusal(error: CaseInputError | CaseRefusedError) -> tuple[str | None, str, int]:
    """The field a refusal names (None: the whole request), its reason, the status."""
    if isinstance(error, CaseInputError):
        return error.field, error.message, 400
    return None, error.reason, 409


@require_http_methods(["GET", "POST"])
@contact_required
def portal_chat(request: HttpRequest) -> HttpResponse:
    """The contact's conversation with support; POST writes in it (starting one if none is
    open). A plan without chat or messaging has no chat page (404, R1)."""
    user = request_user(request)
    at = timezone.now()
    # (the widget's context processor reads the conversation for the page itself)
    if chat_channel_of(user.contact.organization, at=at) is None:
        raise Http404("your plan includes no chat")
    form = ChatMessageForm(request.POST or None)
    status = 200
    if request.method == "POST" and not form.is_valid():
        status = 400
    elif request.method == "POST":
        try:
            conversation = conversation_start(contact=user, at=at)
            chat_message_post(
                conversation=conversation, author=user, body=form.cleaned_data["body"], at=at
            )
        except (CaseInputError, CaseRefusedError) as error:
            _, reason, status = _refusal(error)
            form.add_error("body", reason)
        else:
            return _back(request, "portal:chat")
    return render(request, "channels/chat/portal.html", {"chat_form": form}, status=status)


@require_POST
@contact_required
def portal_chat_end(request: HttpRequest) -> HttpResponse:
    """End the contact's open conversation (one nobody answered becomes a case)."""
    user = request_user(request)
    conversation = conversation_open_of(user)
    if conversation is not None:
        conversation_end(conversation=conversation, actor=user, at=timezone.now())
        messages.info(request, "The chat has ended. Its transcript stays with your cases.")
    return _back(request, "portal:chat")


def _conversation(conversation_id: int) -> Conversation:
    found = conversation_get(conversation_id)
    if found is None:
        raise Http404("no such conversation")
    return found


def _to_pane(conversation: Conversation) -> HttpResponse:
    return redirect(f"{reverse('console:chat')}?conversation={conversation.pk}")


def _console(
    request: HttpRequest, conversation: Conversation | None, *, message_form: ChatMessageForm,
    case_form: ChatCaseForm | None = None, status: int = 200,
) -> HttpResponse:  # fmt: skip
    if conversation is not None and case_form is None:
        terms = subscription_terms(conversation.organization_id, at=timezone.now())
        case_form = ChatCaseForm(policy=terms.policy if terms is not None else None)
    context = {
        "conversations": [conversation_summary(c) for c in conversation_list()],
        "conversation": conversation,
        "summary": conversation_summary(conversation) if conversation is not None else None,
        "transcript": transcript_view(conversation) if conversation is not None else [],
        "message_form": message_form,
        "case_form": case_form,
    }
    return render(request, "channels/chat/console.html", context, status=status)


@staff_required
def console_chat(request: HttpRequest) -> HttpResponse:
    """Every conversation (waiting ones first) and, with ``?conversation=ID``, that one."""
    wanted = request.GET.get("conversation", "")
    conversation = _conversation(int(wanted)) if wanted.isdigit() else None
    return _console(request, conversation, message_form=ChatMessageForm())


@require_POST
@staff_required
def console_chat_message(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Answer in a conversation (the first engineer to answer takes it)."""
    conversation = _conversation(conversation_id)
    form = ChatMessageForm(request.POST)
    if not form.is_valid():
        return _console(request, conversation, message_form=form, status=400)
    try:
        chat_message_post(
            conversation=conversation, author=request_user(request),
            body=form.cleaned_data["body"], at=timezone.now(),
        )  # fmt: skip
    except (CaseInputError, CaseRefusedError) as error:
        _, reason, status = _refusal(error)
        form.add_error("body", reason)
        return _console(request, conversation, message_form=form, status=status)
    return _to_pane(conversation)


@require_POST
@staff_required
def console_chat_case(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Make a case of the conversation with its transcript, or add it to a case."""
    conversation = _conversation(conversation_id)
    terms = subscription_terms(conversation.organization_id, at=timezone.now())
    form = ChatCaseForm(request.POST, policy=terms.policy if terms is not None else None)
    blank = ChatMessageForm()
    if not form.is_valid():
        return _console(request, conversation, message_form=blank, case_form=form, status=400)
    data = form.cleaned_data
    try:
        case = conversation_case_make(
            conversation=conversation, actor=request_user(request), at=timezone.now(),
            subject=data["subject"].strip(), priority=data["priority"] or None,
            environment=data["environment"], case=case_to_join(data["case"]),
        )  # fmt: skip
    except (CaseInputError, CaseRefusedError) as error:
        field, reason, status = _refusal(error)
        form.add_error(field if field in form.fields else None, reason)
        return _console(request, conversation, message_form=blank, case_form=form, status=status)
    messages.success(request, f"The conversation is now in {case.number}.")
    return redirect("console:case", case.pk)


@require_POST
@staff_required
def console_chat_end(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """End a conversation (one nobody answered becomes a case)."""
    conversation = _conversation(conversation_id)
    conversation_end(conversation=conversation, actor=request_user(request), at=timezone.now())
    messages.info(request, "The conversation has ended.")
    return _to_pane(conversation)
