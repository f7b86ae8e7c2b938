"""Big-data indicators (大数据指标): definitions, imported values, overdue cases, exemptions.

* An indicator (``indicators.csv`` of the bundle) has a direction, a weight, a method
  (``minmax`` or ``target`` with floor and target), the system its values come from and
  a freeze date. Until the freeze date values are imported and edited freely; after it
  (from the next day, Beijing time) every change needs a correction reason and is
  written to the audit trail with its value before and after
  (:func:`correct_indicator_value`).
* Values come as CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, read by the bundle reader of
  :mod:`scoring.csvfile`) or XLSX files exported by other systems (the 12345 hotline,
  online approvals, administrative reconsideration, discipline inspection): columns
  ``unit_id`` (or ``unit_name``), ``indicator_id`` (or ``indicator``) and ``value``.
  A file is taken whole or not at all; every defect names the file, line and column.
* Overdue online approvals (超时办结) are imported case by case into
  :class:`db.models.OverdueCase`; a case is exempted only by a granted fault-tolerance
  application (容错免责, :mod:`services.fault_tolerance`);
  :func:`compute_overtime_indicator` counts each unit's cases not exempted and writes
  them as the values of an indicator such as ``overtime`` (lower is better).

Every change is audited. Permission: :attr:`Permission.configure_campaign` (admins);
nothing changes once the campaign is published (:func:`assert_inputs_editable`).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import delete, func, select

from db import audit
from db.models import Campaign, CampaignStatus, CampaignUnit, Indicator, IndicatorValue, OverdueCase, Unit
from db.uow import UnitOfWork
from scoring.csvfile import read_csv
from scoring.errors import Defect
from services import defects as worded
from services.campaigns import assert_inputs_editable, load_campaign
from services.clock import BEIJING, Clock, as_utc, utcnow
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

# China keeps one time zone without daylight saving: a fixed offset is exact.
DIRECTIONS: Final = ("higher", "lower")
METHODS: Final = ("minmax", "target")
CODE_PATTERN: Final = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
MAX_TEXT: Final = 200
# The common ground for a fault-tolerance exemption (容错免责) of an overdue case (Jixi:
# 40 of 59), valid only under 24 hours late (services.fault_tolerance checks it).
GROUND_UNDER_24H: Final = "客观原因且超时不足24小时"
EXEMPTION_GROUNDS: Final = (GROUND_UNDER_24H,)
OVERDUE_SOURCE: Final = "overdue_cases"
# Column names accepted for the same thing: the bundle's own name first.
INDICATOR_COLUMNS: Final = ("indicator_id", "indicator", "indicator_code")
VALUE_COLUMNS: Final = ("value",)
EQUAL_WITHIN: Final = 1e-12


# What the indicator importers say, beside the wordings they share with the frame importer.
UNIT_AMBIGUOUS: Final = worded.Wording(
    "import.defect.unit_ambiguous", 'unit name "{unit}" is ambiguous here: use unit_id'
)
INDICATOR_MISSING: Final = worded.Wording("import.defect.indicator_missing", "the indicator is missing")
INDICATOR_UNKNOWN: Final = worded.Wording(
    "import.defect.indicator_unknown", 'indicator "{code}" is not defined in campaign {campaign}'
)
NOT_A_NUMBER: Final = worded.Wording("import.defect.not_a_number", '"{value}" is not a finite number')
VALUE_TWICE: Final = worded.Wording(
    "import.defect.value_twice", 'unit "{unit}" already has a value of {indicator} on line {first}'
)
NOT_A_TIME: Final = worded.Wording("import.defect.not_a_time", '"{value}" is not a date and time')
CASE_NUMBER: Final = worded.Wording(
    "import.defect.case_number", "give a case number of 1 to {max} characters"
)
CASE_TWICE: Final = worded.Wording("import.defect.case_twice", 'case "{case}" appears twice (line {first})')
CASE_IN_TIME: Final = worded.Wording(
    "import.defect.case_in_time", 'case "{case}" was completed in time: it is not overdue'
)
CASE_CHANGED: Final = worded.Wording(
    "import.defect.case_changed", 'case "{case}" was imported before with another unit or other times'
)
UNIT_COLUMNS: Final = ("unit_id", "unit_name")


class ImportRejected(Refused):
    """A file was refused as a whole; ``defects`` names every problem (file, line, column),
    each worded for the page (:class:`services.defects.ImportDefect`)."""

    def __init__(self, defects: Sequence[worded.ImportDefect]) -> None:
        self.defects = list(defects)
        shown = "; ".join(str(d) for d in self.defects[:5])
        more = f" (and {len(self.defects) - 5} more)" if len(self.defects) > 5 else ""
        super().__init__(f"nothing was imported: {shown}{more}")


# ---------------------------------------------------------------- reading CSV and XLSX files


@dataclass(frozen=True, slots=True)
class Table:
    """A file's rows as cells keyed by the (stripped) header, each with its file line."""

    name: str
    header: tuple[str, ...]
    rows: list[tuple[int, dict[str, Any]]]


def _is_xlsx(name: str, raw: bytes) -> bool:
    return name.lower().endswith(".xlsx") or (raw[:4] == b"PK\x03\x04" and not name.lower().endswith(".csv"))


def read_table(name: str, raw: bytes, defects: list[worded.ImportDefect]) -> Table | None:
    """Read a CSV or XLSX file; on a defect that makes it unreadable, record it, return None.

    CSV cells are text; XLSX cells keep their types (numbers, datetimes), and a number
    shown as a percentage in Excel (0.98 as 98%) is read as it is shown (98), like the
    text ``98%`` of a CSV file.
    """
    if len(raw) > MAX_FILE_BYTES:
        defects.append(worded.ImportDefect.of(name, None, None, worded.TOO_LARGE, mb=MAX_FILE_BYTES // 2**20))
        return None
    if not raw.strip():
        defects.append(worded.ImportDefect.of(name, None, None, worded.EMPTY))
        return None
    if _is_xlsx(name, raw):
        return _read_xlsx(name, raw, defects)
    # The bundle's CSV reader (encodings, line numbers, crafted files) speaks English only.
    found: list[Defect] = []
    table = read_csv(Path(name), name, found, raw=raw)
    defects.extend(worded.ImportDefect.from_scoring(d) for d in found)
    if table is None:
        return None
    header = tuple(table.columns)
    columns: dict[str, list[Any]] = {}
    for h in header:
        columns[h] = table.col(h).to_pylist()
    rows = [(table.line(r), {h: columns[h][r] for h in header}) for r in range(table.n_rows)]
    return Table(name, header, rows)


def _read_xlsx(name: str, raw: bytes, defects: list[worded.ImportDefect]) -> Table | None:
    from openpyxl import load_workbook  # only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        defects.append(worded.ImportDefect.of(name, None, None, worded.NOT_XLSX))
        return None
    try:
        sheet = book.worksheets[0]
        header: tuple[str, ...] = ()
        rows: list[tuple[int, dict[str, Any]]] = []
        for line, cells in enumerate(sheet.iter_rows(), start=1):
            if line == 1:
                header = tuple("" if c.value is None else str(c.value).strip() for c in cells)
                while header and not header[-1]:
                    header = header[:-1]
                continue
            values: dict[str, Any] = {}
            for h, cell in zip(header, cells, strict=False):
                value = cell.value
                number_format = getattr(cell, "number_format", "") or ""
                if isinstance(value, int | float) and not isinstance(value, bool) and "%" in number_format:
                    value = value * 100
                values[h] = "" if value is None else value
            if any(v != "" for v in values.values()):
                rows.append((line, values))
    finally:
        book.close()
    if not any(header):
        defects.append(worded.ImportDefect.of(name, 1, None, worded.NO_HEADER))
        return None
    if len(set(header)) != len(header):
        twice = next(h for h in header if header.count(h) > 1)
        defects.append(worded.ImportDefect.of(name, 1, twice, worded.COLUMN_TWICE, name=twice))
        return None
    return Table(name, header, rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed into Excel as a number
    return str(value).strip()


def _number(value: Any) -> float | None:
    """A finite number from a cell (``98.5``, ``98.5%``, ``1,234``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = _text(value).replace(",", "")
    if text.endswith("%"):
        text = text[:-1].strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _pick(header: Sequence[str], names: Iterable[str]) -> str | None:
    return next((n for n in names if n in header), None)


# ---------------------------------------------------------------- what the page lists


@dataclass(frozen=True, slots=True)
class CampaignChoice:
    code: str
    name: str
    year: int
    status: CampaignStatus

    @property
    def editable(self) -> bool:
        return self.status not in (CampaignStatus.published, CampaignStatus.final)


@dataclass(frozen=True, slots=True)
class UnitChoice:
    code: str
    name: str
    category: str


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """An indicator as an admin defines it (``indicators.csv`` plus source and freeze date)."""

    code: str
    name: str
    direction: str = "higher"
    weight: float = 1.0
    method: str = "minmax"
    floor: float | None = None
    target: float | None = None
    source_system: str = ""
    freeze_date: date | None = None


@dataclass(frozen=True, slots=True)
class IndicatorInfo:
    spec: IndicatorSpec
    n_values: int
    frozen: bool


@dataclass(frozen=True, slots=True)
class ValueRow:
    unit_code: str
    unit_name: str
    value: float | None
    source_system: str


def campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[CampaignChoice]:
    """Every campaign, the newest year first (those whose inputs can change before the others)."""
    require(user, Permission.configure_campaign)
    with uow:
        rows = uow.session.execute(select(Campaign.code, Campaign.name, Campaign.year, Campaign.status)).all()
    found = [
        CampaignChoice(code, name or code, year, CampaignStatus(status)) for code, name, year, status in rows
    ]
    return sorted(found, key=lambda c: (not c.editable, -c.year, c.code))


def _units(uow: UnitOfWork, campaign: Campaign) -> list[tuple[int, str, str, str]]:
    """(unit id, code, name, category) of the campaign's units in the campaign's order."""
    return [
        (uid, code, name, category)
        for uid, code, name, category in uow.session.execute(
            select(Unit.id, Unit.code, CampaignUnit.name, CampaignUnit.category)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position, Unit.code)
        )
    ]


def campaign_units(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[UnitChoice]:
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        return [UnitChoice(code, name, category) for _, code, name, category in _units(uow, campaign)]


def today(clock: Clock = utcnow) -> date:
    """The date in Beijing, where freeze dates are set."""
    return as_utc(clock()).astimezone(BEIJING).date()


def is_frozen(freeze_date: date | None, clock: Clock = utcnow) -> bool:
    """Values are frozen from the day after the freeze date on."""
    return freeze_date is not None and today(clock) > freeze_date


def _spec(indicator: Indicator) -> IndicatorSpec:
    return IndicatorSpec(
        code=indicator.code,
        name=indicator.name,
        direction=indicator.direction,
        weight=indicator.weight,
        method=indicator.method or "minmax",
        floor=indicator.floor,
        target=indicator.target,
        source_system=indicator.source_system or "",
        freeze_date=indicator.freeze_date,
    )


def _spec_dict(spec: IndicatorSpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": spec.name,
        "direction": spec.direction,
        "weight": spec.weight,
        "method": spec.method,
        "floor": spec.floor,
        "target": spec.target,
        "source_system": spec.source_system,
        "freeze_date": spec.freeze_date,
    }


def list_indicators(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, *, clock: Clock = utcnow
) -> list[IndicatorInfo]:
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        counts = dict(
            uow.session.execute(
                select(IndicatorValue.indicator_id, func.count())
                .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
                .where(Indicator.campaign_id == campaign.id)
                .group_by(IndicatorValue.indicator_id)
            ).all()
        )
        indicators = _indicators(uow, campaign)
        return [
            IndicatorInfo(_spec(i), int(counts.get(i.id, 0)), is_frozen(i.freeze_date, clock))
            for i in indicators
        ]


def _indicators(uow: UnitOfWork, campaign: Campaign) -> list[Indicator]:
    return list(
        uow.session.execute(
            select(Indicator).where(Indicator.campaign_id == campaign.id).order_by(Indicator.position)
        ).scalars()
    )


def _indicator(uow: UnitOfWork, campaign: Campaign, code: str) -> Indicator:
    indicator = uow.session.execute(
        select(Indicator).where(Indicator.campaign_id == campaign.id, Indicator.code == code)
    ).scalar()
    if indicator is None:
        raise NotFound(f"campaign {campaign.code} has no indicator {code!r}")
    return indicator


def check_spec(spec: IndicatorSpec) -> IndicatorSpec:
    """The spec with its text trimmed, or :class:`Refused` naming what is wrong (the rules of
    ``bundle.md`` for ``indicators.csv``)."""
    code, name = spec.code.strip(), spec.name.strip()
    # Codes, names and source systems end up in spreadsheets: none may read as a formula.
    worded.check_label("code", code)
    worded.check_label("name", name)
    worded.check_label("source_system", spec.source_system.strip())
    if not CODE_PATTERN.match(code):
        raise Refused(f"indicator code {code!r} must be 1 to 64 letters, digits, '_', '-' or '.'")
    if not name or len(name) > MAX_TEXT:
        raise Refused(f"indicator {code}: give a name of 1 to {MAX_TEXT} characters")
    if spec.direction not in DIRECTIONS:
        raise Refused(f"indicator {code}: direction must be higher or lower, not {spec.direction!r}")
    if spec.method not in METHODS:
        raise Refused(f"indicator {code}: method must be minmax or target, not {spec.method!r}")
    if not (isinstance(spec.weight, int | float) and math.isfinite(spec.weight) and spec.weight >= 0):
        raise Refused(f"indicator {code}: the weight must be a number >= 0, not {spec.weight!r}")
    for label, bound in (("floor", spec.floor), ("target", spec.target)):
        if bound is not None and not math.isfinite(bound):
            raise Refused(f"indicator {code}: the {label} must be a finite number")
    if spec.method == "target":
        if spec.floor is None or spec.target is None:
            raise Refused(f"indicator {code}: the target method needs both a floor and a target")
        if spec.floor == spec.target:
            raise Refused(f"indicator {code}: floor and target must differ")
        if (spec.direction == "lower") != (spec.floor > spec.target):
            raise Refused(
                f"indicator {code}: for a {spec.direction}-is-better indicator the floor must be "
                f"{'above' if spec.direction == 'lower' else 'below'} the target"
            )
    source = spec.source_system.strip()
    if len(source) > 100:
        raise Refused(f"indicator {code}: the source system's name is longer than 100 characters")
    return IndicatorSpec(
        code=code,
        name=name,
        direction=spec.direction,
        weight=float(spec.weight),
        method=spec.method,
        floor=spec.floor,
        target=spec.target,
        source_system=source,
        freeze_date=spec.freeze_date,
    )


def save_indicator(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, spec: IndicatorSpec
) -> bool:
    """Create the indicator, or change the one with the same code; True when created.

    Changing the definition of an indicator keeps its values (a freeze date protects the
    values, not the definition, which the method itself governs)."""
    actor = require(user, Permission.configure_campaign)
    spec = check_spec(spec)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        indicator = uow.session.execute(
            select(Indicator).where(Indicator.campaign_id == campaign.id, Indicator.code == spec.code)
        ).scalar()
        created = indicator is None
        if indicator is None:
            position = uow.session.execute(
                select(func.coalesce(func.max(Indicator.position), -1)).where(
                    Indicator.campaign_id == campaign.id
                )
            ).scalar_one()
            indicator = Indicator(campaign_id=campaign.id, code=spec.code, position=int(position) + 1)
            uow.session.add(indicator)
            before = None
        else:
            before = _spec_dict(_spec(indicator))
        indicator.name, indicator.direction, indicator.weight = spec.name, spec.direction, spec.weight
        indicator.method, indicator.floor, indicator.target = spec.method, spec.floor, spec.target
        indicator.source_system, indicator.freeze_date = spec.source_system, spec.freeze_date
        after = _spec_dict(spec)
        if before != after:
            audit.record(
                uow,
                "indicator.create" if created else "indicator.update",
                "indicator",
                f"{campaign.code}/{spec.code}",
                before,
                after,
            )
        uow.commit()
        return created


def delete_indicator(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    indicator_code: str,
    reason: str,
    *,
    clock: Clock = utcnow,
) -> int:
    """Remove an indicator and its values, with a reason; returns how many values went.

    An indicator whose values are frozen keeps them: correct the values instead."""
    actor = require(user, Permission.configure_campaign)
    reason = reason.strip()
    if not reason:
        raise Refused("give a reason for removing the indicator")
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        indicator = _indicator(uow, campaign, indicator_code)
        values = list(
            uow.session.execute(
                select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id)
            ).scalars()
        )
        if values and is_frozen(indicator.freeze_date, clock):
            raise Refused(
                f"indicator {indicator.code} is frozen since {indicator.freeze_date}: "
                "its values stay; correct them one by one with a reason"
            )
        before = {**_spec_dict(_spec(indicator)), "n_values": len(values)}
        # Values first, in SQL: the models declare no relationship that would order the deletes.
        uow.session.execute(delete(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id))
        uow.session.delete(indicator)
        audit.record(
            uow,
            "indicator.delete",
            "indicator",
            f"{campaign.code}/{indicator.code}",
            before,
            {"reason": reason},
        )
        uow.commit()
        return len(values)


def indicator_values(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str, indicator_code: str
) -> list[ValueRow]:
    """Every unit of the campaign with its value of the indicator (None: no value)."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        indicator = _indicator(uow, campaign, indicator_code)
        stored = {
            unit_id: (value, source)
            for unit_id, value, source in uow.session.execute(
                select(IndicatorValue.unit_id, IndicatorValue.value, IndicatorValue.source_system).where(
                    IndicatorValue.indicator_id == indicator.id
                )
            )
        }
        return [
            ValueRow(code, name, stored.get(uid, (None, ""))[0], stored.get(uid, (None, ""))[1] or "")
            for uid, code, name, _ in _units(uow, campaign)
        ]


# ---------------------------------------------------------------- changing values


@dataclass(slots=True)
class ImportReport:
    """What an import did: rows read, values added, changed and left as they were; the
    changes made to frozen indicators (each audited as a correction)."""

    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    corrections: int = 0
    indicators: list[str] = field(default_factory=list)


def _apply(
    uow: UnitOfWork,
    campaign: Campaign,
    indicator: Indicator,
    changes: dict[int, float | None],
    unit_codes: dict[int, str],
    source_system: str,
    reason: str,
    report: ImportReport,
    clock: Clock,
    provenance: Mapping[int, str] | None = None,
) -> None:
    """Write ``changes`` (unit id → value, None = remove) for one indicator.

    A change to a frozen indicator needs ``reason`` and becomes its own audit entry.
    ``provenance`` (unit id → how the value was computed, e.g. "computed from 3 visits
    between 2025-03-02 and 2025-03-28") is stored with each written value; a value written
    without it (imported, typed) loses the provenance of the computed value it replaces.
    An unchanged value takes a new provenance given for it (the same figure, recomputed)."""
    frozen = is_frozen(indicator.freeze_date, clock)
    stored = {
        v.unit_id: v
        for v in uow.session.execute(
            select(IndicatorValue).where(
                IndicatorValue.indicator_id == indicator.id, IndicatorValue.unit_id.in_(list(changes))
            )
        ).scalars()
    }
    for unit_id, value in changes.items():
        row = stored.get(unit_id)
        old = None if row is None else row.value
        if (old is None and value is None) or (
            old is not None and value is not None and abs(old - value) <= EQUAL_WITHIN
        ):
            report.unchanged += 1
            if row is not None and provenance is not None and unit_id in provenance:
                row.provenance = provenance[unit_id]
            continue
        if frozen and not reason:
            raise Refused(
                f"indicator {indicator.code} was frozen on {indicator.freeze_date}: changing the value of "
                f"unit {unit_codes[unit_id]} needs a correction reason"
            )
        if row is None:
            uow.session.add(
                IndicatorValue(
                    indicator_id=indicator.id,
                    unit_id=unit_id,
                    value=value,
                    source_system=source_system,
                    provenance=(provenance or {}).get(unit_id, ""),
                )
            )
            report.added += 1
        elif value is None:
            uow.session.delete(row)
            report.changed += 1
        else:
            row.value, row.source_system = value, source_system or row.source_system
            row.provenance = (provenance or {}).get(unit_id, "")
            report.changed += 1
        if frozen:
            report.corrections += 1
            audit.record(
                uow,
                "indicator_value.correct",
                "indicator_value",
                f"{campaign.code}/{indicator.code}/{unit_codes[unit_id]}",
                {"value": old},
                {"value": value, "reason": reason, "freeze_date": indicator.freeze_date},
            )


def set_indicator_value(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    indicator_code: str,
    unit_code: str,
    value: float | None,
    reason: str = "",
    *,
    clock: Clock = utcnow,
) -> bool:
    """Set (or with None remove) one unit's value; True when it changed.

    Before the freeze date a plain edit (audited as ``indicator_value.set``); after it a
    correction that needs ``reason`` (audited as ``indicator_value.correct``)."""
    actor = require(user, Permission.configure_campaign)
    reason = reason.strip()
    if value is not None and not (isinstance(value, int | float) and math.isfinite(value)):
        raise Refused(f"the value must be a finite number, not {value!r}")
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        indicator = _indicator(uow, campaign, indicator_code)
        unit = {code: uid for uid, code, _, _ in _units(uow, campaign)}
        if unit_code not in unit:
            raise NotFound(f"unit {unit_code!r} is not appraised in campaign {campaign.code}")
        old = uow.session.execute(
            select(IndicatorValue.value).where(
                IndicatorValue.indicator_id == indicator.id, IndicatorValue.unit_id == unit[unit_code]
            )
        ).scalar()
        report = ImportReport()
        _apply(
            uow,
            campaign,
            indicator,
            {unit[unit_code]: None if value is None else float(value)},
            {unit[unit_code]: unit_code},
            indicator.source_system or "manual",
            reason,
            report,
            clock,
        )
        if report.unchanged:
            return False
        if not report.corrections:
            after: dict[str, Any] = {"value": value}
            if reason:
                after["reason"] = reason
            audit.record(
                uow,
                "indicator_value.correct" if reason else "indicator_value.set",
                "indicator_value",
                f"{campaign.code}/{indicator.code}/{unit_code}",
                {"value": old},
                after,
            )
        uow.commit()
        return True


def correct_indicator_value(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    indicator_code: str,
    unit_code: str,
    value: float | None,
    reason: str,
    *,
    clock: Clock = utcnow,
) -> bool:
    """An audited correction of one value (before and after, with the reason); the reason
    is required whether or not the indicator is frozen yet."""
    if not reason.strip():
        raise Refused("give a reason for the correction")
    return set_indicator_value(
        uow, user, campaign_code, indicator_code, unit_code, value, reason, clock=clock
    )


def _resolve_units(
    table: Table,
    column: str,
    campaign: str,
    by_code: dict[str, int],
    by_name: dict[str, list[int]],
    defects: list[worded.ImportDefect],
) -> dict[int, int]:
    """Row line → unit id; unknown or ambiguous units become defects."""
    found: dict[int, int] = {}
    for line, cells in table.rows:
        text = _text(cells.get(column))
        if not text:
            defects.append(worded.ImportDefect.of(table.name, line, column, worded.UNIT_MISSING))
        elif column == "unit_name":
            ids = by_name.get(text, [])
            if len(ids) == 1:
                found[line] = ids[0]
            elif not ids:
                defects.append(
                    worded.ImportDefect.of(
                        table.name, line, column, worded.UNIT_UNKNOWN, unit=text, campaign=campaign
                    )
                )
            else:
                defects.append(worded.ImportDefect.of(table.name, line, column, UNIT_AMBIGUOUS, unit=text))
        elif text in by_code:
            found[line] = by_code[text]
        else:
            defects.append(
                worded.ImportDefect.of(
                    table.name, line, column, worded.UNIT_UNKNOWN, unit=text, campaign=campaign
                )
            )
    return found


def _missing_columns(
    file_name: str, header: Sequence[str], required: Sequence[tuple[str, tuple[str, ...]]]
) -> list[worded.ImportDefect]:
    """A defect for each required column (its name, and the headers accepted for it) absent."""
    return [
        worded.ImportDefect.of(
            file_name, 1, name, worded.COLUMN_MISSING, name=name, accepted=", ".join(accepted)
        )
        for name, accepted in required
        if _pick(header, accepted) is None
    ]


def import_indicator_values(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    file_name: str,
    raw: bytes,
    *,
    indicator_code: str | None = None,
    source_system: str = "",
    reason: str = "",
    clock: Clock = utcnow,
) -> ImportReport:
    """Import values from a CSV or XLSX file, all or nothing.

    Columns: ``unit_id`` (or ``unit_name``), ``indicator_id`` (or ``indicator``,
    ``indicator_code``; may be left out when ``indicator_code`` names the one indicator
    of the file) and ``value``. Values of units not in the file stay as they are.
    Raises :class:`ImportRejected` listing every defect, or :class:`Refused` when a
    value of a frozen indicator would change without ``reason``.
    """
    actor = require(user, Permission.configure_campaign)
    reason = reason.strip()
    worded.check_label("source_system", source_system.strip())
    defects: list[worded.ImportDefect] = []
    table = read_table(file_name, raw, defects)
    if table is None:
        raise ImportRejected(defects)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        indicators = {i.code: i for i in _indicators(uow, campaign)}
        if indicator_code is not None and indicator_code not in indicators:
            raise NotFound(f"campaign {campaign.code} has no indicator {indicator_code!r}")
        units = _units(uow, campaign)
        by_code = {code: uid for uid, code, _, _ in units}
        unit_codes = {uid: code for uid, code, _, _ in units}
        by_name: dict[str, list[int]] = {}
        for uid, _, name, _ in units:
            by_name.setdefault(name, []).append(uid)

        unit_column = _pick(table.header, UNIT_COLUMNS)
        indicator_column = _pick(table.header, INDICATOR_COLUMNS)
        value_column = _pick(table.header, VALUE_COLUMNS)
        required = [("unit_id", UNIT_COLUMNS), ("indicator_id", INDICATOR_COLUMNS), ("value", VALUE_COLUMNS)]
        if indicator_code is not None:  # the page names the indicator of a one-indicator file
            required.remove(("indicator_id", INDICATOR_COLUMNS))
        defects.extend(_missing_columns(file_name, table.header, required))
        if defects:
            raise ImportRejected(defects)
        assert unit_column is not None and value_column is not None
        if not table.rows:
            raise ImportRejected([worded.ImportDefect.of(file_name, None, None, worded.NO_ROWS)])

        unit_of = _resolve_units(table, unit_column, campaign.code, by_code, by_name, defects)
        changes: dict[str, dict[int, float | None]] = {}
        first_line: dict[tuple[str, int], int] = {}
        for line, cells in table.rows:
            code = indicator_code
            if indicator_column is not None:
                code = _text(cells.get(indicator_column)) or indicator_code
                if not code:
                    defects.append(
                        worded.ImportDefect.of(file_name, line, indicator_column, INDICATOR_MISSING)
                    )
                elif code not in indicators:
                    defects.append(
                        worded.ImportDefect.of(
                            file_name,
                            line,
                            indicator_column,
                            INDICATOR_UNKNOWN,
                            code=code,
                            campaign=campaign.code,
                        )
                    )
                    code = None
            value = _number(cells.get(value_column))
            if value is None:
                defects.append(
                    worded.ImportDefect.of(
                        file_name, line, value_column, NOT_A_NUMBER, value=_text(cells.get(value_column))
                    )
                )
            if code is None or line not in unit_of or value is None:
                continue
            key = (code, unit_of[line])
            if key in first_line:
                defects.append(
                    worded.ImportDefect.of(
                        file_name,
                        line,
                        unit_column,
                        VALUE_TWICE,
                        unit=unit_codes[unit_of[line]],
                        indicator=code,
                        first=first_line[key],
                    )
                )
                continue
            first_line[key] = line
            changes.setdefault(code, {})[unit_of[line]] = value
        if defects:
            raise ImportRejected(defects)

        report = ImportReport(rows=len(table.rows), indicators=sorted(changes))
        for code, values in changes.items():
            indicator = indicators[code]
            source = source_system.strip() or indicator.source_system or file_name
            _apply(uow, campaign, indicator, values, unit_codes, source, reason, report, clock)
        audit.record(
            uow,
            "indicator_values.import",
            "campaign",
            campaign.code,
            None,
            {
                "file": file_name,
                "rows": report.rows,
                "added": report.added,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "corrections": report.corrections,
                "indicators": report.indicators,
                **({"reason": reason} if reason else {}),
            },
        )
        uow.commit()
        return report


# ---------------------------------------------------------------- overdue cases (超时办结)


@dataclass(frozen=True, slots=True)
class OverdueRow:
    case_number: str
    unit_code: str
    unit_name: str
    promised_at: datetime
    completed_at: datetime
    hours_late: float
    source_system: str
    exempt: bool
    exempt_reason: str
    exempted_by: str | None
    exempted_at: datetime | None


@dataclass(slots=True)
class CaseImportReport:
    rows: int = 0
    added: int = 0
    unchanged: int = 0


DATETIME_FORMATS: Final = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
)


def parse_datetime(value: Any) -> datetime | None:
    """A cell as an aware datetime; a time without a zone is Beijing time (the systems'
    exports are local). None when the cell is not a date and time."""
    if isinstance(value, datetime):
        at = value
    else:
        text = _text(value)
        if not text:
            return None
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            for pattern in DATETIME_FORMATS:
                try:
                    at = datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
            else:
                return None
    return at.replace(tzinfo=BEIJING) if at.tzinfo is None else at


def _same_time(a: datetime, b: datetime) -> bool:
    return as_utc(a) == as_utc(b)


def import_overdue_cases(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    file_name: str,
    raw: bytes,
    *,
    source_system: str = "",
) -> CaseImportReport:
    """Import overdue approvals from a CSV or XLSX file, all or nothing.

    Columns: ``unit_id`` (or ``unit_name``), ``case_number``, ``promised_at``,
    ``completed_at`` (ISO or ``2025-03-01 09:00``; Beijing time unless the text names a
    zone), optional ``source_system``. A case already imported with the same times is
    skipped, so a file can be imported again; with other times it is a defect (a case
    number is unique within the campaign).
    """
    actor = require(user, Permission.configure_campaign)
    worded.check_label("source_system", source_system.strip())
    defects: list[worded.ImportDefect] = []
    table = read_table(file_name, raw, defects)
    if table is None:
        raise ImportRejected(defects)
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        units = _units(uow, campaign)
        by_code = {code: uid for uid, code, _, _ in units}
        by_name: dict[str, list[int]] = {}
        for uid, _, name, _ in units:
            by_name.setdefault(name, []).append(uid)
        unit_column = _pick(table.header, UNIT_COLUMNS)
        defects.extend(
            _missing_columns(
                file_name,
                table.header,
                [
                    ("unit_id", UNIT_COLUMNS),
                    *((c, (c,)) for c in ("case_number", "promised_at", "completed_at")),
                ],
            )
        )
        if defects:
            raise ImportRejected(defects)
        assert unit_column is not None
        if not table.rows:
            raise ImportRejected([worded.ImportDefect.of(file_name, None, None, worded.NO_ROWS)])
        unit_of = _resolve_units(table, unit_column, campaign.code, by_code, by_name, defects)
        stored = {
            c.case_number: c
            for c in uow.session.execute(
                select(OverdueCase).where(OverdueCase.campaign_id == campaign.id)
            ).scalars()
        }
        seen: dict[str, int] = {}
        new: list[OverdueCase] = []
        report = CaseImportReport(rows=len(table.rows))
        for line, cells in table.rows:
            number = _text(cells.get("case_number"))
            times: dict[str, datetime] = {}
            for column in ("promised_at", "completed_at"):
                at = parse_datetime(cells.get(column))
                if at is None:
                    shown = _text(cells.get(column))
                    defects.append(worded.ImportDefect.of(file_name, line, column, NOT_A_TIME, value=shown))
                else:
                    times[column] = at
            if not number or len(number) > 100:
                defects.append(worded.ImportDefect.of(file_name, line, "case_number", CASE_NUMBER, max=100))
                continue
            if number in seen:
                defects.append(
                    worded.ImportDefect.of(
                        file_name, line, "case_number", CASE_TWICE, case=number, first=seen[number]
                    )
                )
                continue
            source = _text(cells.get("source_system"))
            named = worded.ImportDefect.for_label(file_name, line, "source_system", source)
            if named is not None:  # a system's name is a label: a spreadsheet must never run it
                defects.append(named)
                continue
            seen[number] = line
            if len(times) < 2 or line not in unit_of:
                continue
            promised, completed = times["promised_at"], times["completed_at"]
            if as_utc(completed) <= as_utc(promised):
                defects.append(
                    worded.ImportDefect.of(file_name, line, "completed_at", CASE_IN_TIME, case=number)
                )
                continue
            source = source or source_system.strip()
            old = stored.get(number)
            if old is not None:
                if (
                    old.unit_id == unit_of[line]
                    and _same_time(old.promised_at, promised)
                    and _same_time(old.completed_at, completed)
                ):
                    report.unchanged += 1
                else:
                    defects.append(
                        worded.ImportDefect.of(file_name, line, "case_number", CASE_CHANGED, case=number)
                    )
                continue
            new.append(
                OverdueCase(
                    campaign_id=campaign.id,
                    unit_id=unit_of[line],
                    case_number=number,
                    promised_at=as_utc(promised),
                    completed_at=as_utc(completed),
                    source_system=source[:100],
                )
            )
        if defects:
            raise ImportRejected(defects)
        uow.session.add_all(new)
        report.added = len(new)
        audit.record(
            uow,
            "overdue_cases.import",
            "campaign",
            campaign.code,
            None,
            {"file": file_name, "rows": report.rows, "added": report.added, "unchanged": report.unchanged},
        )
        uow.commit()
        return report


def _hours_late(case: OverdueCase) -> float:
    return (as_utc(case.completed_at) - as_utc(case.promised_at)).total_seconds() / 3600


def overdue_cases(uow: UnitOfWork, user: CurrentUser | None, campaign_code: str) -> list[OverdueRow]:
    """The campaign's overdue cases, by unit order and case number."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        rows = uow.session.execute(
            select(OverdueCase, Unit.code, CampaignUnit.name)
            .join(Unit, Unit.id == OverdueCase.unit_id)
            .outerjoin(
                CampaignUnit,
                (CampaignUnit.unit_id == OverdueCase.unit_id) & (CampaignUnit.campaign_id == campaign.id),
            )
            .where(OverdueCase.campaign_id == campaign.id)
            .order_by(CampaignUnit.position, OverdueCase.case_number)
        ).all()
        return [
            OverdueRow(
                case_number=case.case_number,
                unit_code=code,
                unit_name=name or code,
                promised_at=as_utc(case.promised_at),
                completed_at=as_utc(case.completed_at),
                hours_late=_hours_late(case),
                source_system=case.source_system or "",
                exempt=bool(case.exempt),
                exempt_reason=case.exempt_reason or "",
                exempted_by=case.exempted_by,
                exempted_at=None if case.exempted_at is None else as_utc(case.exempted_at),
            )
            for case, code, name in rows
        ]


def compute_overtime_indicator(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    indicator_code: str = "overtime",
    reason: str = "",
    *,
    clock: Clock = utcnow,
) -> ImportReport:
    """Write, for every unit of the campaign, the number of its overdue cases not exempted
    as its value of ``indicator_code`` (a unit without such cases gets 0: it was on time).

    The indicator must exist and be lower-is-better. After its freeze date a change needs
    ``reason`` and each changed value is audited as a correction; the computation itself
    is audited with the counts."""
    actor = require(user, Permission.configure_campaign)
    reason = reason.strip()
    with uow:
        uow.actor = actor.username
        campaign = load_campaign(uow, campaign_code, for_update=True)
        assert_inputs_editable(campaign)
        indicator = _indicator(uow, campaign, indicator_code)
        if indicator.direction != "lower":
            raise Refused(
                f"indicator {indicator.code} is higher-is-better: a count of overdue cases needs a "
                "lower-is-better indicator"
            )
        units = _units(uow, campaign)
        counts = dict(
            uow.session.execute(
                select(OverdueCase.unit_id, func.count())
                .where(OverdueCase.campaign_id == campaign.id, OverdueCase.exempt.is_(False))
                .group_by(OverdueCase.unit_id)
            ).all()
        )
        exempt = uow.session.execute(
            select(func.count()).where(OverdueCase.campaign_id == campaign.id, OverdueCase.exempt.is_(True))
        ).scalar_one()
        values: dict[int, float | None] = {uid: float(counts.get(uid, 0)) for uid, _, _, _ in units}
        report = ImportReport(rows=len(values), indicators=[indicator.code])
        _apply(
            uow,
            campaign,
            indicator,
            values,
            {uid: code for uid, code, _, _ in units},
            OVERDUE_SOURCE,
            reason,
            report,
            clock,
        )
        audit.record(
            uow,
            "indicator.compute_overtime",
            "indicator",
            f"{campaign.code}/{indicator.code}",
            None,
            {
                "units": len(values),
                "counted_cases": int(sum(counts.get(uid, 0) for uid in values)),
                "exempt_cases": int(exempt),
                "added": report.added,
                "changed": report.changed,
                "unchanged": report.unchanged,
                "corrections": report.corrections,
                **({"reason": reason} if reason else {}),
            },
        )
        uow.commit()
        return report
