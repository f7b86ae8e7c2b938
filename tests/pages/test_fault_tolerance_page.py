"""The fault-tolerance page (app_pages/fault_tolerance.py) under AppTest, on SQLite and
PostgreSQL, in both languages: an admin files, accepts and verifies, a second admin decides;
a liaison sees and files for its own unit only and takes no step. Evidence uploads cannot be
driven by AppTest: they are tested on the service (tests/db/test_fault_tolerance.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services import fault_tolerance as ft
from services import fault_tolerance_views as ftv
from services.permissions import CurrentUser
from tests.db.kit import MakeUow
from tests.db.test_fault_tolerance import Staff, accountability, add_accountability, add_overdue, overdue
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/fault_tolerance.py"


@pytest.fixture
def staff(app_database: str, make_uow: MakeUow) -> Staff:
    found = Staff(make_uow)
    add_overdue(make_uow, "OD-1", "u1", 16)
    add_overdue(make_uow, "OD-3", "u2", 1.5)
    add_accountability(make_uow, "DT-1", "u1")
    add_accountability(make_uow, "DT-5", "u2", status="investigated")
    return found


def page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


def fill_new(at: AppTest, subject: str, reference: str, *, consequence: str = "none") -> None:
    at.radio(key="ft.new.subject").set_value(subject).run()
    ok(at)
    at.selectbox(key=f"ft.new.case.{gen(at)}").set_value(reference)
    at.text_input(key=f"ft.new.applicant.{gen(at)}").set_value("审批科")
    at.text_area(key=f"ft.new.reasons.{gen(at)}").set_value("省平台系统故障，次日补办")
    at.selectbox(key=f"ft.new.consequence.{gen(at)}").set_value(consequence)
    at.button(key="ft.new.submit").click().run()


def gen(at: AppTest) -> int:
    """The page's form generation (bumped after each change: fresh widget keys)."""
    try:
        return int(at.session_state["ft.gen"])
    except KeyError:
        return 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admins_take_an_overdue_case_through_the_procedure(
    repo_root: Path, make_uow: MakeUow, staff: Staff, lang: str
) -> None:
    at = page(repo_root, staff.admin1, lang)
    assert at.title[0].value == t("ft.title", lang)
    assert t("ft.empty", lang) in [i.value for i in at.info]
    fill_new(at, "overdue_case", "OD-1")
    ok(at)
    (row,) = ftv.list_applications(make_uow(), staff.admin1)
    assert [s.value for s in at.success] == [t("ft.new.done", lang, id=row.id)]
    assert (row.reference, row.unit_code, row.status) == ("OD-1", "u1", "applied")
    assert len(at.dataframe[0].value) == 1

    at.text_area(key=f"ft.accept.note.{gen(at)}").set_value("材料齐全")
    at.button(key="ft.accept.submit").click().run()
    ok(at)
    assert [s.value for s in at.success] == [t("ft.accept.done", lang, id=row.id)]
    at.selectbox(key=f"ft.verify.found.{gen(at)}").set_value("none")
    at.text_area(key=f"ft.verify.note.{gen(at)}").set_value("经核实，系省平台故障")
    at.button(key="ft.verify.submit").click().run()
    ok(at)
    # the admin who filed, accepted and verified does not get the decision form
    assert t("ft.decide.other_admin", lang) in [i.value for i in at.info]
    assert not [b for b in at.button if b.key == "ft.decide.submit"]

    at = page(repo_root, staff.admin2, lang)
    assert t("ft.detail.body", lang, body="市纪委监委") in [c.value for c in at.caption]
    at.radio(key=f"ft.decide.outcome.{gen(at)}").set_value("grant")
    at.button(key="ft.decide.submit").click().run()
    assert [e.value for e in at.error] == [
        t("ft.error.refused", lang, detail="give the decision document's number (决定文书编号)")
    ]
    at.text_input(key=f"ft.decide.document.{gen(at)}").set_value("纪容决〔2026〕3号")
    at.button(key="ft.decide.submit").click().run()
    ok(at)
    assert [s.value for s in at.success] == [
        t("ft.decide.done", lang, id=row.id, outcome=t("ft.status.granted", lang)),
        t("ft.granted.overdue_case", lang),
    ]
    assert overdue(make_uow, "OD-1").exempt_reason == "容错免责 纪容决〔2026〕3号"
    assert t("ft.closed", lang) in [c.value for c in at.caption]
    history = at.dataframe[1].value
    assert list(history["who"]) == ["admin1", "admin1", "admin1", "admin2"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_excluded_consequence_is_refused_in_the_persons_language(
    repo_root: Path, make_uow: MakeUow, staff: Staff, lang: str
) -> None:
    at = page(repo_root, staff.admin1, lang)
    fill_new(at, "accountability_case", "DT-1", consequence="food_safety")
    assert [e.value for e in at.error] == [
        t("ft.error.excluded", lang, situation=t("ft.consequence.food_safety", lang))
    ]
    assert ftv.list_applications(make_uow(), staff.admin1) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_liaison_files_for_its_own_unit_and_takes_no_step(
    repo_root: Path, make_uow: MakeUow, staff: Staff, lang: str
) -> None:
    other = ft.apply(
        make_uow(),
        staff.admin1,
        subject="overdue_case",
        campaign_code="c1",
        reference="OD-3",
        applicant="u2审批科",
        reasons="系统故障",
    )
    at = page(repo_root, staff.liaison1, lang)
    assert at.title[0].value == t("ft.title", lang)
    assert t("ft.liaison_scope", lang) in [c.value for c in at.caption]
    assert t("ft.empty", lang) in [i.value for i in at.info]  # not the other unit's application
    at.radio(key="ft.new.subject").set_value("accountability_case").run()
    assert at.selectbox(key=f"ft.new.case.{gen(at)}").options == [
        f"DT-1 · 单位u1 · {t('ft.case_type.slow', lang)}"
    ]
    fill_new(at, "overdue_case", "OD-1")
    ok(at)
    rows = ftv.list_applications(make_uow(), staff.liaison1)
    assert [(r.reference, r.status) for r in rows] == [("OD-1", "applied")]
    assert [r.id for r in ftv.list_applications(make_uow(), staff.admin1)] == [rows[0].id, other]
    # the next step is an admin's: no form, a note saying so
    assert not [b for b in at.button if b.key in ("ft.accept.submit", "ft.not_accept")]
    assert t("ft.liaison_waits", lang, step=t("ft.step.accept", lang)) in [c.value for c in at.caption]
    assert not accountability(make_uow, "DT-1").exempt
