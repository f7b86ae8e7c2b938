"""The unit register as a file (评议对象名录文件): its columns, reading and writing.

Reading turns a CSV (UTF-8 or GBK/GB18030, through the bundle's CSV reader) or XLSX file
into :class:`RegisterRecord` rows, each with its line, and every defect of a single row
(file, line, column, worded by :mod:`services.defects`) by the rules the bundle reader
applies to ``units.csv``: required cells, no formula-like text
(:mod:`scoring.textrules`), no white space around a code, codes that are equal after
NFKC, trimming and lower case are duplicates, and no value longer than its database
column. What depends on the register in the database (is the code new, did the head
change, is the unit retired) is :mod:`services.units`' business.

Writing gives the same columns back, so that an exported register imports again and
changes nothing. The liaison's name and phone leave the platform only masked (张*,
138****5678); the importer knows a masked value for what the register already holds.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from db import crypto
from db.models import District, Unit
from services import defects as worded
from services.indicators import MAX_FILE_BYTES as MAX_FILE_BYTES  # what read_table accepts
from services.indicators import read_table
from services.sampling import DATE_FORMATS, FIELD_TWICE, NOT_A_DATE, PHONE_INVALID

# Field → accepted header spellings (compared after NFKC, trimming and lower case); the
# first is the English header an export writes, the Chinese one is ZH_HEADERS'.
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "code": ("code", "unit_id", "unit_code", "编码", "单位编码", "单位代码"),
    "name": ("name", "unit_name", "名称", "单位名称"),
    "category": ("category", "序列", "类别"),
    "district": ("district", "区县", "所在区县", "区"),
    "kind": ("kind", "性质", "单位性质"),
    "department": ("department", "主管部门"),
    "head_name": ("head_name", "head", "主要负责人", "负责人"),
    "head_since": ("head_since", "任职日期", "到任日期"),
    "liaison_name": ("liaison_name", "liaison", "联络员"),
    "liaison_phone": ("liaison_phone", "联络电话", "联络员电话"),
    "retired_on": ("retired_on", "撤销日期"),
}
ZH_HEADERS: Final[dict[str, str]] = {
    "code": "编码",
    "name": "名称",
    "category": "序列",
    "district": "区县",
    "kind": "性质",
    "department": "主管部门",
    "head_name": "主要负责人",
    "head_since": "任职日期",
    "liaison_name": "联络员",
    "liaison_phone": "联络电话",
    "retired_on": "撤销日期",
}
REQUIRED: Final = ("code", "name", "category")
TEXT_FIELDS: Final = ("code", "name", "category", "district", "kind", "department", "head_name")
# The database column that keeps each text field: its width is the longest value accepted.
WIDTHS: Final[dict[str, int]] = {
    "code": Unit.__table__.c.code.type.length,
    "name": Unit.__table__.c.name.type.length,
    "category": Unit.__table__.c.category.type.length,
    "district": District.__table__.c.name.type.length,
    "kind": Unit.__table__.c.kind.type.length,
    "department": Unit.__table__.c.department.type.length,
    "head_name": Unit.__table__.c.head_name.type.length,
    "liaison_name": 100,  # a person's name, as sampling frames keep it
}
MAX_ROWS: Final = 50_000
MASK_CHAR: Final = "*"

# What the register importer says, beside the wordings shared with the other importers.
REQUIRED_EMPTY: Final = worded.Wording(
    "register.defect.required", "the {field} is empty; every unit needs one"
)
CODE_SPACES: Final = worded.Wording(
    "register.defect.code_spaces",
    '"{value}" has spaces before or after it; a code must not (it would print like another code)',
)
CODE_TWICE: Final = worded.Wording("register.defect.code_twice", 'code "{code}" appears twice (line {first})')
CODE_ALIKE: Final = worded.Wording(
    "register.defect.code_alike",
    'code "{code}" differs from "{other}" (line {first}) only by case, full/half width or spaces, '
    "so people would take the two for one",
)
CODE_ALIKE_REGISTER: Final = worded.Wording(
    "register.defect.code_alike_register",
    'code "{code}" differs from the register\'s unit "{other}" only by case, full/half width or spaces; '
    "use that code",
)
MASKED: Final = worded.Wording(
    "register.defect.masked",
    '"{value}" is masked and does not match what the register holds; type it in full or leave it as exported',
)
HEAD_SINCE_NEEDED: Final = worded.Wording(
    "register.defect.head_since",
    "the head changed from {old} to {new}: give the date the new head took post (head_since)",
)
RETIRED: Final = worded.Wording(
    "register.defect.retired", "unit {code} was retired on {on}: reinstate it before changing it"
)
RETIRED_MISMATCH: Final = worded.Wording(
    "register.defect.retired_mismatch",
    'the register has "{stored}" here: units are retired and reinstated on the register page or '
    "with python -m db units retire, not by import",
)


def fold(code: str) -> str:
    """The code as people read it (the bundle reader's rule for duplicate ids): trimmed,
    NFKC-normalised (full width to half width), lower case."""
    return unicodedata.normalize("NFKC", code.strip()).lower()


def masked(value: str) -> bool:
    return MASK_CHAR in value


@dataclass(frozen=True, slots=True)
class RegisterRecord:
    """One row of a register file, as read: text fields trimmed (except the code, which
    must have no spaces around it), dates parsed, the liaison's phone as typed."""

    line: int
    code: str
    name: str = ""
    category: str = ""
    district: str = ""
    kind: str = ""
    department: str = ""
    head_name: str = ""
    head_since: date | None = None
    liaison_name: str = ""
    liaison_phone: str = ""
    retired_on: date | None = None


@dataclass(slots=True)
class RegisterFile:
    """A read register file: its rows, the fields its header has, and its defects."""

    name: str
    fields: frozenset[str] = frozenset()
    headers: dict[str, str] = field(default_factory=dict)  # field -> the file's own header
    records: list[RegisterRecord] = field(default_factory=list)
    defects: list[worded.ImportDefect] = field(default_factory=list)


def _cell(value: Any) -> Any:
    """A cell as text (numbers typed into Excel lose their ``.0``), dates left as dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_date(value: Any) -> date | None:
    """A date cell (XLSX date, ``2025-03-01``, ``2025/3/1``, ``2025年3月1日``...); None when
    empty; :class:`ValueError` when it is not a date."""
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    text = re.sub(r"[ T]00:00(:00)?$", "", text)  # a date that a spreadsheet wrote with midnight
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def text_defect(file: str, line: int | None, column: str, value: str) -> worded.ImportDefect | None:
    """The defect of one text value by the bundle reader's rules (formula-like, width), or None."""
    found = worded.ImportDefect.for_label(file, line, column, value)
    if found is not None:
        return found
    width = WIDTHS.get(column)
    if width is not None and len(value) > width:
        return worded.ImportDefect.of(file, line, column, worded.TOO_LONG, max=width)
    return None


def _header_index(header: Sequence[str], defects: list[worded.ImportDefect], file: str) -> dict[str, str]:
    """Field → the file's header naming it; two headers for one field is a defect."""
    wanted = {fold(alias): name for name, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, str] = {}
    for title in header:
        name = wanted.get(fold(str(title)))
        if name is None:
            continue  # offices export more columns than the register keeps
        if name in found:
            defects.append(
                worded.ImportDefect.of(
                    file, 1, str(title), FIELD_TWICE, name=name, first=found[name], second=title
                )
            )
        found[name] = str(title)
    for name in REQUIRED:
        if name not in found:
            defects.append(
                worded.ImportDefect.of(
                    file, 1, name, worded.COLUMN_MISSING, name=name, accepted=", ".join(COLUMNS[name])
                )
            )
    return found


def read_register(file: str, raw: bytes) -> RegisterFile:
    """Read a register file; every defect that a row has on its own is listed (all rows)."""
    result = RegisterFile(file)
    table = read_table(file, raw, result.defects)
    if table is None:
        return result
    index = _header_index(table.header, result.defects, file)
    result.fields = frozenset(index)
    result.headers = dict(index)
    if result.defects:
        return result
    if not table.rows:
        result.defects.append(worded.ImportDefect.of(file, None, None, worded.NO_ROWS))
        return result
    if len(table.rows) > MAX_ROWS:
        result.defects.append(
            worded.ImportDefect.of(file, None, None, worded.TOO_MANY_ROWS, rows=len(table.rows), max=MAX_ROWS)
        )
        return result
    first_exact: dict[str, int] = {}
    first_folded: dict[str, tuple[str, int]] = {}
    for line, cells in table.rows:
        values = {name: _cell(cells.get(title)) for name, title in index.items()}
        before = len(result.defects)
        record = _record(file, line, index, values, result.defects)
        code = record.code
        if code and len(result.defects) == before:
            if code in first_exact:
                result.defects.append(
                    worded.ImportDefect.of(
                        file, line, index["code"], CODE_TWICE, code=code, first=first_exact[code]
                    )
                )
            elif fold(code) in first_folded:
                other, first = first_folded[fold(code)]
                result.defects.append(
                    worded.ImportDefect.of(
                        file, line, index["code"], CODE_ALIKE, code=code, other=other, first=first
                    )
                )
            first_exact.setdefault(code, line)
            first_folded.setdefault(fold(code), (code, line))
        result.records.append(record)
    return result


def _record(
    file: str,
    line: int,
    index: Mapping[str, str],
    values: Mapping[str, Any],
    defects: list[worded.ImportDefect],
) -> RegisterRecord:
    """One row's record; its own defects are appended to ``defects``."""
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name not in values:
            continue
        raw = values[name] if isinstance(values[name], str) else str(values[name])
        text = raw if name == "code" else raw.strip()
        column = index[name]
        if name == "code" and raw != raw.strip() and raw.strip():
            defects.append(worded.ImportDefect.of(file, line, column, CODE_SPACES, value=_shown(raw)))
        elif name in REQUIRED and not text.strip():
            defects.append(worded.ImportDefect.of(file, line, column, REQUIRED_EMPTY, field=column))
        else:
            found = text_defect(file, line, name, text)
            if found is not None:
                defects.append(replace_column(found, column))
        fields[name] = text
    for name in ("head_since", "retired_on"):
        if name in values:
            try:
                fields[name] = parse_date(values[name])
            except ValueError:
                defects.append(worded.ImportDefect.of(file, line, index[name], NOT_A_DATE))
    if "liaison_name" in values:
        name_text = str(values["liaison_name"]).strip()
        found = text_defect(file, line, "liaison_name", name_text)
        if found is not None:
            defects.append(replace_column(found, index["liaison_name"]))
        fields["liaison_name"] = name_text
    if "liaison_phone" in values:
        phone = str(values["liaison_phone"]).strip()
        if phone and not masked(phone):
            try:
                phone = crypto.normalize_cn_mobile(phone)
            except crypto.InvalidPhoneError as exc:
                defects.append(
                    worded.ImportDefect.of(file, line, index["liaison_phone"], PHONE_INVALID, detail=str(exc))
                )
        fields["liaison_phone"] = phone
    return RegisterRecord(line=line, **{"code": "", **fields})


def replace_column(defect: worded.ImportDefect, column: str) -> worded.ImportDefect:
    """``defect`` placed in the file's own header (a Chinese 名称 rather than ``name``)."""
    return worded.ImportDefect(
        defect.file, defect.line, column, defect.message, defect.key, defect.params, defect.kind
    )


def _shown(value: str) -> str:
    return value.replace("\t", "\\t").replace("\r", "\\r")[:40]


# ---------------------------------------------------------------- writing


FIELDS: Final = tuple(COLUMNS)
NOTE_EN: Final = (
    "Liaison names and phone numbers are exported masked (张*, 138****5678): personal data does not "
    "leave the platform. Importing this file again keeps them as the register holds them; type a "
    "name or number in full to change it."
)
NOTE_ZH: Final = (
    "联络员姓名和联络电话导出时已脱敏（如 张*、138****5678），个人信息不随文件外传；"
    "原样再次导入时保持名录中的原值，如需修改请填写完整的姓名或号码。"
)


def header(lang: str) -> list[str]:
    """The export's header row: English field names, or the Chinese ones for ``zh``."""
    return [ZH_HEADERS[f] if lang == "zh" else f for f in FIELDS]


def write_csv(rows: Sequence[Mapping[str, Any]], lang: str) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text as it is."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(lang))
    for row in rows:
        writer.writerow([_csv_value(row.get(f)) for f in FIELDS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_xlsx(rows: Sequence[Mapping[str, Any]], lang: str) -> bytes:
    """One sheet of units through the platform's formula-safe cell writer
    (:mod:`services.exports`), and a second sheet with the note about masked liaisons."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from services.exports import append_row  # the one writer that never makes a formula

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "评议对象名录" if lang == "zh" else "units"
    for cell in append_row(sheet, header(lang)):
        cell.font = Font(bold=True)
    for row in rows:
        cells = append_row(sheet, [row.get(f) for f in FIELDS])
        for cell, name in zip(cells, FIELDS, strict=True):
            if name in ("head_since", "retired_on") and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    note = book.create_sheet("说明" if lang == "zh" else "about")
    append_row(note, [NOTE_ZH if lang == "zh" else NOTE_EN])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
