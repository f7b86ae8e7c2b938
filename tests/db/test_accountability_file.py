"""Importing accountability cases and their persons (services/accountability_file.py) on
SQLite and PostgreSQL: CSV in UTF-8 and GBK, XLSX with the persons on a second sheet, all
or nothing, each defect by file, line and column in the importers' wording."""

from __future__ import annotations

import base64
import hashlib
import io
import string
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from db.models import Role
from db.models_registries import AccountabilityCase, AccountabilityPerson
from services import accountability as acc
from services import accountability_cases as lifecycle
from services import accountability_counts as counts_service
from services import accountability_file as af
from services.defects import WORDINGS
from services.errors import InputsFrozen
from services.indicators import ImportRejected
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import Clock, MakeUow, add_user, audit_actions, seed_campaign
from ui.messages import MESSAGES, t

KEY = base64.b64encode(hashlib.sha256(b"accountability-file-test-key").digest()).decode()

CASES = (
    "number,unit_code,type,subtype,source,source_ref,body,opened_on,status,investigated_on,decided_on,decision,facts\n"
    "K-1,u1,misconduct,ignoring_procedure,hotline,12345-1,市纪委监委,2026-01-02,decided,2026-01-10,2026-01-20,免职,违规收费\n"
    "K-2,u2,slow,obstructing_passing,inspection,,区纪委,2026-01-03,opened,,,,推诿扯皮\n"
    "K-3,u1,inaction,idle,media,,区纪委,2026-01-04,investigated,2026-01-05,,,长期空岗\n"
)
PERSONS = (
    "number,name,post,level,sanction\n"
    "K-1,王大明,科长,科级,removal\n"
    "K-1,赵小红,科员,,written_self_criticism\n"
    "K-3,钱多多,站长,,admonition_talk\n"
)


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, "c1")
    return add_user(make_uow, "admin1", Role.admin)


def run_import(
    make_uow: MakeUow, user: CurrentUser, cases: bytes, persons: bytes | None = None, **kw: object
):  # type: ignore[no-untyped-def]
    return af.import_cases(
        make_uow(),
        user,
        kw.pop("name", "cases.csv"),  # type: ignore[arg-type]
        cases,
        persons_name="persons.csv" if persons is not None else None,
        persons_raw=persons,
        clock=Clock(),
        **kw,  # type: ignore[arg-type]
    )


def stored(make_uow: MakeUow) -> tuple[int, int]:
    with make_uow() as uow:
        return (
            uow.session.execute(select(func.count()).select_from(AccountabilityCase)).scalar_one(),
            uow.session.execute(select(func.count()).select_from(AccountabilityPerson)).scalar_one(),
        )


def rejected(make_uow: MakeUow, user: CurrentUser, cases: str, persons: str | None = None, **kw: object):  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRejected) as caught:
        run_import(make_uow, user, cases.encode(), persons.encode() if persons is not None else None, **kw)
    assert stored(make_uow) == (0, 0)  # all or nothing
    return {(d.file, d.line, d.column, d.key) for d in caught.value.defects}, caught.value.defects


def test_a_csv_pair_imports_cases_and_encrypted_persons_and_decided_cases_propose(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    report = run_import(make_uow, admin, CASES.encode(), PERSONS.encode(), campaign_code="c1")
    assert (report.cases, report.persons, report.proposed) == (3, 3, 1)
    k1 = acc.case_detail(make_uow(), admin, "K-1")
    assert (k1.status, k1.decided_on, k1.decision, k1.deduction_points, k1.deduction_status) == (
        "decided",
        date(2026, 1, 20),
        "免职",
        2.0,
        "proposed",
    )
    assert [p.name_masked for p in k1.persons] == ["王**", "赵**"]
    k3 = acc.case_detail(make_uow(), admin, "K-3")
    assert (k3.status, k3.investigated_on, k3.decided_on) == ("investigated", date(2026, 1, 5), None)
    with make_uow() as uow:
        for raw in uow.session.execute(select(AccountabilityPerson.name_enc)).scalars():
            assert "王大明".encode() not in bytes(raw)
    found = counts_service.counts(make_uow(), admin)
    assert found.by_category["organisational"] == counts_service.CategoryCount(cases=2, persons=2)
    assert found.by_category["other"] == counts_service.CategoryCount(cases=1, persons=1)
    assert ("admin1", "accountability_cases.import") in audit_actions(make_uow)
    # the same file again: every case is already in the register
    with pytest.raises(ImportRejected) as again:
        run_import(make_uow, admin, CASES.encode(), campaign_code="c1")
    assert {(d.line, d.key) for d in again.value.defects} == {(n, af.CASE_EXISTS.key) for n in (2, 3, 4)}


def test_gbk_with_chinese_headers_and_names_of_the_vocabularies(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    text = (
        "案件编号,单位编码,类型,情形,来源,处理机关,立案日期,状态,决定日期,处理决定,问题事实\n"
        "Z-1,u3,乱作为,不讲法纪乱办事,12345热线,市纪委,2026/1/5,已决定,2026年2月1日,给予党纪处分,违规审批\n"
    )
    persons = "案件编号,姓名,职务,职级,处理方式\nZ-1,孙悟空,局长,县处级,党纪政务处分\n"
    report = run_import(make_uow, admin, text.encode("gbk"), persons.encode("gbk"))
    assert (report.cases, report.persons, report.proposed) == (1, 1, 0)  # no campaign: nothing proposed
    z1 = acc.case_detail(make_uow(), admin, "Z-1")
    assert (z1.case_type, z1.subtype, z1.source, z1.status) == (
        "misconduct",
        "ignoring_law",
        "hotline",
        "decided",
    )
    assert z1.investigated_on == z1.decided_on == date(2026, 2, 1)  # no investigated_on column
    assert z1.persons[0].sanction == "disciplinary_sanction" and z1.persons[0].level == "县处级"


def test_an_xlsx_with_persons_on_the_second_sheet(make_uow: MakeUow, admin: CurrentUser) -> None:
    book = Workbook()
    cases = book.active
    assert cases is not None
    cases.append(["number", "unit_code", "type", "subtype", "source", "opened_on", "facts"])
    cases.append(["X-1", "u1", "inaction", "timid", "appeal", date(2026, 1, 8), "不敢担当"])
    persons = book.create_sheet("处理人员")
    persons.append(["number", "name", "post", "level", "sanction"])
    persons.append(["X-1", "周八", "所长", "", "诫勉谈话"])
    out = io.BytesIO()
    book.save(out)
    report = af.import_cases(
        make_uow(), admin, "cases.xlsx", out.getvalue(), campaign_code="c1", clock=Clock()
    )
    assert (report.cases, report.persons) == (1, 1)
    x1 = acc.case_detail(make_uow(), admin, "X-1")
    assert x1.opened_on == date(2026, 1, 8) and x1.persons[0].sanction == "admonition_talk"


BAD_CASES = (
    "number,unit_code,type,subtype,source,source_ref,opened_on,status,decided_on,decision,facts\n"
    "B-1,u1,lazy,idle,hotline,,2026-01-02,,,,f\n"  # 2: unknown type
    "B-2,u1,inaction,ignoring_law,hotline,,2026-01-02,,,,f\n"  # 3: sub-type of another type
    "B-3,u9,inaction,idle,hotline,,2026-01-02,,,,f\n"  # 4: unit not in the campaign
    "B-1,u1,inaction,idle,hotline,,2026-01-02,,,,f\n"  # 5: number twice
    "B-5,u1,inaction,idle,rumour,=1+1,2026-13-01,,,,\n"  # 6: source, formula, date, facts
    "B-6,u1,inaction,idle,hotline,,2026-03-05,,,,f\n"  # 7: in the future
    "B-7,u1,inaction,idle,hotline,,2026-01-02,decided,,,f\n"  # 8: decided without date and decision
    "B-8,u1,inaction,idle,hotline,,2026-01-09,decided,2026-01-02,免职,f\n"  # 9: decided before opened
    "B 9,u1,inaction,idle,hotline,,2026-01-02,published,,,f\n"  # 10: number with a space, status
)


def test_every_defect_is_named_by_line_and_column_and_nothing_is_imported(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    keys, defects = rejected(
        make_uow, admin, BAD_CASES, "number,name,sanction\nB-1,甲,fine\nQ-1,乙,removal\n", campaign_code="c1"
    )
    f = "cases.csv"
    expected = {
        (f, 2, "type", af.UNKNOWN_VALUE.key),
        (f, 3, "subtype", af.SUBTYPE_OF.key),
        (f, 4, "unit_code", "import.defect.unit_unknown"),
        (f, 5, "number", "import.defect.case_twice"),
        (f, 6, "source", af.UNKNOWN_VALUE.key),
        (f, 6, "source_ref", "import.defect.formula_like"),
        (f, 6, "opened_on", "import.defect.not_a_date"),
        (f, 6, "facts", af.REQUIRED.key),
        (f, 7, "opened_on", af.FUTURE.key),
        (f, 8, "decided_on", af.REQUIRED.key),
        (f, 8, "decision", af.REQUIRED.key),
        (f, 9, "decided_on", af.DATE_ORDER.key),
        (f, 10, "number", af.NUMBER_BAD.key),
        (f, 10, "status", af.UNKNOWN_VALUE.key),
        ("persons.csv", 2, "sanction", af.UNKNOWN_VALUE.key),
        ("persons.csv", 3, "number", af.PERSON_CASE.key),
    }
    assert keys == expected
    for defect in defects:  # said in both languages, English as the catalogue has it
        for lang in ("zh", "en"):
            assert t(defect.key, lang, **defect.arguments)
    [twice] = [d for d in defects if d.key == "import.defect.case_twice"]
    assert twice.message == 'case "B-1" appears twice (line 2)'


def test_file_level_defects(make_uow: MakeUow, admin: CurrentUser) -> None:
    keys, _ = rejected(make_uow, admin, "number,unit_code,type\nA,u1,inaction\n")
    assert {k for *_, k in keys} == {"import.defect.column_missing"}
    assert {c for _, _, c, _ in keys} == {"subtype", "source", "opened_on", "facts"}
    keys, _ = rejected(make_uow, admin, "")
    assert {k for *_, k in keys} == {"import.defect.empty"}
    keys, _ = rejected(make_uow, admin, "number,unit_code,type,subtype,source,opened_on,facts\n")
    assert {k for *_, k in keys} == {"import.defect.no_rows"}
    with pytest.raises(ImportRejected) as caught:
        af.import_cases(make_uow(), admin, "cases.xlsx", b"PK\x03\x04 not a workbook", clock=Clock())
    assert {d.key for d in caught.value.defects} == {"import.defect.not_xlsx"}
    # a persons file for a case already published
    run_import(make_uow, admin, CASES.encode())
    lifecycle.mark_for_publication(make_uow(), admin, "K-1", "某科长违规收费。")
    lifecycle.advance(make_uow(), admin, "K-1", "published", date(2026, 2, 1), clock=Clock())
    with pytest.raises(ImportRejected) as caught:
        run_import(
            make_uow,
            admin,
            b"number,unit_code,type,subtype,source,opened_on,facts\nN-1,u1,inaction,idle,media,2026-01-01,f\n",
            b"number,name,sanction\nK-1,x,removal\n",
        )
    assert {(d.line, d.key) for d in caught.value.defects} == {(2, af.PERSON_CASE_PUBLISHED.key)}


def test_refused_for_other_roles_and_frozen_campaigns(make_uow: MakeUow, admin: CurrentUser) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code="u1")
    with pytest.raises(PermissionDenied):
        run_import(make_uow, liaison, CASES.encode())
    from db.models import CampaignStatus
    from tests.db.kit import set_status

    set_status(make_uow, "c1", CampaignStatus.final)
    with pytest.raises(InputsFrozen):
        run_import(make_uow, admin, CASES.encode(), campaign_code="c1")
    assert stored(make_uow) == (0, 0)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_importers_wordings_are_in_the_catalogue_in_both_languages() -> None:
    mine = [w for key, w in WORDINGS.items() if key.startswith("accountability.defect.")]
    assert len(mine) == 9
    for wording in mine:
        for lang in ("zh", "en"):
            assert placeholders(MESSAGES[wording.key][lang]) <= wording.placeholders, (wording.key, lang)


def test_the_catalogues_chinese_labels_are_what_the_importer_accepts() -> None:
    for names, prefix, codes in (
        (af.TYPE_NAMES, "type", acc.CASE_TYPES),
        (af.SUBTYPE_NAMES, "subtype", [s for c in acc.CASE_TYPES for s in acc.CASE_SUBTYPES[c]]),
        (af.SOURCE_NAMES, "source", acc.SOURCES),
        (af.SANCTION_NAMES, "sanction", list(acc.SANCTIONS)),
    ):
        for code in codes:
            label = MESSAGES[f"accountability.{prefix}.{code}"]["zh"]
            assert af._coded(label, codes, names) == code, (prefix, code, label)
