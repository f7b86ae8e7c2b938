"""Bundle import and export (评议数据包导入、导出): one campaign between files and the database.

:func:`import_bundle` validates a bundle with the scorer's own :func:`scoring.load_bundle`
first, so a bad bundle is refused with exactly the scorer's defects (file, line, column;
all of them), and only then writes: every row of the campaign, inside the caller's unit
of work, so that a failure anywhere leaves the database as it was. Rows go in with
``executemany`` batches of plain tuples into statements compiled from Core ``insert()``
(no ORM objects, no per-row type processing), and primary keys are reserved up front so
that answers can be linked to their responses and cases with array arithmetic.

:func:`export_bundle` writes the campaign back as a bundle that scores to the same
``results.csv`` and ``fieldwork.csv`` as the imported one. It carries no personal data:
respondents and cases appear only as their opaque codes.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Select, Table, Text, bindparam, cast, insert, select, text, update
from sqlalchemy.engine import Dialect

from db import audit
from db.models import (
    Adjustment,
    Caller,
    Campaign,
    CampaignSeries,
    CampaignUnit,
    District,
    HistoryEntry,
    Indicator,
    IndicatorValue,
    Item,
    PhoneAnswer,
    PhoneCase,
    RespondentGroup,
    Scale,
    ScaleOption,
    SurveyAnswer,
    SurveyResponse,
    Unit,
    UnitResult,
)
from db.uow import UnitOfWork
from scoring import METHOD_VERSION, BundleError, Defect, load_bundle
from scoring.bundle import ITEM_SET_COLUMNS, ITEM_SET_SEPARATOR, SAT3, parse_iso_date, split_item_set
from scoring.csvfile import CsvTable, bool_mask, decode_bundle_bytes, read_bundle_file, read_csv
from scoring.platform import PlatformSettings, join_platform, split_platform

# Rows per executemany call: large enough to amortise the call, small enough that the
# tuples of one batch stay a few megabytes.
BATCH_ROWS = 100_000
# PostgreSQL: rows per multi-row INSERT, within its limit of 65535 parameters a statement.
PG_ROWS_PER_STATEMENT = 500
PG_MAX_PARAMETERS = 65_535
# SQLite: page cache of the importing connection (KiB). The default 2 MiB makes the
# indexes of a million responses thrash; 256 MiB imports a city about a quarter faster.
SQLITE_IMPORT_CACHE_KIB = 256 * 1024
# Codes per "code IN (...)" lookup of existing units and callers.
LOOKUP_CHUNK = 500
# Columns of survey_responses.csv kept in their own columns; every other column
# (raking variables such as age_band, sex) goes into ``attributes``.
RESPONSE_COLUMNS = ("response_id", "unit_id", "group", "channel", "submitted_at", "status")
# Labels of the usual respondent groups (评议主体).
GROUP_LABELS = {
    "citizen": ("群众", "citizens"),
    "service_recipient": ("服务对象", "service recipients"),
    "deputy": ("人大代表/政协委员", "deputies"),
}
# Options of the built-in sat3 scale are stored with negative positions: they come from
# bundle.md, not from a scales.csv, and are not written to one on export.


class CampaignExists(Exception):
    """A campaign with the bundle's ``[campaign] id`` is already in the database."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(
            f'campaign "{code}" is already in the database; nothing was imported '
            "(give the bundle another [campaign] id to import it as a new campaign)"
        )


class UnknownCampaign(LookupError):
    """No campaign has this code."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f'there is no campaign "{code}" in the database')


# ---------------------------------------------------------------------------- writing rows

# A column of rows to insert: numpy or arrow array, list, or one value for every row.
Column = np.ndarray | pa.Array | pa.ChunkedArray | list[Any] | str | int | float | bool | None


class _Writer:
    """Bulk inserts on one connection (the unit of work's), in its transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        # Statements are compiled with a positional paramstyle so rows can be plain tuples.
        self._dialect: Dialect = conn.dialect
        if not conn.dialect.positional:
            self._dialect = type(conn.dialect)(paramstyle="format")
        self.rows: dict[str, int] = {}
        self._statements: dict[tuple[str, tuple[str, ...], int], str] = {}

    def reserve_ids(self, table: Table, n: int) -> np.ndarray:
        """``n`` new primary keys of ``table``, ascending.

        PostgreSQL hands them out from the table's sequence (safe beside concurrent
        writers); SQLite continues after the largest id, which is safe because the
        transaction holds the write lock from its ``BEGIN IMMEDIATE``.
        """
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        if self.postgres:
            ids = self.conn.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                {"t": table.name, "n": n},
            ).scalars()
            return np.sort(np.fromiter(ids, dtype=np.int64, count=n))
        top = self.conn.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar() or 0
        return np.arange(top + 1, top + 1 + n, dtype=np.int64)

    def insert(self, table: Table, columns: dict[str, Column], n: int) -> None:
        """Insert ``n`` rows given column-wise; unnamed columns take the model's defaults."""
        if n == 0:
            return
        compiled = insert(table).compile(dialect=self._dialect, column_keys=list(columns))
        order = list(compiled.positiontup or [])
        sources = [columns[c] if c in columns else _default(table, c) for c in order]
        for start in range(0, n, BATCH_ROWS):
            stop = min(start + BATCH_ROWS, n)
            batch = list(zip(*(_slice(s, start, stop) for s in sources), strict=False))
            if self.postgres:
                self._insert_multirow(table, order, batch)
            else:
                self.conn.exec_driver_sql(compiled.string, batch)
        self.rows[table.name] = self.rows.get(table.name, 0) + n

    def _insert_multirow(self, table: Table, order: list[str], batch: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: many rows per INSERT. Each statement runs the executor and checks
        constraints once per row either way, but a statement per row also pays a round of
        parse-bind-execute; with a few hundred rows per statement the import keeps pace
        with COPY."""
        per = max(1, min(PG_ROWS_PER_STATEMENT, PG_MAX_PARAMETERS // len(order)))
        full = len(batch) - len(batch) % per
        if full:
            params = [tuple(itertools.chain.from_iterable(batch[k : k + per])) for k in range(0, full, per)]
            self.conn.exec_driver_sql(self._multirow_sql(table, order, per), params)
        if full < len(batch):
            rest = tuple(itertools.chain.from_iterable(batch[full:]))
            self.conn.exec_driver_sql(self._multirow_sql(table, order, len(batch) - full), [rest])

    def _multirow_sql(self, table: Table, order: list[str], rows: int) -> str:
        """``INSERT ... VALUES (...), (...)`` for ``rows`` rows, compiled from Core's multi-values insert."""
        key = (table.name, tuple(order), rows)
        if key not in self._statements:
            names = [[f"r{k}_{j}" for j in range(len(order))] for k in range(rows)]
            stmt = insert(table).values(
                [{c: bindparam(names[k][j]) for j, c in enumerate(order)} for k in range(rows)]
            )
            compiled = stmt.compile(dialect=self._dialect)
            # rows are flattened row by row: the placeholders must come in that order
            if list(compiled.positiontup or []) != [name for row in names for name in row]:
                raise RuntimeError(f"unexpected parameter order in the multi-row insert into {table.name}")
            self._statements[key] = compiled.string
        return self._statements[key]


def _default(table: Table, name: str) -> Any:
    """The Python-side default of a column the import does not fill (comment, flags...)."""
    default = table.c[name].default
    if default is None:
        raise ValueError(f"{table.name}.{name} has no default and the import gives no value")
    if default.is_callable:
        value = default.arg(None)  # type: ignore[operator, union-attr]
        return json.dumps(value) if isinstance(value, dict | list) else value
    return default.arg  # type: ignore[union-attr]


def _slice(source: Column, start: int, stop: int) -> Iterable[Any]:
    if isinstance(source, np.ndarray):
        return source[start:stop].tolist()
    if isinstance(source, pa.Array | pa.ChunkedArray):
        return source.slice(start, stop - start).to_pylist()
    if isinstance(source, list):
        return source[start:stop]
    return itertools.repeat(source, stop - start)


# ---------------------------------------------------------------------------- reading files


@dataclass
class _Files:
    """The bundle's files as validated: campaign.toml text and parsed CSV tables."""

    toml: str
    tables: dict[str, CsvTable]


def _read_files(root: Path, hashes: dict[str, str]) -> _Files:
    """Read the files again, checking they are the very bytes that were validated."""
    defects: list[Defect] = []
    tables: dict[str, CsvTable] = {}
    toml = ""
    for name, digest in hashes.items():
        raw = read_bundle_file(root / name, name, defects)  # never follows a link swapped in
        if raw is None:
            continue
        if hashlib.sha256(raw).hexdigest() != digest:
            defects.append(Defect(name, None, None, "the file changed while the bundle was being imported"))
            continue
        if name == "campaign.toml":
            toml = decode_bundle_bytes(raw)[0].decode("utf-8")
            continue
        table = read_csv(root / name, name, defects, raw=raw)
        if table is not None:
            tables[name] = table
    if defects:
        raise BundleError(defects)
    return _Files(toml=toml, tables=tables)


# Bundle columns stored in length-limited database columns (VARCHAR(n)): PostgreSQL refuses a
# longer value in the middle of the import, SQLite would keep it; both are refused up front,
# by file, line and column. Columns checked against a vocabulary (status, kind...) and
# references (which equal an id of this list) need no entry.
STORED_WIDTHS: dict[str, dict[str, Any]] = {
    "units.csv": {
        "unit_id": Unit.__table__.c.code,
        "name": CampaignUnit.__table__.c.name,
        "category": CampaignUnit.__table__.c.category,
        "head_name": CampaignUnit.__table__.c.head_name,
        "parent_id": CampaignUnit.__table__.c.parent_code,
        "district": District.__table__.c.name,
        "kind": Unit.__table__.c.kind,
        "department": Unit.__table__.c.department,
    },
    "scales.csv": {
        "scale_id": Scale.__table__.c.code,
        "code": ScaleOption.__table__.c.code,
        "label_zh": ScaleOption.__table__.c.label_zh,
        "label_en": ScaleOption.__table__.c.label_en,
    },
    "items.csv": {"item_id": Item.__table__.c.code},
    "survey_responses.csv": {
        "response_id": SurveyResponse.__table__.c.code,
        "group": RespondentGroup.__table__.c.code,
        "channel": SurveyResponse.__table__.c.channel,
        "submitted_at": SurveyResponse.__table__.c.submitted_at,
    },
    "phone_cases.csv": {"case_id": PhoneCase.__table__.c.code, "caller_id": Caller.__table__.c.code},
    "indicators.csv": {"indicator_id": Indicator.__table__.c.code, "name": Indicator.__table__.c.name},
    "history.csv": {
        "source_campaign": HistoryEntry.__table__.c.source_campaign_code,
        "source_unit": HistoryEntry.__table__.c.source_unit_code,
        "via": HistoryEntry.__table__.c.via,
    },
}
CAMPAIGN_WIDTHS: dict[str, Any] = {
    "id": Campaign.__table__.c.code,
    "name": Campaign.__table__.c.name,
    "series": CampaignSeries.__table__.c.code,
}


def _check_widths(info: Any, tables: dict[str, CsvTable]) -> list[Defect]:
    """A defect for every value longer than the database column that would store it."""
    defects: list[Defect] = []
    for key, column in CAMPAIGN_WIDTHS.items():
        value = getattr(info, key)
        if len(value) > column.type.length:
            defects.append(Defect("campaign.toml", None, f"campaign.{key}", _too_long(value, column)))
    for name, widths in STORED_WIDTHS.items():
        t = tables.get(name)
        if t is None:
            continue
        for field, column in widths.items():
            if not t.has(field):
                continue
            col = t.col(field)
            rows = np.flatnonzero(bool_mask(pc.greater(pc.utf8_length(col), column.type.length)))
            if rows.size:
                values = col.take(pa.array(rows)).to_pylist()
                defects.extend(
                    Defect(name, t.line(int(r)), field, _too_long(v, column))
                    for r, v in zip(rows.tolist(), values, strict=True)
                )
    return defects


def _check_platform_widths(bundle: Any) -> list[Defect]:
    """Band names and respondent groups of campaign.toml longer than the database keeps."""
    defects: list[Defect] = []
    grade = UnitResult.__table__.c.grade
    for band in bundle.params.grade_bands:
        if len(band) > grade.type.length:
            defects.append(Defect("campaign.toml", None, f"grades.{band}", _too_long(band, grade)))
    group = RespondentGroup.__table__.c
    for code, labels in bundle.platform.groups.items():
        where = f"platform.groups.{code}"
        if len(code) > group.code.type.length:
            defects.append(Defect("campaign.toml", None, where, _too_long(code, group.code)))
        for lang, column in (("zh", group.label_zh), ("en", group.label_en)):
            if len(labels.get(lang, "")) > column.type.length:
                defects.append(
                    Defect("campaign.toml", None, f"{where}.{lang}", _too_long(labels[lang], column))
                )
    return defects


def _too_long(value: str, column: Any) -> str:
    return (
        f'"{value[:30]}…" is {len(value):,} characters long; the platform keeps at most '
        f"{column.type.length} for it"
    )


def _index(values: pa.ChunkedArray, universe: pa.Array | pa.ChunkedArray, what: str) -> np.ndarray:
    """Position of every value in ``universe`` (validation guarantees each is there)."""
    if isinstance(universe, pa.ChunkedArray):
        universe = universe.combine_chunks()
    found = pc.index_in(values, value_set=universe)
    if found.null_count:
        raise ValueError(f"{what}: a value is missing from its table although the bundle was valid")
    if isinstance(found, pa.ChunkedArray):
        parts = [np.asarray(c.to_numpy(zero_copy_only=False), dtype=np.int64) for c in found.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)


def _floats(table: CsvTable, column: str, default: float | None = None) -> list[float | None]:
    """A numeric column as floats (None where empty), converted as the scorer converts it."""
    if not table.has(column):
        return [default] * table.n_rows
    col = table.col(column)
    try:
        as_null = pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)
        values = pc.cast(as_null, pa.float64()).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # The scorer reads what arrow refuses (" 1", "1_000") with float(): so do we.
        values = [float(v) if v != "" else None for v in col.to_pylist()]
    return [default if v is None else v for v in values]


def _texts(table: CsvTable, column: str, default: str = "") -> list[str]:
    return table.col(column).to_pylist() if table.has(column) else [default] * table.n_rows


def _json_objects(table: CsvTable, keys: Sequence[str]) -> pa.Array | str:
    """``{"key": "value", ...}`` per row, built column-wise: each distinct value of a
    column is JSON-encoded once and the pieces are joined by arrow."""
    if not keys:
        return "{}"
    pieces: list[Any] = []
    for k, key in enumerate(keys):
        encoded = pc.dictionary_encode(table.col(key).combine_chunks())
        distinct = pa.array(
            [json.dumps(v, ensure_ascii=False) for v in encoded.dictionary.to_pylist()], pa.string()
        )
        pieces.append(("{" if k == 0 else ", ") + json.dumps(key, ensure_ascii=False) + ": ")
        pieces.append(distinct.take(encoded.indices))
    pieces.append("}")
    return pc.binary_join_element_wise(*pieces, "")


# ---------------------------------------------------------------------------- import


def import_bundle(uow: UnitOfWork, path: str | Path, *, counts: dict[str, int] | None = None) -> Campaign:
    """Import the bundle folder ``path`` as a new campaign (导入评议数据包).

    Call inside ``with uow:``; nothing is committed here: the caller commits, and if
    anything fails the unit of work rolls the whole import back.

    Raises
    ------
    scoring.BundleError
        The bundle has defects (the scorer's, all of them), or values longer than the
        database columns that would keep them (:data:`STORED_WIDTHS`); nothing is written.
    CampaignExists
        The database already holds a campaign with the bundle's ``[campaign] id``.

    ``counts``, when given, receives the number of rows inserted per table.
    """
    root = Path(path)
    bundle = load_bundle(root)  # validation first: exactly the scorer's defects
    files = _read_files(root, bundle.file_sha256)
    info = bundle.info
    too_long = _check_widths(info, files.tables) + _check_platform_widths(bundle)
    if too_long:
        raise BundleError(too_long)
    session = uow.session
    if session.scalar(select(Campaign.id).where(Campaign.code == info.id)) is not None:
        raise CampaignExists(info.id)

    series_code = info.series or info.id
    series = session.scalar(select(CampaignSeries).where(CampaignSeries.code == series_code))
    new_series = series is None
    if series is None:
        series = CampaignSeries(code=series_code, name=info.series)
        session.add(series)
        session.flush()
    platform = bundle.platform
    campaign = Campaign(
        code=info.id,
        series_id=series.id,
        year=info.year,
        name=info.name,
        method_version=METHOD_VERSION,
        # the method tables only: [platform] lives in the campaign's own columns, so that a
        # designer edit is what the next export writes
        method_toml=split_platform(files.toml)[0],
        fieldwork_opens_on=platform.fieldwork_opens,
        fieldwork_closes_on=platform.fieldwork_closes,
        public_bulletin=platform.public_bulletin,
        notice_days=platform.notice_days,
        design=platform.campaign_design(),
    )
    session.add(campaign)
    session.flush()

    w = _Writer(session.connection())
    with _sqlite_cache(w):
        _import_rows(w, campaign.id, files.tables, platform)
    rows = {"campaign_series": int(new_series), "campaign": 1, **w.rows}
    # 留痕: who imported which files (their hashes) and what that made
    audit.record(
        uow, "campaign.import", "campaign", info.id, None, {"input_sha256": bundle.file_sha256, "rows": rows}
    )
    if counts is not None:
        counts.update(rows)
    return campaign


@contextlib.contextmanager
def _sqlite_cache(w: _Writer) -> Iterator[None]:
    """A large page cache for the import's connection (SQLite), restored afterwards."""
    if w.postgres:
        yield
        return
    before = w.conn.exec_driver_sql("PRAGMA cache_size").scalar()
    w.conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        w.conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def _import_rows(w: _Writer, cid: int, t: dict[str, CsvTable], platform: PlatformSettings) -> None:
    """Every row of the bundle but the campaign itself, in dependency order."""
    unit_ids, unit_codes = _import_units(w, cid, t["units.csv"])
    scale_ids = _import_scales(w, cid, t.get("scales.csv"))
    items = _import_items(w, cid, t["items.csv"], scale_ids)
    groups = _import_groups(w, cid, platform, t.get("survey_responses.csv"))
    if "survey_responses.csv" in t:
        responses = t["survey_responses.csv"]
        response_ids = _import_responses(w, cid, responses, unit_ids, unit_codes, groups)
        if "survey_answers.csv" in t:
            _import_answers(
                w,
                SurveyAnswer.__table__,
                "response_id",
                t["survey_answers.csv"],
                responses.col("response_id"),
                response_ids,
                items["survey"],
            )
    if "phone_cases.csv" in t:
        cases = t["phone_cases.csv"]
        case_ids = _import_cases(w, cid, cases, unit_ids, unit_codes)
        if "phone_answers.csv" in t:
            _import_answers(
                w,
                PhoneAnswer.__table__,
                "case_id",
                t["phone_answers.csv"],
                cases.col("case_id"),
                case_ids,
                items["phone"],
            )
    if "indicators.csv" in t:
        _import_indicators(w, cid, t["indicators.csv"], t.get("indicator_values.csv"), unit_ids, unit_codes)
    if "adjustments.csv" in t:
        _import_adjustments(w, cid, t["adjustments.csv"], unit_ids, unit_codes)
    if "history.csv" in t:
        _import_history(w, cid, t["history.csv"], unit_ids, unit_codes)


def _import_units(w: _Writer, cid: int, t: CsvTable) -> tuple[np.ndarray, pa.Array]:
    """Units are shared across campaigns: reuse one with the same code, create the rest.
    Returns the unit ids in units.csv order and the codes they are looked up by."""
    codes: list[str] = t.col("unit_id").to_pylist()
    names, categories = _texts(t, "name"), _texts(t, "category")
    heads, parents = _texts(t, "head_name"), _texts(t, "parent_id")
    kinds, departments = _texts(t, "kind"), _texts(t, "department")
    head_since = [parse_iso_date(d) if d else None for d in _texts(t, "head_since")]
    district_ids = _districts(w, _texts(t, "district"))
    table = Unit.__table__
    existing: dict[str, int] = {}
    for k in range(0, len(codes), LOOKUP_CHUNK):
        chunk = codes[k : k + LOOKUP_CHUNK]
        found = w.conn.execute(select(table.c.code, table.c.id).where(table.c.code.in_(chunk)))
        existing.update(found.all())
    new = [r for r, c in enumerate(codes) if c not in existing]
    new_ids = w.reserve_ids(table, len(new))
    w.insert(
        table,
        {
            "id": new_ids,
            "code": [codes[r] for r in new],
            "name": [names[r] for r in new],
            "category": [categories[r] for r in new],
            "head_name": [heads[r] for r in new],
            "active": True,
            "kind": [kinds[r] for r in new],
            "department": [departments[r] for r in new],
            "district_id": [district_ids[r] for r in new],
            "head_since": [head_since[r] for r in new],
        },
        len(new),
    )
    _fill_register_gaps(w, existing, codes, kinds, departments, district_ids)
    ids = dict(existing)
    ids.update(zip([codes[r] for r in new], new_ids.tolist(), strict=True))
    # A new unit's parent may come later in the file: link parents once all rows exist.
    links = [{"uid": ids[codes[r]], "pid": ids[parents[r]]} for r in new if parents[r]]
    if links:
        w.conn.execute(
            update(table).where(table.c.id == bindparam("uid")).values(parent_id=bindparam("pid")),
            links,
        )
    unit_ids = np.array([ids[c] for c in codes], dtype=np.int64)
    w.insert(
        CampaignUnit.__table__,
        {
            "campaign_id": cid,
            "unit_id": unit_ids,
            "position": np.arange(len(codes), dtype=np.int64),
            "name": names,
            "category": categories,
            "head_name": heads,
            "parent_code": parents,
            "head_since": head_since,
        },
        len(codes),
    )
    return unit_ids, t.col("unit_id").combine_chunks()


def _districts(w: _Writer, names: list[str]) -> list[int | None]:
    """The district (区) of every row by name: an existing District row or a new one."""
    table = District.__table__
    wanted = sorted({n for n in names if n})
    ids: dict[str, int] = {}
    if wanted:
        ids.update(w.conn.execute(select(table.c.name, table.c.id).where(table.c.name.in_(wanted))).all())
    new = [n for n in wanted if n not in ids]
    new_ids = w.reserve_ids(table, len(new))
    w.insert(table, {"id": new_ids, "name": new}, len(new))
    ids.update(zip(new, new_ids.tolist(), strict=True))
    return [ids[n] if n else None for n in names]


def _fill_register_gaps(
    w: _Writer,
    existing: dict[str, int],
    codes: list[str],
    kinds: list[str],
    departments: list[str],
    district_ids: list[int | None],
) -> None:
    """A unit already in the register (评议对象名录) keeps what the register says: the bundle
    only fills a kind, department or district the register leaves empty, so importing an
    old campaign never overwrites a correction made since."""
    table = Unit.__table__
    rows = [
        r for r, c in enumerate(codes) if c in existing and (kinds[r] or departments[r] or district_ids[r])
    ]
    for r in rows:
        uid = existing[codes[r]]
        for column, value in (("kind", kinds[r]), ("department", departments[r])):
            if value:
                w.conn.execute(
                    update(table).where(table.c.id == uid, table.c[column] == "").values({column: value})
                )
        if district_ids[r] is not None:
            w.conn.execute(
                update(table)
                .where(table.c.id == uid, table.c.district_id.is_(None))
                .values(district_id=district_ids[r])
            )


def _import_scales(w: _Writer, cid: int, t: CsvTable | None) -> dict[str, int]:
    """Scales of scales.csv in first-appearance order, plus the built-in sat3 unless the
    file defines it. Options keep their file position; built-in ones get negative ones."""
    options: list[tuple[str, str, str, str, float | None, int]] = []
    if t is not None:
        scores = _floats(t, "score")
        rows = zip(
            t.col("scale_id").to_pylist(),
            t.col("code").to_pylist(),
            t.col("label_zh").to_pylist(),
            _texts(t, "label_en"),
            scores,
            strict=True,
        )
        options = [(s, c, zh, en, x, r) for r, (s, c, zh, en, x) in enumerate(rows)]
    builtin_sat3 = not any(o[0] == "sat3" for o in options)
    if builtin_sat3:
        options += [
            ("sat3", code, label, "", score, k) for k, (code, (label, score)) in enumerate(SAT3.items())
        ]
    codes = list(dict.fromkeys(o[0] for o in options))
    ids = w.reserve_ids(Scale.__table__, len(codes))
    builtin = [builtin_sat3 and code == "sat3" for code in codes]
    w.insert(Scale.__table__, {"id": ids, "campaign_id": cid, "code": codes, "builtin": builtin}, len(codes))
    scale_ids = dict(zip(codes, ids.tolist(), strict=True))
    w.insert(
        ScaleOption.__table__,
        {
            "scale_id": [scale_ids[o[0]] for o in options],
            "code": [o[1] for o in options],
            "label_zh": [o[2] for o in options],
            "label_en": [o[3] for o in options],
            "score": [o[4] for o in options],
            "position": [o[5] for o in options],
        },
        len(options),
    )
    return scale_ids


@dataclass
class _Items:
    codes: pa.Array  # item ids of one instrument, in file order
    ids: np.ndarray  # their database ids


def _import_items(w: _Writer, cid: int, t: CsvTable, scale_ids: dict[str, int]) -> dict[str, _Items]:
    instruments = t.col("instrument").to_pylist()
    codes = t.col("item_id").to_pylist()
    ids = w.reserve_ids(Item.__table__, t.n_rows)
    w.insert(
        Item.__table__,
        {
            "id": ids,
            "campaign_id": cid,
            "instrument": instruments,
            "code": codes,
            "scale_id": [scale_ids[s] for s in t.col("scale_id").to_pylist()],
            "text_zh": t.col("text_zh").to_pylist(),
            "text_en": _texts(t, "text_en"),
            "weight": _floats(t, "weight", default=1.0),
            "position": np.arange(t.n_rows, dtype=np.int64),
            # item sets (题组): JSON lists, empty = every category / group
            **{
                column: [json.dumps(split_item_set(c), ensure_ascii=False) for c in _texts(t, column)]
                for column in ITEM_SET_COLUMNS
            },
        },
        t.n_rows,
    )
    out = {}
    for instrument in ("survey", "phone"):
        rows = [r for r, i in enumerate(instruments) if i == instrument]
        out[instrument] = _Items(
            codes=pa.array([codes[r] for r in rows], pa.string()), ids=ids[np.array(rows, dtype=np.int64)]
        )
    return out


def _import_groups(
    w: _Writer, cid: int, platform: PlatformSettings, responses: CsvTable | None
) -> dict[str, int]:
    """Respondent groups (评议主体): those of ``[platform.groups]`` first, with their labels,
    then every other group the responses name, labelled by :data:`GROUP_LABELS`."""
    codes = list(platform.groups)
    if responses is not None:
        codes += [g for g in _distinct(responses.col("group"))[0] if g not in platform.groups]
    ids = w.reserve_ids(RespondentGroup.__table__, len(codes))

    def label(code: str, k: int) -> str:
        given = platform.groups.get(code, {})
        lang = ("zh", "en")[k]
        return given[lang] if lang in given else GROUP_LABELS.get(code, ("", ""))[k]

    w.insert(
        RespondentGroup.__table__,
        {
            "id": ids,
            "campaign_id": cid,
            "code": codes,
            "label_zh": [label(g, 0) for g in codes],
            "label_en": [label(g, 1) for g in codes],
        },
        len(codes),
    )
    return dict(zip(codes, ids.tolist(), strict=True))


def _import_responses(
    w: _Writer, cid: int, t: CsvTable, unit_ids: np.ndarray, unit_codes: pa.Array, groups: dict[str, int]
) -> np.ndarray:
    names, group_index = _distinct(t.col("group"))
    group_ids = np.array([groups[g] for g in names], dtype=np.int64)
    status: Column = "valid"
    if t.has("status"):
        # bundle.md: an empty status means valid; the database spells it out.
        status = pc.if_else(pc.equal(t.col("status"), ""), "valid", t.col("status"))
    extra = [c for c in t.columns if c not in RESPONSE_COLUMNS]
    ids = w.reserve_ids(SurveyResponse.__table__, t.n_rows)
    w.insert(
        SurveyResponse.__table__,
        {
            "id": ids,
            "campaign_id": cid,
            "code": t.col("response_id"),
            "unit_id": unit_ids[_index(t.col("unit_id"), unit_codes, "survey_responses.csv unit_id")],
            "group_id": group_ids[group_index],
            "channel": t.col("channel") if t.has("channel") else "",
            "submitted_at": t.col("submitted_at") if t.has("submitted_at") else "",
            "status": status,
            "attributes": _json_objects(t, extra),
        },
        t.n_rows,
    )
    return ids


def _distinct(col: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """Distinct values in order of first appearance and every row's index into them."""
    encoded = pc.dictionary_encode(col.combine_chunks())
    return encoded.dictionary.to_pylist(), np.asarray(
        encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64
    )


def _import_answers(
    w: _Writer,
    table: Table,
    owner_column: str,
    t: CsvTable,
    owner_codes: pa.ChunkedArray,
    owner_ids: np.ndarray,
    items: _Items,
) -> None:
    owner = owner_ids[_index(t.col(owner_column), owner_codes, f"{t.name} {owner_column}")]
    item = items.ids[_index(t.col("item_id"), items.codes, f"{t.name} item_id")]
    w.insert(
        table,
        {owner_column: owner, "item_id": item, "option_code": t.col("code")},
        t.n_rows,
    )


def _import_cases(
    w: _Writer, cid: int, t: CsvTable, unit_ids: np.ndarray, unit_codes: pa.Array
) -> np.ndarray:
    callers: Column = None
    if t.has("caller_id"):
        names, index = _distinct(t.col("caller_id"))
        caller_ids = _callers(w, names)
        callers = [caller_ids[names[k]] for k in index.tolist()]
    attempts = [0 if a is None else int(a) for a in _floats(t, "attempts")]
    ids = w.reserve_ids(PhoneCase.__table__, t.n_rows)
    w.insert(
        PhoneCase.__table__,
        {
            "id": ids,
            "campaign_id": cid,
            "code": t.col("case_id"),
            "unit_id": unit_ids[_index(t.col("unit_id"), unit_codes, "phone_cases.csv unit_id")],
            "caller_id": callers,
            "disposition": t.col("disposition"),
            "attempts": attempts,
        },
        t.n_rows,
    )
    return ids


def _callers(w: _Writer, codes: list[str]) -> dict[str, int | None]:
    """Callers (第三方调查员) are shared across campaigns: reuse by code, create the rest."""
    table = Caller.__table__
    wanted = [c for c in codes if c]
    ids: dict[str, int | None] = {"": None}
    for k in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[k : k + LOOKUP_CHUNK]
        found = w.conn.execute(select(table.c.code, table.c.id).where(table.c.code.in_(chunk)))
        ids.update(found.all())
    new = [c for c in wanted if c not in ids]
    new_ids = w.reserve_ids(table, len(new))
    w.insert(table, {"id": new_ids, "code": new}, len(new))
    ids.update(zip(new, new_ids.tolist(), strict=True))
    return ids


def _import_indicators(
    w: _Writer,
    cid: int,
    t: CsvTable,
    values: CsvTable | None,
    unit_ids: np.ndarray,
    unit_codes: pa.Array,
) -> None:
    ids = w.reserve_ids(Indicator.__table__, t.n_rows)
    w.insert(
        Indicator.__table__,
        {
            "id": ids,
            "campaign_id": cid,
            "code": t.col("indicator_id"),
            "name": t.col("name"),
            "direction": t.col("direction"),
            "weight": _floats(t, "weight"),
            "method": [m or "minmax" for m in _texts(t, "method")],
            "floor": _floats(t, "floor"),
            "target": _floats(t, "target"),
            "position": np.arange(t.n_rows, dtype=np.int64),
        },
        t.n_rows,
    )
    if values is None:
        return
    w.insert(
        IndicatorValue.__table__,
        {
            "indicator_id": ids[_index(values.col("indicator_id"), t.col("indicator_id"), "indicator_id")],
            "unit_id": unit_ids[_index(values.col("unit_id"), unit_codes, "indicator_values.csv unit_id")],
            "value": _floats(values, "value"),
        },
        values.n_rows,
    )


def _import_adjustments(
    w: _Writer, cid: int, t: CsvTable, unit_ids: np.ndarray, unit_codes: pa.Array
) -> None:
    w.insert(
        Adjustment.__table__,
        {
            "campaign_id": cid,
            "unit_id": unit_ids[_index(t.col("unit_id"), unit_codes, "adjustments.csv unit_id")],
            "kind": t.col("kind"),
            "points": _floats(t, "points"),
            "reason": _texts(t, "reason"),
            "position": np.arange(t.n_rows, dtype=np.int64),
        },
        t.n_rows,
    )


def _import_history(w: _Writer, cid: int, t: CsvTable, unit_ids: np.ndarray, unit_codes: pa.Array) -> None:
    w.insert(
        HistoryEntry.__table__,
        {
            "campaign_id": cid,
            "unit_id": unit_ids[_index(t.col("unit_id"), unit_codes, "history.csv unit_id")],
            "year": [int(y) for y in t.col("year").to_pylist()],
            "unsatisfactory": [f.lower() == "true" for f in t.col("unsatisfactory").to_pylist()],
            "source_campaign_code": _texts(t, "source_campaign"),
            "source_unit_code": _texts(t, "source_unit"),
            "via": _texts(t, "via"),
        },
        t.n_rows,
    )


# ---------------------------------------------------------------------------- export

# Header of every exported file (bundle.md); survey_responses.csv adds the attribute columns.
EXPORT_COLUMNS = {
    "units.csv": ("unit_id", "name", "category", "parent_id", "head_name"),
    # then the register's columns that some unit fills: OPTIONAL_COLUMNS
    "scales.csv": ("scale_id", "code", "label_zh", "label_en", "score"),
    "items.csv": ("instrument", "item_id", "scale_id", "text_zh", "text_en", "weight"),
    "survey_responses.csv": RESPONSE_COLUMNS,
    "survey_answers.csv": ("response_id", "item_id", "code"),
    "phone_cases.csv": ("case_id", "unit_id", "disposition", "caller_id", "attempts"),
    "phone_answers.csv": ("case_id", "item_id", "code"),
    "indicators.csv": ("indicator_id", "name", "direction", "weight", "method", "floor", "target"),
    "indicator_values.csv": ("unit_id", "indicator_id", "value"),
    "adjustments.csv": ("unit_id", "kind", "points", "reason"),
    "history.csv": ("unit_id", "year", "unsatisfactory"),
}
# Columns written only when some row fills them, so that a campaign that does not use them
# exports exactly the files it always did (and its bundle's hash does not change).
OPTIONAL_COLUMNS = {
    "units.csv": ("district", "kind", "department", "head_since"),
    "items.csv": ITEM_SET_COLUMNS,
    "history.csv": ("source_campaign", "source_unit", "via"),
}


def _with_optional(
    name: str, columns: list[list[str]], optional: list[list[str]]
) -> tuple[list[Any], tuple[str, ...]]:
    """The file's columns and header, with each optional column that has a value in some row."""
    header = list(EXPORT_COLUMNS[name])
    for column, cells in zip(OPTIONAL_COLUMNS[name], optional, strict=True):
        if any(cells):
            header.append(column)
            columns = [*columns, cells]
    return columns, tuple(header)


def platform_settings(uow: UnitOfWork, campaign: Campaign) -> PlatformSettings:
    """The campaign's ``[platform]`` table as the database holds it now (设计器设置).

    Respondent groups are listed when their labels differ from the ones an import would
    give them, or when no response names them (a group set up before fieldwork).
    """
    grp, resp = RespondentGroup.__table__, SurveyResponse.__table__
    answered = select(resp.c.group_id).where(resp.c.campaign_id == campaign.id).distinct()
    rows = uow.session.execute(
        select(grp.c.code, grp.c.label_zh, grp.c.label_en, grp.c.id.in_(answered))
        .where(grp.c.campaign_id == campaign.id)
        .order_by(grp.c.id)
    ).all()
    groups = {
        code: {"zh": zh, "en": en}
        for code, zh, en, has_answers in rows
        if not has_answers or (zh, en) != GROUP_LABELS.get(code, ("", ""))
    }
    return PlatformSettings.from_design(
        campaign.design or {},
        fieldwork_opens=campaign.fieldwork_opens_on,
        fieldwork_closes=campaign.fieldwork_closes_on,
        public_bulletin=bool(campaign.public_bulletin),
        notice_days=campaign.notice_days,
        groups=groups,
    )


def campaign_toml(uow: UnitOfWork, campaign: Campaign) -> str:
    """``campaign.toml`` as exported: the stored method tables, then ``[platform]`` made from
    the campaign's columns (so a designer's edit is what gets exported)."""
    return join_platform(campaign.method_toml, platform_settings(uow, campaign))


def find_campaign(uow: UnitOfWork, campaign_code: str) -> Campaign:
    """The campaign whose code (the bundle's ``[campaign] id``) is ``campaign_code``."""
    campaign = uow.session.scalar(select(Campaign).where(Campaign.code == campaign_code))
    if campaign is None:
        raise UnknownCampaign(campaign_code)
    return campaign


def export_bundle(uow: UnitOfWork, campaign_code: str, out_dir: str | Path) -> dict[str, int]:
    """Write the campaign as a bundle into ``out_dir`` (导出评议数据包); return the rows
    written per file.

    ``out_dir`` must be empty or not exist, so that no file of another bundle can mix in.
    Files are UTF-8 with a header row; optional files are written when they have rows
    (scales.csv when the imported bundle had one). No personal data is written.
    """
    uow.session.flush()  # pending ORM changes of this unit of work belong in the export
    campaign = find_campaign(uow, campaign_code)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; export a bundle into a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    conn = uow.session.connection()
    cid = campaign.id
    written: dict[str, int] = {}

    def write(name: str, columns: Sequence[Sequence[Any] | pa.Array], header: Sequence[str] = ()) -> None:
        header = header or EXPORT_COLUMNS[name]
        written[name] = _write_csv(out / name, header, columns)

    (out / "campaign.toml").write_text(campaign_toml(uow, campaign), encoding="utf-8", newline="")

    # units.csv, in the campaign's order; district, kind and department from the register
    cu, unit, district = CampaignUnit.__table__, Unit.__table__, District.__table__
    rows = conn.execute(
        select(
            cu.c.unit_id,
            unit.c.code,
            cu.c.name,
            cu.c.category,
            cu.c.parent_code,
            cu.c.head_name,
            district.c.name,
            unit.c.kind,
            unit.c.department,
            cu.c.head_since,
        )
        .join(unit, unit.c.id == cu.c.unit_id)
        .outerjoin(district, district.c.id == unit.c.district_id)
        .where(cu.c.campaign_id == cid)
        .order_by(cu.c.position)
    ).all()
    unit_code = {r[0]: r[1] for r in rows}
    district_name, kind, department, head_since = _columns(rows, 10, start=6)
    columns, header = _with_optional(
        "units.csv",
        _columns(rows, 6, start=1),
        [
            [d or "" for d in district_name],
            [k or "" for k in kind],
            [d or "" for d in department],
            [d.isoformat() if d else "" for d in head_since],
        ],
    )
    write("units.csv", columns, header)

    # scales.csv, only options that came from a file
    sc, opt = Scale.__table__, ScaleOption.__table__
    scale_code = dict(conn.execute(select(sc.c.id, sc.c.code).where(sc.c.campaign_id == cid)).all())
    rows = conn.execute(
        select(sc.c.code, opt.c.code, opt.c.label_zh, opt.c.label_en, opt.c.score)
        .join(sc, sc.c.id == opt.c.scale_id)
        .where(sc.c.campaign_id == cid, sc.c.builtin.is_(False))
        .order_by(opt.c.position)
    ).all()
    if rows:
        cols = _columns(rows, 5)
        write("scales.csv", [*cols[:4], [_num(x) for x in cols[4]]])

    it = Item.__table__
    rows = conn.execute(
        select(
            it.c.id,
            it.c.instrument,
            it.c.code,
            it.c.scale_id,
            it.c.text_zh,
            it.c.text_en,
            it.c.weight,
            cast(it.c.unit_categories, Text),
            cast(it.c.respondent_groups, Text),
        )
        .where(it.c.campaign_id == cid)
        .order_by(it.c.position)
    ).all()
    item_code = {r[0]: r[2] for r in rows}
    _, instrument, code, scale, zh, en, weight, categories, groups = _columns(rows, 9)
    columns, header = _with_optional(
        "items.csv",
        [instrument, code, [scale_code[s] for s in scale], zh, en, [_num(x) for x in weight]],
        [[ITEM_SET_SEPARATOR.join(json.loads(c or "[]")) for c in cells] for cells in (categories, groups)],
    )
    write("items.csv", columns, header)

    _export_responses(conn, cid, unit_code, item_code, write)
    _export_cases(conn, cid, unit_code, item_code, write)

    ind, val = Indicator.__table__, IndicatorValue.__table__
    rows = conn.execute(
        select(
            ind.c.id,
            ind.c.code,
            ind.c.name,
            ind.c.direction,
            ind.c.weight,
            ind.c.method,
            ind.c.floor,
            ind.c.target,
        )
        .where(ind.c.campaign_id == cid)
        .order_by(ind.c.position)
    ).all()
    if rows:
        ids, code, name, direction, weight, method, floor, target = _columns(rows, 8)
        indicator_code = dict(zip(ids, code, strict=True))
        write(
            "indicators.csv",
            [
                code,
                name,
                direction,
                [_num(x) for x in weight],
                method,
                [_num(x) for x in floor],
                [_num(x) for x in target],
            ],
        )
        rows = conn.execute(
            select(val.c.unit_id, val.c.indicator_id, val.c.value)
            .where(val.c.indicator_id.in_(select(ind.c.id).where(ind.c.campaign_id == cid)))
            .order_by(val.c.id)
        ).all()
        if rows:
            u, i, v = _columns(rows, 3)
            write(
                "indicator_values.csv",
                [[unit_code[x] for x in u], [indicator_code[x] for x in i], [_num(x) for x in v]],
            )

    adj = Adjustment.__table__
    rows = conn.execute(
        select(adj.c.unit_id, adj.c.kind, adj.c.points, adj.c.reason)
        .where(adj.c.campaign_id == cid)
        .order_by(adj.c.position, adj.c.id)
    ).all()
    if rows:
        u, kind, points, reason = _columns(rows, 4)
        write("adjustments.csv", [[unit_code[x] for x in u], kind, [_num(x) for x in points], reason])

    hist = HistoryEntry.__table__
    rows = conn.execute(
        select(
            hist.c.unit_id,
            hist.c.year,
            hist.c.unsatisfactory,
            hist.c.source_campaign_code,
            hist.c.source_unit_code,
            hist.c.via,
        )
        .where(hist.c.campaign_id == cid)
        .order_by(hist.c.id)
    ).all()
    if rows:
        u, year, flag, *sources = _columns(rows, 6)
        columns, header = _with_optional(
            "history.csv",
            [[unit_code[x] for x in u], [str(y) for y in year], ["true" if f else "false" for f in flag]],
            [[c or "" for c in cells] for cells in sources],
        )
        write("history.csv", columns, header)
    return written


class Writer(Protocol):
    """The export's ``write(name, columns, header=())``: one CSV file of the bundle."""

    def __call__(
        self, name: str, columns: Sequence[Sequence[Any] | pa.Array], header: Sequence[str] = ()
    ) -> None: ...


def _fetch(conn: Connection, stmt: Select[Any]) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``stmt`` in batches of plain driver tuples, for the big tables: building
    SQLAlchemy rows would cost more than reading them."""
    compiled = stmt.compile(dialect=conn.dialect)
    params: Any = compiled.params
    if conn.dialect.positional:
        params = tuple(compiled.params[k] for k in compiled.positiontup or ())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, params)
        while batch := cursor.fetchmany(BATCH_ROWS):
            yield batch
    finally:
        cursor.close()


def _export_responses(
    conn: Connection, cid: int, unit_code: dict[int, str], item_code: dict[int, str], write: Writer
) -> None:
    resp, grp, ans = SurveyResponse.__table__, RespondentGroup.__table__, SurveyAnswer.__table__
    group_code = dict(conn.execute(select(grp.c.id, grp.c.code).where(grp.c.campaign_id == cid)).all())
    ids: list[int] = []
    cols: list[list[Any]] = [[] for _ in range(6)]
    attributes: list[dict[str, Any]] = []
    # Most respondents share one of a few attribute combinations: decode each text once.
    decoded: dict[str, dict[str, Any]] = {}
    query = (
        select(
            resp.c.id,
            resp.c.code,
            resp.c.unit_id,
            resp.c.group_id,
            resp.c.channel,
            resp.c.submitted_at,
            resp.c.status,
            cast(resp.c.attributes, Text),
        )
        .where(resp.c.campaign_id == cid)
        .order_by(resp.c.id)
    )
    for part in _fetch(conn, query):
        i, code, u, g, channel, submitted, status, attrs = _columns(part, 8)
        ids.extend(i)
        cols[0].extend(code)
        cols[1].extend(unit_code[x] for x in u)
        cols[2].extend(group_code[x] for x in g)
        cols[3].extend(channel)
        cols[4].extend(submitted)
        cols[5].extend(status)
        for a in attrs:
            found = decoded.get(a)
            if found is None:
                found = decoded[a] = json.loads(a or "{}")
            attributes.append(found)
    if not ids:
        return
    # Attribute keys become columns, in order of first appearance (as imported).
    keys = [
        k for k in dict.fromkeys(itertools.chain.from_iterable(decoded.values())) if k not in RESPONSE_COLUMNS
    ]
    for key in keys:
        cells = {id(a): _cell(a.get(key)) for a in decoded.values()}
        cols.append([cells[id(a)] for a in attributes])
    write("survey_responses.csv", cols, (*RESPONSE_COLUMNS, *keys))
    codes = pa.array(cols[0], pa.string())
    del cols, attributes
    _export_answers(
        conn,
        ans,
        "response_id",
        select(resp.c.id).where(resp.c.campaign_id == cid),
        np.array(ids, dtype=np.int64),
        codes,
        item_code,
        "survey_answers.csv",
        write,
    )


def _export_cases(
    conn: Connection, cid: int, unit_code: dict[int, str], item_code: dict[int, str], write: Writer
) -> None:
    case, caller, ans = PhoneCase.__table__, Caller.__table__, PhoneAnswer.__table__
    query = (
        select(case.c.id, case.c.code, case.c.unit_id, case.c.disposition, caller.c.code, case.c.attempts)
        .outerjoin(caller, caller.c.id == case.c.caller_id)
        .where(case.c.campaign_id == cid)
        .order_by(case.c.id)
    )
    rows = [r for part in _fetch(conn, query) for r in part]
    if not rows:
        return
    ids, code, u, disposition, caller_code, attempts = _columns(rows, 6)
    # A sampled case never called has no final disposition yet: AAPOR 3.11, "not
    # attempted or worked" (unknown eligibility, class UH), is what it is for the rates.
    disposition = [d or ("3.11" if not a else d) for d, a in zip(disposition, attempts, strict=True)]
    write(
        "phone_cases.csv",
        [
            code,
            [unit_code[x] for x in u],
            disposition,
            [c or "" for c in caller_code],
            [str(a) for a in attempts],
        ],
    )
    _export_answers(
        conn,
        ans,
        "case_id",
        select(case.c.id).where(case.c.campaign_id == cid),
        np.array(ids, dtype=np.int64),
        pa.array(code, pa.string()),
        item_code,
        "phone_answers.csv",
        write,
    )


def _export_answers(
    conn: Connection,
    table: Table,
    owner_column: str,
    owners_query: Select[Any],
    owner_ids: np.ndarray,
    owner_codes: pa.Array,
    item_code: dict[int, str],
    name: str,
    write: Writer,
) -> None:
    """Answers in the order they were imported (by id), owners and items as codes."""
    owner_col = table.c[owner_column]
    query = select(table.c.id, owner_col, table.c.item_id, table.c.option_code).where(
        owner_col.in_(owners_query)
    )
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]] = []
    for part in _fetch(conn, query):
        i, o, it, code = _columns(part, 4)
        parts.append(
            (
                np.array(i, dtype=np.int64),
                np.array(o, dtype=np.int64),
                np.array(it, dtype=np.int64),
                pa.array(code, pa.string()),
            )
        )
    if not parts:
        return
    ids = np.concatenate([p[0] for p in parts])
    order = np.argsort(ids, kind="stable")
    owner = np.concatenate([p[1] for p in parts])[order]
    item = np.concatenate([p[2] for p in parts])[order]
    code = pa.chunked_array([p[3] for p in parts]).combine_chunks().take(pa.array(order))
    del parts, ids
    # owner_ids is ascending (responses and cases are read by id): a binary search finds each.
    owner_text = owner_codes.take(pa.array(np.searchsorted(owner_ids, owner)))
    item_ids = np.array(sorted(item_code), dtype=np.int64)
    item_names = pa.array([item_code[k] for k in item_ids.tolist()], pa.string())
    item_text = item_names.take(pa.array(np.searchsorted(item_ids, item)))
    write(name, [owner_text, item_text, code])


def _columns(rows: Sequence[Any], n: int, start: int = 0) -> list[list[Any]]:
    """Rows as column lists ``start`` to ``n - 1``."""
    return [list(map(operator.itemgetter(k), rows)) for k in range(start, n)]


def _num(x: float | None) -> str:
    """A stored number as text that reads back to the same double; empty for None."""
    if x is None:
        return ""
    shown = repr(float(x))
    return shown[:-2] if shown.endswith(".0") else shown


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


# Cells that need CSV quoting: a quote, a comma or a line break.
_NEEDS_QUOTES = r'[",\r\n]'


def _write_csv(path: Path, header: Sequence[str], columns: Sequence[Sequence[Any] | pa.Array]) -> int:
    """Write a UTF-8 CSV (``\\n`` line ends, minimal quoting); return the number of rows.

    Columns without any cell that needs quoting are joined by arrow, which is what
    makes exporting millions of answers quick; others go through :mod:`csv`.
    """
    arrays = [c if isinstance(c, pa.Array) else pa.array(c, pa.string()) for c in columns]
    n = len(arrays[0]) if arrays else 0
    with open(path, "wb") as fh:
        fh.write(_csv_lines([list(header)]))
        if n == 0:
            return 0
        plain = not any(pc.any(pc.match_substring_regex(a, _NEEDS_QUOTES)).as_py() for a in arrays)
        for start in range(0, n, BATCH_ROWS):
            part = [a.slice(start, BATCH_ROWS) for a in arrays]
            if plain:
                lines = pc.binary_join_element_wise(*part, ",").to_pylist()
                fh.write(("\n".join(lines) + "\n").encode("utf-8"))
            else:
                fh.write(_csv_lines(zip(*(p.to_pylist() for p in part), strict=True)))
    return n


def _csv_lines(rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")
