"""Accountability cases from a file (问责案件导入): CSV (UTF-8 or GBK/GB18030) or XLSX, all
or nothing.

The cases file has one case a row::

    number, unit_code, type, subtype, source, source_ref, body, opened_on, status,
    investigated_on, decided_on, decision, facts

(Chinese headers are accepted too: 案件编号, 单位编码, 类型, 情形, 来源, 来源编号, 处理机关,
立案日期, 状态, 调查日期, 决定日期, 处理决定, 问题事实). ``type``, ``subtype``, ``source`` and
``status`` take the codes of :mod:`services.accountability` or their Chinese names
(不作为, 我行我素型, 12345热线, 已决定...). A case is imported ``opened``,
``investigated`` or ``decided`` (publication is done on the page, with a summary that
names nobody); a decided case needs its decision and date, and proposes its deduction
as one decided on the page does.

The persons handled are in a second file, or in the second sheet of the XLSX::

    number, name, post, level, sanction[, sanctioned_on]

Names are encrypted before anything is stored. Every defect is listed by file, line and
column, worded by :mod:`services.defects` as the other importers are (the unit and date
wordings are theirs); a file with any defect changes nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import select

from db import audit, crypto
from db.models import CampaignUnit, Unit
from db.models_registries import AccountabilityCase, AccountabilityPerson
from db.uow import UnitOfWork
from scoring.registries import CASE_SUBTYPES
from services import accountability as acc
from services import accountability_deductions as deductions
from services import defects as worded
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, utcnow
from services.indicators import CASE_TWICE, ImportRejected, Table, read_table
from services.permissions import CurrentUser, Permission, require
from services.register_file import fold, parse_date
from services.sampling import NOT_A_DATE
from services.units import UNKNOWN_UNIT

# Field → accepted headers (compared after NFKC, trimming and lower case).
CASE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "number": ("number", "case_number", "案件编号", "编号"),
    "unit_code": ("unit_code", "unit_id", "单位编码", "单位代码"),
    "type": ("type", "case_type", "类型", "问题类型"),
    "subtype": ("subtype", "情形", "具体情形", "子类型"),
    "source": ("source", "来源", "线索来源"),
    "source_ref": ("source_ref", "来源编号", "线索编号"),
    "body": ("body", "disciplinary_body", "处理机关", "纪检监察机关"),
    "opened_on": ("opened_on", "立案日期"),
    "status": ("status", "状态"),
    "investigated_on": ("investigated_on", "调查日期"),
    "decided_on": ("decided_on", "决定日期", "处理日期"),
    "decision": ("decision", "处理决定"),
    "facts": ("facts", "问题事实", "事实"),
}
CASE_REQUIRED: Final = ("number", "unit_code", "type", "subtype", "source", "opened_on", "facts")
PERSON_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "number": ("number", "case_number", "案件编号", "编号"),
    "name": ("name", "姓名"),
    "post": ("post", "职务"),
    "level": ("level", "职级", "级别"),
    "sanction": ("sanction", "处理方式", "处分"),
    "sanctioned_on": ("sanctioned_on", "处理日期"),
}
PERSON_REQUIRED: Final = ("number", "name", "sanction")
IMPORT_STATUSES: Final = ("opened", "investigated", "decided")
MAX_ROWS: Final = 20_000

# The Chinese names a file may use for the codes (the catalogue's labels, tested to agree).
TYPE_NAMES: Final = {"不作为": "inaction", "慢作为": "slow", "乱作为": "misconduct"}
SUBTYPE_NAMES: Final = {
    "我行我素型": "self_willed",
    "不严不实型": "lax_untruthful",
    "不勤不干型": "idle",
    "畏首畏尾型": "timid",
    "廉而不为型": "clean_but_idle",
    "消极懈怠、效率低下": "slack_inefficient",
    "漠视群众、敷衍应付": "indifferent_perfunctory",
    "不协调、不落实": "uncoordinated_unimplemented",
    "“中梗阻”“踢皮球”": "obstructing_passing",
    "中梗阻、踢皮球": "obstructing_passing",
    "不讲程序乱办事": "ignoring_procedure",
    "不讲原则乱办事": "ignoring_principle",
    "不讲规矩乱办事": "ignoring_rules",
    "不讲法纪乱办事": "ignoring_law",
}
SOURCE_NAMES: Final = {
    "问卷意见": "survey_comment",
    "12345热线": "hotline",
    "明察暗访": "inspection",
    "申诉/信访": "appeal",
    "申诉": "appeal",
    "信访": "appeal",
    "媒体曝光": "media",
}
STATUS_NAMES: Final = {"立案": "opened", "已立案": "opened", "调查": "investigated", "已调查": "investigated"}
STATUS_NAMES_DECIDED: Final = {"已决定": "decided", "已处理": "decided", "决定": "decided"}
SANCTION_NAMES: Final = {
    "党纪政务处分": "disciplinary_sanction",
    "诫勉谈话": "admonition_talk",
    "停职检查": "suspension",
    "调离": "transfer",
    "调离岗位": "transfer",
    "降职": "demotion",
    "免职": "removal",
    "责令辞职": "ordered_resignation",
    "通报批评": "notified_criticism",
    "书面检查": "written_self_criticism",
    "责令公开道歉": "ordered_apology",
}

# What this importer says, beside the wordings it shares with the others.
REQUIRED: Final = worded.Wording("accountability.defect.required", "the {field} is empty")
UNKNOWN_VALUE: Final = worded.Wording(
    "accountability.defect.unknown_value", '"{value}" is not a known {field} (one of: {known})'
)
SUBTYPE_OF: Final = worded.Wording(
    "accountability.defect.subtype_of", 'the sub-type "{subtype}" does not belong to the type "{type}"'
)
CASE_EXISTS: Final = worded.Wording(
    "accountability.defect.case_exists", 'case "{case}" is already in the register: correct it on the page'
)
FUTURE: Final = worded.Wording("accountability.defect.future", "{on} is in the future")
DATE_ORDER: Final = worded.Wording(
    "accountability.defect.date_order", "{on} is before the {earlier_field} of the case ({earlier})"
)
NUMBER_BAD: Final = worded.Wording(
    "accountability.defect.number", "give a case number of 1 to {max} characters without spaces"
)
PERSON_CASE: Final = worded.Wording(
    "accountability.defect.person_case", 'case "{case}" is neither in the cases file nor in the register'
)
PERSON_CASE_PUBLISHED: Final = worded.Wording(
    "accountability.defect.person_published", 'case "{case}" is published: its persons can no longer change'
)
WIDTHS: Final = {
    "number": acc.MAX_NUMBER,
    "source_ref": acc.MAX_SOURCE_REF,
    "body": acc.MAX_BODY,
    "decision": acc.MAX_TEXT,
    "facts": acc.MAX_TEXT,
    "name": acc.MAX_NAME,
    "post": acc.MAX_POST,
    "level": acc.MAX_LEVEL,
}
LABELS: Final = ("number", "source_ref", "body", "post", "level")  # printed in tables: no formulas


@dataclass(frozen=True, slots=True)
class CaseFileReport:
    cases: int
    persons: int
    proposed: int  # decided cases that now propose a deduction


@dataclass(slots=True)
class _Row:
    line: int
    values: dict[str, Any]
    columns: dict[str, str]  # field -> the file's header


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value).strip()


def _coded(value: str, codes: Sequence[str], names: Mapping[str, str]) -> str | None:
    if value in codes:
        return value
    return names.get(value) or names.get(fold(value)) or (fold(value) if fold(value) in codes else None)


def _index(
    table: Table, wanted: Mapping[str, tuple[str, ...]], required: Sequence[str]
) -> tuple[dict[str, str], list[worded.ImportDefect]]:
    aliases = {fold(a): name for name, accepted in wanted.items() for a in accepted}
    found: dict[str, str] = {}
    defects: list[worded.ImportDefect] = []
    for title in table.header:
        name = aliases.get(fold(str(title)))
        if name is None:
            continue
        if name in found:
            defects.append(worded.ImportDefect.of(table.name, 1, str(title), worded.COLUMN_TWICE, name=title))
        found[name] = str(title)
    defects += [
        worded.ImportDefect.of(
            table.name, 1, name, worded.COLUMN_MISSING, name=name, accepted=", ".join(wanted[name])
        )
        for name in required
        if name not in found
    ]
    return found, defects


def _rows(
    table: Table, index: Mapping[str, str], defects: list[worded.ImportDefect], *, optional: bool = False
) -> list[_Row]:
    if not table.rows and optional:
        return []
    if not table.rows:
        defects.append(worded.ImportDefect.of(table.name, None, None, worded.NO_ROWS))
        return []
    if len(table.rows) > MAX_ROWS:
        defects.append(
            worded.ImportDefect.of(
                table.name, None, None, worded.TOO_MANY_ROWS, rows=len(table.rows), max=MAX_ROWS
            )
        )
        return []
    return [
        _Row(line, {name: _cell(cells.get(title)) for name, title in index.items()}, dict(index))
        for line, cells in table.rows
    ]


def _persons_sheet(name: str, raw: bytes) -> tuple[str, bytes] | None:
    """The second sheet of an XLSX workbook as a workbook of its own, or None."""
    if not (name.lower().endswith(".xlsx") or raw[:4] == b"PK\x03\x04"):
        return None
    from openpyxl import load_workbook  # only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(raw), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None  # reading the cases sheet reports it
    if len(book.worksheets) < 2:
        return None
    second = book.worksheets[1]
    for sheet in list(book.worksheets):
        if sheet is not second:
            book.remove(sheet)
    out = io.BytesIO()
    book.save(out)
    return f"{name} [{second.title}]", out.getvalue()


class _Checker:
    """Reads one row's cells, recording each defect with its line and column."""

    def __init__(self, file: str, row: _Row, defects: list[worded.ImportDefect], today: date) -> None:
        self.file, self.row, self.defects, self.today = file, row, defects, today

    def add(self, where: str, wording: worded.Wording, /, **params: Any) -> None:
        column = self.row.columns.get(where, where)
        self.defects.append(worded.ImportDefect.of(self.file, self.row.line, column, wording, **params))

    def text(self, field: str, *, required: bool = False) -> str:
        value = _text(self.row.values.get(field, ""))
        column = self.row.columns.get(field, field)
        if required and not value:
            self.add(field, REQUIRED, field=column)
            return value
        if field in LABELS and value:
            found = worded.ImportDefect.for_label(self.file, self.row.line, column, value)
            if found is not None:
                self.defects.append(found)
                return value
        width = WIDTHS.get(field)
        if width is not None and len(value) > width:
            self.add(field, worded.TOO_LONG, max=width)
        return value

    def coded(
        self, field: str, codes: Sequence[str], names: Mapping[str, str], *, required: bool
    ) -> str | None:
        value = self.text(field, required=required)
        if not value:
            return None
        code = _coded(value, codes, names)
        if code is None:
            self.add(field, UNKNOWN_VALUE, value=value[:40], field=field, known=", ".join(codes))
        return code

    def day(self, field: str, *, required: bool = False) -> date | None:
        value = self.row.values.get(field, "")
        try:
            on = parse_date(value)
        except ValueError:
            self.add(field, NOT_A_DATE)
            return None
        if on is None:
            if required:
                self.add(field, REQUIRED, field=self.row.columns.get(field, field))
            return None
        if on > self.today:
            self.add(field, FUTURE, on=on.isoformat())
        return on


def import_cases(
    uow: UnitOfWork,
    user: CurrentUser | None,
    file_name: str,
    raw: bytes,
    *,
    persons_name: str | None = None,
    persons_raw: bytes | None = None,
    campaign_code: str | None = None,
    clock: Clock = utcnow,
) -> CaseFileReport:
    """Import cases (and their persons) from a file, all or nothing; :class:`ImportRejected`
    lists every defect. With ``campaign_code`` every unit must be one the campaign
    appraises, and decided cases propose the campaign's deduction."""
    actor = require(user, Permission.manage_registries)
    today = acc.today(clock)
    defects: list[worded.ImportDefect] = []
    cases_table = read_table(file_name, raw, defects)
    persons_table = None
    if persons_raw is not None:
        persons_table = read_table(persons_name or "persons.csv", persons_raw, defects)
    elif cases_table is not None:
        sheet = _persons_sheet(file_name, raw)
        if sheet is not None:
            persons_table = read_table(sheet[0], sheet[1], defects)
    if cases_table is None or defects:
        raise ImportRejected(defects)
    case_index, missing = _index(cases_table, CASE_COLUMNS, CASE_REQUIRED)
    defects += missing
    person_rows: list[_Row] = []
    if persons_table is not None:
        person_index, missing = _index(persons_table, PERSON_COLUMNS, PERSON_REQUIRED)
        defects += missing
        if not missing:
            person_rows = _rows(persons_table, person_index, defects, optional=True)
    if defects:
        raise ImportRejected(defects)
    case_rows = _rows(cases_table, case_index, defects)
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = None
        if campaign_code:
            campaign = load_campaign(uow, campaign_code, for_update=True)
            assert_inputs_editable(campaign)
            units = dict(
                session.execute(
                    select(Unit.code, Unit.id)
                    .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
                    .where(CampaignUnit.campaign_id == campaign.id)
                ).all()
            )
        else:
            units = dict(session.execute(select(Unit.code, Unit.id)).all())
        stored = {
            number: status
            for number, status in session.execute(
                select(AccountabilityCase.number, AccountabilityCase.status)
            )
        }
        new: dict[str, AccountabilityCase] = {}
        seen: dict[str, int] = {}
        for row in case_rows:
            case = _case_row(cases_table.name, row, defects, today, units, campaign, stored, seen)
            if case is not None:
                new[case.number] = case
        persons: list[tuple[str, AccountabilityPerson]] = []
        for row in person_rows:
            person = _person_row(
                persons_table.name if persons_table else "", row, defects, today, seen, stored
            )
            if person is not None:
                persons.append(person)
        if defects:
            raise ImportRejected(defects)
        for case in new.values():
            case.created_by = actor.username
            case.created_at = clock()
            session.add(case)
        session.flush()
        existing = {
            c.number: c
            for c in session.execute(
                select(AccountabilityCase).where(
                    AccountabilityCase.number.in_({n for n, _ in persons} - set(new))
                )
            ).scalars()
        }
        positions: dict[str, int] = {}
        for number, person in persons:
            case = new.get(number) or existing[number]
            if number not in positions:
                positions[number] = max((p.position for p in case.persons), default=-1) + 1
            person.case_id = case.id
            person.position = positions[number]
            positions[number] += 1
            session.add(person)
        session.flush()
        proposed = 0
        for case in new.values():
            if case.status == "decided":
                deductions.propose_deduction(uow, case)
                proposed += case.deduction_status == "proposed"
        audit.record(
            uow,
            "accountability_cases.import",
            "campaign" if campaign is not None else "accountability_case",
            campaign.code if campaign is not None else "register",
            None,
            {
                "file": file_name,
                "persons_file": persons_table.name if persons_table else None,
                "cases": sorted(new),
                "persons": len(persons),
                "proposed": proposed,
            },
        )
        uow.commit()
        return CaseFileReport(cases=len(new), persons=len(persons), proposed=proposed)


def _case_row(
    file: str,
    row: _Row,
    defects: list[worded.ImportDefect],
    today: date,
    units: Mapping[str, int],
    campaign: Any,
    stored: Mapping[str, str],
    seen: dict[str, int],
) -> AccountabilityCase | None:
    before = len(defects)
    check = _Checker(file, row, defects, today)
    number = check.text("number", required=True)
    if number and (any(c.isspace() for c in number) or len(number) > acc.MAX_NUMBER):
        defects[before:] = []
        check.add("number", NUMBER_BAD, max=acc.MAX_NUMBER)
    elif number in seen:
        check.add("number", CASE_TWICE, case=number, first=seen[number])
    elif number in stored:
        check.add("number", CASE_EXISTS, case=number)
    if number:
        seen.setdefault(number, row.line)
    unit_code = check.text("unit_code", required=True)
    if unit_code and unit_code not in units:
        if campaign is not None:
            check.add("unit_code", worded.UNIT_UNKNOWN, unit=unit_code, campaign=campaign.code)
        else:
            check.add("unit_code", UNKNOWN_UNIT, code=unit_code)
    case_type = check.coded("type", acc.CASE_TYPES, TYPE_NAMES, required=True)
    subtype = check.coded(
        "subtype", [s for t in acc.CASE_TYPES for s in CASE_SUBTYPES[t]], SUBTYPE_NAMES, required=True
    )
    if case_type and subtype and subtype not in CASE_SUBTYPES[case_type]:
        check.add(
            "subtype",
            SUBTYPE_OF,
            subtype=_text(row.values.get("subtype")),
            type=_text(row.values.get("type")),
        )
    source = check.coded("source", acc.SOURCES, SOURCE_NAMES, required=True)
    status = (
        check.coded("status", IMPORT_STATUSES, {**STATUS_NAMES, **STATUS_NAMES_DECIDED}, required=False)
        or "opened"
    )
    source_ref = check.text("source_ref")
    body = check.text("body")
    facts = check.text("facts", required=True)
    opened_on = check.day("opened_on", required=True)
    investigated_on = check.day("investigated_on", required=status == "investigated")
    decided_on = check.day("decided_on", required=status == "decided")
    decision = check.text("decision", required=status == "decided")
    implied = status == "decided" and investigated_on is None and "investigated_on" not in row.columns
    if implied:
        investigated_on = decided_on  # a file without the column: investigated when decided
    elif status == "decided" and investigated_on is None:
        check.add("investigated_on", REQUIRED, field=row.columns["investigated_on"])
    earlier = ("opened_on", opened_on)
    for field, on in (("investigated_on", investigated_on), ("decided_on", decided_on)):
        if status == "opened" or (field == "decided_on" and status != "decided"):
            continue
        if field == "investigated_on" and implied:
            continue
        if on is not None and earlier[1] is not None and on < earlier[1]:
            check.add(
                field,
                DATE_ORDER,
                on=on.isoformat(),
                earlier_field=row.columns.get(earlier[0], earlier[0]),
                earlier=earlier[1].isoformat(),
            )
        if on is not None:
            earlier = (field, on)
    if len(defects) > before:
        return None
    assert case_type and subtype and source and opened_on
    return AccountabilityCase(
        number=number,
        campaign_id=campaign.id if campaign is not None else None,
        unit_id=units[unit_code],
        case_type=case_type,
        subtype=subtype,
        facts=facts,
        source=source,
        source_ref=source_ref,
        disciplinary_body=body,
        status=status,
        opened_on=opened_on,
        investigated_on=investigated_on if status != "opened" else None,
        decided_on=decided_on if status == "decided" else None,
        decision=decision if status == "decided" else "",
        deduction_status="",
    )


def _person_row(
    file: str,
    row: _Row,
    defects: list[worded.ImportDefect],
    today: date,
    in_file: Mapping[str, int],
    stored: Mapping[str, str],
) -> tuple[str, AccountabilityPerson] | None:
    before = len(defects)
    check = _Checker(file, row, defects, today)
    number = check.text("number", required=True)
    if number and number not in in_file:
        if number not in stored:
            check.add("number", PERSON_CASE, case=number)
        elif stored[number] == "published":
            check.add("number", PERSON_CASE_PUBLISHED, case=number)
    name = check.text("name", required=True)
    post = check.text("post")
    level = check.text("level")
    sanction = check.coded("sanction", tuple(acc.SANCTIONS), SANCTION_NAMES, required=True)
    sanctioned_on = check.day("sanctioned_on")
    if len(defects) > before:
        return None
    assert sanction
    return number, AccountabilityPerson(
        name_enc=crypto.encrypt(name), post=post, level=level, sanction=sanction, sanctioned_on=sanctioned_on
    )
