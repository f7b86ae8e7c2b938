"""The one throttle (db/throttle.py), on SQLite and PostgreSQL: sliding window, back-off,
lockout, unlock and the clean-up of rows that no longer count."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from db import throttle
from db.models import ThrottleEvent
from tests.db.kit import T0, MakeUow

RULE = throttle.Rule(
    "test.scope", limit=4, window=timedelta(minutes=15), lockout=timedelta(minutes=15), backoff_after=2
)


def hit(make_uow: MakeUow, at=T0, key: str = "k") -> throttle.Verdict:  # type: ignore[no-untyped-def]
    with make_uow() as uow:
        verdict = throttle.hit(uow.session, RULE, key, at)
        if verdict.allowed:
            throttle.lock_if_reached(uow.session, RULE, key, at)
        uow.commit()
        return verdict


def test_back_off_doubles_then_the_limit_locks_the_key(make_uow: MakeUow) -> None:
    assert hit(make_uow).allowed and hit(make_uow).allowed
    waiting = hit(make_uow)
    assert not waiting.allowed and waiting.retry_after == 2 and waiting.locked_until is None
    assert hit(make_uow, T0 + timedelta(seconds=2)).allowed
    assert hit(make_uow, T0 + timedelta(seconds=5)).retry_after == 1  # 4 s after the newest
    assert hit(make_uow, T0 + timedelta(seconds=6)).allowed  # the fourth: the limit, and a lock

    locked = hit(make_uow, T0 + timedelta(minutes=5), "k")
    assert locked.locked_until == T0 + timedelta(seconds=6, minutes=15)
    assert hit(make_uow, T0 + timedelta(minutes=5), "other").allowed  # keys are separate
    assert hit(make_uow, T0 + timedelta(seconds=6, minutes=15)).allowed  # the lock ran out


def test_clear_unlocks_at_once(make_uow: MakeUow) -> None:
    for second in (0, 2, 6, 14):
        hit(make_uow, T0 + timedelta(seconds=second))
    assert hit(make_uow, T0 + timedelta(minutes=1)).locked_until is not None
    with make_uow() as uow:
        assert throttle.clear(uow.session, RULE.scope, "k") == 5  # four events and the lock
        uow.commit()
    assert hit(make_uow, T0 + timedelta(minutes=1)).allowed


def test_a_long_key_is_stored_as_its_hash(make_uow: MakeUow) -> None:
    key = "x" * 500
    hit(make_uow, key=key)
    with make_uow() as uow:
        stored = uow.session.execute(select(ThrottleEvent.key)).scalar_one()
    assert stored == throttle.key_for(key) and stored.startswith("sha256:") and len(stored) <= 128
    assert hit(make_uow, key=key).count == 2


def test_sweep_deletes_only_rows_that_no_longer_count(make_uow: MakeUow) -> None:
    hit(make_uow, T0, "old")
    hit(make_uow, T0 + timedelta(minutes=10), "new")

    assert throttle.sweep(make_uow(), T0 + timedelta(minutes=15)) == 1

    with make_uow() as uow:
        keys = uow.session.execute(select(ThrottleEvent.key)).scalars().all()
        assert keys == ["new"]
        assert uow.session.execute(select(func.count()).select_from(ThrottleEvent)).scalar_one() == 1
