"""Indicators (services.indicators): definitions, CSV/XLSX imports, freeze and corrections,
overdue cases with exemptions and the computed overtime indicator.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from db.models import AuditEntry, CampaignStatus, IndicatorValue, OverdueCase, Role
from services.defects import LabelRefused
from services.errors import InputsFrozen, NotFound, Refused
from services.indicators import (
    ImportRejected,
    IndicatorSpec,
    compute_overtime_indicator,
    correct_indicator_value,
    delete_indicator,
    import_indicator_values,
    import_overdue_cases,
    indicator_values,
    list_indicators,
    overdue_cases,
    save_indicator,
    set_indicator_value,
)
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import Clock, MakeUow, add_user, seed_campaign, set_status

BEFORE_FREEZE = Clock(datetime(2026, 6, 30, 12, 0, tzinfo=UTC))
AFTER_FREEZE = Clock(datetime(2026, 7, 1, 16, 30, tzinfo=UTC))  # 2 July in Beijing
FREEZE = date(2026, 7, 1)


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return add_user(make_uow, "admin1", Role.admin)


def define(make_uow: MakeUow, admin: CurrentUser, code: str = "closure", **fields: object) -> None:
    spec = {"name": "12345办结率", "direction": "higher", "weight": 1.0, "source_system": "12345", **fields}
    save_indicator(make_uow(), admin, "c1", IndicatorSpec(code=code, **spec))  # type: ignore[arg-type]


def values(make_uow: MakeUow, admin: CurrentUser, code: str = "closure") -> dict[str, float | None]:
    return {r.unit_code: r.value for r in indicator_values(make_uow(), admin, "c1", code)}


def audits(make_uow: MakeUow, action: str) -> list[AuditEntry]:
    with make_uow() as uow:
        entries = list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            ).scalars()
        )
        uow.session.expunge_all()  # kept readable after the unit of work rolls back
        return entries


def xlsx(rows: list[list[object]], percent_column: int | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if percent_column is not None:
        for cells in sheet.iter_rows(min_row=2):
            cells[percent_column].number_format = "0.00%"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- definitions


def test_defining_and_changing_an_indicator_is_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin, freeze_date=FREEZE)
    define(make_uow, admin, "overtime", name="超时办结件数", direction="lower", weight=2.0)
    define(make_uow, admin, weight=1.5, freeze_date=FREEZE)

    found = list_indicators(make_uow(), admin, "c1", clock=AFTER_FREEZE)
    assert [(i.spec.code, i.spec.weight, i.frozen) for i in found] == [
        ("closure", 1.5, True),
        ("overtime", 2.0, False),
    ]
    assert [e.action for e in audits(make_uow, "indicator.create")] == ["indicator.create"] * 2
    (update,) = audits(make_uow, "indicator.update")
    assert (update.before["weight"], update.after["weight"]) == (1.0, 1.5)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "bad code"}, "letters, digits"),
        ({"name": "  "}, "name"),
        ({"direction": "up"}, "higher or lower"),
        ({"weight": -1.0}, ">= 0"),
        ({"method": "target", "floor": 60.0}, "floor and a target"),
        ({"method": "target", "floor": 60.0, "target": 60.0}, "differ"),
        ({"method": "target", "direction": "lower", "floor": 0.0, "target": 10.0}, "above the target"),
    ],
)
def test_a_bad_definition_is_refused(
    make_uow: MakeUow, admin: CurrentUser, fields: dict[str, object], message: str
) -> None:
    spec: dict[str, object] = {"code": "closure", "name": "办结率", **fields}
    with pytest.raises(Refused, match=message):
        save_indicator(make_uow(), admin, "c1", IndicatorSpec(**spec))  # type: ignore[arg-type]
    assert list_indicators(make_uow(), admin, "c1") == []


def test_only_admins_define_indicators_and_not_once_published(make_uow: MakeUow, admin: CurrentUser) -> None:
    supervisor = add_user(make_uow, "sup", Role.supervisor)
    with pytest.raises(PermissionDenied):
        save_indicator(make_uow(), supervisor, "c1", IndicatorSpec(code="x", name="x"))
    set_status(make_uow, "c1", CampaignStatus.published)
    with pytest.raises(InputsFrozen):
        save_indicator(make_uow(), admin, "c1", IndicatorSpec(code="x", name="x"))


# ---------------------------------------------------------------- imports


def test_a_gbk_csv_imports_values_by_unit_id_or_name(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin)
    define(make_uow, admin, "hotline_satisfaction", name="热线满意率")
    text = "unit_id,indicator_id,value,备注\nu1,closure,98.5%,按期\nu2,hotline_satisfaction,91,\n"
    report = import_indicator_values(make_uow(), admin, "c1", "12345.csv", text.encode("gbk"))
    assert (report.rows, report.added, report.changed) == (2, 2, 0)
    assert values(make_uow, admin) == {"u1": 98.5, "u2": None, "u3": None}

    by_name = "\ufeffunit_name,value\n单位u3,77\n".encode()
    import_indicator_values(make_uow(), admin, "c1", "by-name.csv", by_name, indicator_code="closure")
    assert values(make_uow, admin)["u3"] == 77.0
    (entry, _) = audits(make_uow, "indicator_values.import")
    assert entry.after["added"] == 2 and entry.after["file"] == "12345.csv"


def test_an_xlsx_file_imports_with_percent_cells_as_shown(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin)
    raw = xlsx([["unit_id", "indicator_id", "value"], ["u1", "closure", 0.985], [2, "closure", 0.9]], 2)
    with pytest.raises(ImportRejected) as refused:  # unit 2 does not exist
        import_indicator_values(make_uow(), admin, "c1", "export.xlsx", raw)
    assert [(d.line, d.column) for d in refused.value.defects] == [(3, "unit_id")]

    raw = xlsx([["unit_id", "indicator_id", "value"], ["u1", "closure", 0.985], ["u2", "closure", 0.9]], 2)
    import_indicator_values(make_uow(), admin, "c1", "export.xlsx", raw)
    assert values(make_uow, admin) == {"u1": pytest.approx(98.5), "u2": pytest.approx(90.0), "u3": None}


def test_a_file_with_defects_imports_nothing_and_names_every_line_and_column(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    define(make_uow, admin)
    text = (
        "unit_id,indicator_id,value\n"
        "u1,closure,95\n"
        "u9,closure,80\n"
        "u2,nosuch,80\n"
        "u3,closure,很好\n"
        "u1,closure,96\n"
    )
    with pytest.raises(ImportRejected) as refused:
        import_indicator_values(make_uow(), admin, "c1", "values.csv", text.encode("gb18030"))
    assert [(d.file, d.line, d.column) for d in refused.value.defects] == [
        ("values.csv", 3, "unit_id"),
        ("values.csv", 4, "indicator_id"),
        ("values.csv", 5, "value"),
        ("values.csv", 6, "unit_id"),
    ]
    assert "u9" in str(refused.value.defects[0]) and "line 2" in str(refused.value.defects[3])
    assert values(make_uow, admin) == {"u1": None, "u2": None, "u3": None}
    assert audits(make_uow, "indicator_values.import") == []


def test_missing_columns_and_unreadable_files_are_reported(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin)
    with pytest.raises(ImportRejected) as refused:
        import_indicator_values(make_uow(), admin, "c1", "x.csv", b"unit,amount\nu1,3\n")
    assert {d.column for d in refused.value.defects} == {"unit_id", "indicator_id", "value"}
    with pytest.raises(ImportRejected, match="XLSX"):
        import_indicator_values(make_uow(), admin, "c1", "x.xlsx", b"PK\x03\x04 not a workbook")


# Names are checked as stored, trimmed: a tab or return before a formula is still refused.
FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1")


@pytest.mark.parametrize("text", FORMULAS)
@pytest.mark.parametrize("field", ["name", "source_system", "code"])
def test_a_name_or_label_a_spreadsheet_would_take_for_a_formula_is_refused(
    make_uow: MakeUow, admin: CurrentUser, field: str, text: str
) -> None:
    fields = {"code": "closure", "name": "12345办结率", "source_system": "12345", field: text}
    with pytest.raises(LabelRefused, match="formula") as refused:
        save_indicator(make_uow(), admin, "c1", IndicatorSpec(**fields))  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.key) == (field, "import.defect.formula_like")
    assert list_indicators(make_uow(), admin, "c1") == []


def test_imports_refuse_formula_labels_but_take_negative_values(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    define(make_uow, admin, direction="lower")
    raw = b"unit_id,indicator_id,value\nu1,closure,-2.5\n"
    with pytest.raises(LabelRefused):
        import_indicator_values(make_uow(), admin, "c1", "v.csv", raw, source_system="=cmd|' /C calc'!A0")
    import_indicator_values(make_uow(), admin, "c1", "v.csv", raw, source_system="12345热线")
    assert values(make_uow, admin)["u1"] == -2.5  # values are numbers, not labels

    cases = (
        "unit_id,case_number,promised_at,completed_at,source_system\n"
        "u1,A1,2026-03-01 09:00,2026-03-02 09:00,一体化平台\n"
        "u2,A2,2026-03-01 09:00,2026-03-02 09:00,@SUM(1)\n"
    )
    with pytest.raises(ImportRejected) as refused:
        import_overdue_cases(make_uow(), admin, "c1", "cases.csv", cases.encode())
    assert [(d.file, d.line, d.column, d.key) for d in refused.value.defects] == [
        ("cases.csv", 3, "source_system", "import.defect.formula_like")
    ]
    with pytest.raises(LabelRefused):
        import_overdue_cases(make_uow(), admin, "c1", "cases.csv", cases.encode()[:90], source_system="+1")
    assert overdue_cases(make_uow(), admin, "c1") == []


def test_after_the_freeze_date_a_change_needs_a_reason_and_is_audited(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    define(make_uow, admin, freeze_date=FREEZE)
    raw = b"unit_id,indicator_id,value\nu1,closure,90\nu2,closure,80\n"
    import_indicator_values(make_uow(), admin, "c1", "v.csv", raw, clock=BEFORE_FREEZE)
    assert audits(make_uow, "indicator_value.correct") == []

    # the same file again changes nothing, frozen or not
    again = import_indicator_values(make_uow(), admin, "c1", "v.csv", raw, clock=AFTER_FREEZE)
    assert (again.unchanged, again.corrections) == (2, 0)

    changed = b"unit_id,indicator_id,value\nu1,closure,91\nu2,closure,80\n"
    with pytest.raises(Refused, match="correction reason"):
        import_indicator_values(make_uow(), admin, "c1", "v.csv", changed, clock=AFTER_FREEZE)
    with pytest.raises(Refused, match="correction reason"):
        set_indicator_value(make_uow(), admin, "c1", "closure", "u1", 91.0, clock=AFTER_FREEZE)
    assert values(make_uow, admin)["u1"] == 90.0

    report = import_indicator_values(
        make_uow(), admin, "c1", "v.csv", changed, reason="12345系统复核更正", clock=AFTER_FREEZE
    )
    assert (report.changed, report.corrections) == (1, 1)
    correct_indicator_value(
        make_uow(), admin, "c1", "closure", "u3", 70.0, "补报漏报数据", clock=AFTER_FREEZE
    )
    assert values(make_uow, admin) == {"u1": 91.0, "u2": 80.0, "u3": 70.0}
    entries = audits(make_uow, "indicator_value.correct")
    assert [(e.entity_id, e.before, e.after["value"], e.after["reason"], e.actor) for e in entries] == [
        ("c1/closure/u1", {"value": 90.0}, 91.0, "12345系统复核更正", "admin1"),
        ("c1/closure/u3", {"value": None}, 70.0, "补报漏报数据", "admin1"),
    ]


def test_before_the_freeze_date_values_are_edited_plainly(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin, freeze_date=FREEZE)
    assert set_indicator_value(make_uow(), admin, "c1", "closure", "u1", 88.0, clock=BEFORE_FREEZE)
    assert not set_indicator_value(make_uow(), admin, "c1", "closure", "u1", 88.0, clock=BEFORE_FREEZE)
    assert set_indicator_value(make_uow(), admin, "c1", "closure", "u1", None, clock=BEFORE_FREEZE)
    assert values(make_uow, admin)["u1"] is None
    assert [(e.before, e.after) for e in audits(make_uow, "indicator_value.set")] == [
        ({"value": None}, {"value": 88.0}),
        ({"value": 88.0}, {"value": None}),
    ]
    with pytest.raises(Refused, match="reason"):
        correct_indicator_value(make_uow(), admin, "c1", "closure", "u1", 1.0, "  ", clock=BEFORE_FREEZE)
    with pytest.raises(NotFound):
        set_indicator_value(make_uow(), admin, "c1", "closure", "u9", 1.0)


def test_a_frozen_indicator_with_values_cannot_be_deleted(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin, freeze_date=FREEZE)
    set_indicator_value(make_uow(), admin, "c1", "closure", "u1", 88.0, clock=BEFORE_FREEZE)
    with pytest.raises(Refused, match="frozen"):
        delete_indicator(make_uow(), admin, "c1", "closure", "重复指标", clock=AFTER_FREEZE)
    assert delete_indicator(make_uow(), admin, "c1", "closure", "重复指标", clock=BEFORE_FREEZE) == 1
    assert list_indicators(make_uow(), admin, "c1") == []
    (entry,) = audits(make_uow, "indicator.delete")
    assert entry.before["n_values"] == 1 and entry.after == {"reason": "重复指标"}


# ---------------------------------------------------------------- overdue cases


CASES = (
    "unit_id,case_number,promised_at,completed_at,source_system\n"
    "u1,SP-001,2026-03-02 17:00,2026-03-03 09:00,一网通办\n"
    "u1,SP-002,2026-03-05 17:00,2026-03-09 10:00,一网通办\n"
    "u2,SP-003,2026-03-05T17:00:00+08:00,2026-03-05T18:30:00+08:00,\n"
)


def test_overdue_cases_import_and_reimport(make_uow: MakeUow, admin: CurrentUser) -> None:
    report = import_overdue_cases(make_uow(), admin, "c1", "overdue.csv", CASES.encode("gbk"))
    assert (report.rows, report.added, report.unchanged) == (3, 3, 0)
    again = import_overdue_cases(make_uow(), admin, "c1", "overdue.csv", CASES.encode())
    assert (again.added, again.unchanged) == (0, 3)
    rows = {r.case_number: r for r in overdue_cases(make_uow(), admin, "c1")}
    assert rows["SP-001"].hours_late == pytest.approx(16.0)
    assert rows["SP-003"].hours_late == pytest.approx(1.5)
    assert rows["SP-001"].promised_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Beijing time
    assert rows["SP-001"].source_system == "一网通办"


def test_bad_overdue_rows_are_all_reported(make_uow: MakeUow, admin: CurrentUser) -> None:
    bad = (
        "unit_id,case_number,promised_at,completed_at\n"
        "u1,SP-001,2026-03-02 17:00,2026-03-02 16:00\n"
        "u7,SP-002,2026-03-02 17:00,2026-03-03 16:00\n"
        "u1,SP-003,yesterday,2026-03-03 16:00\n"
        "u2,SP-003,2026-03-02 17:00,2026-03-03 16:00\n"
    )
    with pytest.raises(ImportRejected) as refused:
        import_overdue_cases(make_uow(), admin, "c1", "overdue.csv", bad.encode())
    assert [(d.line, d.column) for d in refused.value.defects] == [
        (3, "unit_id"),
        (2, "completed_at"),
        (4, "promised_at"),
        (5, "case_number"),
    ]
    assert overdue_cases(make_uow(), admin, "c1") == []


def exempt(make_uow: MakeUow, case_number: str, document: str = "纪容决〔2026〕1号") -> None:
    """What a granted fault-tolerance application does to the case (services.fault_tolerance,
    tested in tests/db/test_fault_tolerance.py)."""
    with make_uow() as uow:
        case = uow.session.execute(
            select(OverdueCase).where(OverdueCase.case_number == case_number)
        ).scalar_one()
        case.exempt, case.exempt_reason = True, f"容错免责 {document}"
        case.exempted_by, case.exempted_at = "admin2", BEFORE_FREEZE.now
        uow.commit()


def test_the_case_list_shows_which_decision_exempted_a_case(make_uow: MakeUow, admin: CurrentUser) -> None:
    import_overdue_cases(make_uow(), admin, "c1", "overdue.csv", CASES.encode())
    exempt(make_uow, "SP-001")
    rows = {r.case_number: r for r in overdue_cases(make_uow(), admin, "c1")}
    assert (rows["SP-001"].exempt, rows["SP-001"].exempt_reason) == (True, "容错免责 纪容决〔2026〕1号")
    assert (rows["SP-001"].exempted_by, rows["SP-001"].exempted_at) == ("admin2", BEFORE_FREEZE.now)
    assert not rows["SP-002"].exempt and rows["SP-002"].exempt_reason == ""


def test_the_overtime_indicator_counts_the_cases_not_exempted(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin, "overtime", name="超时办结", direction="lower", freeze_date=FREEZE)
    import_overdue_cases(make_uow(), admin, "c1", "overdue.csv", CASES.encode())
    exempt(make_uow, "SP-003")

    report = compute_overtime_indicator(make_uow(), admin, "c1", clock=BEFORE_FREEZE)
    assert (report.added, report.changed) == (3, 0)
    assert values(make_uow, admin, "overtime") == {"u1": 2.0, "u2": 0.0, "u3": 0.0}
    (entry,) = audits(make_uow, "indicator.compute_overtime")
    assert (entry.after["counted_cases"], entry.after["exempt_cases"]) == (2, 1)
    with make_uow() as uow:
        sources = set(uow.session.execute(select(IndicatorValue.source_system)).scalars())
    assert sources == {"overdue_cases"}

    # after the freeze date an exemption that changes a count is a correction
    exempt(make_uow, "SP-001")
    with pytest.raises(Refused, match="correction reason"):
        compute_overtime_indicator(make_uow(), admin, "c1", clock=AFTER_FREEZE)
    compute_overtime_indicator(make_uow(), admin, "c1", reason="复核后容错免责", clock=AFTER_FREEZE)
    assert values(make_uow, admin, "overtime")["u1"] == 1.0
    (correction,) = audits(make_uow, "indicator_value.correct")
    assert (correction.before, correction.after["value"]) == ({"value": 2.0}, 1.0)


def test_overtime_needs_a_lower_is_better_indicator(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(NotFound):
        compute_overtime_indicator(make_uow(), admin, "c1")
    define(make_uow, admin, "overtime", name="超时办结", direction="higher")
    with pytest.raises(Refused, match="lower-is-better"):
        compute_overtime_indicator(make_uow(), admin, "c1")


def test_nothing_changes_once_published(make_uow: MakeUow, admin: CurrentUser) -> None:
    define(make_uow, admin)
    import_overdue_cases(make_uow(), admin, "c1", "overdue.csv", CASES.encode())
    set_status(make_uow, "c1", CampaignStatus.final)
    with pytest.raises(InputsFrozen):
        import_indicator_values(
            make_uow(), admin, "c1", "v.csv", b"unit_id,indicator_id,value\nu1,closure,1\n"
        )
    with pytest.raises(InputsFrozen):
        compute_overtime_indicator(make_uow(), admin, "c1")
