"""Time, injectable: services take ``clock=`` so tests can move past a notice period."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (SQLite hands back naive UTC wall times)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
