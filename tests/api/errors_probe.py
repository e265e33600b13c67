"""A throwaway API used only by test_errors.py, shaped like the operations casework will have."""

from __future__ import annotations

from django.urls import path
from ninja import Body, Query, Schema
from ninja.errors import HttpError
from pydantic import AwareDatetime, Field

from casework.api.errors import CaseworkAPI, FieldError

api = CaseworkAPI(urls_namespace="errors-probe")


class Step(Schema):
    on: str
    after: int


class PreviewIn(Schema):
    plan: str
    opened_at: AwareDatetime
    steps: list[Step] = Field(default_factory=list)


class Filters(Schema):
    status: str = "open"
    page: int = 1


@api.post("/preview")
def preview(request: object, payload: PreviewIn) -> dict[str, str]:
    if payload.plan != "standard":
        raise FieldError("plan", f"unknown plan {payload.plan!r}; expected one of: standard")
    return {"plan": payload.plan}


@api.post("/cases/{case_id}/reclassify")
def reclassify(request: object, case_id: int, priority: Body[str]) -> dict[str, str]:
    raise HttpError(409, "the case is closed")


@api.get("/cases")
def cases(request: object, filters: Query[Filters]) -> dict[str, int]:
    return {"page": filters.page}


urlpatterns = [path("api/", api.urls)]
