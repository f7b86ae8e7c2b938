"""The audit trail (留痕): an append-only log chained with SHA-256.

Every change made by a person or a webhook calls :func:`record` inside the unit of work
that makes the change, so the entry commits (or rolls back) together with the change.
Each entry stores the previous entry's hash, and its own hash covers that previous hash
and its canonical content; :func:`verify` recomputes the chain and reports any entry
that was edited, deleted or inserted behind the application's back.

Appends are serialised so that two writers never chain onto the same predecessor (a
fork): SQLite already runs every transaction under ``BEGIN IMMEDIATE`` (one writer at a
time); on PostgreSQL :func:`record` takes a transaction-level advisory lock, held until
the transaction ends.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from db.models import AuditEntry

if TYPE_CHECKING:
    from db.uow import UnitOfWork

GENESIS_HASH = "0" * 64
# Arbitrary constant naming "the audit chain" among PostgreSQL advisory locks.
AUDIT_LOCK_KEY = 0x61756469745F6C67  # "audit_lg"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dicts, lists, str, int, float, bool, None).

    Dates become ISO strings, enums their values, bytes base64, non-finite floats
    strings: what is stored must read back identical, or the hash would not verify.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    raise TypeError(f"cannot record a {type(value).__name__} in the audit trail")


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, UTF-8 text kept as is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _iso(at: datetime) -> str:
    # SQLite hands back naive datetimes (stored in UTC); PostgreSQL aware ones in the
    # session's time zone. Both must give the same text.
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
) -> str:
    """SHA-256 of the previous hash followed by this entry's canonical content."""
    content = canonical_json(
        {
            "at": _iso(at),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        }
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def record(
    uow: UnitOfWork,
    action: str,
    entity: str,
    entity_id: object,
    before: Any = None,
    after: Any = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an entry (who = ``uow.actor``, what, when, before/after) to the chain.

    Runs inside ``uow``'s transaction: the entry is part of the change it describes.
    """
    session = uow.session
    _lock_chain(session)
    # Flush first so that pending changes of this transaction cannot reorder around the
    # read of the chain's head.
    session.flush()
    prev = session.execute(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev_hash = prev or GENESIS_HASH
    at = (at or datetime.now(UTC)).astimezone(UTC)
    # SQLite keeps no time zone: store the UTC wall time so that it reads back the same.
    stored_at = at.replace(tzinfo=None) if session.get_bind().dialect.name == "sqlite" else at
    before_json, after_json = jsonable(before), jsonable(after)
    entity_key = str(entity_id)
    entry = AuditEntry(
        at=stored_at,
        actor=uow.actor,
        action=action,
        entity=entity,
        entity_id=entity_key,
        before=before_json,
        after=after_json,
        prev_hash=prev_hash,
        entry_hash=entry_hash(prev_hash, at, uow.actor, action, entity, entity_key, before_json, after_json),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class Problem:
    """A break in the chain: the entry's id and what is wrong with it."""

    entry_id: int
    message: str

    def __str__(self) -> str:
        return f"entry {self.entry_id}: {self.message}"


def verify(session: Session) -> list[Problem]:
    """Recompute the chain; an empty list means every entry is intact.

    An edited entry no longer matches its own hash; a deleted or inserted one breaks the
    link from its successor (``prev_hash``). Removing entries from the end leaves a
    shorter but consistent chain: compare :func:`head` with a copy kept elsewhere
    (e.g. printed in the published notice) to catch that.
    """
    problems: list[Problem] = []
    expected_prev = GENESIS_HASH
    # Streamed in chunks and detached as it goes: the log only grows.
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=1000))
    for entry in rows.scalars():
        if entry.prev_hash != expected_prev:
            problems.append(
                Problem(
                    entry.id,
                    "does not follow the entry before it (an entry was deleted or inserted here)",
                )
            )
        recomputed = entry_hash(
            entry.prev_hash,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.before,
            entry.after,
        )
        if recomputed != entry.entry_hash:
            problems.append(Problem(entry.id, "content does not match its hash (the entry was edited)"))
        # Follow the stored hash, so that one edit is reported once, not at every later entry.
        expected_prev = entry.entry_hash
        session.expunge(entry)
    return problems


def head(session: Session) -> tuple[int, str]:
    """Number of entries and the newest entry's hash (the chain's current anchor)."""
    total = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    last = session.execute(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    return total, last or GENESIS_HASH
