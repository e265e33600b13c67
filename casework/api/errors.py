"""casework's one API error shape.

Every input error, whoever finds it, answers HTTP 422 with::

    {"detail": [{"loc": ["body", "plan"], "field": "plan", "msg": "...", "type": "..."}]}

- ``loc`` is where the value came from (``body``, ``query``, ``path``, ``header``, ``cookie``)
  followed by the path inside it, as pydantic reports it.
- ``field`` is the dotted name of the field as the client wrote it (``plan``,
  ``steps.0.notify``). It is the source itself (``body``) when the whole input is at fault:
  malformed JSON, or JSON of the wrong type.
- ``msg`` says what was expected; ``type`` is a stable machine-readable code.

Schema validation gets there through :class:`CaseworkAPI`; code that finds a bad value later
(an unknown plan id, a duration over a cap) raises :class:`FieldError`. Malformed JSON, which
django-ninja answers with a bare 400, is a 422 naming ``body`` too, so clients handle one shape.
Other errors keep their meaning: 401/403 for who you are, 404 for what you may not see, 409 for
a state conflict, with ``{"detail": "<reason>"}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError, ValidationErrorContext
from ninja.parser import Parser

Loc = tuple[str | int, ...]

# Sources of request data, as django-ninja names them at the head of a `loc`.
SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})


class FieldError(Exception):
    """A value the client sent is not acceptable: answered as a 422 that names the field.

    ``field`` is the dotted field name (``"plan"``, ``"steps.0.after"``); ``source`` says where
    it came from (``"body"`` unless given). Raise it from an API operation, or from a service
    whose callers share a check::

        raise FieldError("plan", "unknown plan 'x'; expected one of: standard, premium")
    """

    def __init__(
        self, field: str, msg: str, *, source: str = "body", type: str = "value_error"
    ) -> None:
        super().__init__(f"{field}: {msg}")
        self.field = field
        self.msg = msg
        self.source = source
        self.type = type

    def item(self) -> dict[str, Any]:
        """This error as one entry of the ``detail`` list."""
        path = [int(part) if part.isdigit() else part for part in self.field.split(".")]
        return error_item((self.source, *path), msg=self.msg, type=self.type)


class MalformedBodyError(ValueError):
    """The request body is not the JSON the operation reads."""


def error_item(loc: Sequence[str | int], *, msg: str, type: str) -> dict[str, Any]:
    """One ``detail`` entry; ``loc`` starts with the source (``body``, ``query``, ...)."""
    loc = tuple(loc)
    path = loc[1:] if loc and loc[0] in SOURCES else loc
    field = ".".join(str(part) for part in path) or str(loc[0] if loc else "body")
    return {"loc": list(loc), "field": field, "msg": msg, "type": type}


def unprocessable(
    request: HttpRequest, api: NinjaAPI, items: Iterable[dict[str, Any]]
) -> HttpResponse:
    """The 422 response carrying ``items``."""
    return api.create_response(request, {"detail": list(items)}, status=422)


class JSONParser(Parser):
    """django-ninja's JSON parser, but a body that does not parse says why."""

    def parse_body(self, request: HttpRequest) -> Any:
        """Decode the body as UTF-8 JSON, raising :class:`MalformedBodyError` if it is not."""
        try:
            return json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MalformedBodyError(f"malformed JSON: {error}") from error


def _validation_error(request: HttpRequest, exc: ValidationError, *, api: NinjaAPI) -> HttpResponse:
    items = []
    for error in exc.errors:
        loc = error.get("loc") or ("body",)
        items.append(
            error_item(
                loc,
                msg=str(error.get("msg", "invalid value")),
                type=str(error.get("type", "value_error")),
            )
        )
    return unprocessable(request, api, items)


def _field_error(request: HttpRequest, exc: FieldError, *, api: NinjaAPI) -> HttpResponse:
    return unprocessable(request, api, [exc.item()])


class TooManyRequestsError(HttpError):
    """429 with ``Retry-After`` (seconds): a rate limit refused the request; nothing of it
    was stored, and the client may send it again after that long."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(429, message)
        self.retry_after = retry_after


def _http_error(request: HttpRequest, exc: HttpError, *, api: NinjaAPI) -> HttpResponse:
    # django-ninja turns any body-parsing failure into HttpError(400) raised from the parser's
    # exception; only ours (malformed JSON) becomes a 422, other 4xx keep their status.
    if isinstance(exc.__cause__, MalformedBodyError):
        return unprocessable(
            request, api, [error_item(("body",), msg=str(exc.__cause__), type="json_invalid")]
        )
    response = api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
    if isinstance(exc, TooManyRequestsError):
        response["Retry-After"] = str(exc.retry_after)
    return response


class CaseworkAPI(NinjaAPI):
    """A NinjaAPI that answers every input error in casework's one shape (see the module doc)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("parser", JSONParser())
        super().__init__(**kwargs)
        self.add_exception_handler(ValidationError, partial(_validation_error, api=self))
        self.add_exception_handler(FieldError, partial(_field_error, api=self))
        self.add_exception_handler(HttpError, partial(_http_error, api=self))

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext[Any]]
    ) -> ValidationError:
        """Drop the operation's parameter name from ``loc`` when the body is one schema.

        django-ninja wraps a body read into a single parameter (``payload: PreviewIn``) as
        ``{"payload": <body>}``, so its errors read ``("body", "payload", "plan")``; clients
        never saw the name ``payload``, so the location becomes ``("body", "plan")``.
        """
        error = super().validation_error_from_error_contexts(error_contexts)
        single = {
            getattr(context.model, "__read_from_single_attr__", None)
            for context in error_contexts
            if context.model.__ninja_param_source__ == "body"
        } - {None}
        for item in error.errors:
            loc: Loc = tuple(item["loc"])
            if len(loc) >= 2 and loc[0] == "body" and loc[1] in single:
                item["loc"] = (loc[0], *loc[2:])
        return error
