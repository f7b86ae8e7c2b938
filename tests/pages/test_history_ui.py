"""The campaign's history table and the heads' wording (ui/history.py): AppTest on SQLite
and PostgreSQL for :func:`show_history`, plain tests for the texts."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role
from services.history import Head, HeadChange
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_reorganisation, add_user, add_year_campaign
from ui.history import head_text, via_text


def history_script(code, lang, user):  # type: ignore[no-untyped-def]
    # run by AppTest from its source alone: no annotations naming this module's imports
    from ui.history import show_history

    show_history(code, lang, user)


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    add_year_campaign(make_uow, "h-2024", 2024, ["A", "B"], worst=["A"])
    add_reorganisation(make_uow, "merge", date(2025, 1, 1), [("A", "C", True), ("B", "C")])
    add_year_campaign(make_uow, "h-2025", 2025, ["C"], status=CampaignStatus.draft)
    return add_user(make_uow, "admin1", Role.admin)


def run(user: CurrentUser, lang: str = "zh", code: str = "h-2025") -> AppTest:
    at = AppTest.from_function(history_script, args=(code, lang, user), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_draft_shows_the_derive_button_and_then_the_derived_table(admin: CurrentUser, lang: str) -> None:
    at = run(admin, lang)
    assert at.warning[0].value.startswith("往年公示结果" if lang == "zh" else "The earlier published results")
    assert at.info  # nothing derived yet
    at.button[0].click().run()
    assert not at.exception
    assert at.success[0].value == (
        "已生成往年评议结果：1 条，其中不满意 1 条。"
        if lang == "zh"
        else "History derived: 1 entries, 1 of them unsatisfactory."
    )
    [row] = at.dataframe[0].value.to_dict("records")
    assert row["unit"] == "单位C（2025）（C）"
    assert row["year"] == 2024
    assert row["unsatisfactory"] == ("不满意" if lang == "zh" else "Unsatisfactory")
    assert row["via"] == (
        "2025-01-01 合并（主要前身单位）" if lang == "zh" else "Merged 2025-01-01 (principal predecessor)"
    )
    assert "h-2024" in row["source"] and "单位A（2024）（A）" in row["source"]
    assert not at.warning  # up to date now


def test_after_fieldwork_opens_there_is_no_derive_button(admin: CurrentUser, make_uow: MakeUow) -> None:
    add_year_campaign(make_uow, "h-2026", 2026, ["C"], status=CampaignStatus.fieldwork)
    at = run(admin, "en", "h-2026")
    assert not at.button
    assert "locked" in at.caption[-1].value or "stays as it is" in at.caption[-1].value


def test_someone_who_may_not_configure_campaigns_sees_a_refusal(
    admin: CurrentUser, make_uow: MakeUow
) -> None:
    supervisor = add_user(make_uow, "sup", Role.supervisor)
    at = run(supervisor, "en")
    assert at.error[0].value.startswith("Not done: sup (supervisor) may not configure_campaign")
    assert not at.button


def test_via_reads_as_words_and_unknown_text_stays_as_written() -> None:
    assert via_text("", "zh") == "本单位"
    assert via_text("rename 2024-03-01; merge 2025-01-01 (principal)", "zh") == (
        "2024-03-01 更名 → 2025-01-01 合并（主要前身单位）"
    )
    assert via_text("successor; split 2025-01-01", "en") == "Renamed with a new code → Split 2025-01-01"
    assert via_text("by hand", "en") == "by hand"


def test_a_head_who_changed_is_named_with_the_head_of_the_earlier_year() -> None:
    now = Head(2025, "h-2025", "A", "张三", date(2025, 3, 1))
    then = Head(2024, "h-2024", "A", "李四", date(2020, 5, 1))
    change = HeadChange("A", now, (then,))
    assert head_text("张三", change, "zh") == "张三（2025-03-01 到任；2024 年为李四）"
    assert head_text("张三", change, "en") == "张三 (in post since 2025-03-01; 李四 in 2024)"
    undated = HeadChange("A", Head(2025, "h-2025", "A", "张三", None), (then,))
    assert head_text("张三", undated, "zh") == "张三（2024 年为李四）"
    same = HeadChange("A", Head(2025, "h-2025", "A", "李四", date(2020, 5, 1)), (then,))
    assert head_text("李四", same, "zh") == "李四"
    assert head_text("", None, "zh") == "—"
