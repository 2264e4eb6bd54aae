"""Many rows in one statement, without Django preparing each value.

The sweep writes a batch of clocks, their events and their outbox rows with one statement per
table. ``bulk_create`` and ``bulk_update`` would too, but they prepare every value of every row
through its field: measured at ~40 % of a 10,000-due sweep. On PostgreSQL these send one array
per column instead (``unnest``), taken from the instances as they are; elsewhere (SQLite, the
embedded mode) they are Django's bulk methods, with the same result.

A column whose value is the same in every row (a default, a state, the instant of the batch)
goes as one value instead of an array: the driver quotes and the server parses it once, not
once per row (for a sweep's outbox rows, about three columns in four).

A few rows (a request's note, a clock start's clocks and events) go as ``VALUES`` lists
instead, with a statement made once per model and number of rows: for them, building the
arrays cost more than the rows' values.
"""

import json
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache, reduce
from operator import or_

from django.db import connections, router
from django.db.models import Field, Model, Q

#: Types whose Python values the driver sends exactly as Django's ``get_db_prep_save`` would
#: (strings, numbers, aware datetimes, durations, keys). Any other type (JSON, …) goes through
#: its field, one value at a time.
_AS_THEY_ARE = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "DurationField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def rows_insert(
    model: type[Model], rows: Sequence[Model], *, unless_taken: str | tuple[str, ...] | None = None
) -> list[Model]:
    """Insert ``rows`` (new instances of ``model``) with one statement, set their keys and
    return them.

    ``unless_taken``: a unique field; a row whose value there is already in the table is left
    out (``ON CONFLICT DO NOTHING``, which waits for a concurrent insert of the same value),
    keeps no key, and is not returned. A tuple of fields names a unique constraint over them
    (a partial one too): a row that conflicts with any unique index of the table is left out.

    The values are the instances' attributes as they are: no ``pre_save`` (so no
    ``auto_now``), as with a raw insert."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return _bulk_create(model, rows, unless_taken=unless_taken)
    if len(rows) <= FEW and not unless_taken:
        return _few_insert(model, rows, connection)
    fields = _insert_fields(model)
    columns = [[getattr(row, field.attname) for row in rows] for field in fields]
    keys = _insert(model, fields, columns, connection, unless_taken=unless_taken, count=len(rows))
    inserted = []
    for row, key in zip(rows, keys, strict=True):
        if key is not None:
            row.pk = key
            row._state.adding, row._state.db = False, connection.alias
            inserted.append(row)
    return inserted


def row_insert(row: Model, *, unless_taken: str | tuple[str, ...] | None = None) -> Model | None:
    """Insert one new instance and set its key, with a statement made once per model
    (``INSERT … VALUES``): for rows written on every request, where Django's building of the
    INSERT costs as much again as sending it (a public complaint writes several). Returns the
    row, or None when ``unless_taken`` (as for :func:`rows_insert`) left it out.

    The values are the instance's attributes as they are, as with :func:`rows_insert`."""
    model = type(row)
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return next(iter(rows_insert(model, [row], unless_taken=unless_taken)), None)
    return next(iter(_few_insert(model, [row], connection, unless_taken=unless_taken)), None)


#: Up to this many rows, :func:`rows_insert` sends them as ``VALUES`` lists with a statement
#: made once per model and number of rows (a clock start's two clocks and their events):
#: cheaper to build than the ``unnest`` arrays, which pay off for a batch.
FEW = 8


def _few_insert(
    model: type[Model],
    rows: Sequence[Model],
    connection,
    *,
    unless_taken: str | tuple[str, ...] | None = None,
) -> list[Model]:
    """``rows`` (at most :data:`FEW`; one when ``unless_taken``, whose left-out row returns
    no key to tell which it was) inserted with :func:`_values_statement`; the rows inserted."""
    sql, fields = _values_statement(model, unless_taken, len(rows))
    params = [
        _prepared(field, [getattr(row, field.attname)], connection)[0]
        for row in rows
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    if not keys:
        return []  # the one row was taken
    if len(keys) != len(rows):
        raise RuntimeError(f"{len(rows)} rows inserted, {len(keys)} keys returned")
    # PostgreSQL returns the rows of a multi-row VALUES in their order (bulk_create relies on
    # the same).
    for row, (key,) in zip(rows, keys, strict=True):
        row.pk = key
        row._state.adding, row._state.db = False, connection.alias
    return list(rows)


@cache
def _values_statement(
    model: type[Model], unless_taken: str | tuple[str, ...] | None, count: int
) -> tuple[str, list[Field]]:
    """PostgreSQL's INSERT of ``count`` rows of ``model`` as ``VALUES`` lists (:func:`row_insert`,
    a few rows of :func:`rows_insert`), and its fields."""
    fields, quote = _insert_fields(model), connections["default"].ops.quote_name
    values = ", ".join(
        "%s::jsonb" if field.get_internal_type() == "JSONField" else "%s" for field in fields
    )
    conflict = _conflict_clause(model, unless_taken, quote)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES {', '.join([f'({values})'] * count)} {conflict}"
        f"RETURNING {quote(model._meta.pk.column)}"
    ), fields


def _conflict_clause(model: type[Model], unless_taken: str | tuple[str, ...] | None, quote) -> str:
    """What an INSERT does with a row whose ``unless_taken`` value is already in the table (see
    :func:`rows_insert`): nothing, with a trailing space; an empty string when nothing is
    taken. A tuple counts any conflict: a partial unique index is not inferred from its columns
    alone."""
    if isinstance(unless_taken, tuple):
        return "ON CONFLICT DO NOTHING "
    if unless_taken:
        return f"ON CONFLICT ({quote(model._meta.get_field(unless_taken).column)}) DO NOTHING "
    return ""


def values_insert(
    model: type[Model], rows: Sequence[dict], *, unless_taken: str | tuple[str, ...] | None = None
) -> list[int | None]:
    """:func:`rows_insert` for rows given as plain values, ``{attname: value}``, not model
    instances (building an instance costs more than writing its row); returns each row's new
    key, or None for a row ``unless_taken`` left out.

    Every row names the same fields; a field none names takes its default, computed once for
    the statement (a ``timezone.now`` default is the same instant for every row)."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        instances = [model(**row) for row in rows]
        written = {id(row) for row in _bulk_create(model, instances, unless_taken=unless_taken)}
        return [row.pk if id(row) in written else None for row in instances]
    fields = _insert_fields(model)
    columns = [
        [row[field.attname] for row in rows]
        if field.attname in rows[0]
        else [field.get_default()] * len(rows)
        for field in fields
    ]
    return _insert(model, fields, columns, connection, unless_taken=unless_taken, count=len(rows))


def _insert_fields(model: type[Model]) -> list[Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _insert(
    model: type[Model],
    fields: list[Field],
    columns: list[list],
    connection,
    *,
    unless_taken: str | tuple[str, ...] | None,
    count: int,
) -> list[int | None]:
    """One ``INSERT … SELECT … FROM unnest(…)`` of ``columns`` (one list of values per field);
    each row's new key, or None where ``unless_taken`` left it out."""
    meta, quote = model._meta, connection.ops.quote_name
    names = (
        unless_taken if isinstance(unless_taken, tuple) else (unless_taken,) if unless_taken else ()
    )
    unique = [meta.get_field(name) for name in names]
    conflict = _conflict_clause(model, unless_taken, quote)
    returned = ", ".join(quote(column) for column in (meta.pk.column, *(f.column for f in unique)))
    selected, source, params = _columns(fields, columns, connection, count=count)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"SELECT {', '.join(selected)} FROM {source} {conflict}"
        f"RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    if not unique:
        # PostgreSQL returns the rows of INSERT … SELECT in the order selected (bulk_create's
        # UNNEST relies on the same).
        if len(keys) != count:
            raise RuntimeError(f"{count} rows inserted, {len(keys)} keys returned")
        return [key for (key,) in keys]
    key_of = {tuple(values): key for key, *values in keys}
    uniques = zip(*(columns[fields.index(field)] for field in unique), strict=True)
    # A value given twice is inserted once, for the first row.
    return [key_of.pop(value, None) for value in uniques]


def _bulk_create(
    model: type[Model], rows: Sequence[Model], *, unless_taken: str | tuple[str, ...] | None
):
    if unless_taken:
        names = unless_taken if isinstance(unless_taken, tuple) else (unless_taken,)
        attnames = [model._meta.get_field(name).attname for name in names]

        def value(row: Model) -> tuple:
            return tuple(getattr(row, attname) for attname in attnames)

        wanted = [Q(**dict(zip(attnames, value(row), strict=True))) for row in rows]
        taken = set(model.objects.filter(reduce(or_, wanted)).values_list(*attnames))
        rows = [row for row in rows if value(row) not in taken]
    return model.objects.bulk_create(rows)  # SQLite ≥ 3.35 returns the keys too


def rows_update(model: type[Model], rows: Sequence[Model], *, fields: Sequence[str]) -> None:
    """Save ``fields`` of ``rows`` (instances of ``model`` already in the table) with one
    ``UPDATE … FROM unnest(…)``.

    ``bulk_update`` builds a ``CASE WHEN`` per row and field: measured at 1 ms a clock in
    Python alone, more than everything else the sweep does."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, fields)
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    pk = quote(meta.pk.column)
    values, source, params = _columns(
        columns,
        [[getattr(row, column.attname) for row in rows] for column in columns],
        connection,
        count=len(rows),
        varying=meta.pk,
    )
    assignments = ", ".join(
        f"{quote(column.column)} = {value}"
        for column, value in zip(columns[1:], values[1:], strict=True)
    )
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "
        f"FROM {source} WHERE t.{pk} = {values[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _columns(
    fields: list[Field], columns: list[list], connection, *, count: int, varying=None
) -> tuple[list[str], str, list]:
    """The SQL of each field's values, the row source they come from, and the parameters in
    the order the statement names them: ``(["v.c0", "%s::text", …], "unnest(…) AS v (c0, …)",
    [...])``. A column with one value in every row (:func:`_same`) is that value, cast; the
    others come from one array each (``varying``: a field always sent as an array)."""
    prepared = [
        _prepared(field, values, connection) for field, values in zip(fields, columns, strict=True)
    ]
    expressions, scalars, arrays, types, names = [], [], [], [], []
    for field, values in zip(fields, prepared, strict=True):
        kind = _cast_type(field, connection)
        if field is not varying and _same(values):
            expressions.append(f"%s::{kind}")
            scalars.append(values[0])
        else:
            expressions.append(f"v.c{len(arrays)}")
            names.append(f"c{len(arrays)}")
            arrays.append(values)
            types.append(f"%s::{kind}[]")
    if arrays:
        source = f"unnest({', '.join(types)}) AS v ({', '.join(names)})"
    else:  # every row the same (or a single row)
        source, arrays = "generate_series(1, %s) AS v", [count]
    return expressions, source, [*scalars, *arrays]


#: Each field's cast type by (field, database kind): what :func:`_cast_type` worked out.
_CAST_TYPES: dict[tuple[Field, str], str] = {}


def _cast_type(field: Field, connection) -> str:
    """The type ``field``'s values are cast to, worked out once per field and database kind:
    its column's without the length (varchar, not varchar(20)), as a cast to varchar(20) would
    cut a longer value silently instead of failing as the column does."""
    key = (field, connection.vendor)
    kind = _CAST_TYPES.get(key)
    if kind is None:
        kind = _CAST_TYPES[key] = field.db_type(connection).split("(")[0]
    return kind


#: Types whose values are equal only when the database would store the same (unlike floats,
#: where 0.0 == -0.0, or Decimal, where 1.0 == 1.00).
_EXACT = frozenset({str, int, bool, type(None), date, timedelta})


def _same(values: list) -> bool:
    """Whether every value is the first, exactly: of the same type, and equal."""
    first = values[0]
    if not (type(first) in _EXACT or isinstance(first, date)):  # datetime is a date
        return False
    kind = type(first)
    return values.count(first) == len(values) and all(type(value) is kind for value in values)


def _prepared(field: Field, values: list, connection) -> list:
    kind = field.get_internal_type()
    if kind in _AS_THEY_ARE:
        return values
    if kind == "JSONField":
        # The JSON text, cast by the statement (``%s::jsonb[]``): what the field's own
        # preparation sends, without a driver adapter object per value.
        return [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    return [field.get_db_prep_save(value, connection) for value in values]
