"""The campaigns page (app_pages/campaigns.py) driven with AppTest, on SQLite and PostgreSQL:
an admin creates a campaign, sees a weight defect named by its field, and finds the
designer locked once fieldwork opens; other roles do not get the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Campaign, CampaignStatus, Role
from services import designer
from services.design_method import GradeBand
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, set_status
from tests.pages.chrome import enter_submitting_forms
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/campaigns.py"


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def create(at: AppTest, code: str = "lj-2026") -> AppTest:
    at.text_input(key="designer.new.code").input(code)
    at.text_input(key="designer.new.name").input("2026年度评议")
    at.text_input(key="designer.new.series_code").input("lj")
    at.text_input(key="designer.new.series_name").input("临江市")
    at.button(key="designer.new.create").click().run()
    assert not at.exception
    return at


def test_an_admin_creates_a_campaign_and_sees_it_listed(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    at = open_page(repo_root, admin)
    assert [i.value for i in at.info] == [t("designer.none", "zh")]

    create(at)

    assert [s.value for s in at.success] == [t("designer.new.created", "zh", code="lj-2026")]
    listed = at.dataframe[0].value
    assert list(listed[t("designer.col.code", "zh")]) == ["lj-2026"]
    assert list(listed[t("designer.col.status", "zh")]) == [t("scoring.status.draft", "zh")]
    with make_uow() as uow:
        assert uow.session.execute(select(Campaign.code)).scalars().all() == ["lj-2026"]
    assert enter_submitting_forms(at) == []


def test_weights_that_do_not_add_up_show_a_defect_naming_the_field(
    repo_root: Path, admin: CurrentUser
) -> None:
    at = create(open_page(repo_root, admin, "en"))

    at.number_input(key="designer.method.survey_weight@lj-2026").set_value(0.5)
    at.button(key="designer.method.save").click().run()

    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert errors[0].startswith(f"{t('designer.field.components', 'en')} (weights.components): ")
    assert "add up to" in errors[0]


def test_a_saved_weight_is_kept(repo_root: Path, admin: CurrentUser) -> None:
    at = create(open_page(repo_root, admin))

    at.number_input(key="designer.method.top_n@lj-2026").set_value(5)
    at.button(key="designer.method.save").click().run()

    assert [s.value for s in at.success] == [t("designer.saved", "zh", code="lj-2026")]
    assert at.number_input(key="designer.method.top_n@lj-2026").value == 5


def test_a_custom_grade_scheme_typed_on_the_page_is_what_the_design_holds(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    at = create(open_page(repo_root, admin))
    at.toggle(key="designer.grades.custom@lj-2026").set_value(True).run()
    bands = (
        ("excellent", 90.0, "优秀", "Excellent"),
        ("good", 80.0, "良好", "Good"),
        ("pass", 60.0, "合格", "Pass"),
    )

    for i, (name, lower, zh, en) in enumerate(bands):
        at.text_input(key=f"designer.grades.own.{i}.name@lj-2026").input(name)
        at.number_input(key=f"designer.grades.own.{i}.lower@lj-2026").set_value(lower)
        at.text_input(key=f"designer.grades.own.{i}.label_zh@lj-2026").input(zh)
        at.text_input(key=f"designer.grades.own.{i}.label_en@lj-2026").input(en)
    at.button(key="designer.grades.save").click().run()

    assert [s.value for s in at.success] == [t("designer.saved", "zh", code="lj-2026")]
    design = designer.load_design(make_uow(), admin, "lj-2026")
    assert design.custom_grades
    assert design.grades == tuple(GradeBand(*band) for band in bands)  # the empty rows left out
    assert at.text_input(key="designer.grades.own.1.label_zh@lj-2026").value == "良好"


def test_a_custom_grade_scheme_with_no_band_is_refused_in_the_readers_language(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    at = create(open_page(repo_root, admin))
    at.toggle(key="designer.grades.custom@lj-2026").set_value(True).run()

    at.button(key="designer.grades.save").click().run()

    field = t("designer.field.grades", "zh")
    assert [e.value for e in at.error] == [
        t("designer.defect", "zh", field=field, where="grades", detail=t("designer.defect.no_bands", "zh"))
    ]
    assert not designer.load_design(make_uow(), admin, "lj-2026").custom_grades


def test_the_default_scheme_keeps_its_band_names_and_saves_new_bounds(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    at = create(open_page(repo_root, admin, "en"))
    assert at.text_input(key="designer.grades.default.0.name@lj-2026").value == "satisfied"
    assert at.text_input(key="designer.grades.default.0.name@lj-2026").disabled

    at.number_input(key="designer.grades.default.0.lower@lj-2026").set_value(88.0)
    at.button(key="designer.grades.save").click().run()

    design = designer.load_design(make_uow(), admin, "lj-2026")
    assert not design.custom_grades
    assert [(b.name, b.lower) for b in design.grades] == [
        ("satisfied", 88.0),
        ("fairly_satisfied", 75.0),
        ("basically_satisfied", 60.0),
    ]


def test_another_campaign_shows_its_own_settings_not_the_last_ones_inputs(
    repo_root: Path, admin: CurrentUser
) -> None:
    at = create(open_page(repo_root, admin))
    at.number_input(key="designer.method.top_n@lj-2026").set_value(5)
    at.button(key="designer.method.save").click().run()
    create(at, "lj-2027")  # the page shows the new campaign (top_n 10, the default)

    assert at.selectbox(key="designer.campaign").value == "lj-2027"
    assert at.number_input(key="designer.method.top_n@lj-2027").value == 10
    at.selectbox(key="designer.campaign").select("lj-2026").run()
    assert at.number_input(key="designer.method.top_n@lj-2026").value == 5


def test_the_designer_is_locked_once_fieldwork_opens(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    create(open_page(repo_root, admin))
    set_status(make_uow, "lj-2026", CampaignStatus.fieldwork)

    at = open_page(repo_root, admin)

    status = t("scoring.status.fieldwork", "zh")
    assert t("designer.locked", "zh", status=status) in [i.value for i in at.info]
    assert at.number_input(key="designer.method.survey_weight@lj-2026").disabled
    assert at.button(key="designer.method.save").disabled
    assert at.text_area(key="designer.back.reason@lj-2026") is not None


def test_return_to_draft_with_a_reason_unlocks_it(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    create(open_page(repo_root, admin))
    set_status(make_uow, "lj-2026", CampaignStatus.fieldwork)
    at = open_page(repo_root, admin)

    at.text_area(key="designer.back.reason@lj-2026").input("漏选单位")
    at.button(key="designer.back.submit").click().run()

    assert [s.value for s in at.success] == [t("designer.lifecycle.returned", "zh", code="lj-2026")]
    assert not at.button(key="designer.method.save").disabled


def test_a_supervisor_does_not_get_the_page(repo_root: Path, app_database: str, make_uow: MakeUow) -> None:
    supervisor = add_user(make_uow, "sup1", Role.supervisor)
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=90)
    at.session_state["lang"] = "zh"
    at.session_state[SEEDED_USER_KEY] = supervisor
    at.run()

    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)
