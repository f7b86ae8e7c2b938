"""The fieldwork dashboard (app_pages/fieldwork.py) driven with AppTest, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import AuditEntry, Caller, PhoneCase, Role
from services.fieldwork import ASSIGN_PAGE_SIZE
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user
from tests.db.test_cati import (
    ALL_SATISFIED,
    add_caller,
    add_frame_case,
    add_unassigned_cases,
    dialled,
    fieldwork_campaign,
    unassigned,
)
from ui.auth import SEEDED_USER_KEY
from ui.messages import LANGS, t

PAGE = "app_pages/fieldwork.py"


@pytest.fixture
def people(app_database: str, make_uow: MakeUow) -> dict[str, CurrentUser]:
    fieldwork_campaign(make_uow)
    a, b = add_caller(make_uow, "caller1"), add_caller(make_uow, "caller2")
    add_frame_case(make_uow, "k1", "u1", a)
    add_frame_case(make_uow, "k2", "u1", a)
    add_frame_case(make_uow, "k3", "u2", b)
    dialled(make_uow, a, "k1", "1.1", answers=ALL_SATISFIED, duration_seconds=15.0)
    dialled(make_uow, b, "k3", "2.11")
    return {
        "a": a,
        "b": b,
        "sup": add_user(make_uow, "sup1", Role.supervisor),
        "admin": add_user(make_uow, "admin1", Role.admin),
    }


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def units_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "progress" in d.value.columns)


@pytest.mark.parametrize("lang", LANGS)
def test_the_supervisor_sees_progress_rates_flags_and_backchecks(
    repo_root: Path, people: dict[str, CurrentUser], lang: str
) -> None:
    at = open_page(repo_root, people["sup"], lang)
    assert at.title[0].value == t("fieldwork.title", lang)
    subheaders = [s.value for s in at.subheader]
    assert t("fieldwork.contractor.header", lang, cases=3) in subheaders
    assert t("fieldwork.short.header", lang, n=1) in subheaders  # k1 took 15 s
    # the actions come before the progress
    assert subheaders.index(t("fieldwork.assign.header", lang)) < subheaders.index(
        t("fieldwork.units.header", lang)
    )
    # RR1 of the contractor: 1 complete of 3 cases (k2 never called counts as 3.11)
    assert at.metric[0].value == "33.3%"
    # one table, not a progress bar per unit; min_phone defaults to 10 completes per unit
    assert not at.get("progress")
    table = units_table(at)
    assert table[["unit", "progress", "completes", "target", "RR1"]].values.tolist() == [
        ["单位u1", 10.0, 1, 10, 50.0],  # k1 complete, k2 never called
        ["单位u2", 0.0, 0, 10, 0.0],  # k3 a refusal
    ]
    assert t("fieldwork.daily.header", lang) in subheaders
    backcheck = at.dataframe[-1].value
    assert list(backcheck.iloc[:, 0]) == ["k1"]
    assert "138****5678" in backcheck.to_string() and "13812345678" not in backcheck.to_string()


def test_the_unit_table_is_searched_by_name_or_code(repo_root: Path, people: dict[str, CurrentUser]) -> None:
    at = open_page(repo_root, people["admin"])
    at.text_input(key="fieldwork.units.search").input("u2").run()
    assert not at.exception
    assert units_table(at)["unit"].tolist() == ["单位u2"]
    assert t("fieldwork.units.shown", "zh", shown=1, total=2) in [c.value for c in at.caption]
    at.text_input(key="fieldwork.units.search").input("不存在").run()
    assert units_table(at).empty


def test_dealing_more_than_a_page_asks_to_confirm_the_count_first(
    repo_root: Path, people: dict[str, CurrentUser], make_uow: MakeUow
) -> None:
    add_unassigned_cases(make_uow, "u1", ASSIGN_PAGE_SIZE, "a")
    add_unassigned_cases(make_uow, "u2", 5, "b")
    at = open_page(repo_root, people["sup"])
    units = next(m for m in at.multiselect if m.label == t("fieldwork.bulk.units", "zh"))
    assert units.placeholder == t("fieldwork.bulk.units.placeholder", "zh")
    next(c for c in at.checkbox if c.label == t("fieldwork.bulk.all_units", "zh", n=2)).check()
    next(m for m in at.multiselect if m.label == t("fieldwork.bulk.callers", "zh")).set_value(
        ["caller-caller1", "caller-caller2"]
    )
    next(b for b in at.button if b.label == t("fieldwork.bulk.submit", "zh")).click().run()
    assert not at.exception, at.exception
    n = ASSIGN_PAGE_SIZE + 5
    assert at.warning[0].value == t("fieldwork.bulk.confirm", "zh", n=n, callers=2)
    assert unassigned(make_uow) == n  # nothing assigned yet

    at.button(key="fieldwork.bulk.cancel").click().run()
    assert not [b for b in at.button if b.key == "fieldwork.bulk.confirm"]
    assert unassigned(make_uow) == n

    next(c for c in at.checkbox if c.label == t("fieldwork.bulk.all_units", "zh", n=2)).check()
    next(m for m in at.multiselect if m.label == t("fieldwork.bulk.callers", "zh")).set_value(
        ["caller-caller2"]
    )
    next(b for b in at.button if b.label == t("fieldwork.bulk.submit", "zh")).click().run()
    confirm = at.button(key="fieldwork.bulk.confirm")
    assert confirm.label == t("fieldwork.bulk.confirm_button", "zh", n=n)
    confirm.click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == t("fieldwork.bulk.done", "zh", n=n)
    assert unassigned(make_uow) == 0


def test_an_admin_watches_but_gets_no_forms(repo_root: Path, people: dict[str, CurrentUser]) -> None:
    at = open_page(repo_root, people["admin"], "en")
    assert t("fieldwork.assign.header", "en") not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.label == t("fieldwork.backcheck.submit", "en")]


def test_the_supervisor_reassigns_a_case_and_records_a_backcheck(
    repo_root: Path, people: dict[str, CurrentUser], make_uow: MakeUow
) -> None:
    at = open_page(repo_root, people["sup"])
    case = next(s for s in at.selectbox if s.label == t("fieldwork.assign.case", "zh"))
    case.set_value("k2")
    next(s for s in at.selectbox if s.label == t("fieldwork.assign.caller", "zh")).set_value("caller-caller2")
    next(b for b in at.button if b.label == t("fieldwork.assign.submit", "zh")).click().run()
    assert not at.exception
    assert at.success[0].value == t("fieldwork.assign.done", "zh", case="k2", caller="caller2")
    with make_uow() as uow:
        owner = uow.session.execute(
            select(Caller.code)
            .join(PhoneCase, PhoneCase.caller_id == Caller.id)
            .where(PhoneCase.code == "k2")
        ).scalar_one()
    assert owner == "caller-caller2"

    next(r for r in at.radio if r.label == t("fieldwork.backcheck.result", "zh")).set_value("not_confirmed")
    next(i for i in at.text_input if i.label == t("fieldwork.backcheck.note", "zh")).input(
        "受访者称未接到电话"
    )
    next(b for b in at.button if b.label == t("fieldwork.backcheck.submit", "zh")).click().run()
    assert not at.exception
    assert at.success[0].value == t("fieldwork.backcheck.done", "zh", case="k1")
    assert "受访者称未接到电话" in at.dataframe[-1].value.to_string()
    with make_uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "case.backcheck")
        ).scalar_one()
        trail = (entry.actor, entry.after)
    assert trail == ("sup1", {"outcome": "not_confirmed", "note": "受访者称未接到电话"})
