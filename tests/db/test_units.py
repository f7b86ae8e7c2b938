"""The unit register (services/units.py, services/register_io.py, services/register_file.py),
on SQLite and PostgreSQL: import and export as CSV (UTF-8, GBK) and XLSX, all or nothing,
defects by file, line and column; adding, correcting, retiring and reinstating units;
search and facets; liaisons kept encrypted and shown masked; every change audited."""

from __future__ import annotations

import base64
import hashlib
import io
import string
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from db import crypto
from db.models import AuditEntry, CampaignStatus, CampaignUnit, District, Role, Unit
from services import units
from services.defects import WORDINGS, LabelRefused
from services.permissions import CurrentUser, PermissionDenied
from services.units import ImportRejected, RegisterRefused
from tests.db.kit import MakeUow, add_user, audit_actions, seed_campaign, set_status
from ui.messages import MESSAGES

KEY = base64.b64encode(hashlib.sha256(b"register-test-key").digest()).decode()
HEADER = "code,name,category,district,kind,department,head_name,head_since,liaison_name,liaison_phone\n"
TWO_UNITS = (
    HEADER
    + "u1,城东税务所,grassroots,东区,行政机关,市税务局,张三,2024-01-02,李四,138 1234 5678\n"
    + "u2,人民医院,health,西区,事业单位,市卫健委,,,,\n"
)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def imported(make_uow: MakeUow, admin: CurrentUser, text: str = TWO_UNITS, name: str = "r.csv"):
    return units.import_register(make_uow(), admin, text.encode("utf-8"), name)


def rejected(make_uow: MakeUow, admin: CurrentUser, data: bytes, name: str = "r.csv") -> list[tuple]:
    with pytest.raises(ImportRejected) as caught:
        units.import_register(make_uow(), admin, data, name)
    return [(d.file, d.line, d.column, d.key) for d in caught.value.defects]


def stored(make_uow: MakeUow, code: str) -> Unit:
    with make_uow() as uow:
        unit = uow.session.execute(select(Unit).where(Unit.code == code)).scalar_one()
        uow.session.expunge(unit)
        return unit


def unit_count(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return len(uow.session.execute(select(Unit.id)).all())


# ---------------------------------------------------------------- importing


def test_an_import_creates_units_with_their_districts_and_an_encrypted_liaison(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    report = imported(make_uow, admin)

    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    rows = {r.code: r for r in units.search_units(make_uow(), admin)}
    assert (rows["u1"].name, rows["u1"].district, rows["u1"].kind, rows["u1"].department) == (
        "城东税务所",
        "东区",
        "行政机关",
        "市税务局",
    )
    assert (rows["u1"].head_name, rows["u1"].head_since) == ("张三", date(2024, 1, 2))
    assert (rows["u1"].liaison_name, rows["u1"].liaison_phone) == ("李*", "138****5678")
    unit = stored(make_uow, "u1")
    assert b"1234" not in (unit.liaison_phone_enc or b"") and "李四".encode() not in (
        unit.liaison_name_enc or b""
    )
    assert crypto.decrypt(unit.liaison_phone_enc or b"") == "+8613812345678"
    with make_uow() as uow:
        assert sorted(uow.session.execute(select(District.name)).scalars()) == ["东区", "西区"]


def test_a_gbk_file_with_chinese_headers_imports(make_uow: MakeUow, admin: CurrentUser) -> None:
    text = "编码,名称,序列,区县,主要负责人,任职日期\nu1,城东税务所,基层站所,东区,张三,2024年1月2日\n"

    report = units.import_register(make_uow(), admin, text.encode("gbk"), "名录.csv")

    assert report.created == 1
    (row,) = units.search_units(make_uow(), admin)
    assert (row.name, row.category, row.head_since) == ("城东税务所", "基层站所", date(2024, 1, 2))


def test_an_xlsx_file_with_date_cells_and_numeric_codes_imports(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位编码", "单位名称", "类别", "任职日期", "主要负责人", "联络电话"])
    sheet.append([1001, "城东税务所", "grassroots", datetime(2023, 5, 6), "王五", 13912345678])
    out = io.BytesIO()
    book.save(out)

    report = units.import_register(make_uow(), admin, out.getvalue(), "units.xlsx")

    assert report.created == 1
    (row,) = units.search_units(make_uow(), admin)
    assert (row.code, row.head_since, row.liaison_phone) == ("1001", date(2023, 5, 6), "139****5678")


def test_importing_again_reports_unchanged_and_updates_only_what_changed(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    imported(make_uow, admin)
    assert imported(make_uow, admin).unchanged == 2

    # a file with fewer columns leaves the others as they are
    report = imported(make_uow, admin, "code,name,category\nu1,城东税务分局,grassroots\nu2,人民医院,health\n")

    assert (report.created, report.updated, report.unchanged, report.updated_codes) == (0, 1, 1, ("u1",))
    row = units.get_unit(make_uow(), admin, "u1")
    assert (row.name, row.district, row.head_name, row.liaison_phone) == (
        "城东税务分局",
        "东区",
        "张三",
        "138****5678",
    )


def test_every_defect_is_listed_by_line_and_column_and_nothing_is_written(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    imported(make_uow, admin)
    text = (
        "编码,名称,序列,任职日期,联络电话\n"
        " u3 ,甲,office,,\n"  # 2: spaces around a code
        "u4,=HYPERLINK(1),office,,\n"  # 3: formula-like name
        "u5,,office,,\n"  # 4: empty name
        "u6,乙,office,someday,\n"  # 5: bad date
        "u7,丙,office,,12345\n"  # 6: not a mobile number
        "u8,丁,office,,\n"
        "u8,戊,office,,\n"  # 8: the same code twice
        "Ｕ8,己,office,,\n"  # 9: equal to u8 once folded
        "U1,庚,office,,\n"  # 10: equal to the register's u1 once folded
        f"u9,{'长' * 201},office,,\n"  # 11: wider than the column
    )

    found = rejected(make_uow, admin, text.encode("utf-8"))

    assert found == [
        ("r.csv", 2, "编码", "register.defect.code_spaces"),
        ("r.csv", 3, "名称", "import.defect.formula_like"),
        ("r.csv", 4, "名称", "register.defect.required"),
        ("r.csv", 5, "任职日期", "import.defect.not_a_date"),
        ("r.csv", 6, "联络电话", "import.defect.phone_invalid"),
        ("r.csv", 8, "编码", "register.defect.code_twice"),
        ("r.csv", 9, "编码", "register.defect.code_alike"),
        ("r.csv", 10, "编码", "register.defect.code_alike_register"),
        ("r.csv", 11, "名称", "import.defect.too_long"),
    ]
    assert unit_count(make_uow) == 2


def test_a_file_without_a_required_column_or_rows_is_refused(make_uow: MakeUow, admin: CurrentUser) -> None:
    assert rejected(make_uow, admin, b"code,name\nu1,a\n") == [
        ("r.csv", 1, "category", "import.defect.column_missing")
    ]
    assert rejected(make_uow, admin, b"code,name,category\n") == [
        ("r.csv", None, None, "import.defect.no_rows")
    ]
    assert rejected(make_uow, admin, b"PK\x03\x04 not a workbook", "r.xlsx") == [
        ("r.xlsx", None, None, "import.defect.not_xlsx")
    ]
    assert unit_count(make_uow) == 0


def test_a_new_head_needs_the_date_the_head_took_post(make_uow: MakeUow, admin: CurrentUser) -> None:
    imported(make_uow, admin)
    changed_head = "code,name,category,head_name\nu1,城东税务所,grassroots,赵六\n"
    assert rejected(make_uow, admin, changed_head.encode()) == [
        ("r.csv", 2, "head_since", "register.defect.head_since")
    ]

    imported(
        make_uow, admin, "code,name,category,head_name,head_since\nu1,城东税务所,grassroots,赵六,2025-03-01\n"
    )

    row = units.get_unit(make_uow(), admin, "u1")
    assert (row.head_name, row.head_since) == ("赵六", date(2025, 3, 1))


def test_a_masked_liaison_stands_only_for_the_stored_one(make_uow: MakeUow, admin: CurrentUser) -> None:
    imported(make_uow, admin)
    same = "code,name,category,liaison_name,liaison_phone\nu1,城东税务所,grassroots,李*,138****5678\n"
    assert imported(make_uow, admin, same).unchanged == 1

    other = "code,name,category,liaison_name,liaison_phone\nu1,城东税务所,grassroots,王*,139****0000\n"
    assert rejected(make_uow, admin, other.encode()) == [
        ("r.csv", 2, "liaison_name", "register.defect.masked"),
        ("r.csv", 2, "liaison_phone", "register.defect.masked"),
    ]
    fresh = "code,name,category,liaison_name,liaison_phone\nu1,城东税务所,grassroots,王芳,13900000000\n"
    imported(make_uow, admin, fresh)
    assert crypto.decrypt(stored(make_uow, "u1").liaison_phone_enc or b"") == "+8613900000000"


def test_an_import_may_not_change_or_retire_a_retired_unit(make_uow: MakeUow, admin: CurrentUser) -> None:
    imported(make_uow, admin)
    units.retire_unit(make_uow(), admin, "u2", date(2025, 1, 1), "撤并")
    unchanged = "code,name,category\nu2,人民医院,health\n"
    assert imported(make_uow, admin, unchanged).unchanged == 1

    assert rejected(make_uow, admin, b"code,name,category\nu2,Renamed,health\n") == [
        ("r.csv", 2, "code", "register.defect.retired")
    ]
    assert rejected(make_uow, admin, b"code,name,category,retired_on\nu1,x,grassroots,2025-01-01\n") == [
        ("r.csv", 2, "retired_on", "register.defect.retired_mismatch")
    ]


# ---------------------------------------------------------------- exporting


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_register_imports_again_and_changes_nothing(
    make_uow: MakeUow, admin: CurrentUser, fmt: str
) -> None:
    imported(make_uow, admin)
    units.retire_unit(make_uow(), admin, "u2", date(2025, 1, 1), "撤并")

    data = units.export_register(make_uow(), admin, fmt, include_retired=True, lang="zh")  # type: ignore[arg-type]

    report = units.import_register(make_uow(), admin, data, f"units.{fmt}")
    assert (report.rows, report.unchanged) == (2, 2)
    assert crypto.decrypt(stored(make_uow, "u1").liaison_phone_enc or b"") == "+8613812345678"
    assert units.export_register(make_uow(), admin, "csv").count(b"\r\n") == 2  # active units only


def test_the_export_masks_liaisons_and_writes_text_as_text(make_uow: MakeUow, admin: CurrentUser) -> None:
    imported(make_uow, admin)

    csv_text = units.export_register(make_uow(), admin, "csv").decode("utf-8-sig")
    book = load_workbook(io.BytesIO(units.export_register(make_uow(), admin, "xlsx")))

    assert csv_text.splitlines()[0] == HEADER.strip() + ",retired_on"
    assert "138****5678" in csv_text and "13812345678" not in csv_text and "李四" not in csv_text
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[2]][:2] == ["u1", "城东税务所"] and sheet["B2"].data_type == "s"
    assert "masked" in str(book.worksheets[1]["A1"].value)


# ---------------------------------------------------------------- one unit at a time


def test_a_unit_is_added_edited_retired_and_reinstated_with_audit(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    units.add_unit(
        make_uow(),
        admin,
        code="u1",
        name="城东税务所",
        category="grassroots",
        head_name="张三",
        liaison_phone="13812345678",
    )
    units.edit_unit(
        make_uow(), admin, "u1", department="市税务局", head_name="李四", head_since=date(2025, 2, 1)
    )
    units.retire_unit(make_uow(), admin, "u1", date(2025, 6, 30), "撤销")
    row = units.reinstate_unit(make_uow(), admin, "u1", "误撤销")

    assert (row.active, row.retired_on, row.head_name, row.department) == (True, None, "李四", "市税务局")
    assert [a for _, a in audit_actions(make_uow)] == [
        "unit.create",
        "unit.update",
        "unit.retire",
        "unit.reinstate",
    ]
    with make_uow() as uow:
        entries = uow.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        assert entries[1].before == {"department": "", "head_name": "张三", "head_since": None}
        assert entries[1].after == {"department": "市税务局", "head_name": "李四", "head_since": "2025-02-01"}
        assert all("13812345678" not in str(e.after) for e in entries)
        assert entries[0].after["liaison_phone"] == "138****5678"


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"code": "u1"}, "register.refused.code_taken"),
        ({"code": "Ｕ1"}, "register.refused.code_alike"),
        ({"code": " u9"}, "register.refused.bad_value"),
        ({"name": "  "}, "register.refused.field_empty"),
        ({"category": ""}, "register.refused.field_empty"),
        ({"liaison_phone": "0571-88888888"}, "register.refused.bad_value"),
        ({"department": "x" * 201}, "register.refused.bad_value"),
    ],
)
def test_adding_a_unit_is_refused_for_bad_values(
    make_uow: MakeUow, admin: CurrentUser, fields: dict[str, str], key: str
) -> None:
    units.add_unit(make_uow(), admin, code="u1", name="甲", category="office")
    values = {"code": "u9", "name": "乙", "category": "office", **fields}

    with pytest.raises(RegisterRefused) as caught:
        units.add_unit(make_uow(), admin, **values)

    assert caught.value.key == key and caught.value.key in WORDINGS and caught.value.key in MESSAGES
    assert unit_count(make_uow) == 1


def test_a_formula_like_name_is_refused_with_the_shared_wording(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    with pytest.raises(LabelRefused):
        units.add_unit(make_uow(), admin, code="u1", name="@SUM(1)", category="office")


def test_edits_are_refused_for_unknown_units_fields_retired_units_and_a_dateless_new_head(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    units.add_unit(
        make_uow(),
        admin,
        code="u1",
        name="甲",
        category="office",
        head_name="张三",
        head_since=date(2024, 1, 1),
    )
    units.add_unit(make_uow(), admin, code="u2", name="乙", category="office")
    units.retire_unit(make_uow(), admin, "u2", date(2025, 1, 1), "撤销")

    def refusal(code: str, **changes: object) -> str:
        with pytest.raises(RegisterRefused) as caught:
            units.edit_unit(make_uow(), admin, code, **changes)
        return caught.value.key

    assert refusal("nope", name="x") == "register.refused.unknown"
    assert refusal("u1", colour="red") == "register.refused.field_unknown"
    assert refusal("u2", name="x") == "register.refused.retired"
    assert refusal("u1", head_name="李四") == "register.refused.head_since"
    assert refusal("u1", head_name="李四", head_since=date(2023, 1, 1)) == "register.refused.head_since"
    assert units.get_unit(make_uow(), admin, "u1").head_name == "张三"


def test_retiring_and_reinstating_are_refused_when_they_make_no_sense(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    units.add_unit(make_uow(), admin, code="u1", name="甲", category="office")
    with pytest.raises(RegisterRefused, match="give a reason"):
        units.retire_unit(make_uow(), admin, "u1", date(2025, 1, 1), " ")
    with pytest.raises(RegisterRefused, match="after today"):
        units.retire_unit(make_uow(), admin, "u1", date(2999, 1, 1), "撤销")
    with pytest.raises(RegisterRefused, match="not retired"):
        units.reinstate_unit(make_uow(), admin, "u1", "恢复")
    units.retire_unit(make_uow(), admin, "u1", date(2025, 1, 1), "撤销")
    with pytest.raises(RegisterRefused, match="retired on 2025-01-01"):
        units.retire_unit(make_uow(), admin, "u1", date(2025, 1, 2), "再撤销")


def test_only_admins_may_read_or_change_the_register(make_uow: MakeUow, admin: CurrentUser) -> None:
    seed_campaign(make_uow)
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code="u1")
    with pytest.raises(PermissionDenied):
        units.search_units(make_uow(), liaison)
    with pytest.raises(PermissionDenied):
        units.import_register(make_uow(), liaison, TWO_UNITS.encode(), "r.csv")
    with pytest.raises(PermissionDenied):
        units.add_unit(make_uow(), None, code="u9", name="x", category="y")


# ---------------------------------------------------------------- campaigns keep what they appraised


def test_a_correction_reaches_draft_campaigns_but_not_one_in_fieldwork(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "draft1", units=("u1",))
    seed_campaign(make_uow, "field1", units=("u1",))
    set_status(make_uow, "field1", CampaignStatus.fieldwork)

    units.edit_unit(make_uow(), admin, "u1", name="新名称", category="office")

    with make_uow() as uow:
        names = dict(
            uow.session.execute(
                select(CampaignUnit.campaign_id, CampaignUnit.name).order_by(CampaignUnit.campaign_id)
            ).all()
        )
    assert list(names.values()) == ["新名称", "单位u1"]


# ---------------------------------------------------------------- search and facets


def test_search_matches_every_word_and_filters_with_facet_counts(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    imported(make_uow, admin)
    units.add_unit(make_uow(), admin, code="u3", name="城西税务所", category="grassroots", district="西区")

    assert [r.code for r in units.search_units(make_uow(), admin, "税务所")] == ["u1", "u3"]
    assert [r.code for r in units.search_units(make_uow(), admin, "东区 张三")] == ["u1"]
    assert [r.code for r in units.search_units(make_uow(), admin, "Ｕ1")] == ["u1"]  # full width, any case
    assert [r.code for r in units.search_units(make_uow(), admin, district="西区")] == ["u3", "u2"]
    assert [r.code for r in units.search_units(make_uow(), admin, category="health", kind="事业单位")] == [
        "u2"
    ]
    units.retire_unit(make_uow(), admin, "u3", date(2025, 1, 1), "撤销")
    assert [r.code for r in units.search_units(make_uow(), admin, "城西")] == []
    assert [r.code for r in units.search_units(make_uow(), admin, "城西", include_retired=True)] == ["u3"]

    facets = units.register_facets(make_uow(), admin)
    assert facets.categories == (("grassroots", 1), ("health", 1))
    assert (facets.active, facets.retired) == (2, 1)


# ---------------------------------------------------------------- a property


CODES = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
NAMES = st.text(alphabet="城东西南北税务所医院学校中心站局", min_size=1, max_size=12)
PHONES = st.integers(min_value=13000000000, max_value=19999999999).map(str)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.dictionaries(
        CODES,
        st.tuples(
            NAMES,
            st.sampled_from(["office", "health"]),
            st.sampled_from(["", "东区"]),
            st.one_of(st.just(""), PHONES),
        ),
        min_size=1,
        max_size=6,
    ),
    fmt=st.sampled_from(["csv", "xlsx"]),
)
def test_export_then_import_changes_nothing(
    make_uow: MakeUow, admin: CurrentUser, rows: dict[str, tuple[str, str, str, str]], fmt: str
) -> None:
    # codes of earlier examples may already be there: the property holds for any register
    lines = [f"{c},{n},{cat},{d},{p}" for c, (n, cat, d, p) in rows.items() if not c.startswith(("-", "+"))]
    units.import_register(
        make_uow(),
        admin,
        ("code,name,category,district,liaison_phone\n" + "\n".join(lines)).encode(),
        "r.csv",
    )
    before = units.search_units(make_uow(), admin, include_retired=True)

    data = units.export_register(make_uow(), admin, fmt, include_retired=True)  # type: ignore[arg-type]
    report = units.import_register(make_uow(), admin, data, f"again.{fmt}")

    assert (report.created, report.updated) == (0, 0)
    assert units.search_units(make_uow(), admin, include_retired=True) == before


def test_every_register_wording_is_in_the_catalogue_with_its_placeholders() -> None:
    import services.reorganisations  # noqa: F401  (its wordings register on import)

    keys = [k for k in WORDINGS if k.startswith("register.")]
    assert len(keys) >= 27
    for key in keys:
        for lang in ("zh", "en"):
            named = {n for _, n, _, _ in string.Formatter().parse(MESSAGES[key][lang]) if n}
            assert named <= WORDINGS[key].placeholders, (key, lang)
