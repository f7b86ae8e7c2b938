"""Time, injectable: services take ``clock=`` so tests can move past a notice period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (SQLite hands back naive UTC wall times)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# China Standard Time: the calendar days people read (fieldwork periods, freeze dates,
# inspection rounds) are Beijing days, while the database stores UTC.
BEIJING = timezone(timedelta(hours=8), "CST")


def beijing_day(value: datetime) -> date:
    """The Beijing calendar day of an instant (a naive value is UTC, as stored)."""
    return as_utc(value).astimezone(BEIJING).date()
