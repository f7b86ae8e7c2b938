"""Sampling frames and phone sample draws (第三方电话抽访：抽样框与抽样).

A sampling frame is the list of people who dealt with each unit (name, mobile number,
unit, service date, case number, respondent group), exported by an administrative
system as CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX. Names and numbers are
stored only encrypted; numbers also as keyed hashes, for de-duplication and the
do-not-call list (拒访名单), which itself holds nothing but keyed hashes.

The import rule
    :func:`check_frame` is a dry run that lists every defect by file, line and column.
    :func:`import_frame` applies the same checks and

    - **refuses the whole file**, storing nothing, when anything but a phone number is
      wrong: unreadable file, missing required column (``unit_id``, ``name``,
      ``phone``), a unit not appraised in the campaign, an unknown respondent group, an
      unreadable service date, an over-long field, a name a spreadsheet would take for a
      formula (``=``, ``+``, ``-``, ``@``...). Such defects mean the export or the column
      mapping is wrong, and a partial frame would bias the draw silently;
    - **skips and reports single rows** whose number cannot be called: not a mainland
      mobile number, empty, the same number twice for the same unit (in the file or in
      an earlier frame of the campaign), or on the do-not-call list. One bad number
      says nothing about the others, and the people behind it cannot be reached anyway.

The draw
    :func:`preview_design` computes, before anything is stored, the size per unit
    (:mod:`survey.sampling`), the expected completes and the cost in calls;
    :func:`draw_sample` draws the first batch with a recorded seed, creates the phone
    cases (``P25-000123``, unassigned) and records the design in one audited
    transaction; :func:`release_replacement_batch` draws a unit's next batch from what
    is left of its frame once its current batch is worked out and short of the target.

Who: admins (configure_campaign) and the contractor's supervisors (assign_cases) manage
frames and the do-not-call list and preview designs; only supervisors draw.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import func, insert, select

from db import audit, crypto
from db.models import (
    Campaign,
    CampaignStatus,
    CampaignUnit,
    DoNotCall,
    FrameEntry,
    PhoneCase,
    PhoneSample,
    RespondentGroup,
    SamplingFrame,
    Unit,
)
from db.uow import UnitOfWork
from services import defects as worded
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, PermissionDenied, allowed, require
from survey.sampling import (
    Design,
    DesignParams,
    design_sample,
    draw,
    replacement_size,
)

SAMPLING_STATUSES: Final = frozenset({CampaignStatus.draft, CampaignStatus.fieldwork})
COMPLETE: Final = "1.1"  # AAPOR 1.1, a completed interview
MAX_FILE_BYTES: Final = 50 * 1024 * 1024
MAX_ROWS: Final = 200_000
MAX_SEED: Final = 2**63 - 1  # PhoneSample.seed is a signed BIGINT
MAX_TEXT: Final = 100  # FrameEntry.case_number is String(100); names are kept as short
MAX_REASON: Final = 200  # DoNotCall.reason
CASE_SEQ_DIGITS: Final = 6

# Accepted header spellings per field (case and surrounding spaces ignored): government
# systems export Chinese headers, hand-made files English ones.
FRAME_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "unit_id": ("unit_id", "unit", "unit_code", "单位编码", "单位代码", "被评议单位编码"),
    "name": ("name", "姓名", "服务对象姓名", "办事人姓名"),
    "phone": ("phone", "mobile", "phone_number", "手机号", "手机号码", "联系电话", "电话"),
    "service_date": ("service_date", "date", "办件日期", "服务日期", "办理日期"),
    "case_number": ("case_number", "case_no", "办件编号", "案件编号", "工单编号", "业务编号"),
    "respondent_group": ("respondent_group", "group", "评议主体", "群体"),
}
REQUIRED_FRAME_COLUMNS: Final = ("unit_id", "name", "phone")
DNC_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "phone": FRAME_COLUMNS["phone"],
    "reason": ("reason", "原因", "备注"),
}
DATE_FORMATS: Final = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")

# Defect kinds: the first refuses the file, the others skip one row.
STRUCTURE: Final = "structure"
INVALID_PHONE: Final = "invalid_phone"
DUPLICATE: Final = "duplicate"
DO_NOT_CALL: Final = "do_not_call"
SKIP_KINDS: Final = frozenset({INVALID_PHONE, DUPLICATE, DO_NOT_CALL})


class FrameRefused(Refused):
    """The file has a defect that refuses it as a whole; ``report`` lists every defect."""

    def __init__(self, message: str, report: ImportReport | DoNotCallReport) -> None:
        super().__init__(message)
        self.report = report


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class FrameDefect(worded.ImportDefect):
    """One problem in an uploaded file (:class:`services.defects.ImportDefect`: where,
    what in English, and its message key for the page); ``kind`` says whether it refuses
    the file (``structure``) or skips the row (``invalid_phone``, ``duplicate``,
    ``do_not_call``)."""

    @property
    def refuses(self) -> bool:
        return self.kind == STRUCTURE


# What the frame importer says, beside the wordings it shares with the other importers.
FIELD_TWICE: Final = worded.Wording(
    "import.defect.field_twice", 'two columns hold "{name}" ({first}, {second})'
)
GROUP_UNKNOWN: Final = worded.Wording(
    "import.defect.group_unknown", 'unknown respondent group "{group}" (campaign groups: {known})'
)
NOT_A_DATE: Final = worded.Wording("import.defect.not_a_date", "not a date; write it as YYYY-MM-DD")
PHONE_MISSING: Final = worded.Wording("import.defect.phone_missing", "no phone number given")
PHONE_INVALID: Final = worded.Wording("import.defect.phone_invalid", "{detail}")
PHONE_TWICE: Final = worded.Wording(
    "import.defect.phone_twice", "the same number for unit {unit} is on line {first}"
)
PHONE_IN_FRAME: Final = worded.Wording(
    "import.defect.phone_in_frame", 'the number is already in frame "{frame}" for unit {unit}'
)
PHONE_DO_NOT_CALL: Final = worded.Wording(
    "import.defect.phone_do_not_call", "the number is on the do-not-call list"
)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What a frame file holds and what became (or would become) of it.

    ``stored`` counts rows kept (stored by :func:`import_frame`, storable for
    :func:`check_frame`); ``per_unit`` the kept rows by unit code; ``frame_id`` is set
    only when a frame was stored.
    """

    file: str
    encoding: str
    rows: int
    stored: int
    defects: tuple[FrameDefect, ...]
    per_unit: tuple[tuple[str, int], ...] = ()
    frame_id: int | None = None

    @property
    def refused(self) -> bool:
        return any(d.refuses for d in self.defects)

    def skipped(self, kind: str) -> int:
        return sum(1 for d in self.defects if d.kind == kind)


@dataclass(frozen=True, slots=True)
class DoNotCallReport:
    """An imported do-not-call file: numbers added, already listed, and rows refused."""

    file: str
    rows: int
    added: int
    already_listed: int
    defects: tuple[FrameDefect, ...]

    @property
    def refused(self) -> bool:
        return any(d.refuses for d in self.defects)


@dataclass(frozen=True, slots=True)
class SamplingCampaign:
    code: str
    name: str
    year: int
    status: CampaignStatus
    has_sample: bool


@dataclass(frozen=True, slots=True)
class FrameInfo:
    id: int
    name: str
    source: str
    imported_at: datetime
    entries: int


@dataclass(frozen=True, slots=True)
class UnitFrame:
    """A unit's frame across all frames of the campaign: ``entries`` rows, of which
    ``callable`` distinct numbers not on the do-not-call list and not yet sampled,
    by respondent group."""

    unit_code: str
    unit_name: str
    entries: int
    callable: int
    groups: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class FrameSummary:
    frames: tuple[FrameInfo, ...]
    units: tuple[UnitFrame, ...]
    do_not_call: int  # numbers on the list (all campaigns)
    blocked: int  # frame rows of this campaign whose number is on the list

    @property
    def entries(self) -> int:
        return sum(u.entries for u in self.units)

    @property
    def callable(self) -> int:
        return sum(u.callable for u in self.units)


@dataclass(frozen=True, slots=True)
class DrawResult:
    sample_id: int
    seed: int
    cases: int
    units: int
    first_code: str
    last_code: str
    design: Design


@dataclass(frozen=True, slots=True)
class UnitSampleStatus:
    """Where a unit's sample stands: its current batch, how far it is worked, and
    whether a replacement batch may be released (``eligible``; else ``reason``)."""

    unit_code: str
    unit_name: str
    target_completes: int
    batch: int
    cases: int
    batch_cases: int
    batch_open: int
    completes: int
    remaining: int
    eligible: bool
    reason: str


@dataclass(frozen=True, slots=True)
class SampleInfo:
    id: int
    seed: int
    drawn_by: str
    drawn_at: datetime
    params: dict[str, Any]
    units: tuple[UnitSampleStatus, ...]
    replacements: int

    @property
    def eligible_units(self) -> tuple[str, ...]:
        return tuple(u.unit_code for u in self.units if u.eligible)


@dataclass(frozen=True, slots=True)
class BatchResult:
    unit_code: str
    batch: int
    cases: int
    first_code: str
    last_code: str


@dataclass
class _Campaign:
    """What checking a file needs to know about the campaign (read once)."""

    id: int
    code: str
    year: int
    units: dict[str, int]  # unit code -> unit id
    groups: dict[str, str]  # code or Chinese label -> group code
    known: dict[tuple[int, str], str] = field(default_factory=dict)  # (unit id, hash) -> frame name
    blocked: frozenset[str] = frozenset()  # do-not-call hashes


# ---------------------------------------------------------------- permissions


def _require_frames(user: CurrentUser | None) -> CurrentUser:
    """Frames are managed by the organization department (who holds the administrative
    data) and by the contractor (who uses it): either permission will do."""
    if user is None:
        raise PermissionDenied("sign in first: managing sampling frames needs an account")
    if not (allowed(user, Permission.configure_campaign) or allowed(user, Permission.assign_cases)):
        raise PermissionDenied(
            f"{user.username} ({user.role}) may not manage sampling frames "
            f"({Permission.configure_campaign.value} or {Permission.assign_cases.value}); "
            "allowed roles: admin, supervisor"
        )
    return user


def _open_campaign(uow: UnitOfWork, campaign_code: str, *, for_update: bool = False) -> Campaign:
    campaign = load_campaign(uow, campaign_code, for_update=for_update)
    assert_inputs_editable(campaign)
    if CampaignStatus(campaign.status) not in SAMPLING_STATUSES:
        raise Refused(
            f"campaign {campaign_code} is {CampaignStatus(campaign.status).value}: "
            "frames and samples change only in draft or fieldwork"
        )
    return campaign


# ---------------------------------------------------------------- reading files


def _raw(source: bytes | Path | str) -> bytes:
    if isinstance(source, bytes):
        return source
    return Path(source).read_bytes()


def _is_xlsx(raw: bytes, filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or raw[:4] == b"PK\x03\x04"


def _cell(value: object) -> object:
    """An XLSX cell as text, except dates, which stay dates (the date column reads them)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        # a number typed into Excel comes back as 13812345678.0
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(raw: bytes) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook  # imported here: heavy, and only an uploaded XLSX needs it

    workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_cell(v) for v in row]
    finally:
        workbook.close()


def _csv_rows(text: str) -> Iterator[tuple[int, list[object]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for record in reader:
        yield start, [cell.strip() for cell in record]
        start = reader.line_num + 1


def _read_table(
    raw: bytes, filename: str, columns: Mapping[str, tuple[str, ...]], required: Iterable[str]
) -> tuple[str, dict[str, int], list[tuple[int, list[object]]], list[FrameDefect]]:
    """(encoding, field -> column index, data rows with their lines, structural defects)."""
    defects: list[FrameDefect] = []

    def refuse(
        wording: worded.Wording, line: int | None = None, column: str | None = None, **params: Any
    ) -> None:
        defects.append(FrameDefect.of(filename, line, column, wording, STRUCTURE, **params))

    if not raw:
        refuse(worded.EMPTY)
        return "", {}, [], defects
    if len(raw) > MAX_FILE_BYTES:
        refuse(worded.TOO_LARGE, mb=MAX_FILE_BYTES // (1024 * 1024))
        return "", {}, [], defects
    rows: list[tuple[int, list[object]]]
    if _is_xlsx(raw, filename):
        # openpyxl and the bundle reader (pyarrow) are imported only when a file is read,
        # not by every page that imports this module
        from openpyxl.utils.exceptions import InvalidFileException

        encoding = "xlsx"
        try:
            rows = list(_xlsx_rows(raw))
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
            refuse(worded.NOT_XLSX)
            return encoding, {}, [], defects
    else:
        from scoring.csvfile import decode_bundle_bytes

        try:
            text, encoding = decode_bundle_bytes(raw)
        except UnicodeDecodeError as exc:
            refuse(worded.NOT_TEXT, raw[: exc.start].count(b"\n") + 1)
            return "", {}, [], defects
        try:
            rows = list(_csv_rows(text.decode("utf-8")))
        except csv.Error as exc:
            refuse(worded.NOT_CSV, detail=str(exc))
            return encoding, {}, [], defects
    rows = [(line, cells) for line, cells in rows if any(c != "" for c in cells)]
    if not rows:
        refuse(worded.NO_HEADER)
        return encoding, {}, [], defects
    header_line, header = rows[0]
    wanted = {
        unicodedata.normalize("NFKC", alias).strip().lower(): name
        for name, aliases in columns.items()
        for alias in aliases
    }
    index: dict[str, int] = {}
    for position, title in enumerate(header):
        name = wanted.get(unicodedata.normalize("NFKC", str(title)).strip().lower())
        if name is None:
            continue  # offices export more columns than the frame needs
        if name in index:
            refuse(FIELD_TWICE, header_line, str(title), name=name, first=header[index[name]], second=title)
        index[name] = position
    for name in required:
        if name not in index:
            refuse(worded.COLUMN_MISSING, header_line, name=name, accepted=", ".join(columns[name]))
    data = rows[1:]
    if len(data) > MAX_ROWS:
        refuse(worded.TOO_MANY_ROWS, rows=len(data), max=MAX_ROWS)
    return encoding, index, data, defects


def _parse_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    text = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2})?$", "", text)  # a time of day after the date
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


# ---------------------------------------------------------------- frames


def _campaign_facts(uow: UnitOfWork, campaign: Campaign) -> _Campaign:
    session = uow.session
    units = dict(
        session.execute(
            select(Unit.code, Unit.id)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
        ).all()
    )
    groups: dict[str, str] = {}
    for code, label_zh, label_en in session.execute(
        select(RespondentGroup.code, RespondentGroup.label_zh, RespondentGroup.label_en).where(
            RespondentGroup.campaign_id == campaign.id
        )
    ):
        for spelling in (label_en, label_zh, code):  # the code wins over a label that equals it
            if spelling:
                groups[spelling.strip().lower()] = code
    known = {
        (unit_id, phone_hash): name
        for unit_id, phone_hash, name in session.execute(
            select(FrameEntry.unit_id, FrameEntry.phone_hash, SamplingFrame.name)
            .join(SamplingFrame, SamplingFrame.id == FrameEntry.frame_id)
            .where(SamplingFrame.campaign_id == campaign.id)
        )
    }
    blocked = frozenset(session.execute(select(DoNotCall.phone_hash)).scalars())
    return _Campaign(campaign.id, campaign.code, campaign.year, units, groups, known, blocked)


def _frame_name(frame_name: str, filename: str) -> str:
    """The name a frame is stored under: the one given, else the file's name."""
    return (frame_name or Path(filename).stem or "frame").strip()[:200]


def _check_rows(
    facts: _Campaign, raw: bytes, filename: str, frame_name: str
) -> tuple[str, int, list[FrameDefect], list[dict[str, Any]]]:
    """(encoding, data rows, defects, rows to store with plain name and E.164 number)."""
    encoding, index, data, defects = _read_table(raw, filename, FRAME_COLUMNS, REQUIRED_FRAME_COLUMNS)
    named = FrameDefect.for_label(filename, None, None, frame_name, STRUCTURE)
    if named is not None:  # the frame's own name (the file's, unless one is given)
        defects.append(named)
    if any(d.refuses for d in defects):
        return encoding, len(data), defects, []
    keyring = crypto.default_keyring()
    first_line: dict[tuple[int, str], int] = {}
    keep: list[dict[str, Any]] = []

    def cell(cells: list[object], name: str) -> object:
        position = index.get(name)
        return cells[position] if position is not None and position < len(cells) else ""

    for line, cells in data:

        def defect(
            column: str | None, wording: worded.Wording, kind: str, line: int = line, **params: Any
        ) -> None:
            defects.append(FrameDefect.of(filename, line, column, wording, kind, **params))

        unit_code = str(cell(cells, "unit_id"))
        unit_id = facts.units.get(unit_code)
        if not unit_code:
            defect("unit_id", worded.UNIT_MISSING, STRUCTURE)
        elif unit_id is None:
            defect("unit_id", worded.UNIT_UNKNOWN, STRUCTURE, unit=unit_code, campaign=facts.code)
        name = str(cell(cells, "name"))
        case_number = str(cell(cells, "case_number"))
        for column, value in (("name", name), ("case_number", case_number)):
            if len(value) > MAX_TEXT:
                defect(column, worded.TOO_LONG, STRUCTURE, max=MAX_TEXT)
        formula = FrameDefect.for_label(filename, line, "name", name, STRUCTURE)
        if formula is not None:  # a name is text: a spreadsheet must never run it
            defects.append(formula)
        group_text = str(cell(cells, "respondent_group"))
        group = ""
        if group_text:
            group = facts.groups.get(group_text.strip().lower(), "")
            if not group:
                known = ", ".join(sorted(set(facts.groups.values()))) or "—"
                defect("respondent_group", GROUP_UNKNOWN, STRUCTURE, group=group_text, known=known)
        try:
            served = _parse_date(cell(cells, "service_date"))
        except ValueError:
            served = None
            defect("service_date", NOT_A_DATE, STRUCTURE)
        phone_text = str(cell(cells, "phone"))
        try:
            phone = crypto.normalize_cn_mobile(phone_text)
        except crypto.InvalidPhoneError as exc:
            if phone_text.strip():
                defect("phone", PHONE_INVALID, INVALID_PHONE, detail=str(exc))
            else:
                defect("phone", PHONE_MISSING, INVALID_PHONE)
            continue
        if unit_id is None:
            continue
        phone_hash = keyring.keyed_hash(phone)
        key = (unit_id, phone_hash)
        if key in first_line:
            defect("phone", PHONE_TWICE, DUPLICATE, unit=unit_code, first=first_line[key])
            continue
        first_line[key] = line
        if key in facts.known:
            defect("phone", PHONE_IN_FRAME, DUPLICATE, frame=facts.known[key], unit=unit_code)
            continue
        if phone_hash in facts.blocked:
            defect("phone", PHONE_DO_NOT_CALL, DO_NOT_CALL)
            continue
        keep.append(
            {
                "unit_id": unit_id,
                "unit_code": unit_code,
                "name": name,
                "phone": phone,
                "phone_hash": phone_hash,
                "service_date": served,
                "case_number": case_number,
                "respondent_group": group,
            }
        )
    return encoding, len(data), defects, keep


def _report(
    filename: str,
    encoding: str,
    rows: int,
    defects: list[FrameDefect],
    keep: list[dict[str, Any]],
    frame_id: int | None = None,
) -> ImportReport:
    refused = any(d.refuses for d in defects)
    per_unit = Counter(r["unit_code"] for r in keep)
    return ImportReport(
        file=filename,
        encoding=encoding,
        rows=rows,
        stored=0 if refused else len(keep),
        defects=tuple(sorted(defects, key=lambda d: (d.line or 0, d.column or ""))),
        per_unit=() if refused else tuple(sorted(per_unit.items())),
        frame_id=frame_id,
    )


def check_frame(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, source: bytes | Path | str, filename: str
) -> ImportReport:
    """Dry run of :func:`import_frame`: every defect of the file, nothing stored."""
    _require_frames(user)
    raw = _raw(source)
    with uow:
        campaign = _open_campaign(uow, campaign_code)
        facts = _campaign_facts(uow, campaign)
    encoding, rows, defects, keep = _check_rows(facts, raw, filename, _frame_name("", filename))
    return _report(filename, encoding, rows, defects, keep)


def import_frame(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    source: bytes | Path | str,
    filename: str,
    *,
    frame_name: str = "",
    frame_source: str = "",
) -> ImportReport:
    """Store a frame file as a new sampling frame of the campaign (see the import rule in
    the module docstring). Raises :class:`FrameRefused`, with the report, when a
    structural defect refuses the file; returns the report otherwise (``frame_id`` is
    None when no row was left to store)."""
    actor = _require_frames(user)
    raw = _raw(source)
    name = _frame_name(frame_name, filename)
    with uow:
        uow.actor = actor.username
        # the lock serialises imports into one campaign: both would miss each other's rows
        campaign = _open_campaign(uow, campaign_code, for_update=True)
        facts = _campaign_facts(uow, campaign)
        encoding, rows, defects, keep = _check_rows(facts, raw, filename, name)
        report = _report(filename, encoding, rows, defects, keep)
        if report.refused:
            n = sum(1 for d in defects if d.refuses)
            raise FrameRefused(f"{filename}: {n} defect(s) refuse the file; nothing was stored", report)
        if not keep:
            return report
        frame = SamplingFrame(campaign_id=campaign.id, name=name, source=frame_source.strip()[:200])
        uow.session.add(frame)
        uow.session.flush()
        keyring = crypto.default_keyring()
        uow.session.execute(
            insert(FrameEntry),
            [
                {
                    "frame_id": frame.id,
                    "unit_id": r["unit_id"],
                    "name_enc": keyring.encrypt(r["name"]) if r["name"] else None,
                    "phone_enc": keyring.encrypt(r["phone"]),
                    "phone_hash": r["phone_hash"],
                    "service_date": r["service_date"],
                    "case_number": r["case_number"],
                    "respondent_group": r["respondent_group"],
                }
                for r in keep
            ],
        )
        audit.record(
            uow,
            "frame.import",
            "sampling_frame",
            frame.id,
            None,
            {
                "campaign": campaign.code,
                "name": frame.name,
                "file": filename,
                "rows": rows,
                "stored": len(keep),
                "skipped": {kind: report.skipped(kind) for kind in sorted(SKIP_KINDS)},
            },
        )
        uow.commit()
        return _report(filename, encoding, rows, defects, keep, frame_id=frame.id)


def import_do_not_call(
    uow: UnitOfWork,
    user: CurrentUser | None,
    source: bytes | Path | str,
    filename: str,
    *,
    reason: str = "",
) -> DoNotCallReport:
    """Add the numbers of a file (column ``phone``, optional ``reason``) to the do-not-call
    list, kept only as keyed hashes. Invalid numbers are skipped and reported; a file
    without a phone column is refused whole (:class:`Refused`)."""
    actor = _require_frames(user)
    raw = _raw(source)
    _, index, data, defects = _read_table(raw, filename, DNC_COLUMNS, ("phone",))
    if any(d.refuses for d in defects):
        report = DoNotCallReport(filename, len(data), 0, 0, tuple(defects))
        raise FrameRefused(f"{filename}: the file is refused; nothing was stored", report)
    keyring = crypto.default_keyring()
    wanted: dict[str, str] = {}
    for line, cells in data:
        phone_cell = cells[index["phone"]] if index["phone"] < len(cells) else ""
        try:
            phone = crypto.normalize_cn_mobile(str(phone_cell))
        except crypto.InvalidPhoneError as exc:
            wording, detail = (
                (PHONE_INVALID, {"detail": str(exc)}) if str(phone_cell).strip() else (PHONE_MISSING, {})
            )
            defects.append(FrameDefect.of(filename, line, "phone", wording, INVALID_PHONE, **detail))
            continue
        position = index.get("reason")
        row_reason = str(cells[position]) if position is not None and position < len(cells) else ""
        wanted.setdefault(keyring.keyed_hash(phone), (row_reason or reason).strip()[:MAX_REASON])
    with uow:
        uow.actor = actor.username
        session = uow.session
        present = (
            set(
                session.execute(select(DoNotCall.phone_hash).where(DoNotCall.phone_hash.in_(list(wanted))))
                .scalars()
                .all()
            )
            if wanted
            else set()
        )
        new = [{"phone_hash": h, "reason": r} for h, r in wanted.items() if h not in present]
        if new:
            session.execute(insert(DoNotCall), new)
        audit.record(
            uow,
            "do_not_call.import",
            "do_not_call",
            "",
            None,
            {"file": filename, "rows": len(data), "added": len(new), "already_listed": len(present)},
        )
        uow.commit()
    return DoNotCallReport(filename, len(data), len(new), len(present), tuple(defects))


# ---------------------------------------------------------------- what the page shows


def sampling_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[SamplingCampaign]:
    """Campaigns in draft or fieldwork, fieldwork and the newest year first."""
    _require_frames(user)
    with uow:
        sampled = set(uow.session.execute(select(PhoneSample.campaign_id).distinct()).scalars())
        rows = uow.session.execute(
            select(Campaign.id, Campaign.code, Campaign.name, Campaign.year, Campaign.status).where(
                Campaign.status.in_(sorted(SAMPLING_STATUSES))
            )
        ).all()
    campaigns = [
        SamplingCampaign(code, name or code, year, CampaignStatus(status), campaign_id in sampled)
        for campaign_id, code, name, year, status in rows
    ]
    return sorted(campaigns, key=lambda c: (c.status != CampaignStatus.fieldwork, -c.year, c.code))


def _campaign_units(uow: UnitOfWork, campaign: Campaign) -> list[tuple[int, str, str]]:
    """(unit id, code, name) in the campaign's unit order."""
    return [
        (unit_id, code, name)
        for unit_id, code, name in uow.session.execute(
            select(Unit.id, Unit.code, CampaignUnit.name)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position, Unit.code)
        )
    ]


def _candidates(
    uow: UnitOfWork, campaign: Campaign
) -> tuple[dict[int, dict[str, tuple[int, str]]], Counter[int], int]:
    """Callable people per unit: ``{unit id: {phone hash: (frame entry id, group)}}``, one
    entry per number (the earliest imported), without do-not-call numbers and numbers
    already sampled for the unit; also every frame row per unit, and how many rows the
    do-not-call list blocks."""
    session = uow.session
    blocked = set(session.execute(select(DoNotCall.phone_hash)).scalars())
    sampled = {
        (unit_id, phone_hash)
        for unit_id, phone_hash in session.execute(
            select(PhoneCase.unit_id, FrameEntry.phone_hash)
            .join(FrameEntry, FrameEntry.id == PhoneCase.frame_entry_id)
            .where(PhoneCase.campaign_id == campaign.id)
        )
    }
    out: dict[int, dict[str, tuple[int, str]]] = {}
    rows: Counter[int] = Counter()
    n_blocked = 0
    for entry_id, unit_id, phone_hash, group in session.execute(
        select(FrameEntry.id, FrameEntry.unit_id, FrameEntry.phone_hash, FrameEntry.respondent_group)
        .join(SamplingFrame, SamplingFrame.id == FrameEntry.frame_id)
        .where(SamplingFrame.campaign_id == campaign.id)
        .order_by(FrameEntry.id)
    ):
        rows[unit_id] += 1
        if phone_hash in blocked:
            n_blocked += 1
            continue
        if (unit_id, phone_hash) in sampled:
            continue
        out.setdefault(unit_id, {}).setdefault(phone_hash, (entry_id, group or ""))
    return out, rows, n_blocked


def _group_counts(people: Mapping[str, tuple[int, str]]) -> dict[str, int]:
    return dict(sorted(Counter(group for _, group in people.values()).items()))


def frame_summary(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> FrameSummary:
    """The campaign's frames, and per unit (campaign order) its rows and callable people."""
    _require_frames(user)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        session = uow.session
        frames = tuple(
            FrameInfo(frame_id, name, source, imported_at, int(entries))
            for frame_id, name, source, imported_at, entries in session.execute(
                select(
                    SamplingFrame.id,
                    SamplingFrame.name,
                    SamplingFrame.source,
                    SamplingFrame.imported_at,
                    func.count(FrameEntry.id),
                )
                .outerjoin(FrameEntry, FrameEntry.frame_id == SamplingFrame.id)
                .where(SamplingFrame.campaign_id == campaign.id)
                .group_by(
                    SamplingFrame.id, SamplingFrame.name, SamplingFrame.source, SamplingFrame.imported_at
                )
                .order_by(SamplingFrame.id)
            )
        )
        people, rows, blocked = _candidates(uow, campaign)
        units = tuple(
            UnitFrame(
                code,
                name,
                rows.get(unit_id, 0),
                len(people.get(unit_id, {})),
                tuple(_group_counts(people.get(unit_id, {})).items()),
            )
            for unit_id, code, name in _campaign_units(uow, campaign)
        )
        listed = session.execute(select(func.count()).select_from(DoNotCall)).scalar_one()
    return FrameSummary(frames=frames, units=units, do_not_call=int(listed), blocked=blocked)


def _design(uow: UnitOfWork, campaign: Campaign, params: DesignParams) -> tuple[Design, dict[str, Any]]:
    problems = params.problems()
    if problems:
        raise Refused("; ".join(problems))
    people, _, _ = _candidates(uow, campaign)
    units = _campaign_units(uow, campaign)
    frames = {code: _group_counts(people.get(unit_id, {})) for unit_id, code, _ in units}
    by_code = {code: (unit_id, people.get(unit_id, {})) for unit_id, code, _ in units}
    return design_sample(frames, params), by_code


def preview_design(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, params: DesignParams
) -> Design:
    """Sizes per unit, expected completes and cost in calls, as :func:`draw_sample` would
    draw them now (nothing is stored)."""
    _require_frames(user)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        design, _ = _design(uow, campaign, params)
    return design


def _next_codes(uow: UnitOfWork, campaign: Campaign, count: int) -> list[str]:
    """``count`` new case codes ``P25-000124`` ... after the campaign's highest one."""
    prefix = f"P{campaign.year % 100:02d}-"
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)")
    highest = 0
    for code in uow.session.execute(
        select(PhoneCase.code).where(PhoneCase.campaign_id == campaign.id, PhoneCase.code.like(f"{prefix}%"))
    ).scalars():
        match = pattern.fullmatch(code)
        if match:
            highest = max(highest, int(match.group(1)))
    return [f"{prefix}{n:0{CASE_SEQ_DIGITS}d}" for n in range(highest + 1, highest + 1 + count)]


def _plan_json(design: Design) -> dict[str, Any]:
    return {
        u.unit: {
            "N": u.frame_size,
            "target": u.target_completes,
            "draw": u.to_draw,
            "expected_completes": round(u.expected_completes, 6),
            "expected_calls": round(u.expected_calls, 6),
            "capped": u.capped,
            "groups": {g: {"N": n, "draw": d, "target": t} for g, n, d, t in u.groups},
        }
        for u in design.units
    }


def draw_sample(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    params: DesignParams,
    seed: int,
    *,
    expected_to_draw: int | None = None,
    clock: Clock = utcnow,
) -> DrawResult:
    """Draw the campaign's phone sample (batch 1 of every unit) with ``seed`` and create
    its cases, unassigned, in one audited transaction (supervisors).

    ``expected_to_draw`` is the total the person saw in the preview: if the frames
    changed since, the draw is refused rather than drawing something else. A campaign
    draws once; afterwards only replacement batches follow.
    """
    actor = require(user, Permission.assign_cases)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise Refused(f"the seed must be a whole number from 0 to {MAX_SEED}, not {seed!r}")
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = _open_campaign(uow, campaign_code, for_update=True)
        if session.execute(select(PhoneSample.id).where(PhoneSample.campaign_id == campaign.id)).first():
            raise Refused(
                f"campaign {campaign_code} already has its phone sample; release replacement batches instead"
            )
        existing = session.execute(
            select(func.count()).where(PhoneCase.campaign_id == campaign.id)
        ).scalar_one()
        if existing:
            raise Refused(f"campaign {campaign_code} already has {existing} phone case(s) from elsewhere")
        design, by_code = _design(uow, campaign, params)
        if expected_to_draw is not None and expected_to_draw != design.to_draw:
            raise Refused(
                f"the frames changed since the preview ({expected_to_draw} to draw then, "
                f"{design.to_draw} now); look at the preview again"
            )
        if design.to_draw == 0:
            raise Refused(f"campaign {campaign_code} has nobody to draw: import a sampling frame first")
        picked: list[tuple[int, int, str]] = []  # (unit id, frame entry id, group)
        for plan in design.units:
            unit_id, people = by_code[plan.unit]
            for group, _, to_draw, _ in plan.groups:
                keys = [h for h, (_, g) in people.items() if not params.quotas or g == group]
                for phone_hash in draw(keys, to_draw, seed, 1, plan.unit, group):
                    entry_id, entry_group = people[phone_hash]
                    picked.append((unit_id, entry_id, entry_group))
        codes = _next_codes(uow, campaign, len(picked))
        session.execute(
            insert(PhoneCase),
            [
                {
                    "campaign_id": campaign.id,
                    "code": code,
                    "unit_id": unit_id,
                    "frame_entry_id": entry_id,
                    "respondent_group": group,
                    "batch": 1,
                    "disposition": "",
                    "attempts": 0,
                }
                for code, (unit_id, entry_id, group) in zip(codes, picked, strict=True)
            ],
        )
        now = as_utc(clock())
        sample = PhoneSample(
            campaign_id=campaign.id,
            seed=seed,
            design={
                "params": params.as_dict(),
                "method": "Cochran n0 = z^2 p(1-p)/e^2 with FPC; draw = ceil(n / response_rate) <= N",
                "stream": "PCG64(SeedSequence(seed, spawn_key=(batch, sha256(unit)[:4], sha256(group)[:4])))",
                "sort_key": "frame_entry.phone_hash",
                "units": _plan_json(design),
                "totals": {
                    "N": design.frame_size,
                    "target": design.target_completes,
                    "draw": design.to_draw,
                    "expected_completes": round(design.expected_completes, 6),
                    "expected_calls": round(design.expected_calls, 6),
                },
                "batches": [{"batch": 1, "cases": len(picked), "at": now.isoformat(), "by": actor.username}],
            },
            drawn_by=actor.username,
            drawn_at=now,
        )
        session.add(sample)
        session.flush()
        audit.record(
            uow,
            "sample.draw",
            "phone_sample",
            sample.id,
            None,
            {
                "campaign": campaign.code,
                "seed": seed,
                "params": params.as_dict(),
                "cases": len(picked),
                "units": sum(1 for u in design.units if u.to_draw),
                "codes": [codes[0], codes[-1]],
            },
            at=now,
        )
        uow.commit()
        return DrawResult(
            sample.id,
            seed,
            len(picked),
            sum(1 for u in design.units if u.to_draw),
            codes[0],
            codes[-1],
            design,
        )


def _sample(uow: UnitOfWork, campaign: Campaign, *, for_update: bool = False) -> PhoneSample | None:
    query = (
        select(PhoneSample).where(PhoneSample.campaign_id == campaign.id).order_by(PhoneSample.id).limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return uow.session.execute(query).scalar()


def _unit_status(
    sample: PhoneSample,
    code: str,
    name: str,
    cases: list[tuple[int, str, str]],
    remaining: Mapping[str, tuple[int, str]],
) -> UnitSampleStatus:
    """``cases``: (batch, disposition, group) of the unit's cases."""
    plan = sample.design.get("units", {}).get(code, {})
    target = int(plan.get("target", 0))
    batch = max((b for b, _, _ in cases), default=0)
    current = [(d, g) for b, d, g in cases if b == batch]
    still_open = sum(1 for d, _ in current if not d)
    completes = sum(1 for _, d, _ in cases if d == COMPLETE)
    if not plan or not cases:
        reason = "not in the sample"
    elif still_open:
        reason = f"{still_open} case(s) of batch {batch} are still open"
    elif completes >= target:
        reason = "target reached"
    elif not remaining:
        reason = "frame exhausted"
    else:
        reason = ""
    return UnitSampleStatus(
        unit_code=code,
        unit_name=name,
        target_completes=target,
        batch=batch,
        cases=len(cases),
        batch_cases=len(current),
        batch_open=still_open,
        completes=completes,
        remaining=len(remaining),
        eligible=not reason,
        reason=reason,
    )


def _cases_by_unit(uow: UnitOfWork, campaign: Campaign) -> dict[int, list[tuple[int, str, str]]]:
    out: dict[int, list[tuple[int, str, str]]] = {}
    for unit_id, batch, disposition, group in uow.session.execute(
        select(PhoneCase.unit_id, PhoneCase.batch, PhoneCase.disposition, PhoneCase.respondent_group).where(
            PhoneCase.campaign_id == campaign.id
        )
    ):
        out.setdefault(unit_id, []).append((batch, disposition or "", group or ""))
    return out


def sample_status(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> SampleInfo | None:
    """The campaign's sample with each unit's progress, or None before the draw."""
    _require_frames(user)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        sample = _sample(uow, campaign)
        if sample is None:
            return None
        people, _, _ = _candidates(uow, campaign)
        cases = _cases_by_unit(uow, campaign)
        units = tuple(
            _unit_status(sample, code, name, cases.get(unit_id, []), people.get(unit_id, {}))
            for unit_id, code, name in _campaign_units(uow, campaign)
        )
        return SampleInfo(
            id=sample.id,
            seed=int(sample.seed),
            drawn_by=sample.drawn_by,
            drawn_at=sample.drawn_at,
            params=dict(sample.design.get("params", {})),
            units=units,
            replacements=max(0, len(sample.design.get("batches", [])) - 1),
        )


def release_replacement_batch(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, unit_code: str, *, clock: Clock = utcnow
) -> BatchResult:
    """Draw a unit's next batch (分批释放样本) once every case of its current batch has a
    final disposition and its completes fall short of the target: the shortfall divided
    by the expected response rate (per group under quotas), from the people of its frame
    not yet sampled, with the sample's seed on the stream of the new batch number."""
    actor = require(user, Permission.assign_cases)
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = _open_campaign(uow, campaign_code, for_update=True)
        sample = _sample(uow, campaign, for_update=True)
        if sample is None:
            raise Refused(f"campaign {campaign_code} has no phone sample yet: draw it first")
        unit = next((u for u in _campaign_units(uow, campaign) if u[1] == unit_code), None)
        if unit is None:
            raise NotFound(f"unit {unit_code!r} is not appraised in campaign {campaign_code}")
        unit_id, _, unit_name = unit
        people, _, _ = _candidates(uow, campaign)
        remaining = people.get(unit_id, {})
        cases = _cases_by_unit(uow, campaign).get(unit_id, [])
        status = _unit_status(sample, unit_code, unit_name, cases, remaining)
        if not status.eligible:
            raise Refused(f"no replacement batch for unit {unit_code}: {status.reason}")
        params = sample.design.get("params", {})
        rate = float(params.get("response_rate", 1.0))
        quotas = bool(params.get("quotas", False))
        plan = sample.design["units"][unit_code]
        batch = status.batch + 1
        picked: list[tuple[int, str]] = []
        if quotas:
            for group, group_plan in sorted(plan.get("groups", {}).items()):
                done = sum(1 for _, d, g in cases if d == COMPLETE and g == group)
                keys = [h for h, (_, g) in remaining.items() if g == group]
                size = replacement_size(int(group_plan["target"]), done, rate, len(keys))
                picked += [remaining[h] for h in draw(keys, size, int(sample.seed), batch, unit_code, group)]
        else:
            size = replacement_size(status.target_completes, status.completes, rate, len(remaining))
            picked = [
                remaining[h] for h in draw(list(remaining), size, int(sample.seed), batch, unit_code, "")
            ]
        if not picked:
            raise Refused(
                f"no replacement batch for unit {unit_code}: no group short of its quota has people left"
            )
        codes = _next_codes(uow, campaign, len(picked))
        session.execute(
            insert(PhoneCase),
            [
                {
                    "campaign_id": campaign.id,
                    "code": code,
                    "unit_id": unit_id,
                    "frame_entry_id": entry_id,
                    "respondent_group": group,
                    "batch": batch,
                    "disposition": "",
                    "attempts": 0,
                }
                for code, (entry_id, group) in zip(codes, picked, strict=True)
            ],
        )
        now = as_utc(clock())
        design = dict(sample.design)
        # a new list, so that SQLAlchemy sees the JSON column change
        design["batches"] = [
            *design.get("batches", []),
            {
                "batch": batch,
                "unit": unit_code,
                "cases": len(picked),
                "at": now.isoformat(),
                "by": actor.username,
            },
        ]
        sample.design = design
        audit.record(
            uow,
            "sample.replacement_batch",
            "phone_sample",
            sample.id,
            {"unit": unit_code, "batch": status.batch, "completes": status.completes},
            {"unit": unit_code, "batch": batch, "cases": len(picked), "codes": [codes[0], codes[-1]]},
            at=now,
        )
        uow.commit()
        return BatchResult(unit_code, batch, len(picked), codes[0], codes[-1])
