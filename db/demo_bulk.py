"""Bulk inserts for the demo city (:mod:`db.demo`): hundreds of thousands of rows in seconds.

A Core ``insert(table)`` executed with a list of rows spends most of its time per row in
SQLAlchemy (compiling parameters, running each column's bind processor through the
generic machinery): about 4 of the demo's 10 CPU-seconds. Here each column's bind
processor is looked up once and applied column-wise, and the rows go to the driver in one
call: SQLite's ``executemany``, PostgreSQL's ``COPY ... FROM STDIN`` (a round trip per
row is what made the load three times slower on PostgreSQL than on SQLite). The values
stored are the ones Core would store: the same processors, and the columns a row leaves
out get the same Python-side defaults (a constant, or a callable such as ``list``) or
are left to the server's default.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Table, insert, select
from sqlalchemy.engine import Connection

# Below this many rows the plain Core insert is as fast and needs no explanation.
_FAST_FROM = 64


def _default_of(column: Column[Any]) -> Callable[[], Any] | None:
    """A function giving the Python-side default Core would give ``column`` when a row
    leaves it out, or None when Core would leave it to the server (or to NULL)."""
    default = column.default
    if default is None:
        return None
    if getattr(default, "is_scalar", False):
        value = default.arg  # type: ignore[attr-defined]
        return lambda: value
    if getattr(default, "is_callable", False):
        fn = default.arg  # type: ignore[attr-defined]
        return lambda: fn(None)  # Core wraps a no-argument callable to take its context
    raise NotImplementedError(f"{column}: a default that is neither a constant nor a callable")


def _by_repr(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``process`` remembered per value, for JSON values: the demo's 100,000 answer sheets
    have a few hundred distinct attributes and flags. Two plain JSON values (dicts, lists,
    strings, numbers, booleans, None) with the same ``repr`` are equal, so they serialize
    alike."""
    done: dict[str, Any] = {}

    def remembered(value: Any) -> Any:
        key = repr(value)
        if key not in done:
            done[key] = process(value)
        return done[key]

    return remembered


def _columns_and_values(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """The column names and the rows as tuples of driver-ready values, or None when the
    rows do not all have the first row's keys (then Core is used, which says what is wrong).
    Keys beyond the first row's are ignored, as Core's executemany ignores them."""
    keys = list(rows[0])
    if any(k not in table.c for k in keys):
        return None
    try:
        defaults = {
            c.key: f for c in table.columns if c.key not in rows[0] and (f := _default_of(c)) is not None
        }
    except NotImplementedError:
        return None
    pick = itemgetter(*keys) if len(keys) > 1 else (lambda r: (r[keys[0]],))
    try:
        values = list(map(pick, rows))
    except KeyError:
        return None
    names = keys + list(defaults)
    dialect = conn.dialect
    processors = [
        None
        # sqlite3 takes bytes as a BLOB as it is; Core's processor only wraps it in a memoryview
        if dialect.name == "sqlite" and isinstance(table.c[n].type, LargeBinary)
        else table.c[n].type.dialect_impl(dialect).bind_processor(dialect)
        for n in names
    ]
    if not defaults and all(p is None for p in processors):
        return names, values
    # column-wise: each processor runs over its own column only
    columns: list[Sequence[Any]] = list(zip(*values, strict=True))
    columns += [[f() for _ in rows] for f in defaults.values()]
    for n, process in enumerate(processors):
        if process is None:
            continue
        if isinstance(table.c[names[n]].type, JSON):
            process = _by_repr(process)
        columns[n] = list(map(process, columns[n]))
    return names, list(zip(*columns, strict=True))


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``, as fast as the driver allows."""
    if not rows:
        return
    prepared = _columns_and_values(conn, table, rows) if len(rows) >= _FAST_FROM else None
    backend = conn.dialect.name
    if prepared is None or backend not in ("sqlite", "postgresql"):
        conn.execute(insert(table), list(rows))
        return
    names, values = prepared
    quote = conn.dialect.identifier_preparer.quote
    column_list = ", ".join(quote(n) for n in names)
    if backend == "sqlite":
        marks = ", ".join("?" * len(names))
        conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({column_list}) VALUES ({marks})", values)
        return
    # PostgreSQL (psycopg 3): COPY in the connection's open transaction
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {quote(table.name)} ({column_list}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
    finally:
        cursor.close()


def insert_ids(
    conn: Connection, model: type[Any], rows: list[dict[str, Any]], counts: Counter[str]
) -> list[int]:
    """Insert (one executemany with RETURNING), giving the new ids in the order of ``rows``:
    for the small tables whose ids the next rows refer to."""
    if not rows:
        return []
    table: Table = model.__table__
    counts[table.name] += len(rows)
    result = conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def insert_plain(
    conn: Connection, model: type[Any], rows: list[dict[str, Any]], counts: Counter[str]
) -> None:
    """Bulk insert without ids back (answers, attempts: nothing refers to them)."""
    if rows:
        table: Table = model.__table__
        counts[table.name] += len(rows)
        insert_rows(conn, table, rows)


def insert_keyed(
    conn: Connection, model: type[Any], rows: list[dict[str, Any]], counts: Counter[str], where: Any
) -> list[int]:
    """Bulk insert, then read the new ids back (one SELECT), in the order of ``rows``: for
    the big tables whose ids the next rows refer to. ``where`` selects exactly the rows just
    inserted (e.g. the campaign's). One statement numbers its rows in their order (SQLite
    takes the next rowid, PostgreSQL the sequence's next value, row after row), so the
    ids in ascending order are the rows' ids in order."""
    insert_plain(conn, model, rows, counts)
    table: Table = model.__table__
    ids = conn.execute(select(table.c.id).where(where).order_by(table.c.id)).scalars().all()
    if len(ids) != len(rows):
        raise RuntimeError(f"{table.name}: {len(rows)} rows inserted, {len(ids)} read back")
    return list(ids)
