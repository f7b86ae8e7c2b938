"""Counting attempts in the database (节流): the one throttle of the platform.

A :class:`Rule` limits the events of one kind (its ``scope``) per key: failed sign-ins per
account and per network address (services/auth.py), verification codes sent per mobile
number and per network (survey/verification.py). Events are rows of ``throttle_event``, so
every app process behind a load balancer counts the same events, and a restart forgets
nothing. A rule allows at most ``limit`` events per key in any ``window`` (a sliding
window); it may also make each event beyond ``backoff_after`` wait longer than the one
before (back-off), and lock the key for ``lockout`` once the limit is reached (a lock row,
which :func:`clear` removes: an administrator's unlock).

Deciding and counting happen in the caller's transaction, serialised per key (SQLite runs
one writer at a time; PostgreSQL takes a transaction-level advisory lock on the key), so
that parallel requests cannot all slip under the limit. Rows that no longer count are
deleted opportunistically by :func:`sweep`, which the callers run before their work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from db.models import ThrottleEvent, VerificationCode
from db.uow import UnitOfWork

#: Tables of rows that carry their own ``expires_at`` and are purged once it has passed.
Expiring: TypeAlias = "ThrottleEvent | VerificationCode"

# First half of PostgreSQL's two-int advisory lock key: "the throttle" (the audit chain uses
# the one-bigint form, a separate key space).
LOCK_CLASS = 0x74687274  # "thrt"
PURGE_BATCH = 500
MAX_KEY_LENGTH = 128


@dataclass(frozen=True, slots=True)
class Rule:
    """At most ``limit`` events per key in any ``window``.

    ``lockout``: the event that reaches the limit is followed by a lock of that length
    (:func:`lock_if_reached`). ``backoff_after``: with that many events in the window, the
    next must wait ``backoff_base`` after the newest, twice as long for each event more.
    """

    scope: str
    limit: int
    window: timedelta
    lockout: timedelta | None = None
    backoff_after: int | None = None
    backoff_base: timedelta = timedelta(seconds=2)

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= timedelta(0):
            raise ValueError(f"throttle {self.scope}: a limit needs limit >= 1 and a positive window")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the next event is allowed; if not, how long to wait (seconds) and, when the
    key is locked, until when. ``count``: events in the window (with this one, if counted)."""

    allowed: bool
    retry_after: float = 0.0
    locked_until: datetime | None = None
    count: int = 0
    event_id: int | None = None


@dataclass(frozen=True, slots=True)
class Lock:
    """A locked key of a scope, for the administrators' list."""

    key: str
    until: datetime
    failures: int


def utc(value: datetime) -> datetime:
    """``value`` as aware UTC (SQLite hands back naive UTC wall times; binding anything but
    UTC would store another wall time)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def key_for(value: str) -> str:
    """``value`` as a stored key: as it is when short enough, else its SHA-256."""
    if len(value) <= MAX_KEY_LENGTH:
        return value
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def serialize(session: Session, scope: str, key: str) -> None:
    """Hold the key until the transaction ends, so that deciding and counting are one step.

    SQLite already runs every transaction under ``BEGIN IMMEDIATE``. Callers that take
    several keys take them in one order (account before network), so two never wait on
    each other."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"{scope}\x00{key}".encode()).digest()
        session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :key)"),
            {"cls": LOCK_CLASS, "key": int.from_bytes(digest[:4], "big", signed=True)},
        )


def purge(
    session: Session, now: datetime, model: type[Expiring] = ThrottleEvent, batch: int = PURGE_BATCH
) -> int:
    """Delete up to ``batch`` rows of ``model`` (throttle events, or any table of expiring
    rows such as verification codes) that no longer count; returns how many.

    Rows another transaction holds are skipped (``SKIP LOCKED`` on PostgreSQL), so a purge
    never waits. It holds the rows it deletes until its transaction ends, so run it in a
    transaction of its own (:func:`sweep`), never while holding a key: a writer of that
    key waiting for those rows while the purge waits for the key would deadlock."""
    expired = (
        select(model.id).where(model.expires_at <= utc(now)).limit(batch).with_for_update(skip_locked=True)
    )
    ids = list(session.execute(expired).scalars())
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)


def sweep(uow: UnitOfWork, now: datetime, *models: type[Expiring]) -> int:
    """:func:`purge` of ``models`` (default: throttle events) in one transaction of its
    own; call it before (not inside) the work."""
    with uow:
        removed = sum(purge(uow.session, now, model) for model in models or (ThrottleEvent,))
        uow.commit()
    return removed


def _locked_until(session: Session, scope: str, key: str, now: datetime) -> datetime | None:
    until = session.execute(
        select(func.max(ThrottleEvent.expires_at)).where(
            ThrottleEvent.scope == scope,
            ThrottleEvent.key == key,
            ThrottleEvent.lock.is_(True),
            ThrottleEvent.expires_at > now,
        )
    ).scalar()
    return utc(until) if until is not None else None


def _window(
    session: Session, rule: Rule, key: str, now: datetime
) -> tuple[int, datetime | None, datetime | None]:
    count, oldest, newest = session.execute(
        select(func.count(), func.min(ThrottleEvent.at), func.max(ThrottleEvent.at)).where(
            ThrottleEvent.scope == rule.scope,
            ThrottleEvent.key == key,
            ThrottleEvent.lock.is_(False),
            ThrottleEvent.at > now - rule.window,
        )
    ).one()
    return int(count), (utc(oldest) if oldest else None), (utc(newest) if newest else None)


def verdict(session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
    """Whether one more event of ``key`` is allowed now (nothing is counted); takes the
    key (:func:`serialize`) until the transaction ends."""
    now = utc(now)
    key = key_for(key)
    serialize(session, rule.scope, key)
    locked = _locked_until(session, rule.scope, key, now)
    count, oldest, newest = _window(session, rule, key, now)
    if locked is not None:
        return Verdict(False, (locked - now).total_seconds(), locked, count)
    if count >= rule.limit and oldest is not None:
        return Verdict(False, max(0.0, (oldest + rule.window - now).total_seconds()), None, count)
    if rule.backoff_after is not None and count >= rule.backoff_after and newest is not None:
        wait = rule.backoff_base * 2 ** (count - rule.backoff_after)
        ready = newest + min(wait, rule.lockout or rule.window)
        if now < ready:
            return Verdict(False, (ready - now).total_seconds(), None, count)
    return Verdict(True, 0.0, None, count)


def add(session: Session, rule: Rule, key: str, now: datetime) -> int:
    """Count one event of ``key`` at ``now`` (whatever the verdict); returns its id."""
    now = utc(now)
    event = ThrottleEvent(
        scope=rule.scope, key=key_for(key), at=now, expires_at=now + rule.window, lock=False
    )
    session.add(event)
    session.flush()
    return event.id


def hit(session: Session, rule: Rule, key: str, now: datetime) -> Verdict:
    """Count one event of ``key`` if the rule allows it now; the verdict says whether it did."""
    decided = verdict(session, rule, key, now)
    if not decided.allowed:
        return decided
    event_id = add(session, rule, key, now)
    return Verdict(True, 0.0, None, decided.count + 1, event_id)


def lock_if_reached(session: Session, rule: Rule, key: str, now: datetime) -> datetime | None:
    """Lock ``key`` for ``rule.lockout`` if its events have reached the limit (and it is not
    locked yet); returns the end of the lock in force, or None."""
    now = utc(now)
    key = key_for(key)
    if rule.lockout is None:
        return None
    serialize(session, rule.scope, key)
    locked = _locked_until(session, rule.scope, key, now)
    if locked is not None:
        return locked
    count, _oldest, _newest = _window(session, rule, key, now)
    if count < rule.limit:
        return None
    until = now + rule.lockout
    session.add(ThrottleEvent(scope=rule.scope, key=key, at=now, expires_at=until, lock=True))
    session.flush()
    return until


def forget(session: Session, event_id: int) -> None:
    """Remove one counted event (an attempt that turned out to succeed)."""
    session.execute(delete(ThrottleEvent).where(ThrottleEvent.id == event_id))


def clear(session: Session, scope: str, key: str) -> int:
    """Remove every event and lock of ``key`` (an unlock, or a success that resets the count);
    returns how many rows went."""
    key = key_for(key)
    serialize(session, scope, key)
    result = session.execute(
        delete(ThrottleEvent).where(ThrottleEvent.scope == scope, ThrottleEvent.key == key)
    )
    return int(result.rowcount or 0)


def locks(session: Session, rule: Rule, now: datetime) -> list[Lock]:
    """The keys of ``rule``'s scope locked at ``now``, the longest-locked last."""
    now = utc(now)
    rows = session.execute(
        select(ThrottleEvent.key, func.max(ThrottleEvent.expires_at))
        .where(
            ThrottleEvent.scope == rule.scope, ThrottleEvent.lock.is_(True), ThrottleEvent.expires_at > now
        )
        .group_by(ThrottleEvent.key)
        .order_by(func.max(ThrottleEvent.expires_at), ThrottleEvent.key)
    ).all()
    return [Lock(key, utc(until), _window(session, rule, key, now)[0]) for key, until in rows]
