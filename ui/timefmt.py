"""Times as people read them: Beijing time (北京时间, Asia/Shanghai), whatever the server's
zone. The database stores UTC (SQLite hands it back naive, PostgreSQL aware); every page,
PDF, XLSX and CSV meant for people formats its times here and nowhere else.

This module does not import streamlit, so services that write files for people can be
handed these functions by the page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final
from zoneinfo import ZoneInfo

BEIJING: Final = ZoneInfo("Asia/Shanghai")
MINUTES: Final = "%Y-%m-%d %H:%M"
DAY: Final = "%Y-%m-%d"
EMPTY: Final = "—"


def to_beijing(at: datetime | str) -> datetime:
    """``at`` as an aware Beijing datetime. A naive value, or an ISO text without an
    offset, is UTC: that is how the database stores every time."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def beijing_time(at: datetime | str | None, fmt: str = MINUTES, *, empty: str = EMPTY) -> str:
    """``at`` in Beijing time, e.g. ``2026-01-02 00:30`` for 2026-01-01T16:30Z; ``empty``
    when there is no time. A text that is not an ISO time is shown as it is."""
    if at is None or at == "":
        return empty
    try:
        return to_beijing(at).strftime(fmt)
    except ValueError:
        return str(at)


def beijing_date(at: datetime | str | None, *, empty: str = EMPTY) -> str:
    """The Beijing calendar day of ``at``, e.g. ``2026-01-02``."""
    return beijing_time(at, DAY, empty=empty)


def beijing_today(now: datetime | None = None) -> date:
    """Today's date in Beijing (a server on UTC is still on yesterday until 08:00)."""
    return to_beijing(now if now is not None else datetime.now(UTC)).date()
