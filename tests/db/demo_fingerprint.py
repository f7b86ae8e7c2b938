"""A fingerprint of everything the demo city writes, to compare two loads row by row.

Per table: the number of rows and a SHA-256 over every row (ordered by id, ids and
foreign keys included), leaving out only what differs between two loads of the same
city by design: times stamped by the database at load time (``now()`` defaults, the
audit trail's times and its hash chain), password hashes (random salts), ciphertexts
(random nonces: they are decrypted and their plain text is fingerprinted instead), and
what the bootstrap draws (a run's summary and each result's row of intervals, the
publication's snapshot of them), and the bundle the scoring service exports (its lines
are ordered differently on the two backends). What the services make of the demo is
kept where it is the demo's content: each unit's result, rank, list and card, the card
cases, the accounts, and the audit trail's actions. Keyed hashes are fingerprinted as they are, so the
key must be the same in both loads (the tests set ``APPRAISAL_SECRET_KEY``).

Used by tests/db/test_demo_fingerprint.py, whose frozen values were computed with this
module on the loader before it was made fast (db/demo.py at commit cc48458).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Table, select
from sqlalchemy.engine import Connection

from db import crypto
from db.models import Base

# (table, column) left out besides the now()-stamped columns found by is_load_time
LEFT_OUT: frozenset[tuple[str, str]] = frozenset(
    {
        ("app_user", "password_hash"),  # Argon2id with a random salt
        ("audit_entry", "at"),  # wall-clock time of the load
        ("card_case", "updated_at"),  # stamped by the cards service at the load
        ("rectification_item", "updated_at"),
        ("audit_entry", "prev_hash"),  # the chain covers the times above
        ("audit_entry", "entry_hash"),
        # what the scoring and publication services make of the demo's data (their own
        # business): the bundle's lines follow the items' positions, whose ties the two
        # backends order differently, and input_sha256 hashes that bundle; the entries'
        # before/after repeat such values. The rows these are made from are all kept.
        ("audit_entry", "before"),
        ("audit_entry", "after"),
        ("scoring_run", "input_sha256"),
        ("publication", "bundle"),
        ("scoring_run", "summary"),  # holds the bootstrap's intervals
        ("unit_result", "row"),  # likewise
        ("publication", "snapshot"),  # the published results, intervals included
        ("publication", "snapshot_sha256"),
        ("publication", "bundle_sha256"),
    }
)


def is_load_time(column: Column[Any]) -> bool:
    """A column the database stamps with the time of the insert (``server_default=now()``)."""
    default = column.server_default
    return default is not None and "now" in str(getattr(default, "arg", "")).lower()


def _plain(table: str, column: str, value: Any) -> Any:
    """A value in a form both backends give alike (and JSON can carry)."""
    if value is None:
        return None
    if isinstance(value, memoryview | bytes):
        raw = bytes(value)
        if column.endswith("_enc"):
            return "plain:" + crypto.decrypt(raw)
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # PostgreSQL: aware; SQLite: naive UTC
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 9))
    return value


def table_fingerprint(conn: Connection, table: Table) -> tuple[int, str]:
    """(rows, SHA-256) of one table."""
    columns = [
        c for c in table.columns if not is_load_time(c) and (table.name, c.name) not in LEFT_OUT
    ]
    h = hashlib.sha256()
    n = 0
    for row in conn.execute(select(*columns).order_by(*table.primary_key.columns)):
        values = [_plain(table.name, c.name, v) for c, v in zip(columns, row, strict=True)]
        h.update(json.dumps(values, sort_keys=True, ensure_ascii=False, default=str).encode())
        h.update(b"\n")
        n += 1
    return n, h.hexdigest()


def fingerprint(conn: Connection) -> dict[str, tuple[int, str]]:
    """Every table's (rows, SHA-256), empty tables included."""
    return {t.name: table_fingerprint(conn, t) for t in Base.metadata.sorted_tables}


def digest(prints: dict[str, tuple[int, str]]) -> str:
    """One SHA-256 over all the tables' fingerprints."""
    return hashlib.sha256(json.dumps(sorted(prints.items())).encode()).hexdigest()
