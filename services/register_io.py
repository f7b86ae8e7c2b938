"""The unit register as a file, in and out (评议对象名录导入导出), for :mod:`services.units`.

:func:`import_register` reads the file (:mod:`services.register_file`), then checks each
row against the register: a code equal to a register's code once folded, a masked liaison
that is not the register's, a new head without the date the new head took post, a change
to a retired unit, a ``retired_on`` that is not the register's. Every defect is listed by
file, line and column (the file's own header), and nothing is written unless there is
none. :func:`export_register` writes the same columns, liaisons masked.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from db import audit
from db.models import Unit
from db.uow import UnitOfWork
from services import defects as worded
from services import register_file as rf
from services.indicators import ImportRejected
from services.permissions import CurrentUser, Permission, require
from services.units import (
    BAD_VALUE,
    EDITABLE,
    RegisterImport,
    RegisterRefused,
    apply_changes,
    changed,
    create_unit,
    day,
    plain,
    refresh_drafts,
    search_units,
    snapshot,
    units_by_code,
)


def export_register(
    uow: UnitOfWork,
    user: CurrentUser | None,
    fmt: Literal["csv", "xlsx"],
    *,
    include_retired: bool = False,
    lang: str = "en",
) -> bytes:
    """The register as CSV (UTF-8 with BOM) or XLSX, with the importer's columns (headers in
    English, or in Chinese for ``lang="zh"``), liaisons masked. Importing the file again
    changes nothing."""
    actor = require(user, Permission.configure_campaign)
    if fmt not in ("csv", "xlsx"):
        raise RegisterRefused(BAD_VALUE, "format", field="format", detail=f"{fmt!r} is not csv or xlsx")
    rows = [r.as_file_row() for r in search_units(uow, user, include_retired=include_retired)]
    with uow:
        uow.actor = actor.username
        audit.record(
            uow,
            "unit_register.export",
            "unit_register",
            fmt,
            None,
            {"units": len(rows), "include_retired": include_retired},
        )
        uow.commit()
    return rf.write_csv(rows, lang) if fmt == "csv" else rf.write_xlsx(rows, lang)


def import_register(uow: UnitOfWork, user: CurrentUser | None, data: bytes, filename: str) -> RegisterImport:
    """Create units by code and update existing ones from a CSV or XLSX file, all or
    nothing (:class:`services.indicators.ImportRejected` lists every defect by file, line
    and column). Columns the file leaves out stay as they are; a masked liaison equal to
    the register's mask keeps the stored value. A file row may not change a retired unit."""
    actor = require(user, Permission.configure_campaign)
    read = rf.read_register(filename, data)
    if not read.records:
        raise ImportRejected(read.defects)
    with uow:
        uow.actor = actor.username
        existing = units_by_code(uow)
        bad_lines = {d.line for d in read.defects}
        plan, defects = _plan(read, existing, bad_lines)
        defects = sorted([*read.defects, *defects], key=lambda d: d.line or 0)
        if defects:
            raise ImportRejected(defects)
        created, updated = [], []
        for record in read.records:
            unit = existing.get(record.code)
            values = plan[record.line]
            try:
                if unit is None:
                    unit = create_unit(uow, code=record.code, **values)
                    audit.record(
                        uow, "unit.create", "unit", unit.code, None, {**snapshot(unit), "file": filename}
                    )
                    created.append(unit.code)
                    continue
                if not values:
                    continue
                before = snapshot(unit)
                apply_changes(uow, unit, values)
            except RegisterRefused as exc:  # a rule the file check does not know: still by line
                defects.append(_defect(read, record.line, exc))
                continue
            old, new = changed(before, snapshot(unit))
            if new:
                drafts = refresh_drafts(uow, unit)
                audit.record(
                    uow,
                    "unit.update",
                    "unit",
                    unit.code,
                    old,
                    {**new, "file": filename, **({"draft_campaigns": drafts} if drafts else {})},
                )
                updated.append(unit.code)
        if defects:
            raise ImportRejected(defects)  # leaving the block without a commit rolls back
        report = RegisterImport(
            rows=len(read.records),
            created=len(created),
            updated=len(updated),
            unchanged=len(read.records) - len(created) - len(updated),
            created_codes=tuple(created),
            updated_codes=tuple(updated),
        )
        audit.record(
            uow,
            "unit_register.import",
            "unit_register",
            filename,
            None,
            {
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            },
        )
        uow.commit()
        return report


def _defect(read: rf.RegisterFile, line: int, exc: RegisterRefused) -> worded.ImportDefect:
    column = _column_of(read, exc.field) if exc.field else None
    return worded.ImportDefect(read.name, line, column, str(exc), exc.key, tuple(exc.params.items()))


def _plan(
    read: rf.RegisterFile, existing: Mapping[str, Unit], skip: Collection[int | None]
) -> tuple[dict[int, dict[str, Any]], list[worded.ImportDefect]]:
    """Per line, the values to set (for a new unit: all of them; for an existing one: the
    changes only), and the defects that need the register to see (lines in ``skip``
    already have defects of their own and are not looked at again)."""
    defects: list[worded.ImportDefect] = []
    folded = {rf.fold(code): code for code in existing}
    plan: dict[int, dict[str, Any]] = {}
    for record in read.records:
        if record.line in skip:
            continue
        unit = existing.get(record.code)
        column = _column_of(read, "code")
        if unit is None:
            alike = folded.get(rf.fold(record.code))
            if alike is not None:
                defects.append(
                    worded.ImportDefect.of(
                        read.name, record.line, column, rf.CODE_ALIKE_REGISTER, code=record.code, other=alike
                    )
                )
                continue
            if record.retired_on is not None:
                defects.append(
                    worded.ImportDefect.of(
                        read.name, record.line, _column_of(read, "retired_on"), rf.RETIRED_MISMATCH, stored=""
                    )
                )
                continue
            plan[record.line] = _new_values(read, record, defects)
            continue
        plan[record.line] = _changes(read, record, unit, defects)
    return plan, defects


def _column_of(read: rf.RegisterFile, field: str) -> str:
    """The file's own header of ``field`` (名称 rather than name), for the defect's place."""
    return read.headers.get(field, field)


def _new_values(
    read: rf.RegisterFile, record: rf.RegisterRecord, defects: list[worded.ImportDefect]
) -> dict[str, Any]:
    values = {f: getattr(record, f) for f in EDITABLE if f in read.fields}
    for f in ("liaison_name", "liaison_phone"):
        if rf.masked(values.get(f, "")):
            defects.append(
                worded.ImportDefect.of(
                    read.name, record.line, _column_of(read, f), rf.MASKED, value=values[f]
                )
            )
    return values


def _changes(
    read: rf.RegisterFile, record: rf.RegisterRecord, unit: Unit, defects: list[worded.ImportDefect]
) -> dict[str, Any]:
    """The fields of ``record`` that differ from ``unit`` (a masked liaison equal to the
    stored one's mask does not differ)."""
    now = snapshot(unit)
    stored_name, stored_phone = plain(unit.liaison_name_enc), plain(unit.liaison_phone_enc)
    values: dict[str, Any] = {}
    for f in EDITABLE:
        if f not in read.fields:
            continue
        value = getattr(record, f)
        if f == "liaison_name":
            if value == stored_name or (rf.masked(value) and value == now[f]):
                continue
            if rf.masked(value):
                defects.append(
                    worded.ImportDefect.of(
                        read.name, record.line, _column_of(read, f), rf.MASKED, value=value
                    )
                )
                continue
        elif f == "liaison_phone":
            if value == stored_phone or (rf.masked(value) and value == now[f]):
                continue
            if rf.masked(value):
                defects.append(
                    worded.ImportDefect.of(
                        read.name, record.line, _column_of(read, f), rf.MASKED, value=value
                    )
                )
                continue
        elif value == now[f]:
            continue
        values[f] = value
    if "retired_on" in read.fields and record.retired_on != unit.retired_on:
        defects.append(
            worded.ImportDefect.of(
                read.name,
                record.line,
                _column_of(read, "retired_on"),
                rf.RETIRED_MISMATCH,
                stored=day(unit.retired_on),
            )
        )
        return {}
    if values and not unit.active:
        defects.append(
            worded.ImportDefect.of(
                read.name,
                record.line,
                _column_of(read, "code"),
                rf.RETIRED,
                code=unit.code,
                on=day(unit.retired_on),
            )
        )
        return {}
    head = values.get("head_name", unit.head_name)
    since = values.get("head_since", unit.head_since)
    if (
        unit.head_name
        and head not in ("", unit.head_name)
        and (since is None or (unit.head_since is not None and since <= unit.head_since))
    ):
        defects.append(
            worded.ImportDefect.of(
                read.name,
                record.line,
                _column_of(read, "head_since"),
                rf.HEAD_SINCE_NEEDED,
                old=unit.head_name,
                new=head,
            )
        )
        return {}
    return values
