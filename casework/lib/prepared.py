"""SQL that Django builds once and runs many times with new values: hot reads and inserts.

Django builds a queryset's SQL anew every time it is evaluated. For a lookup over five joined
models, or a query with correlated subqueries, building the SQL costs several times what the
database spends running it (docs/benchmarks.md: the bearer-token lookup and the terms a case
is opened under took most of a case creation's time). A :class:`PreparedQuery` is written as
an ordinary queryset with :class:`Param` placeholders where the values go::

    TOKEN = PreparedQuery(
        lambda: ApiToken.objects.select_related("user").filter(
            token_hash=Param("digest", models.CharField())
        )
    )
    token = TOKEN.first(digest=digest)

The queryset is built and compiled once per database alias (SQL differs between SQLite and
PostgreSQL); each call binds the values, each adapted by its placeholder's field exactly as
a lookup adapts a plain value, runs the SQL on the current connection (so transactions, query
logging and ``assertNumQueries`` see it as usual) and builds model instances the way a
queryset does: the model, its ``select_related`` objects and its annotations, through the
database's converters.

Only for hot read paths of a fixed shape: the queryset may not depend on the values, and
``values()``/``values_list()`` querysets are not supported (instances only).

:func:`insert_all` is the write side: it inserts new instances of one model with one
statement whose SQL is made once per model, row count and database, where ``bulk_create``
builds it on every call (the three inserts of a new case cost more to build than to run).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

_INSERTS: dict[tuple[type[Model], int, str], str] = {}
_CACHED_ROWS = 64  # statements for more rows than this are made each time, not kept


def insert_all(objs: Sequence[Model], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert new instances of one model, as ``bulk_create(objs)`` does, and set their ids.

    Every concrete field is written but the automatic primary key (and generated columns),
    each value adapted by its field as a save adapts it (``pre_save``, then
    ``get_db_prep_save``); a foreign key to an instance saved just before takes its id. Like
    ``bulk_create``: no ``save()``, no signals. Not for expressions as values (``F()``), parents
    of multi-table inheritance, or instances that already have a primary key.
    """
    if not objs:
        return
    model = type(objs[0])
    opts = model._meta
    pk = opts.pk
    if opts.parents or any(type(obj) is not model or obj.pk is not None for obj in objs):
        raise TypeError(f"insert_all takes new {model.__name__} instances of one plain model")
    fields = [f for f in opts.concrete_fields if f is not pk and not f.generated]
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert:
        raise TypeError(f"{connection.vendor} cannot return the ids of inserted rows")
    size = max(1, connection.ops.bulk_batch_size(fields, objs) or len(objs))
    for start in range(0, len(objs), size):
        _insert_batch(model, fields, objs[start : start + size], using, connection)


def _insert_batch(
    model: type[Model],
    fields: list[Field[Any, Any]],
    objs: Sequence[Model],
    using: str,
    connection: BaseDatabaseWrapper,
) -> None:
    params: list[object] = []
    for obj in objs:
        # What bulk_create does first: a foreign key to an instance saved just before takes
        # its id (and refuses an unsaved one).
        obj._prepare_related_fields_for_save(operation_name="insert_all")  # type: ignore[attr-defined]
        for field in fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"insert_all takes values, not expressions ({field.name})")
            params.append(field.get_db_prep_save(value, connection))
    key = (model, len(objs), using)
    sql = _INSERTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(cast(str, f.column)) for f in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        pk_column = quote(cast(str, model._meta.pk.column))
        # Only quoted identifiers from the model's own definition go into the text; every
        # value is a bound parameter.
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(objs))} RETURNING {pk_column}"
        )
        if len(objs) <= _CACHED_ROWS:
            _INSERTS[key] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, cast(Sequence[Any], params))
        ids = cursor.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using


class _Slot:
    """Where a :class:`Param`'s value goes in a compiled statement's parameters."""

    __slots__ = ("field", "name")

    def __init__(self, name: str, field: Field[Any, Any]) -> None:
        self.name = name
        self.field = field

    def bind(self, values: Mapping[str, object], connection: BaseDatabaseWrapper) -> object:
        return self.field.get_db_prep_value(values[self.name], connection, prepared=False)


class Param(Expression):
    """A named value of a prepared query; ``output_field`` adapts it for the database."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        # The slot stands in the compiled parameters until a call binds it.
        return "%s", cast(tuple[str | int, ...], (_Slot(self.name, self.output_field),))


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One database's SQL for the query, and what turns its rows into instances."""

    sql: str
    params: tuple[object, ...]
    names: frozenset[str]
    build: Callable[[str, list[tuple[Any, ...]]], list[Any]]


class PreparedQuery[M: Model]:
    """A queryset (with :class:`Param` placeholders) compiled once per database alias."""

    def __init__(self, build: Callable[[], QuerySet[M]]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def all(self, *, using: str = DEFAULT_DB_ALIAS, **values: object) -> list[M]:
        """The instances the queryset yields with these values for its parameters."""
        compiled = self._compiled.get(using) or self._compile(using)
        if values.keys() != compiled.names:
            raise TypeError(f"expected values for {sorted(compiled.names)}, got {sorted(values)}")
        connection = connections[using]
        params = [
            p.bind(values, connection) if isinstance(p, _Slot) else p for p in compiled.params
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, cast(Sequence[Any], params))
            rows = cursor.fetchall()
        if not rows:
            return []
        return cast(list[M], compiled.build(using, rows))

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: object) -> M | None:
        """The first instance, or None (order and limit the queryset to say which)."""
        found = self.all(using=using, **values)
        return found[0] if found else None

    def _compile(self, using: str) -> _Compiled:
        with self._lock:
            if using in self._compiled:
                return self._compiled[using]
            queryset = self._build()
            if queryset._iterable_class is not ModelIterable:
                raise TypeError("a PreparedQuery yields model instances: no values()")
            template = queryset.query.get_compiler(using=using)
            sql, params = template.as_sql()
            names = frozenset(p.name for p in params if isinstance(p, _Slot))
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                names=names,
                build=_instance_builder(queryset, template),
            )
            self._compiled[using] = compiled
            return compiled


def _instance_builder(
    queryset: QuerySet[Any], template: SQLCompiler
) -> Callable[[str, list[tuple[Any, ...]]], list[Any]]:
    """Rows → instances, as ``ModelIterable`` makes them (model, select_related, annotations)."""
    select, klass_info = template.select, template.klass_info
    annotations = template.annotation_col_map
    if klass_info is None:  # only a values() queryset has none, and _compile refused those
        raise TypeError("a PreparedQuery yields model instances")
    model_cls = klass_info["model"]
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    fetch_mode = queryset._fetch_mode  # type: ignore[attr-defined]
    col_count = template.col_count

    # Per connection (each thread has its own): a compiler on it with the compiled select, and
    # its converters (SQLite's datetimes, JSON), which come from the connection that read.
    readers: weakref.WeakKeyDictionary[BaseDatabaseWrapper, tuple[SQLCompiler, Any, Any]] = (
        weakref.WeakKeyDictionary()
    )

    def reader(using: str) -> tuple[SQLCompiler, Any, Any]:
        connection = connections[using]
        found = readers.get(connection)
        if found is None:
            compiler = template.query.get_compiler(using=using)
            compiler.select, compiler.klass_info = select, klass_info
            compiler.annotation_col_map, compiler.col_count = annotations, col_count
            converters = compiler.get_converters([column[0] for column in select[:col_count]])
            populators = get_related_populators(klass_info, select, using, fetch_mode)
            found = readers[connection] = (compiler, converters, populators)
        return found

    def build(using: str, rows: Sequence[tuple[Any, ...]]) -> list[Any]:
        compiler, converters, populators = reader(using)
        trimmed = [row[:col_count] for row in rows] if template.has_extra_select else rows
        converted = compiler.apply_converters(trimmed, converters) if converters else trimmed
        made = []
        for row in converted:
            obj = model_cls.from_db(using, init_list, row[start:end], fetch_mode=fetch_mode)
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (annotations or {}).items():
                setattr(obj, name, row[position])
            made.append(obj)
        return made

    return build
