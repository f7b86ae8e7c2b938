"""A campaign designed in the app (设计的评议活动) travels in its bundle: the offline scorer
recomputes the app's results from the export, and every designer setting survives
export → import → export byte for byte.

The campaign is built only through the services an admin's pages call: the unit register
imported from XLSX (services/units.py), the designer (services/designer.py: units, groups,
weights, eligibility, a custom grade scheme 优秀/良好/合格), a questionnaire with two item
sets, one per unit category (services/questionnaire_design.py), fieldwork, answers
(services/responses.py) and a stored scoring run (services/scoring.py). The next year is
made the same way: a rename and a merge on the register, "new campaign from last year's"
(services/design_rollover.py) with its derived history. Both databases
(tests/conftest.py).

The city's builders (register, questionnaire, answer patterns) are shared with the browser
test of two consecutive appraisals (tests/pages/test_two_appraisals_browser.py).
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import select

from db.bundle_io import export_bundle, import_bundle
from db.models import Role, ScoringRun, Unit, UnitResult
from scoring import load_bundle
from scoring.cli import main as scoring_main
from services import campaigns as lifecycle
from services import designer, history, questionnaire_design, reorganisations, units
from services.design_method import GradeBand, MarginShare
from services.design_rollover import new_campaign_from
from services.permissions import CurrentUser
from services.responses import submit_response
from services.scoring import run_scoring
from tests.db.kit import MakeUow, add_user
from ui.timefmt import beijing_today

# ---------------------------------------------------------------------------- the city

WINDOW: Final = "窗口服务"  # service windows: asked about waiting time
ENFORCEMENT: Final = "执法监管"  # law enforcement: asked about fair enforcement
SERIES: Final = "city"
#: code, name, category, district, kind, department, head, head since
REGISTER: Final = (
    ("W01", "市民服务中心", WINDOW, "东城区", "窗口", "市政务服务局", "赵敏", "2021-03-01"),
    ("W02", "不动产登记窗口", WINDOW, "东城区", "窗口", "市自然资源局", "钱伟", "2020-07-15"),
    ("W03", "社保经办窗口", WINDOW, "西城区", "窗口", "市人社局", "孙丽", "2022-01-10"),
    ("W04", "医保服务窗口", WINDOW, "西城区", "窗口", "市医保局", "李强", "2019-05-20"),
    ("W05", "公积金服务窗口", WINDOW, "东城区", "窗口", "市住房公积金中心", "周杰", "2023-02-01"),
    ("W06", "车驾管服务站", WINDOW, "西城区", "窗口", "市公安局", "吴芳", "2018-09-01"),
    ("E01", "市场监管执法支队", ENFORCEMENT, "东城区", "执法队", "市市场监管局", "郑涛", "2021-06-01"),
    ("E02", "城管执法大队", ENFORCEMENT, "西城区", "执法队", "市城管局", "王磊", "2020-04-01"),
    ("E03", "交通运输执法支队", ENFORCEMENT, "东城区", "执法队", "市交通运输局", "冯静", "2022-08-15"),
    ("E04", "生态环境执法支队", ENFORCEMENT, "西城区", "执法队", "市生态环境局", "陈刚", "2019-11-01"),
    ("E05", "文化市场执法队", ENFORCEMENT, "东城区", "执法队", "市文旅局", "褚燕", "2023-03-01"),
    ("E06", "农业综合执法队", ENFORCEMENT, "西城区", "执法队", "市农业农村局", "卫东", "2017-12-01"),
)
REGISTER_HEADER: Final = ("编码", "名称", "序列", "区县", "性质", "主管部门", "主要负责人", "任职日期")
#: survey items: code, Chinese text, English text, the one category asking it ("" = both)
ITEMS: Final = (
    ("q_attitude", "工作人员服务态度", "Staff attitude", ""),
    ("q_wait", "办事等候时间", "Waiting time", WINDOW),
    ("q_enforce", "执法公正文明", "Fair and civil enforcement", ENFORCEMENT),
)
#: the questions of each category's item set (题组), in order
ITEM_SET: Final = {
    WINDOW: ("q_attitude", "q_wait"),
    ENFORCEMENT: ("q_attitude", "q_enforce"),
}
#: the campaign's own grade scheme (等次方案)
GRADES: Final = (
    GradeBand("excellent", 90.0, "优秀", "Excellent"),
    GradeBand("good", 80.0, "良好", "Good"),
    GradeBand("pass", 60.0, "合格", "Pass"),
)
#: four answer sheets per unit, alternately citizen and service recipient; every question
#: of a sheet gets its letter (S 满意, B 基本满意, D 不满意). Rank 1 first, the clear worst last.
PATTERNS: Final = ("SSSS", "SSSB", "SSBB", "SBBB", "BBBD", "DDDD")
OPTION: Final = {"S": "satisfied", "B": "basically_satisfied", "D": "dissatisfied"}
GROUPS: Final = ("citizen", "service_recipient")
#: the respondents' sex by sheet: each group has one man and one woman, as the margins say
SEXES: Final = ("male", "female", "female", "male")
MIN_SURVEY: Final = 3
REPLICATES: Final = 60


def register_xlsx(rows: Sequence[Sequence[str]] = REGISTER) -> bytes:
    """The unit register as an XLSX workbook with Chinese headers, as a department keeps it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "评议对象名录"
    sheet.append(list(REGISTER_HEADER))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def items_csv() -> bytes:
    """items.csv of the questionnaire: one question for everybody, one per category."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "instrument",
            "item_id",
            "scale_id",
            "text_zh",
            "text_en",
            "weight",
            "unit_categories",
            "respondent_groups",
        ]
    )
    for code, zh, en, category in ITEMS:
        writer.writerow(["survey", code, "sat3", zh, en, "1", category, ""])
    return out.getvalue().encode("utf-8")


def item_text(code: str) -> str:
    return next(zh for c, zh, _en, _cat in ITEMS if c == code)


def sheets(pattern: str, category: str) -> list[tuple[str, str, dict[str, str]]]:
    """The answer sheets of one unit: (group, sex, item → option)."""
    return [
        (GROUPS[k % 2], SEXES[k % 4], {item: OPTION[letter] for item in ITEM_SET[category]})
        for k, letter in enumerate(pattern)
    ]


def answer(make_uow: MakeUow, campaign: str, unit: str, category: str, pattern: str, *, skip: int = 0) -> int:
    """Submit the unit's answer sheets (the first ``skip`` arrived another way)."""
    done = 0
    for k, (group, sex, answers) in enumerate(sheets(pattern, category)):
        if k < skip:
            continue
        submit_response(
            make_uow(),
            campaign,
            unit,
            group,
            answers,
            f"{campaign}-{unit}-{k}",
            attributes={"sex": sex},
            duration_seconds=60.0,
        )
        done += 1
    return done


def design_for(opens: date, closes: date) -> dict[str, Any]:
    """The designer settings of a survey-only campaign with its own grade scheme."""
    return {
        "survey_weight": 1.0,
        "phone_weight": 0.0,
        "bigdata_weight": 0.0,
        "min_survey": MIN_SURVEY,
        "min_phone": 0,
        "min_indicator_share": 0.0,
        "custom_grades": True,
        "grades": GRADES,
        "replicates": REPLICATES,
        "fieldwork_opens": opens,
        "fieldwork_closes": closes,
        "public_bulletin": True,
        "notice_days": 5,
        "margins": (MarginShare("sex", "male", 0.5), MarginShare("sex", "female", 0.5)),
    }


# ---------------------------------------------------------------------------- building


@pytest.fixture
def admins(make_uow: MakeUow) -> tuple[CurrentUser, CurrentUser]:
    return add_user(make_uow, "admin1", Role.admin), add_user(make_uow, "admin2", Role.admin)


def design_campaign(make_uow: MakeUow, admin: CurrentUser, code: str, year: int) -> None:
    """Register, campaign, settings, units, questionnaire, fieldwork: as the pages do it."""
    report = units.import_register(make_uow(), admin, register_xlsx(), "名录.xlsx")
    assert report.created == len(REGISTER)
    designer.create_campaign(
        make_uow(),
        admin,
        series_code=SERIES,
        series_name="市直单位",
        code=code,
        name=f"{year}年度评议",
        year=year,
    )
    design = designer.load_design(make_uow(), admin, code)
    settings_ = design_for(date(year, 10, 1), date(year, 11, 30))
    designer.update_design(make_uow(), admin, code, replace(design, **settings_))
    designer.choose_units(make_uow(), admin, code, categories=[WINDOW, ENFORCEMENT])
    questionnaire_design.import_questionnaire(make_uow(), admin, code, {"items.csv": items_csv()})
    lifecycle.open_fieldwork(make_uow(), admin, code)


def answer_everyone(make_uow: MakeUow, campaign: str, patterns: Mapping[str, tuple[str, str]]) -> None:
    for unit, (category, pattern) in patterns.items():
        answer(make_uow, campaign, unit, category, pattern)


def first_year_patterns() -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for code, _name, category, *_ in REGISTER:
        out[code] = (category, PATTERNS[int(code[1:]) - 1])
    return out


def score(make_uow: MakeUow, admin: CurrentUser, code: str) -> int:
    lifecycle.start_scoring(make_uow(), admin, code)
    return run_scoring(make_uow(), admin, code, replicates=REPLICATES).id


def publish_and_finalize(make_uow: MakeUow, first: CurrentUser, second: CurrentUser, code: str) -> None:
    lifecycle.start_review(make_uow(), first, code)
    lifecycle.request_publication(make_uow(), first, code)
    lifecycle.approve_publication(make_uow(), second, code)
    later = datetime.now(UTC) + timedelta(days=30)  # the notice period is over
    lifecycle.finalize(make_uow(), first, code, clock=lambda: later)


@pytest.fixture
def first_year(make_uow: MakeUow, admins: tuple[CurrentUser, CurrentUser]) -> tuple[str, int]:
    """The 2025 campaign designed, answered and scored: (code, run id)."""
    admin = admins[0]
    design_campaign(make_uow, admin, "city-2025", 2025)
    answer_everyone(make_uow, "city-2025", first_year_patterns())
    return "city-2025", score(make_uow, admin, "city-2025")


# ---------------------------------------------------------------------------- comparing


def offline(bundle: Path, out: Path) -> list[dict[str, str]]:
    """``python -m scoring score BUNDLE --out OUT`` in-process; the rows of results.csv."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        status = scoring_main(["score", str(bundle), "--out", str(out), "--replicates", str(REPLICATES)])
    assert status == 0, err.getvalue()
    with (out / "results.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def stored_rows(make_uow: MakeUow, run_id: int) -> dict[str, dict[str, Any]]:
    """The stored run's results.csv rows by unit code."""
    with make_uow() as uow:
        found = uow.session.execute(
            select(Unit.code, UnitResult.row)
            .join(Unit, Unit.id == UnitResult.unit_id)
            .where(UnitResult.run_id == run_id)
        ).all()
        return {code: dict(row) for code, row in found}


def as_number(text: Any) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def assert_recomputed(
    stored: Mapping[str, Mapping[str, Any]], recomputed: Sequence[Mapping[str, str]]
) -> None:
    """Every number within 1e-6, every text (lists, grades, cards, reasons) identical."""
    by_unit = {r["unit_id"]: r for r in recomputed}
    assert set(by_unit) == set(stored)
    for unit, row in stored.items():
        again = by_unit[unit]
        assert set(row) == set(again), unit
        for column, value in row.items():
            a, b = as_number(value), as_number(again[column])
            if a is not None and b is not None:
                assert abs(a - b) <= 1e-6, (unit, column, value, again[column])
            else:
                assert str(value) == again[column], (unit, column, value, again[column])


def export(make_uow: MakeUow, code: str, out: Path) -> Path:
    with make_uow() as uow:
        export_bundle(uow, code, out)
    return out


def renamed(src: Path, dst: Path, new_id: str) -> Path:
    """A copy of a bundle under another ``[campaign] id``."""
    shutil.copytree(src, dst)
    toml = (dst / "campaign.toml").read_text(encoding="utf-8")
    lines = [
        f'id = "{new_id}"\n' if line.startswith("id = ") else line for line in toml.splitlines(keepends=True)
    ]
    (dst / "campaign.toml").write_text("".join(lines), encoding="utf-8")
    return dst


# ---------------------------------------------------------------------------- tests


def test_the_offline_scorer_recomputes_a_designed_campaign_from_its_export(
    make_uow: MakeUow, first_year: tuple[str, int], tmp_path: Path
) -> None:
    code, run_id = first_year
    stored = stored_rows(make_uow, run_id)
    recomputed = offline(export(make_uow, code, tmp_path / "bundle"), tmp_path / "results")

    assert_recomputed(stored, recomputed)
    # the campaign's own bands, the lists and cards as the patterns make them
    grades = {unit: row["grade"] for unit, row in stored.items()}
    assert grades["W01"] == grades["E01"] == "excellent"
    assert grades["W03"] == "good" and grades["W04"] == "pass"
    assert grades["W06"] == grades["E06"] == "dissatisfied"
    worst = {unit for unit, row in stored.items() if row["list"] == "worst"}
    assert worst == {"W04", "W05", "W06", "E04", "E05", "E06"}  # N = min(10, 6 // 2) = 3 per category
    assert {unit for unit, row in stored.items() if row["card"] == "yellow"} == worst
    with make_uow() as uow:
        run = uow.session.get(ScoringRun, run_id)
        assert run is not None and run.replicates == REPLICATES


def test_the_bundle_carries_the_item_sets_and_the_grade_scheme(
    make_uow: MakeUow, first_year: tuple[str, int], tmp_path: Path
) -> None:
    code, _run = first_year
    bundle = load_bundle(export(make_uow, code, tmp_path / "bundle"))
    assert dict(bundle.params.own_grades) == {"excellent": 90.0, "good": 80.0, "pass": 60.0}
    assert dict(bundle.params.component_weights) == {"survey": 1.0, "phone": 0.0, "bigdata": 0.0}
    assert bundle.platform.campaign_design()["grade_labels"] == {
        "excellent": {"zh": "优秀", "en": "Excellent"},
        "good": {"zh": "良好", "en": "Good"},
        "pass": {"zh": "合格", "en": "Pass"},
    }
    with (tmp_path / "bundle" / "items.csv").open(encoding="utf-8", newline="") as fh:
        sets = {r["item_id"]: r["unit_categories"] for r in csv.DictReader(fh)}
    assert sets == {"q_attitude": "", "q_wait": WINDOW, "q_enforce": ENFORCEMENT}


def test_every_designer_setting_survives_export_import_export_byte_for_byte(
    make_uow: MakeUow, admins: tuple[CurrentUser, CurrentUser], first_year: tuple[str, int], tmp_path: Path
) -> None:
    code, _run = first_year
    first = export(make_uow, code, tmp_path / "first")
    again = renamed(first, tmp_path / "again", "city-2025-copy")
    with make_uow() as uow:
        import_bundle(uow, again)
        uow.commit()
    second = export(make_uow, "city-2025-copy", tmp_path / "second")

    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        expected = (again if path.name == "campaign.toml" else first) / path.name
        assert (second / path.name).read_bytes() == expected.read_bytes(), path.name
    original = designer.load_design(make_uow(), admins[0], code)
    copy = designer.load_design(make_uow(), admins[0], "city-2025-copy")
    assert copy == original
    assert copy.grades == GRADES and copy.custom_grades
    assert (copy.fieldwork_opens, copy.fieldwork_closes) == (date(2025, 10, 1), date(2025, 11, 30))


def test_next_year_s_campaign_carries_the_merged_unit_s_past_and_recomputes_its_red_card(
    make_uow: MakeUow, admins: tuple[CurrentUser, CurrentUser], first_year: tuple[str, int], tmp_path: Path
) -> None:
    admin, second = admins
    code, _run = first_year
    publish_and_finalize(make_uow, admin, second, code)
    on = beijing_today()
    reorganisations.rename(make_uow(), admin, "W05", "住房公积金服务中心", on, "机构改革更名")
    reorganisations.merge(
        make_uow(),
        admin,
        ["E06", "E01"],
        "E06",
        reorganisations.NewUnit("E07", "农业和市场综合执法支队", ENFORCEMENT),
        on,
        "机构改革合并",
    )
    rolled = new_campaign_from(make_uow(), admin, code, code="city-2026", name="2026年度评议", year=2026)
    assert sorted(rolled.units) == sorted(
        ["W01", "W02", "W03", "W04", "W05", "W06", "E02", "E03", "E04", "E05", "E07"]
    )
    entries = {r.unit_code: r for r in history.history_of(make_uow(), admin, "city-2026")}
    assert entries["E07"].unsatisfactory and entries["E07"].source_unit == "E06"
    assert entries["W05"].unsatisfactory and entries["W05"].source_unit == "W05"

    design = designer.load_design(make_uow(), admin, "city-2026")
    designer.update_design(
        make_uow(), admin, "city-2026", replace(design, fieldwork_opens=on, fieldwork_closes=on)
    )
    lifecycle.open_fieldwork(make_uow(), admin, "city-2026")
    patterns = {u: p for u, p in first_year_patterns().items() if u not in ("E01", "E06")}
    patterns["E07"] = (ENFORCEMENT, "DDDD")
    answer_everyone(make_uow, "city-2026", patterns)
    run_id = score(make_uow, admin, "city-2026")

    stored = stored_rows(make_uow, run_id)
    assert stored["E07"]["card"] == "red" and stored["E07"]["consecutive_unsatisfactory"] == "true"
    assert stored["W05"]["card"] == "red"  # renamed, its own past
    recomputed = offline(export(make_uow, "city-2026", tmp_path / "bundle"), tmp_path / "results")
    assert_recomputed(stored, recomputed)
    with (tmp_path / "bundle" / "history.csv").open(encoding="utf-8", newline="") as fh:
        past = {r["unit_id"]: r for r in csv.DictReader(fh)}
    assert (past["E07"]["source_campaign"], past["E07"]["source_unit"]) == ("city-2025", "E06")
    assert past["E07"]["via"].startswith("merge")


# ---------------------------------------------------------------------------- property

band_names = st.sampled_from(["excellent", "good", "pass", "fair", "strong", "weak_pass", "top"])
schemes = st.lists(
    st.tuples(band_names, st.integers(min_value=0, max_value=1000)),
    min_size=1,
    max_size=4,
    unique_by=(lambda b: b[0], lambda b: b[1]),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=schemes)
def test_any_grade_scheme_the_designer_accepts_is_what_the_bundle_says(
    make_uow: MakeUow,
    admins: tuple[CurrentUser, CurrentUser],
    tmp_path_factory: pytest.TempPathFactory,
    scheme: list[tuple[str, int]],
) -> None:
    """Whatever bands an admin names, the exported bundle's reader sees exactly them, and
    their labels travel in ``[platform]``."""
    admin = admins[0]
    bands = tuple(GradeBand(name, bound / 10, f"{name}级", name.title()) for name, bound in scheme)
    code = f"g-{abs(hash(tuple(scheme))) % 10**12}"
    with contextlib.suppress(Exception):  # a code made again by the same example
        designer.create_campaign(make_uow(), admin, series_code="g", code=code, name="等次", year=2025)
    design = designer.load_design(make_uow(), admin, code)
    designer.update_design(make_uow(), admin, code, replace(design, custom_grades=True, grades=bands))
    out = tmp_path_factory.mktemp("grades")
    bundle = load_bundle(export(make_uow, code, out / "bundle"))
    assert dict(bundle.params.own_grades) == {b.name: b.lower for b in bands}
    assert bundle.platform.campaign_design()["grade_labels"] == {
        b.name: {"zh": b.label_zh, "en": b.label_en} for b in bands
    }
    assert designer.load_design(make_uow(), admin, code).grades == bands
