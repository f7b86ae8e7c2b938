"""The demo's bulk writer (db/demo_bulk.py) stores what Core's insert stores, on SQLite and
PostgreSQL; the demo's weighted draw is ``random.choices`` draw for draw."""

from __future__ import annotations

import enum
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)

from db.demo import _Weighted
from db.demo_bulk import insert_keyed, insert_rows
from db.engine import make_engine
from db.models import DoNotCall


class Colour(enum.StrEnum):
    red = "red"
    yellow = "yellow"


def _values(e: type[enum.Enum]) -> list[str]:
    return [m.value for m in e]


def _table(metadata: MetaData, name: str) -> Table:
    """A table with a column of every kind the demo writes, and each kind of default."""
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(20), nullable=False),
        Column("score", Float),
        Column("day", Date),
        Column("at", DateTime(timezone=True)),
        Column("attrs", JSON),
        Column("blob", LargeBinary),
        Column("flag", Boolean),
        Column("colour", Enum(Colour, native_enum=False, length=10, values_callable=_values)),
        Column("note", String(20), default="none"),  # a constant default
        Column("tags", JSON, default=list),  # a callable default
        Column("made_at", DateTime(timezone=True), server_default=func.now()),  # the server's
    )


def _rows(n: int) -> list[dict[str, Any]]:
    cst = timezone(timedelta(hours=8))
    return [
        {
            "code": f"R{i:05d}",
            "score": None if i % 7 == 0 else i / 3,
            "day": date(2024, 1, 1) + timedelta(days=i),
            "at": datetime(2024, 11, 1, 18, 30, tzinfo=cst).astimezone(UTC) + timedelta(seconds=37 * i),
            "attrs": {"age_band": "35-59", "sex": "女", "n": i} if i % 5 else {},
            "blob": bytes([i % 256, 0, 255]) if i % 3 else None,
            "flag": i % 2 == 0,
            "colour": Colour.red if i % 4 else Colour.yellow,
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [3, 200])  # below and above the size where the fast path starts
def test_bulk_rows_are_stored_exactly_as_core_stores_them(database_url: str, n: int) -> None:
    engine = make_engine(database_url)
    metadata = MetaData()
    core, bulk = _table(metadata, "core_rows"), _table(metadata, "bulk_rows")
    metadata.create_all(engine)
    try:
        with engine.begin() as conn:
            conn.execute(insert(core), _rows(n))
            insert_rows(conn, bulk, _rows(n))
        # what is stored, read raw: as text on PostgreSQL, as the driver gives it on SQLite
        columns = [c.name for c in core.columns if c.name != "made_at"]
        cast = "::text" if engine.dialect.name == "postgresql" else ""
        listed = ", ".join(f"{c}{cast}" for c in columns)
        with engine.connect() as conn:
            stored = [
                conn.exec_driver_sql(f"SELECT {listed} FROM {t.name} ORDER BY id").all() for t in (core, bulk)
            ]
            stamped = conn.execute(select(func.count()).where(bulk.c.made_at.is_not(None))).scalar()
        assert stored[0] == stored[1] and len(stored[0]) == n
        assert stamped == n  # the server's default was left to the server
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_rows_without_the_first_row_s_keys_go_to_core_which_refuses_them(database_url: str) -> None:
    engine = make_engine(database_url)
    metadata = MetaData()
    table = _table(metadata, "ragged_rows")
    metadata.create_all(engine)
    try:
        rows = _rows(100)
        del rows[50]["code"]  # NOT NULL, and no default
        with pytest.raises(Exception, match="code"), engine.begin() as conn:
            insert_rows(conn, table, rows)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def test_keyed_inserts_give_each_row_its_own_id(make_uow) -> None:  # type: ignore[no-untyped-def]
    rows = [{"phone_hash": f"{i:064x}", "reason": f"r{i}"} for i in range(500)]
    random.Random(3).shuffle(rows)
    with make_uow() as uow:
        conn = uow.session.connection()
        ids = insert_keyed(conn, DoNotCall, rows, Counter(), DoNotCall.id.is_not(None))
        stored = dict(conn.execute(select(DoNotCall.id, DoNotCall.phone_hash)).all())
        uow.commit()
    assert [stored[i] for i in ids] == [r["phone_hash"] for r in rows]


@given(
    weights=st.lists(st.floats(min_value=0.001, max_value=100.0), min_size=1, max_size=20),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_a_weighted_draw_is_random_choices_draw_for_draw(weights: list[float], seed: int) -> None:
    population = [f"p{i}" for i in range(len(weights))]
    ours, theirs = random.Random(seed), random.Random(seed)
    draw = _Weighted(population, weights)
    assert [draw.draw(ours) for _ in range(50)] == [theirs.choices(population, weights)[0] for _ in range(50)]
    assert ours.random() == theirs.random()  # and both used the generator alike
