"""ui/timefmt.py: every time people read is Beijing time, whatever the stored form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from ui.timefmt import beijing_date, beijing_time, beijing_today

# 16:30 UTC on New Year's Day is half past midnight on 2 January in Beijing.
STORED = datetime(2026, 1, 1, 16, 30, tzinfo=UTC)


def test_a_stored_utc_time_reads_as_beijing_time_in_every_stored_form() -> None:
    for stored in (
        STORED,  # PostgreSQL hands back aware UTC
        STORED.replace(tzinfo=None),  # SQLite hands back naive UTC
        "2026-01-01T16:30:00+00:00",  # a response's ISO stamp
        STORED.astimezone(timezone(timedelta(hours=-5))),  # any other zone
    ):
        assert beijing_time(stored) == "2026-01-02 00:30", stored
    assert beijing_date(STORED) == "2026-01-02"


def test_no_time_and_text_that_is_not_a_time() -> None:
    assert beijing_time(None) == "—"
    assert beijing_time(None, empty="") == ""
    assert beijing_time("unknown") == "unknown"


def test_today_is_beijing_s_day() -> None:
    assert beijing_today(STORED) == date(2026, 1, 2)
