"""``/api/v1/cases``: SPEC §4 "Cases". Token auth; a contact reaches only its organisation's
cases (anything else is a 404); bad input is a 422 naming the field; a refused change is a 409
with the reason."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from casework.accounts.models import Organization, Product
from casework.accounts.selectors import subscription_terms, user_organization
from casework.api.auth import BearerTokenAuth
from casework.api.errors import FieldError
from casework.cases.attachments import attachment_add
from casework.cases.errors import CaseInputError, CaseRefusedError, TransitionRefusedError
from casework.cases.models import Attachment, Case, Message
from casework.cases.schemas import (
    AttachmentOut,
    CaseIn,
    CaseOut,
    CasePage,
    ClockOut,
    ElevateIn,
    EventOut,
    MessageIn,
    MessageOut,
    ReclassifyIn,
    TransitionIn,
)
from casework.cases.selectors import (
    CaseFilters,
    case_events_for_user,
    case_get_for_user,
    case_list_for_user,
)
from casework.cases.services import (
    CaseDraft,
    case_closable_set,
    case_elevate,
    case_message_add,
    case_open,
    case_phone_call_log,
    case_reclassify,
    case_transition,
)
from casework.lib.downloads import attachment_download_for_user

router = Router(tags=["cases"], auth=BearerTokenAuth())


def _user(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _case(request: HttpRequest, case_id: int) -> Case:
    try:
        return case_get_for_user(_user(request), case_id)
    except Case.DoesNotExist:
        raise Http404("no such case") from None


def _staff_only(request: HttpRequest) -> None:
    if user_organization(_user(request)) is not None:
        raise HttpError(403, "only support staff may do this")


# A case as the API answers it: a dict that the declared response model (CaseOut) validates.
CaseDict = dict[str, object]

_CLOCK_FIELDS = tuple(ClockOut.model_fields)


def case_out(case: Case) -> CaseDict:
    """The API shape of a case and its clocks (prefetch ``clocks`` for a list)."""
    return {
        "id": case.pk,
        "number": case.number,
        "organization": case.organization_id,
        "subject": case.subject,
        "description": case.description,
        "priority": case.priority,
        "environment": case.environment,
        "channel": case.channel,
        "origin": case.origin,
        "category": case.category,
        "tier": case.tier,
        "status": case.status,
        "linked_from": case.linked_from_id,
        "closable": case.closable,
        "plan": case.plan,
        "policy": case.policy_id,
        "policy_version": case.policy_version,
        "created_at": case.created_at,
        "next_due_at": case.next_due_at,
        "clocks": [
            {name: getattr(clock, name) for name in _CLOCK_FIELDS} for clock in case.clocks.all()
        ],
    }


def _domain(error: CaseInputError | TransitionRefusedError) -> Exception:
    if isinstance(error, CaseInputError):
        return FieldError(error.field, error.message)
    return HttpError(409, error.reason)


@router.post("/cases", response={201: CaseOut})
def case_create(request: HttpRequest, payload: CaseIn) -> Status[CaseDict]:
    """Open a case. A contact opens it for its own organisation (if the policy lets its role,
    R27); staff name the organisation. No priority: the policy's default (R56)."""
    user = _user(request)
    now = timezone.now()
    terms = None
    organization = user_organization(user)
    if organization is None:
        if payload.organization is None:
            raise FieldError("organization", "staff must say whose case it is")
        # One query reads the organisation with its plan and policy version in force.
        terms = subscription_terms(payload.organization, at=now)
        if terms is not None:
            organization = terms.subscription.organization
        elif Organization.objects.filter(pk=payload.organization).exists():
            raise FieldError("organization", "the organisation has no support plan now")
        else:
            raise FieldError("organization", f"no organisation {payload.organization}")
    elif payload.organization not in (None, organization.pk):
        raise FieldError("organization", "contacts open cases for their own organisation")
    product = None
    if payload.product is not None:
        product = Product.objects.filter(pk=payload.product).first()
        if product is None:
            raise FieldError("product", f"no product {payload.product}")
    draft = CaseDraft(
        organization=organization,
        subject=payload.subject,
        description=payload.description,
        environment=payload.environment,
        priority=payload.priority,
        channel=payload.channel or "api",
        category=payload.category.strip(),
        product=product,
        notified_at=payload.notified_at,
    )
    try:
        case = case_open(draft=draft, requester=user, at=now, terms=terms)
    except CaseInputError as error:
        raise _domain(error) from None
    except CaseRefusedError as error:  # R27
        raise HttpError(403, error.reason) from None
    return Status(201, case_out(case))


class CaseListQuery(Schema):
    """Filters of ``GET /cases``."""

    status: str | None = None
    priority: str | None = None
    tier: str | None = None
    organization: int | None = None
    assignee: int | None = None
    breached: bool | None = None
    at_risk: bool | None = Field(
        None, description="A running clock past its warning instant, not yet breached"
    )
    q: str | None = Field(
        None, max_length=500, description="Full-text search: subjects, descriptions, messages"
    )
    cursor: str | None = None
    limit: int = 50


@router.get("/cases", response=CasePage)
def case_list(request: HttpRequest, query: Query[CaseListQuery]) -> dict[str, object]:
    """The cases you may see, next due first; follow ``next`` for the following page."""
    if not 1 <= query.limit <= 200:
        raise FieldError("limit", "expected 1 to 200", source="query")
    filters = CaseFilters(
        status=query.status,
        priority=query.priority,
        tier=query.tier,
        organization=query.organization,
        assignee=query.assignee,
        breached=query.breached,
        at_risk=query.at_risk,
        q=query.q,
    )
    try:
        cases, cursor = case_list_for_user(
            _user(request), filters=filters, cursor=query.cursor, limit=query.limit
        )
    except ValueError:
        raise FieldError("cursor", "not a cursor this API gave out", source="query") from None
    return {"items": [case_out(case) for case in cases], "next": cursor}


@router.get("/cases/{case_id}", response=CaseOut)
def case_detail(request: HttpRequest, case_id: int) -> CaseDict:
    """One case with its clocks."""
    return case_out(_case(request, case_id))


def _message_input_check(payload: MessageIn, *, from_support: bool) -> None:
    """422 for what a customer may not send, and for a phone call's own rules (R43, R44)."""
    if not from_support:
        if not payload.public:
            raise FieldError("public", "customers' messages are always public")
        if payload.eta is not None:
            raise FieldError("eta", "only support gives an ETA")
        if payload.workaround:
            raise FieldError("workaround", "only support records a workaround")
        if payload.kind == "phone_call":
            raise FieldError("kind", "only support logs a phone call")
    if payload.resolved_on_call and payload.kind != "phone_call":
        raise FieldError("resolved_on_call", "only a phone call is resolved on the call (R44)")
    if payload.kind == "phone_call" and not payload.public:
        raise FieldError("public", "a call with the customer is public; add a note instead")
    if payload.resolved_on_call and not payload.body.strip():
        raise FieldError("body", "closing on the call needs a recap of the solution (R44)")


@router.post("/cases/{case_id}/messages", response={201: MessageOut})
def case_message(request: HttpRequest, case_id: int, payload: MessageIn) -> Status[MessageOut]:
    """Reply, add an internal note or log a phone call. Support's public replies and calls are
    responses (G4); support may record an ETA (G7) or a workaround (R62) with one, and close
    a case resolved on the call with a recap (R44)."""
    case = _case(request, case_id)
    from_support = user_organization(_user(request)) is None
    _message_input_check(payload, from_support=from_support)
    if payload.kind == "phone_call":
        try:
            message = case_phone_call_log(
                case=case, author=_user(request), body=payload.body, at=timezone.now(),
                resolved_on_call=payload.resolved_on_call, eta=payload.eta,
                workaround=payload.workaround,
            )  # fmt: skip
        except TransitionRefusedError as error:
            raise _domain(error) from None
        return Status(201, message_out(message))
    message = case_message_add(
        case=case,
        author=_user(request),
        body=payload.body,
        public=payload.public,
        from_support=from_support,
        at=timezone.now(),
        eta=payload.eta,
        workaround=payload.workaround,
    )
    return Status(201, message_out(message))


def message_out(message: Message) -> MessageOut:
    """The API shape of a message."""
    return MessageOut(
        id=message.pk,
        kind=message.kind,
        public=message.public,
        body=message.body,
        eta=message.eta,
        workaround=message.workaround,
        resolved_on_call=message.resolved_on_call,
        followup_case=message.followup_case_id,
        created_at=message.created_at,
    )


@router.post("/cases/{case_id}/reclassify", response=CaseOut)
def case_reclassify_op(request: HttpRequest, case_id: int, payload: ReclassifyIn) -> CaseDict:
    """Change the priority, with a reason (staff only; R53–R55)."""
    case = _case(request, case_id)
    _staff_only(request)
    try:
        case_reclassify(
            case=case, actor=_user(request), priority=payload.priority, reason=payload.reason,
            at=timezone.now(),
        )  # fmt: skip
    except (CaseInputError, TransitionRefusedError) as error:
        raise _domain(error) from None
    return case_out(_case(request, case_id))


@router.post("/cases/{case_id}/elevate", response=CaseOut)
def case_elevate_op(request: HttpRequest, case_id: int, payload: ElevateIn) -> CaseDict:
    """Move the case to another tier, with a reason (staff only; R38–R41)."""
    case = _case(request, case_id)
    _staff_only(request)
    try:
        case_elevate(
            case=case, actor=_user(request), tier=payload.tier, reason=payload.reason,
            at=timezone.now(),
        )  # fmt: skip
    except (CaseInputError, TransitionRefusedError) as error:
        raise _domain(error) from None
    return case_out(_case(request, case_id))


@router.post("/cases/{case_id}/transition", response=CaseOut)
def case_transition_op(request: HttpRequest, case_id: int, payload: TransitionIn) -> CaseDict:
    """Change the status; an illegal transition is a 409 with the reason (G15, R9)."""
    case = _case(request, case_id)
    try:
        case_transition(
            case=case,
            actor=_user(request),
            status=payload.status,
            by_customer=user_organization(_user(request)) is not None,
            at=timezone.now(),
            note=payload.note,
            exclusion=payload.exclusion,
        )
    except (CaseInputError, TransitionRefusedError) as error:
        raise _domain(error) from None
    return case_out(_case(request, case_id))


@router.post("/cases/{case_id}/closable", response=CaseOut)
def case_closable(request: HttpRequest, case_id: int) -> CaseDict:
    """The customer says the case can be closed (R9): support may then resolve it. Only a
    contact of the case's organisation may say so."""
    case = _case(request, case_id)
    if user_organization(_user(request)) is None:
        raise HttpError(403, "only the customer says a case can be closed (R9)")
    case_closable_set(case=case, actor=_user(request), at=timezone.now())
    return case_out(_case(request, case_id))


@router.post("/cases/{case_id}/attachments", response={201: AttachmentOut})
def case_attachment_add(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile | None] = None,
    message: Form[int | None] = None,
) -> Status[AttachmentOut]:
    """Attach a file (multipart, field ``file``), optionally to one of the case's messages.
    Size and type limits: ``CASEWORK_MAX_ATTACHMENT_BYTES``; PNG, JPEG, GIF, PDF or plain
    text, recognised by the file's first bytes."""
    case = _case(request, case_id)
    if file is None:
        raise FieldError("file", "send the file as multipart form data, field 'file'")
    on = None
    if message is not None:
        on = case.messages.filter(pk=message).first()
        staff = user_organization(_user(request)) is None
        if on is None or not (on.public or staff):
            raise FieldError("message", f"no message {message} on this case")
    limit = settings.CASEWORK_MAX_ATTACHMENT_BYTES
    if file.size is not None and file.size > limit:
        raise FieldError("file", f"the file is larger than the limit of {limit} bytes")
    content = file.read(limit + 1)
    try:
        attachment = attachment_add(
            case=case, uploaded_by=_user(request), name=file.name or "", content=content,
            message=on,
        )  # fmt: skip
    except CaseInputError as error:
        raise _domain(error) from None
    return Status(201, attachment_out(attachment))


def attachment_out(attachment: Attachment) -> AttachmentOut:
    """The API shape of an attachment."""
    return AttachmentOut(
        id=attachment.pk,
        case=attachment.case_id,
        message=attachment.message_id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        sha256=attachment.sha256,
        created_at=attachment.created_at,
    )


@router.get("/attachments/{attachment_id}", response={200: None})
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Download an attachment: only for those who may see its case (and, for contacts, its
    message), always as a download that the browser must not render or sniff."""
    return attachment_download_for_user(_user(request), attachment_id)


@router.get("/cases/{case_id}/events", response=list[EventOut])
def case_events(request: HttpRequest, case_id: int) -> list[EventOut]:
    """The append-only history; contacts see its public part."""
    case = _case(request, case_id)
    return [
        EventOut(
            id=event.pk,
            kind=event.kind,
            at=event.at,
            actor=event.actor.username if event.actor else None,
            public=event.public,
            data=event.data,
        )
        for event in case_events_for_user(_user(request), case)
    ]
