"""PreparedQuery: a queryset compiled once, run with new values, giving what the ORM gives."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import pytest
from django.contrib.auth.models import User
from django.db import connection, models, transaction
from django.db.models import Count, F, QuerySet
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from casework.accounts.models import ApiToken, Organization, Subscription
from casework.accounts.services import (
    organization_create,
    subscription_set,
    token_create,
    user_create,
)
from casework.lib.prepared import Param, PreparedQuery, insert_all
from casework.policies.services import LoadResult
from tests.accounts.conftest import AT

pytestmark = pytest.mark.django_db


def tokens_by_hash() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related(
        "user__contact__organization", "user__staff_profile"
    ).filter(token_hash=Param("digest", models.CharField()))


def subscriptions_started_by() -> QuerySet[Subscription]:
    return (
        Subscription.objects.select_related("organization")
        .filter(
            organization_id=Param("org", models.BigIntegerField()),
            effective_from__lte=Param("at", models.DateTimeField()),
        )
        .annotate(starts=F("effective_from"))
        .order_by("-effective_from")
    )


def fields(obj: models.Model) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_prepared_lookup_gives_the_instances_the_orm_gives(
    acme: Organization, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    contact = user_create(
        username="cleo", email="cleo@acme.test", role="contact", organization=acme
    )
    token, _ = token_create(user=contact, name="laptop")
    expected = ApiToken.objects.select_related("user__contact").get(token_hash=token.token_hash)
    prepared = PreparedQuery(tokens_by_hash)

    with django_assert_num_queries(1):
        found = prepared.first(digest=token.token_hash)
    assert found is not None
    assert fields(found) == fields(expected)
    with django_assert_num_queries(0):
        # select_related objects were built from the same row, the missing staff profile too
        assert fields(found.user) == fields(expected.user)
        assert fields(found.user.contact.organization) == fields(acme)
        assert not hasattr(found.user, "staff_profile")
    assert found.created_at.tzinfo is not None  # the database's converters ran


def test_each_call_binds_its_own_values_adapted_by_their_field(
    acme: Organization, packs: dict[str, LoadResult]
) -> None:
    later = subscription_set(
        organization=acme, policy_id="liveops", plan_id="white-glove",
        effective_from=AT + timedelta(days=30),
        sla_overlay={"P1": {"first_response": "PT10M"}},
    )  # fmt: skip
    prepared = PreparedQuery(subscriptions_started_by)

    before = prepared.all(org=acme.pk, at=AT - timedelta(seconds=1))
    first = prepared.all(org=acme.pk, at=AT)
    both = prepared.all(org=acme.pk, at=AT + timedelta(days=31))
    assert before == []
    assert [s.plan_id for s in first] == ["standard"]
    assert [s.pk for s in both] == [later.pk, first[0].pk]
    assert both[0].sla_overlay == {"P1": {"first_response": "PT10M"}}  # JSON decoded
    assert both[0].starts == later.effective_from  # type: ignore[attr-defined]
    assert both[0].organization == acme
    assert prepared.all(org=10**9, at=AT) == []


def test_the_queryset_is_built_and_compiled_once(
    acme: Organization, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    builds: list[int] = []

    def build() -> QuerySet[Subscription]:
        builds.append(1)
        return subscriptions_started_by()

    prepared = PreparedQuery(build)
    for day in range(5):
        prepared.all(org=acme.pk, at=AT + timedelta(days=day))
    assert builds == [1]
    with CaptureQueriesContext(connection) as queries:
        prepared.all(org=acme.pk, at=AT)
        prepared.all(org=acme.pk + 1, at=AT + timedelta(hours=1))
    first, second = (q["sql"] for q in queries.captured_queries)
    assert str(acme.pk) in first
    assert str(acme.pk + 1) in second


def test_it_reads_on_the_current_connection_inside_a_transaction(
    packs: dict[str, LoadResult],
) -> None:
    prepared = PreparedQuery(subscriptions_started_by)
    with transaction.atomic():
        initech = organization_create(
            name="Initech", policy_id="liveops", plan_id="standard", effective_from=AT
        )
        assert [s.organization_id for s in prepared.all(org=initech.pk, at=AT)] == [initech.pk]
        transaction.set_rollback(True)
    assert prepared.all(org=initech.pk, at=AT) == []


def test_the_values_it_needs_are_named_when_one_is_missing_or_extra(acme: Organization) -> None:
    prepared = PreparedQuery(subscriptions_started_by)
    with pytest.raises(TypeError, match=r"expected values for \['at', 'org'\]"):
        prepared.all(org=acme.pk)
    with pytest.raises(TypeError, match="expected values"):
        prepared.all(org=acme.pk, at=AT, plan="standard")


def test_it_yields_instances_only(db: None) -> None:
    values = User.objects.filter(username=Param("name", models.CharField())).values("pk")
    prepared = PreparedQuery(lambda: cast(QuerySet[User], values))
    with pytest.raises(TypeError, match="model instances"):
        prepared.all(name="sam")


def test_aggregating_annotations_come_through(acme: Organization) -> None:
    for n in range(3):
        user_create(username=f"c{n}", email=f"c{n}@acme.test", role="contact", organization=acme)
    prepared = PreparedQuery(
        lambda: Organization.objects.filter(name=Param("name", models.CharField())).annotate(
            people=Count("contacts")
        )
    )
    found = prepared.first(name="Acme Corp")
    assert found is not None
    assert found.people == 3  # type: ignore[attr-defined]


# -- insert_all ----------------------------------------------------------------------------------


def new_subscription(organization: Organization, day: int) -> Subscription:
    return Subscription(
        organization=organization, policy_id="liveops", plan_id="standard",
        effective_from=AT + timedelta(days=day), effective_to=AT + timedelta(days=day, hours=1),
        sla_overlay={"P1": {"first_response": f"PT{day + 1}M"}},
    )  # fmt: skip


def test_insert_all_writes_what_bulk_create_writes_in_one_statement_and_sets_the_ids(
    packs: dict[str, LoadResult], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    initech = Organization(name="Initech", slug="initech")
    with django_assert_num_queries(1):
        insert_all([initech])
    assert initech.pk is not None
    assert not initech._state.adding
    ours = [new_subscription(initech, day) for day in range(3)]  # the FK takes initech's id
    theirs = [new_subscription(initech, day) for day in range(3, 6)]
    with django_assert_num_queries(1):
        insert_all(ours)
    Subscription.objects.bulk_create(theirs)

    assert len({s.pk for s in ours}) == 3
    stored = {s.pk: s for s in Subscription.objects.filter(organization=initech)}
    for mine, peer in zip(ours, theirs, strict=True):
        row, peer_row = fields(stored[mine.pk]), fields(stored[peer.pk])
        assert row.pop("id") == mine.pk
        peer_row.pop("id")
        assert row | {"effective_from": None, "effective_to": None, "sla_overlay": None} == (
            peer_row | {"effective_from": None, "effective_to": None, "sla_overlay": None}
        )
        assert row["effective_from"] == mine.effective_from  # datetimes and JSON round-trip
        assert row["sla_overlay"] == mine.sla_overlay
    assert Organization.objects.get(pk=initech.pk).case_visibility == initech.case_visibility


def test_insert_all_splits_what_the_database_cannot_take_in_one_statement(
    acme: Organization,
) -> None:
    many = [new_subscription(acme, day) for day in range(1, 3001)]
    insert_all(many)
    assert Subscription.objects.filter(organization=acme).count() == 3001
    assert sorted(s.pk for s in many) == sorted(
        Subscription.objects.filter(organization=acme, effective_from__gt=AT).values_list(
            "pk", flat=True
        )
    )


def test_insert_all_refuses_saved_instances_mixed_models_expressions_and_unsaved_parents(
    acme: Organization,
) -> None:
    saved = Subscription.objects.get(organization=acme)
    with pytest.raises(TypeError, match="new Subscription instances"):
        insert_all([saved])
    with pytest.raises(TypeError, match="one plain model"):
        insert_all([new_subscription(acme, 1), Organization(name="Mixed", slug="mixed")])
    expression = new_subscription(acme, 1)
    expression.plan_id = F("policy_id")
    with pytest.raises(TypeError, match="not expressions"):
        insert_all([expression])
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_all([new_subscription(Organization(name="Unsaved", slug="unsaved"), 1)])
    assert Subscription.objects.filter(organization=acme).count() == 1  # nothing was written
    insert_all([])  # nothing to do
