"""The indicators page (app_pages/indicators.py) driven with AppTest, on SQLite and PostgreSQL.

File uploads cannot be driven by AppTest: imports are tested on the service
(tests/db/test_indicators.py); here the overdue cases are imported through the service.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, OverdueCase, Role
from services.indicators import (
    ImportRejected,
    IndicatorSpec,
    import_indicator_values,
    import_overdue_cases,
    indicator_values,
    list_indicators,
    save_indicator,
)
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.defects import defect_rows
from ui.messages import t

PAGE = "app_pages/indicators.py"
CASES = (
    "unit_id,case_number,promised_at,completed_at\n"
    "u1,SP-001,2026-03-02 17:00,2026-03-03 09:00\n"
    "u2,SP-002,2026-03-02 17:00,2026-03-06 09:00\n"
)


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return add_user(make_uow, "admin1", Role.admin)


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_an_admin_defines_an_indicator(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    at = open_page(repo_root, admin, "en")
    assert at.title[0].value == t("indicators.title", "en")
    at.text_input(key="indicators.form.code.0").set_value("overtime")
    at.text_input(key="indicators.form.name.0").set_value("超时办结件数")
    at.selectbox(key="indicators.form.direction.0").set_value("lower")
    at.text_input(key="indicators.form.source.0").set_value("一网通办")
    next(b for b in at.button if b.label == t("indicators.form.save", "en")).click().run()

    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("indicators.form.created", "en", code="overtime")]
    (found,) = list_indicators(make_uow(), admin, "c1")
    assert (found.spec.code, found.spec.direction, found.spec.source_system) == (
        "overtime",
        "lower",
        "一网通办",
    )


def test_a_bad_definition_shows_the_reason_and_stores_nothing(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    at = open_page(repo_root, admin)
    at.text_input(key="indicators.form.code.0").set_value("closure")
    at.text_input(key="indicators.form.name.0").set_value("办结率")
    at.selectbox(key="indicators.form.method.0").set_value("target")
    next(b for b in at.button if b.label == t("indicators.form.save", "zh")).click().run()

    assert not at.exception
    assert len(at.error) == 1 and "floor and a target" in at.error[0].value
    assert list_indicators(make_uow(), admin, "c1") == []


def test_a_name_a_spreadsheet_would_run_is_refused_in_the_persons_language(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    at = open_page(repo_root, admin)
    at.text_input(key="indicators.form.code.0").set_value("closure")
    at.text_input(key="indicators.form.name.0").set_value('=HYPERLINK("http://x","y")')
    next(b for b in at.button if b.label == t("indicators.form.save", "zh")).click().run()
    assert not at.exception
    shown = t("import.defect.formula_like", "zh", value='=HYPERLINK("http://x","y")')
    assert [e.value for e in at.error] == [t("indicators.error", "zh", detail=shown)]
    assert list_indicators(make_uow(), admin, "c1") == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_indicator_file_is_shown_in_the_persons_language_with_file_line_and_column(
    make_uow: MakeUow, admin: CurrentUser, lang: str
) -> None:
    save_indicator(make_uow(), admin, "c1", IndicatorSpec(code="closure", name="12345办结率"))
    text = "unit_id,indicator_id,value\nu9,closure,80\nu2,nosuch,很好\n"
    with pytest.raises(ImportRejected) as refused:
        import_indicator_values(make_uow(), admin, "c1", "values.csv", text.encode("gb18030"))
    # what the page's table shows (ui.defects, as app_pages/indicators.py calls it)
    assert defect_rows(refused.value.defects, lang) == [
        {
            "file": "values.csv",
            "line": 2,
            "column": "unit_id",
            "message": t("import.defect.unit_unknown", lang, unit="u9", campaign="c1"),
        },
        {
            "file": "values.csv",
            "line": 3,
            "column": "indicator_id",
            "message": t("import.defect.indicator_unknown", lang, code="nosuch", campaign="c1"),
        },
        {
            "file": "values.csv",
            "line": 3,
            "column": "value",
            "message": t("import.defect.not_a_number", lang, value="很好"),
        },
    ]
    if lang == "zh":
        assert (
            defect_rows(refused.value.defects, lang)[0]["message"] == "单位“u9”不是评议活动 c1 的被评议单位。"
        )
    # the English stays for logs and the exception
    assert 'values.csv, line 2, column unit_id: unit "u9" is not appraised' in str(refused.value)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_exemptions_link_to_their_procedure_and_the_table_shows_the_decision(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser, lang: str
) -> None:
    save_indicator(make_uow(), admin, "c1", IndicatorSpec("overtime", "超时办结", direction="lower"))
    import_overdue_cases(make_uow(), admin, "c1", "cases.csv", CASES.encode())
    with make_uow() as uow:  # what a granted application does (tests/db/test_fault_tolerance.py)
        case = uow.session.execute(
            select(OverdueCase).where(OverdueCase.case_number == "SP-001")
        ).scalar_one()
        case.exempt, case.exempt_reason, case.exempted_by = True, "容错免责 纪容决〔2026〕3号", "admin2"
        uow.commit()
    at = open_page(repo_root, admin, lang)
    # no one-click exemption any more: a short text and a link to the procedure's page
    assert t("ft.indicators.help", lang) in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "indicators.exempt.run"]
    (link,) = [p for p in at.page_link if p.value == t("ft.indicators.link", lang)]
    assert "fault" in link.proto.page
    (table,) = [d.value for d in at.dataframe if "reason" in d.value.columns]
    shown = dict(zip(table["case"], table["reason"], strict=True))
    assert shown == {"SP-001": "容错免责 纪容决〔2026〕3号", "SP-002": ""}

    at.button(key="indicators.compute.run").click().run()
    assert not at.exception and not at.error
    values = {r.unit_code: r.value for r in indicator_values(make_uow(), admin, "c1", "overtime")}
    assert values == {"u1": 0.0, "u2": 1.0, "u3": 0.0}


@pytest.mark.parametrize("role", [Role.supervisor, Role.liaison])
def test_other_roles_do_not_get_the_page(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser, role: Role
) -> None:
    user = add_user(make_uow, f"user-{role.value}", role, unit_code="u1" if role == Role.liaison else None)
    at = AppTest.from_file(str(repo_root / PAGE), default_timeout=60)
    at.session_state[USER_KEY] = user
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("auth.not_allowed", "zh", role=t(f"role.{role.value}", "zh"))]
    assert not at.title
