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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import (
    Connection,
    LargeBinary,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError

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
    "adjustments.csv": {"source": Adjustment.__table__.c.source},
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
            "provenance": _texts(values, "provenance"),
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
            "source": _texts(t, "source"),
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
    # how a computed indicator value came about (明察暗访), which rule proposed an adjustment
    "indicator_values.csv": ("provenance",),
    "adjustments.csv": ("source",),
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


@dataclass
class ExportedRows:
    """What an export wrote, as the rows it fetched: for :mod:`db.score_arrays`, which builds
    the scorer's arrays from the very rows whose files it hashes.

    ``cells`` holds every file's columns (file -> column -> cells as written). The four
    large files also keep, in file order, the references as numbers: ``unit_row`` (the
    row of each response's or case's unit in units.csv), ``owner_row`` (the row of each
    answer's response or case in its file) and ``item`` (each answer's item, as an index
    into ``item_ids``, the database ids of items.csv's rows in file order).
    """

    cells: dict[str, dict[str, Sequence[Any] | pa.Array]]
    item_ids: list[int]
    unit_row: dict[str, np.ndarray]
    owner_row: dict[str, np.ndarray]
    item: dict[str, np.ndarray]


class Sink(Protocol):
    """Where an export puts each file: a name and the file's bytes."""

    def __call__(self, name: str, data: bytes) -> None: ...


def export_bundle(uow: UnitOfWork, campaign_code: str, out_dir: str | Path) -> dict[str, int]:
    """Write the campaign as a bundle into ``out_dir`` (导出评议数据包); return the rows
    written per file.

    ``out_dir`` must be empty or not exist, so that no file of another bundle can mix in.
    Files are UTF-8 with a header row; optional files are written when they have rows
    (scales.csv when the imported bundle had one). No personal data is written.
    """
    uow.session.flush()  # pending ORM changes of this unit of work belong in the export
    find_campaign(uow, campaign_code)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; export a bundle into a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)

    def sink(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)

    written = export_files(uow, campaign_code, sink)
    return written


class Defer(Protocol):
    """How an export makes a CSV file's bytes: call ``produce`` now or later (it builds the
    bytes and hands them to the sink; another thread may run it)."""

    def __call__(self, name: str, produce: Callable[[], None]) -> None: ...


def export_files(
    uow: UnitOfWork,
    campaign_code: str,
    sink: Sink,
    rows: ExportedRows | None = None,
    defer: Defer | None = None,
) -> dict[str, int]:
    """Export the campaign file by file into ``sink`` (``campaign.toml`` first, then the CSV
    files in :data:`EXPORT_COLUMNS` order); return the rows written per CSV file.

    With ``rows`` (an empty :class:`ExportedRows`), also fill it with the rows as fetched.
    The large tables are read as whole columns (:func:`fetch_table`), not row objects.
    With ``defer``, each CSV file's bytes are built and sunk when ``defer`` runs them
    (:mod:`db.score_arrays` runs the large ones on a thread while the scorer works; the
    rows they are built from are never changed after), else at once, in file order.
    """
    uow.session.flush()  # pending ORM changes of this unit of work belong in the export
    campaign = find_campaign(uow, campaign_code)
    conn = uow.session.connection()
    cid = campaign.id
    written: dict[str, int] = {}

    def write(name: str, columns: Sequence[Sequence[Any] | pa.Array], header: Sequence[str] = ()) -> None:
        header = header or EXPORT_COLUMNS[name]
        written[name] = len(columns[0]) if columns else 0
        if rows is not None:
            rows.cells[name] = dict(zip(header, columns, strict=True))

        def produce() -> None:
            sink(name, _csv_bytes(header, columns)[0])

        if defer is None:
            produce()
        else:
            defer(name, produce)

    sink("campaign.toml", campaign_toml(uow, campaign).encode("utf-8"))

    # units.csv, in the campaign's order; district, kind and department from the register
    cu, unit, district = CampaignUnit.__table__, Unit.__table__, District.__table__
    found = conn.execute(
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
        .order_by(cu.c.position, cu.c.id)
    ).all()
    units = _Codes([r[0] for r in found], [r[1] for r in found], "unit")
    district_name, kind, department, head_since = _columns(found, 10, start=6)
    columns, header = _with_optional(
        "units.csv",
        _columns(found, 6, start=1),
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
    found = conn.execute(
        select(sc.c.code, opt.c.code, opt.c.label_zh, opt.c.label_en, opt.c.score)
        .join(sc, sc.c.id == opt.c.scale_id)
        .where(sc.c.campaign_id == cid, sc.c.builtin.is_(False))
        .order_by(opt.c.position, opt.c.id)
    ).all()
    if found:
        cols = _columns(found, 5)
        write("scales.csv", [*cols[:4], [_num(x) for x in cols[4]]])

    it = Item.__table__
    found = conn.execute(
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
        .order_by(it.c.position, it.c.id)  # positions count per instrument: ids break ties
    ).all()
    items = _Codes([r[0] for r in found], [r[2] for r in found], "item")
    if rows is not None:
        rows.item_ids = list(items.ids)
    _, instrument, code, scale, zh, en, weight, categories, groups = _columns(found, 9)
    columns, header = _with_optional(
        "items.csv",
        [instrument, code, [scale_code[s] for s in scale], zh, en, [_num(x) for x in weight]],
        [[ITEM_SET_SEPARATOR.join(json.loads(c or "[]")) for c in cells] for cells in (categories, groups)],
    )
    write("items.csv", columns, header)

    _export_responses(conn, cid, units, items, write, rows)
    _export_cases(conn, cid, units, items, write, rows)

    ind, val = Indicator.__table__, IndicatorValue.__table__
    found = conn.execute(
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
        .order_by(ind.c.position, ind.c.id)
    ).all()
    if found:
        ids, code, name, direction, weight, method, floor, target = _columns(found, 8)
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
        found = conn.execute(
            select(val.c.unit_id, val.c.indicator_id, val.c.value, val.c.provenance)
            .where(val.c.indicator_id.in_(select(ind.c.id).where(ind.c.campaign_id == cid)))
            .order_by(val.c.id)
        ).all()
        if found:
            u, i, v, provenance = _columns(found, 4)
            columns, header = _with_optional(
                "indicator_values.csv",
                [[units.code[x] for x in u], [indicator_code[x] for x in i], [_num(x) for x in v]],
                [[p or "" for p in provenance]],
            )
            write("indicator_values.csv", columns, header)

    adj = Adjustment.__table__
    found = conn.execute(
        select(adj.c.unit_id, adj.c.kind, adj.c.points, adj.c.reason, adj.c.source)
        .where(adj.c.campaign_id == cid)
        .order_by(adj.c.position, adj.c.id)
    ).all()
    if found:
        u, kind, points, reason, source = _columns(found, 5)
        columns, header = _with_optional(
            "adjustments.csv",
            [[units.code[x] for x in u], kind, [_num(x) for x in points], reason],
            [[x or "" for x in source]],
        )
        write("adjustments.csv", columns, header)

    hist = HistoryEntry.__table__
    found = conn.execute(
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
    if found:
        u, year, flag, *sources = _columns(found, 6)
        columns, header = _with_optional(
            "history.csv",
            [[units.code[x] for x in u], [str(y) for y in year], ["true" if f else "false" for f in flag]],
            [[c or "" for c in cells] for cells in sources],
        )
        write("history.csv", columns, header)
    return written


class Writer(Protocol):
    """The export's ``write(name, columns, header=())``: one CSV file of the bundle."""

    def __call__(
        self, name: str, columns: Sequence[Sequence[Any] | pa.Array], header: Sequence[str] = ()
    ) -> None: ...


class _Codes:
    """Database ids and the codes they are written as (units, items, groups): looked up a
    whole column at a time."""

    def __init__(self, ids: Sequence[int], codes: Sequence[str], what: str) -> None:
        self.ids = np.array(ids, dtype=np.int64)
        self.code = dict(zip(ids, codes, strict=True))
        self.codes = strings(codes)
        self.what = what
        self._order = np.argsort(self.ids, kind="stable")

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Position of every id in this list; a :class:`LookupError` for one not in it
        (a row of another campaign: the database is inconsistent, and no bundle can say so)."""
        if self.ids.size == 0:
            if ids.size:
                raise LookupError(f"{self.what} {int(ids[0])} is not one of the campaign's")
            return np.zeros(0, dtype=np.int64)
        sorted_ids = self.ids[self._order]
        at = np.minimum(np.searchsorted(sorted_ids, ids), sorted_ids.size - 1)
        missing = sorted_ids[at] != ids
        if missing.any():
            raise LookupError(f"{self.what} {int(ids[missing][0])} is not one of the campaign's")
        return self._order[at]


# ---------------------------------------------------------------------------- whole columns

# SQLite: rows per group_concat text when all of them would pass its limit of a billion
# bytes a value.
SQLITE_ROWS_PER_TEXT = 1_000_000


def fetch_table(conn: Connection, stmt: Select[Any], types: Sequence[pa.DataType]) -> list[pa.Array]:
    """The rows of ``stmt`` as whole columns (arrow arrays of ``types``: int64 columns
    must hold no NULL; a NULL text reads as an empty text).

    Building a Python tuple per row costs more than the database takes to read it, so
    the rows come as text the database writes and numpy or arrow split in C: one text
    per column (:func:`_aggregated_columns`), or else, when a text holds the separator,
    ``COPY ... TO STDOUT`` (CSV) on PostgreSQL and one ``group_concat`` of ``printf``-ed
    lines on SQLite (in slices of :data:`SQLITE_ROWS_PER_TEXT` rows, by the first column,
    when the text would be too long: it must then be an integer key such as ``id``).
    Either way the read runs on the unit of work's connection, inside its transaction,
    so it sees what the transaction sees.
    """
    columns = _fetch_columns(conn, stmt, types)
    return [_text(c) if pa.types.is_string(t) else c for c, t in zip(columns, types, strict=True)]


def _fetch_columns(conn: Connection, stmt: Select[Any], types: Sequence[pa.DataType]) -> list[pa.Array]:
    names = [f"c{k}" for k in range(len(types))]
    if conn.dialect.name in ("postgresql", "sqlite"):
        by_column = _aggregated_columns(conn, stmt, types)
        if by_column is not None:
            return by_column
    if conn.dialect.name == "postgresql":
        data = _copy_out(conn, stmt)
        return _columns_of(data, names, types, quote='"', null="", rows=None)
    if conn.dialect.name == "sqlite":
        sub = stmt.subquery()
        # printf: one call a row (a third of the cost of quote() and ||); %Q quotes a
        # text as 'it''s' and writes NULL bare, %d writes an integer.
        fmt = ",".join("%d" if pa.types.is_integer(t) else "%Q" for t in types)
        line = func.printf(literal(fmt), *sub.c)
        try:
            return _sqlite_text(conn, select(sub.c[0].label("k"), line.label("line")), names, types)[0]
        except OperationalError as exc:
            if "too big" not in str(exc):
                raise
        # Too long for one value: slices of rows by the key, in its order (a sort).
        parts = []
        key, last = sub.c[0], None
        while True:
            chunk = select(key.label("k"), line.label("line"))
            if last is not None:
                chunk = chunk.where(key > last)
            part, count, last = _sqlite_text(
                conn, chunk.order_by(key).limit(SQLITE_ROWS_PER_TEXT), names, types
            )
            parts.append(part)
            if count < SQLITE_ROWS_PER_TEXT:
                break
        return [pa.concat_arrays([p[k] for p in parts]) for k in range(len(types))]
    found = conn.execute(stmt).all()
    return [pa.array([r[k] for r in found], t) for k, t in enumerate(types)]


# The byte between the cells of one column's text (_aggregated_columns). A text that
# holds it is found by the count (the rows then come the other way, quoted).
_SEPARATOR = 0x0A


def _aggregated_columns(
    conn: Connection, stmt: Select[Any], types: Sequence[pa.DataType]
) -> list[pa.Array] | None:
    """Every column of ``stmt`` as one text (``group_concat`` on SQLite, ``string_agg`` on
    PostgreSQL) split by numpy; None when the other way must read them (a text holds
    the separator, an integer is NULL, or a column's text would pass the database's
    limit of about a gigabyte a value).

    The database writes each value once, with no quoting, and nothing has to be parsed
    but the integers: on SQLite half the cost of a ``printf`` line a row; on PostgreSQL
    one row comes back instead of a ``COPY`` message a row, each of which psycopg hands
    to Python (a second a million). All the aggregates of one ``SELECT`` take the same
    rows in the same order, so the columns stay aligned; the count of separators proves
    that no cell held one (a text that held one adds one more, a NULL skipped by the
    aggregate one fewer). A NULL text reads as empty.
    """
    if any(
        (stmt._order_by_clauses, stmt._group_by_clauses, stmt._distinct, stmt._limit_clause is not None)
    ) or (stmt._offset_clause is not None):
        return None  # rows in an order, or not one a row: the other way reads them as they are
    postgres = conn.dialect.name == "postgresql"
    # A string literal written into the statement: on SQLite a function such as char(10)
    # or a bound parameter as the separator is evaluated per row (1.7 times the time).
    sep = literal_column(f"'{chr(_SEPARATOR)}'")
    texts = []
    for col, t in zip(stmt.selected_columns, types, strict=True):
        value = col if pa.types.is_integer(t) else func.coalesce(col, literal_column("''"))
        if postgres:
            texts.append(func.string_agg(cast(value, Text), sep))
        else:
            texts.append(cast(func.group_concat(value, sep), LargeBinary))
    # The aggregates replace the statement's own columns rather than read it as a
    # subquery: SQLite then walks the rows once instead of through a co-routine (half
    # the time again).
    query = stmt.with_only_columns(func.count(), *texts, maintain_column_froms=True)
    try:
        # PostgreSQL: a failed statement spoils the transaction, so it runs in a savepoint
        with conn.begin_nested() if postgres else contextlib.nullcontext():
            found = conn.execute(query).one()
    except DBAPIError as exc:
        if not _value_too_long(exc):
            raise
        return None
    n = int(found[0])
    if n == 0:
        return [_empty(t) for t in types]
    columns = []
    for data, t in zip(found[1:], types, strict=True):
        raw = data.encode("utf-8") if isinstance(data, str) else (data or b"")
        cells = _split_integers(raw, n, t) if pa.types.is_integer(t) else _split_cells(raw, n)
        if cells is None:
            return None
        columns.append(cells if pa.types.is_integer(t) else cells.cast(t))
    return columns


def _split_integers(data: bytes, n: int, t: pa.DataType) -> pa.Array | None:
    """``n`` integers, one a line, parsed by arrow's CSV reader (on its threads: twice as
    quick as splitting the text first); None unless there are exactly ``n`` of them
    (a NULL the aggregate skipped makes one fewer)."""
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=["v"]),
            parse_options=pacsv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={"v": t}),
        )
    except pa.ArrowInvalid:
        return None
    column = table.column(0)
    if len(column) != n or column.null_count:
        return None
    return column.combine_chunks()


def _value_too_long(exc: DBAPIError) -> bool:
    """Whether the database refused a value for its length: SQLite's "string or blob too
    big", PostgreSQL's program limit (class 54) or out of memory (53200)."""
    state = str(getattr(exc.orig, "sqlstate", "") or "")
    return "too big" in str(exc) or state.startswith("54") or state == "53200"


def _split_cells(data: bytes, n: int) -> pa.Array | None:
    """``n`` texts joined by the separator as an arrow string array (the separators
    dropped, offsets computed by numpy); None unless there are exactly ``n - 1``
    separators. The bytes are checked to be UTF-8, as arrow's CSV reader checks them."""
    buf = np.frombuffer(data, dtype=np.uint8)
    between = buf == _SEPARATOR
    at = np.flatnonzero(between)
    if at.size != n - 1:
        return None
    offsets = np.empty(n + 1, dtype=np.int64)
    offsets[0] = 0
    offsets[1:n] = at - np.arange(n - 1, dtype=np.int64)
    offsets[n] = buf.size - (n - 1)
    cells = buf[~between] if at.size else buf
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(cells))
    arr.validate(full=True)  # UTF-8
    return arr


def _sqlite_text(
    conn: Connection, rows: Select[Any], names: list[str], types: Sequence[pa.DataType]
) -> tuple[list[pa.Array], int, Any]:
    """SQLite: the rows (columns ``k``, the key, and ``line``, the row as text) as one
    text, parsed; the number of rows and the largest key."""
    sub = rows.subquery()
    found = conn.execute(
        select(
            cast(func.group_concat(sub.c.line, literal_column("char(10)")), LargeBinary),
            func.count(),
            func.max(sub.c.k),
        )
    ).one()
    columns = _columns_of(found[0], names, types, quote="'", null="NULL", rows=found[1])
    return columns, found[1], found[2]


def _copy_out(conn: Connection, stmt: Select[Any]) -> bytes:
    """PostgreSQL: the rows of ``stmt`` as CSV text, by ``COPY (...) TO STDOUT``."""
    # COPY takes no parameters: the statement's values (integer ids) are written in.
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            return b"".join(bytes(block) for block in copy)
    finally:
        cursor.close()


def _columns_of(
    data: bytes | None,
    names: list[str],
    types: Sequence[pa.DataType],
    *,
    quote: str,
    null: str,
    rows: int | None,
) -> list[pa.Array]:
    """Parse CSV text the database wrote: quoted strings are text (empty included), an
    unquoted ``null`` is NULL. Line breaks inside values are allowed only when some
    value has one (the count of lines is not the count of ``rows``): they make arrow
    parse on one thread."""
    if not data:
        return [_empty(t) for t in types]
    breaks = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    table = pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
        parse_options=pacsv.ParseOptions(quote_char=quote, newlines_in_values=breaks != rows),
        convert_options=pacsv.ConvertOptions(
            column_types=dict(zip(names, types, strict=True)),
            null_values=[null],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return [table.column(k).combine_chunks() for k in range(len(types))]


def int_array(arr: pa.Array) -> np.ndarray:
    """An integer arrow array without nulls as int64 numpy, straight from its buffer
    (pyarrow's own ``to_numpy`` may import pandas)."""
    if arr.null_count:
        raise ValueError("an id column holds NULL")
    arr = arr.cast(pa.int64())
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr)].copy()


def int64s(values: np.ndarray) -> pa.Array:
    """numpy integers as an arrow int64 array on the same memory.

    Arrays and scalars are built from buffers here, never with ``pa.array`` or
    ``pa.scalar``: those import pandas to check for pandas objects (0.4-0.8 s a process).
    """
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def strings(values: Iterable[str]) -> pa.Array:
    """Texts as an arrow string array (built from buffers, see :func:`int64s`)."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.LargeStringArray.from_buffers(len(encoded), pa.py_buffer(offsets), data).cast(pa.string())


def text_scalar(value: str) -> pa.Scalar:
    """One text as an arrow scalar (see :func:`int64s`)."""
    return strings([value])[0]


def _empty(t: pa.DataType) -> pa.Array:
    return int64s(np.zeros(0, dtype=np.int64)).cast(t) if pa.types.is_integer(t) else strings([]).cast(t)


def _in_id_order(columns: list[pa.Array]) -> tuple[np.ndarray, list[pa.Array]]:
    """Rows sorted by their first column (the id): the order they were written in."""
    ids = int_array(columns[0])
    if ids.size > 1 and not bool(np.all(ids[1:] > ids[:-1])):
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        taken = int64s(order)
        columns = [c.take(taken) for c in columns]
    return ids, columns


def _text(arr: pa.Array) -> pa.Array:
    """A text column with NULL written as an empty cell."""
    return pc.coalesce(arr, text_scalar("")) if arr.null_count else arr


def _export_responses(
    conn: Connection, cid: int, units: _Codes, items: _Codes, write: Writer, rows: ExportedRows | None
) -> None:
    resp, grp, ans = SurveyResponse.__table__, RespondentGroup.__table__, SurveyAnswer.__table__
    found = conn.execute(select(grp.c.id, grp.c.code).where(grp.c.campaign_id == cid)).all()
    groups = _Codes([r[0] for r in found], [r[1] for r in found], "respondent group")
    query = select(
        resp.c.id,
        resp.c.code,
        resp.c.unit_id,
        resp.c.group_id,
        resp.c.channel,
        resp.c.submitted_at,
        resp.c.status,
        cast(resp.c.attributes, Text),
    ).where(resp.c.campaign_id == cid)
    s, i = pa.string(), pa.int64()
    ids, (_, code, u, g, channel, submitted, status, attrs) = _in_id_order(
        fetch_table(conn, query, (i, s, i, i, s, s, s, s))
    )
    if ids.size == 0:
        return
    unit_row = units.rows(int_array(u))
    columns: list[pa.Array] = [
        code,
        units.codes.take(int64s(unit_row)),
        groups.codes.take(int64s(groups.rows(int_array(g)))),
        _text(channel),
        _text(submitted),
        _text(status),
    ]
    # Most respondents share one of a few attribute combinations: decode each text once.
    # The distinct texts come in order of first appearance (arrow's dictionary order).
    encoded = pc.dictionary_encode(_text(attrs))
    decoded = [json.loads(a or "{}") for a in encoded.dictionary.to_pylist()]
    # Attribute keys become columns, in order of first appearance (as imported).
    keys = [k for k in dict.fromkeys(itertools.chain.from_iterable(decoded)) if k not in RESPONSE_COLUMNS]
    for key in keys:
        cells = strings([_cell(a.get(key)) for a in decoded])
        columns.append(cells.take(encoded.indices))
    write("survey_responses.csv", columns, (*RESPONSE_COLUMNS, *keys))
    if rows is not None:
        rows.unit_row["survey_responses.csv"] = unit_row
    _export_answers(
        conn,
        ans,
        "response_id",
        select(resp.c.id).where(resp.c.campaign_id == cid),
        ids,
        code,
        items,
        "survey_answers.csv",
        write,
        rows,
    )


def _export_cases(
    conn: Connection, cid: int, units: _Codes, items: _Codes, write: Writer, rows: ExportedRows | None
) -> None:
    case, caller, ans = PhoneCase.__table__, Caller.__table__, PhoneAnswer.__table__
    query = (
        select(case.c.id, case.c.code, case.c.unit_id, case.c.disposition, caller.c.code, case.c.attempts)
        .outerjoin(caller, caller.c.id == case.c.caller_id)
        .where(case.c.campaign_id == cid)
    )
    s, i = pa.string(), pa.int64()
    ids, (_, code, u, disposition, caller_code, attempts) = _in_id_order(
        fetch_table(conn, query, (i, s, i, s, s, i))
    )
    if ids.size == 0:
        return
    unit_row = units.rows(int_array(u))
    # A sampled case never called has no final disposition yet: AAPOR 3.11, "not
    # attempted or worked" (unknown eligibility, class UH), is what it is for the rates.
    disposition = _text(disposition)
    never_called = pc.and_(pc.equal(disposition, text_scalar("")), pc.equal(attempts, int64s(np.zeros(1))[0]))
    disposition = pc.if_else(never_called, text_scalar("3.11"), disposition)
    write(
        "phone_cases.csv",
        [
            code,
            units.codes.take(int64s(unit_row)),
            disposition,
            _text(caller_code),
            attempts.cast(pa.string()),
        ],
    )
    if rows is not None:
        rows.unit_row["phone_cases.csv"] = unit_row
    _export_answers(
        conn,
        ans,
        "case_id",
        select(case.c.id).where(case.c.campaign_id == cid),
        ids,
        code,
        items,
        "phone_answers.csv",
        write,
        rows,
    )


def _export_answers(
    conn: Connection,
    table: Table,
    owner_column: str,
    owners_query: Select[Any],
    owner_ids: np.ndarray,
    owner_codes: pa.Array,
    items: _Codes,
    name: str,
    write: Writer,
    rows: ExportedRows | None,
) -> None:
    """Answers in the order they were imported (by id), owners and items as codes."""
    owner_col = table.c[owner_column]
    query = select(table.c.id, owner_col, table.c.item_id, table.c.option_code).where(
        owner_col.in_(owners_query)
    )
    s, i = pa.string(), pa.int64()
    ids, (_, owner, item, code) = _in_id_order(fetch_table(conn, query, (i, i, i, s)))
    if ids.size == 0:
        return
    # owner_ids is ascending (responses and cases are read by id): a binary search finds each.
    owner_row = np.searchsorted(owner_ids, int_array(owner))
    item_row = items.rows(int_array(item))
    write(name, [owner_codes.take(int64s(owner_row)), items.codes.take(int64s(item_row)), _text(code)])
    if rows is not None:
        rows.owner_row[name] = owner_row
        rows.item[name] = item_row


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


# Rows joined into one arrow string array at a time (its offsets are 32-bit).
JOIN_ROWS = 1_000_000


def _csv_bytes(header: Sequence[str], columns: Sequence[Sequence[Any] | pa.Array]) -> tuple[bytes, int]:
    """A UTF-8 CSV file (``\\n`` line ends, minimal quoting) and its number of rows.

    Columns without any cell that needs quoting are joined by arrow, line ends included,
    so no Python object is made per row (which is what makes exporting millions of
    answers quick); others go through :mod:`csv`.
    """
    arrays = [c if isinstance(c, pa.Array) else strings(c) for c in columns]
    if any(a.null_count for a in arrays):
        raise ValueError("a column to export holds NULL")  # joined, it would drop its line
    n = len(arrays[0]) if arrays else 0
    parts = [_csv_lines([list(header)])]
    if n:
        plain = not any(_needs_quotes(a) for a in arrays)
        for start in range(0, n, JOIN_ROWS):
            part = [a.slice(start, JOIN_ROWS) for a in arrays]
            if plain:
                line = pc.binary_join_element_wise(*part, text_scalar(","))
                lines = pc.binary_join_element_wise(line, text_scalar("\n"), text_scalar(""))
                parts.append(_string_data(lines))
            else:
                parts.append(_csv_lines(zip(*(p.to_pylist() for p in part), strict=True)))
    return b"".join(parts), n


_QUOTED_BYTES = np.array([ord(c) for c in '",\r\n'], dtype=np.uint8)


def _needs_quotes(arr: pa.Array) -> bool:
    """Whether some cell holds a quote, a comma or a line break: a look at the bytes of
    all cells at once (UTF-8 never uses these bytes inside another character)."""
    if len(arr) == 0 or arr.buffers()[2] is None:
        return False
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return any(bool((data == b).any()) for b in _QUOTED_BYTES)


def _string_data(arr: pa.Array) -> bytes:
    """The bytes of all cells of a string array, one after another."""
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    start, stop = int(offsets[0]), int(offsets[-1])
    return arr.buffers()[2].slice(start, stop - start).to_pybytes() if stop > start else b""


def csv_header(header: Sequence[str]) -> bytes:
    """A CSV file's header row as an export writes it."""
    return _csv_lines([list(header)])


def _csv_lines(rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")
