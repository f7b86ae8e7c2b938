"""Reading and validating a campaign bundle (``bundle.md``) into :class:`CampaignInputs`.

Every defect found is collected (file, line, column) before anything is scored;
:func:`load_bundle` raises :class:`BundleError` with all of them. Checks are
vectorised with pyarrow and numpy, so a city-scale bundle is validated in about
the time it takes to parse it.

Besides ``bundle.md``'s rules, the reader refuses what a crafted or damaged bundle
could otherwise slip through (issue 10; the file-level ones are in
:mod:`scoring.csvfile`): names, labels, ids and other free text that a spreadsheet
would take for a formula (:data:`TEXT_COLUMNS`, :mod:`scoring.textrules`); ids with
spaces around them (:data:`ID_COLUMNS`); unit ids and indicator ids that differ only
by case, full/half width or surrounding spaces (``U1``, ``u1``, ``Ｕ１`` and `` U1``
are one unit to a person, so they are duplicates); a history year outside
:data:`~scoring.params.YEAR_RANGE`; call attempts that are not a whole number up to
:data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import math
import mmap
import re
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring.csvfile import (
    CsvTable,
    decode_bundle_bytes,
    dictionary_indices,
    edge_bytes,
    encoding_defect,
    first_bytes,
    first_long_line,
    long_line_defect,
    read_bundle_file,
    read_csv,
)
from scoring.errors import BundleError, Defect
from scoring.inputs import AAPOR_CLASSES, Answers, CampaignInputs
from scoring.params import YEAR_RANGE, CampaignInfo, MethodParams, parse_campaign_toml
from scoring.phone import disposition_class
from scoring.platform import PlatformSettings, read_platform
from scoring.textrules import FORMULA_PREFIXES, label_defect

CSV_FILES = (
    "units.csv",
    "scales.csv",
    "items.csv",
    "survey_responses.csv",
    "survey_answers.csv",
    "phone_cases.csv",
    "phone_answers.csv",
    "indicators.csv",
    "indicator_values.csv",
    "adjustments.csv",
    "history.csv",
)
REQUIRED_FILES = ("campaign.toml", "units.csv", "items.csv")
# file -> the file it refers to, which must then be present
DEPENDS_ON = {
    "survey_answers.csv": "survey_responses.csv",
    "phone_answers.csv": "phone_cases.csv",
    "indicator_values.csv": "indicators.csv",
}
REQUIRED_COLUMNS = {
    "units.csv": ("unit_id", "name", "category"),
    "scales.csv": ("scale_id", "code", "label_zh"),
    "items.csv": ("instrument", "item_id", "scale_id", "text_zh"),
    "survey_responses.csv": ("response_id", "unit_id", "group"),
    "survey_answers.csv": ("response_id", "item_id", "code"),
    "phone_cases.csv": ("case_id", "unit_id", "disposition"),
    "phone_answers.csv": ("case_id", "item_id", "code"),
    "indicators.csv": ("indicator_id", "name", "direction", "weight"),
    "indicator_values.csv": ("unit_id", "indicator_id", "value"),
    "adjustments.csv": ("unit_id", "kind"),
    "history.csv": ("unit_id", "year", "unsatisfactory"),
}
# Columns of names, labels, ids and other free text: values reach spreadsheets (the
# scorer's results.csv and fieldwork.csv, the ranking XLSX, exported bundles opened in
# Excel), so none may begin like a formula. Not here: numeric columns (-0.5 is a valid
# number), columns checked against a fixed vocabulary (instrument, status, disposition,
# direction, method, kind, unsatisfactory) and references, which must equal an id
# checked here. Every other column of survey_responses.csv (the raking variables and
# respondent attributes the platform keeps) is checked too.
TEXT_COLUMNS = {
    "units.csv": ("unit_id", "name", "category", "head_name", "district", "kind", "department"),
    "scales.csv": ("scale_id", "code", "label_zh", "label_en"),
    "items.csv": ("item_id", "text_zh", "text_en"),
    "survey_responses.csv": ("response_id", "group", "channel", "submitted_at"),
    "phone_cases.csv": ("case_id", "caller_id"),
    "indicators.csv": ("indicator_id", "name"),
    "indicator_values.csv": ("provenance",),
    "adjustments.csv": ("reason", "source"),
    "history.csv": ("source_campaign", "source_unit", "via"),
}
# Columns that define an id: a value with spaces around it is refused (" U1" prints
# like "U1" but is another id, and a reference typed without the space would not find it).
ID_COLUMNS = {
    "units.csv": ("unit_id",),
    "scales.csv": ("scale_id", "code"),
    "items.csv": ("item_id",),
    "survey_responses.csv": ("response_id",),
    "phone_cases.csv": ("case_id", "caller_id"),
    "indicators.csv": ("indicator_id",),
}
# Columns read dictionary-encoded (few distinct values in millions of rows); each is
# only ever looked up, never checked as text.
DICTIONARY_COLUMNS = {
    "survey_answers.csv": ("item_id", "code"),
    "phone_answers.csv": ("item_id", "code"),
}
# survey_responses.csv columns that are not respondent attributes (see TEXT_COLUMNS).
RESPONSE_FIELDS = ("response_id", "unit_id", "group", "channel", "submitted_at", "status")
#: Most call attempts a phone case may record: a whole number; more is a data error
#: (and would overflow the database's integer).
MAX_ATTEMPTS = 1000
STATUSES = ("valid", "duplicate", "quarantined", "withdrawn", "")
# The built-in scale (bundle.md): code -> (label, score); None = don't know.
SAT3 = {
    "satisfied": ("满意", 100.0),
    "basically_satisfied": ("基本满意", 60.0),
    "dissatisfied": ("不满意", 0.0),
    "dont_know": ("不了解", None),
}
#: items.csv columns that list an item set (题组): ``;``-separated, empty = all of them.
ITEM_SET_COLUMNS = ("unit_categories", "respondent_groups")
ITEM_SET_SEPARATOR = ";"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Bundle:
    """A validated bundle: the campaign, its parameters, its arrays and file hashes."""

    path: Path
    info: CampaignInfo
    params: MethodParams
    inputs: CampaignInputs
    file_sha256: dict[str, str]
    platform: PlatformSettings = field(default_factory=PlatformSettings)


class _Reader:
    """Collects defects while turning files into arrays."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.defects: list[Defect] = []
        self.tables: dict[str, CsvTable] = {}
        self.hashes: dict[str, Future[str]] = {}
        self.platform = PlatformSettings()

    def bad(
        self, table: CsvTable | str, rows: Iterable[int] | None, column: str | None, message: str
    ) -> None:
        if isinstance(table, str):
            self.defects.append(Defect(table, None, column, message))
            return
        if rows is None:
            self.defects.append(Defect(table.name, None, column, message))
            return
        for r in rows:
            self.defects.append(Defect(table.name, table.line(int(r)), column, message))

    def done_with(self, *names: str) -> None:
        """Let go of tables whose rows are all converted and checked."""
        for name in names:
            self.tables.pop(name, None)

    def bad_rows(self, table: CsvTable, mask: np.ndarray, column: str, message: str) -> None:
        """One defect per flagged row, quoting the row's value of ``column``."""
        rows = np.flatnonzero(mask)
        if rows.size == 0:
            return
        values = _take(table.col(column), rows)
        for r, v in zip(rows.tolist(), values, strict=True):
            self.defects.append(Defect(table.name, table.line(r), column, message.format(value=v)))


def _np(arr: pa.Array | pa.ChunkedArray, null: float | int | None = None) -> np.ndarray:
    """A numeric arrow array as numpy, straight from its buffers; nulls become ``null``.

    (pyarrow's own ``to_numpy`` and ``fill_null`` import pandas, a fifth of a second
    per process.)
    """
    if isinstance(arr, pa.ChunkedArray):
        parts = [_np(chunk, null) for chunk in arr.chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=arr.type.to_pandas_dtype())
    dtype = np.dtype(arr.type.to_pandas_dtype())
    values = np.frombuffer(arr.buffers()[1], dtype=dtype)[arr.offset : arr.offset + len(arr)]
    if arr.null_count:
        if null is None:
            raise ValueError("the array has nulls and no value to put in their place")
        bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
        valid = np.unpackbits(bits, bitorder="little")[arr.offset : arr.offset + len(arr)].astype(bool)
        values = np.where(valid, values, null)
    return values


# Arrays are built from numpy buffers, never with pa.array(): pyarrow's pa.array (of a
# list or of a numpy array alike) imports pandas to check for pandas objects, 0.4-0.8 s.


def _int64s(values: np.ndarray) -> pa.Array:
    """numpy integers as an arrow int64 array on the same memory."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _strings(values: Iterable[str]) -> pa.Array:
    """A (short) list of texts as an arrow string array."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))


def _take(col: pa.Array | pa.ChunkedArray, rows: np.ndarray) -> list[str]:
    """The values of ``col`` at ``rows``, as Python strings (for defect messages)."""
    if len(rows) == 0:
        return []
    return col.take(_int64s(rows)).to_pylist()


_LOOKUP_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bundle-lookup")
PARALLEL_LOOKUP_ROWS = 1_000_000


def _arrow_mask(mask: np.ndarray) -> pa.BooleanArray:
    """numpy booleans as an arrow mask, built from a packed buffer (no pandas import)."""
    packed = np.packbits(mask, bitorder="little")
    return pa.BooleanArray.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(packed)])


def _index_in(col: pa.Array, universe: pa.Array) -> np.ndarray:
    """Position of each value in ``universe``; -1 where absent.

    Long columns are looked up in two halves on two threads (pyarrow releases the
    GIL), which halves the dominant cost of reading the answers files.
    """

    if isinstance(universe, pa.ChunkedArray):
        universe = universe.combine_chunks()

    def lookup(part: pa.Array) -> np.ndarray:
        return _np(pc.index_in(part, value_set=universe), null=-1).astype(np.int64)

    # Each half hashes the universe anew: worth it only when the universe is small.
    if len(col) < PARALLEL_LOOKUP_ROWS or 4 * len(universe) > len(col):
        return lookup(col)
    half = len(col) // 2
    parts = list(_LOOKUP_POOL.map(lookup, (col.slice(0, half), col.slice(half))))
    return np.concatenate(parts)


def _owner_index(col: pa.ChunkedArray, universe: pa.ChunkedArray, *, unique: bool) -> np.ndarray:
    """Position of each answer's owner (response or case id) in ``universe``; -1 where absent.

    Exports list a response's answers together, so the column is runs of one id: only
    the runs' values are looked up (a fifth of the rows with five items), and when they
    are the ``unique`` universe itself, in order (every owner answered, in file order),
    a run's position is its index and nothing is hashed. Same result as :func:`_index_in`.
    """
    chunks = [ch for ch in col.chunks if len(ch)]
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    runs = [pc.run_end_encode(ch, run_end_type=pa.int64()) for ch in chunks]
    values = pa.chunked_array([r.values for r in runs], type=col.type)
    lengths = np.concatenate([np.diff(_np(r.run_ends), prepend=0) for r in runs])
    if unique and len(values) >= len(universe):
        # a run that a chunk boundary cuts in two is one owner
        new = np.ones(len(values), dtype=bool)
        start = 0
        for before, after in itertools.pairwise(runs):
            start += len(before.values)
            new[start] = before.values[-1].as_py() != after.values[0].as_py()
        distinct = values if new.all() else values.filter(_arrow_mask(new))
        if len(distinct) == len(universe) and distinct.equals(universe):
            return np.repeat(np.cumsum(new) - 1, lengths)
    return np.repeat(_index_in(values, universe), lengths)


def _strictly_increasing(col: pa.ChunkedArray) -> bool:
    """Whether every value is greater than the one before (so no value repeats): ids are
    usually numbered, and two comparisons per row cost far less than hashing them."""
    last: str | None = None
    for ch in col.chunks:
        if len(ch) == 0:
            continue
        if last is not None and not last < ch[0].as_py():  # str order is UTF-8 byte order
            return False
        if len(ch) > 1 and not pc.all(pc.less(ch.slice(0, len(ch) - 1), ch.slice(1))).as_py():
            return False
        last = ch[-1].as_py()
    return True


def _dictionary_codes(col: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct values (in order of first appearance) and each row's index into them."""
    encoded = pc.dictionary_encode(col)
    if isinstance(encoded, pa.ChunkedArray):
        chunks = encoded.chunks
        if not chunks:
            return _strings([]), np.zeros(0, dtype=np.int64)
        first = chunks[0].dictionary
        if not all(ch.dictionary.equals(first) for ch in chunks[1:]):
            encoded = pc.dictionary_encode(col.combine_chunks())
        else:
            indices = np.concatenate([_np(ch.indices) for ch in chunks]).astype(np.int64)
            return first, indices
    return encoded.dictionary, _np(encoded.indices).astype(np.int64)


def _codes(col: pa.Array | pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """Distinct values (in order of first appearance) and each row's index into them."""
    if pa.types.is_dictionary(col.type):
        return _merge_dictionaries(col)
    dictionary, indices = _dictionary_codes(col)
    return dictionary.to_pylist(), indices


def _merge_dictionaries(col: pa.Array | pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """:func:`_codes` of a column the parser dictionary-encoded, one dictionary per chunk:
    each chunk's (few) entries are renumbered into one list. A chunk's dictionary lists
    its values in order of first appearance, so the list is in that order too."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    names: dict[str, int] = {}
    out = np.empty(len(col), dtype=np.int32)  # (an int64 index per answer would be 36 MB a column)
    start = 0
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        entries = chunk.dictionary.to_pylist()
        remap = np.array([names.setdefault(v, len(names)) for v in entries], dtype=np.int32)
        np.take(remap, dictionary_indices(chunk), out=out[start : start + len(chunk)])
        start += len(chunk)
    return list(names), out


def _index_in_few(col: pa.Array | pa.ChunkedArray, values: list[str]) -> np.ndarray:
    """:func:`_index_in` for a short list of distinct ``values`` (an instrument's items)."""
    if not pa.types.is_dictionary(col.type):
        return _index_in(col, _strings(values))
    names, codes = _codes(col)
    position = {v: k for k, v in reversed(list(enumerate(values)))}  # the first, as index_in
    return np.array([position.get(n, -1) for n in names], dtype=np.int32)[codes]


def _repeats(key: np.ndarray) -> np.ndarray:
    """Rows whose key already occurred on an earlier row (keys are >= 0)."""
    if key.size == 0:
        return np.zeros(0, dtype=bool)
    if (key[1:] > key[:-1]).all():  # ordered keys (answers by response, then item)
        return np.zeros(key.size, dtype=bool)
    if int(key.max()) < 4 * key.size + 1024:
        counts = np.bincount(key)
        if counts.max() <= 1:
            return np.zeros(key.size, dtype=bool)
    _, first = np.unique(key, return_index=True)
    out = np.ones(key.size, dtype=bool)
    out[first] = False
    return out


def _string_repeats(col: pa.ChunkedArray) -> np.ndarray:
    """Rows whose value already occurred on an earlier row."""
    if _strictly_increasing(col):
        return np.zeros(len(col), dtype=bool)
    dictionary, codes = _dictionary_codes(col)
    if len(dictionary) == len(col):
        return np.zeros(len(col), dtype=bool)
    return _repeats(codes)


def _numbers(
    reader: _Reader,
    table: CsvTable,
    column: str,
    *,
    required: bool,
    min_value: float | None = None,
    what: str = "a number",
) -> np.ndarray:
    """Column as float64 (NaN where empty), with a defect for every bad cell."""
    col = table.col(column)
    # Empty cells of required columns are reported once, by _check_required_cells.
    empty = table.empty(column)
    try:
        values = np.full(table.n_rows, np.nan)
        values[~empty] = _np(pc.cast(col.filter(_arrow_mask(~empty)), pa.float64()))
        bad = ~empty & ~np.isfinite(values)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Some cell is not a number: find which, one distinct text at a time.
        distinct = pc.unique(col).to_pylist()
        parsed = {}
        for text in distinct:
            try:
                parsed[text] = float(text) if text != "" else math.nan
            except ValueError:
                parsed[text] = None
        lookup = np.array([math.nan if parsed[t] is None else parsed[t] for t in distinct], dtype=np.float64)
        invalid = np.array([parsed[t] is None for t in distinct], dtype=bool)
        idx = _index_in(col, _strings(distinct))
        values = lookup[idx]
        bad = invalid[idx] | (~empty & ~np.isfinite(values))
    reader.bad_rows(
        table, bad, column, '"{value}" is not ' + ("a finite number" if what == "a number" else what)
    )
    values = np.where(bad, np.nan, values)
    if min_value is not None:
        reader.bad_rows(table, values < min_value, column, '"{value}" is below ' + f"{min_value:g}")
    return values


def _require_columns(reader: _Reader, table: CsvTable, columns: Iterable[str]) -> bool:
    ok = True
    for column in columns:
        if not table.has(column):
            reader.defects.append(Defect(table.name, 1, column, f'required column "{column}" is missing'))
            ok = False
    return ok


def _check_required_cells(reader: _Reader, table: CsvTable, columns: Iterable[str]) -> None:
    for column in columns:
        reader.bad_rows(table, table.empty(column), column, "the required cell is empty")


def _check_unique(reader: _Reader, table: CsvTable, column: str, what: str, *, fold: bool = False) -> bool:
    """Duplicate ids; with ``fold``, ids that differ only by case, full/half width or
    surrounding spaces are duplicates too (compared after NFKC, trimming, lower case).
    Returns whether no value (empty ones included) occurs twice."""
    repeats = _string_repeats(table.col(column))
    dup = repeats & ~table.empty(column)
    reader.bad_rows(table, dup, column, f'duplicate {what} "{{value}}"')
    if not fold:
        return not repeats.any()
    col = table.col(column)
    folded = pc.utf8_lower(pc.utf8_normalize(pc.utf8_trim_whitespace(col), "NFKC"))
    _, key = _codes(folded)
    alike = _repeats(key) & ~dup & ~table.empty(column)
    if not alike.any():
        return not repeats.any()
    _, first = np.unique(key, return_index=True)
    first_row = np.full(int(key.max()) + 1, -1, dtype=np.int64)
    first_row[key[first]] = first
    rows = np.flatnonzero(alike)
    values = _take(col, rows)
    earlier = _take(col, first_row[key[rows]])
    for r, v, e, fr in zip(rows.tolist(), values, earlier, first_row[key[rows]].tolist(), strict=True):
        reader.defects.append(
            Defect(
                table.name,
                table.line(r),
                column,
                f'duplicate {what} "{_shown(v)}": it differs from "{_shown(e)}" '
                f"(line {table.line(fr)}) only by case, full/half width or spaces, so people "
                "would take the two for one",
            )
        )
    return not repeats.any()


def _check_unique_pair(
    reader: _Reader, table: CsvTable, a: np.ndarray, b: np.ndarray, nb: int, columns: tuple[str, str]
) -> None:
    known = (a >= 0) & (b >= 0)
    if known.all():  # the usual case: no copies of a and b
        key = a * max(nb, 1)
        key += b
        rows = np.flatnonzero(_repeats(key))
    else:
        key = a[known] * max(nb, 1) + b[known]
        rows = np.flatnonzero(known)[_repeats(key)]
    del key
    if rows.size:
        firsts = _take(table.col(columns[0]), rows)
        seconds = _take(table.col(columns[1]), rows)
        for r, x, y in zip(rows.tolist(), firsts, seconds, strict=True):
            reader.defects.append(
                Defect(
                    table.name,
                    table.line(r),
                    columns[1],
                    f'duplicate ({columns[0]}, {columns[1]}) "{x}, {y}"',
                )
            )


def load_bundle(path: str | Path) -> Bundle:
    """Read, validate and convert a bundle folder; raise :class:`BundleError` on defects."""
    root = Path(path)
    reader = _Reader(root)
    if not root.is_dir():
        raise BundleError([Defect(str(root), None, None, "the bundle folder does not exist")])
    with ThreadPoolExecutor(max_workers=2) as hash_pool:
        result = _load(reader, root, hash_pool)
        hashes = {name: fut.result() for name, fut in sorted(reader.hashes.items())}
    if reader.defects or result is None:
        raise BundleError(reader.defects)
    info, params, inputs = result
    return Bundle(
        path=root, info=info, params=params, inputs=inputs, file_sha256=hashes, platform=reader.platform
    )


def _sha256(data: bytes | mmap.mmap) -> str:
    return hashlib.sha256(data).hexdigest()


def _release(view: mmap.mmap) -> None:
    """Drop a read-only file map's pages from the process (not from the page cache)."""
    with contextlib.suppress(AttributeError, OSError, ValueError):  # no madvise here, or closed
        view.madvise(mmap.MADV_DONTNEED)


def _read_toml(reader: _Reader, root: Path, hash_pool: ThreadPoolExecutor) -> str | None:
    """campaign.toml as text, or None with a defect (link, long line, encoding)."""
    name = "campaign.toml"
    raw = read_bundle_file(root / name, name, reader.defects)
    if raw is None:
        return None
    reader.hashes[name] = hash_pool.submit(_sha256, raw)
    too_long = first_long_line(raw)
    if too_long is not None:
        reader.defects.append(long_line_defect(name, too_long))
        return None
    try:
        return decode_bundle_bytes(raw)[0].decode("utf-8")
    except UnicodeDecodeError as exc:
        reader.defects.append(encoding_defect(name, raw, exc))
        return None


# First bytes of the formula prefixes, and the bytes that can begin or end a Unicode
# white space character (ASCII ones; U+0085/U+00A0 start with C2, U+1680 with E1,
# U+2000-U+205F with E2, U+3000 with E3; a multi-byte character ends with a byte >= 0x80).
# Each as a table over the 256 byte values, looked up once per cell.
_FORMULA_FIRST = np.zeros(256, dtype=bool)
_FORMULA_FIRST[[p.encode("utf-8")[0] for p in FORMULA_PREFIXES]] = True
_SPACE_FIRST = np.zeros(256, dtype=bool)
_SPACE_FIRST[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0xC2, 0xE1, 0xE2, 0xE3]] = True
_SPACE_LAST = np.zeros(256, dtype=bool)
_SPACE_LAST[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, *range(0x80, 0x100)]] = True


def _shown(value: str) -> str:
    """A value as quoted in a message: control characters made visible."""
    return value.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n").replace("\x00", "\\0")


def _check_text(reader: _Reader, table: CsvTable) -> None:
    """Formula-like text (TEXT_COLUMNS) and ids with spaces around them (ID_COLUMNS).

    Each column is pre-filtered on its cells' first and last bytes (numpy over arrow's
    buffers, no string copied); only the few flagged cells are judged by the exact rules:
    :func:`scoring.textrules.label_defect` and Unicode white space (``str.strip``).
    """
    columns = [c for c in TEXT_COLUMNS.get(table.name, ()) if table.has(c)]
    if table.name == "survey_responses.csv":
        extra = [c for c in table.columns if c not in RESPONSE_FIELDS]
        columns += extra
        # their names become the header of exported bundles: the same rule, on line 1
        reader.defects.extend(d for c in extra if (d := label_defect(table.name, 1, c, c)) is not None)
    ids = [c for c in ID_COLUMNS.get(table.name, ()) if table.has(c)]
    for column in dict.fromkeys(columns + ids):
        col = table.col(column)
        if column in ids:
            first, last = edge_bytes(col)
        else:
            first, last = first_bytes(col), None
        if column in columns:
            rows = np.flatnonzero(_FORMULA_FIRST[first])
            values = _take(col, rows)
            for r, v in zip(rows.tolist(), values, strict=True):
                found = label_defect(table.name, table.line(r), column, v)
                if found is not None:
                    reader.defects.append(found)
        if last is not None:
            rows = np.flatnonzero(_SPACE_FIRST[first] | _SPACE_LAST[last])
            values = _take(col, rows)
            for r, v in zip(rows.tolist(), values, strict=True):
                if v != v.strip():
                    reader.defects.append(
                        Defect(
                            table.name,
                            table.line(r),
                            column,
                            f'"{_shown(v)}" has spaces before or after it; an id must not (it would '
                            "print like another id, and references typed without the spaces would not "
                            "find it)",
                        )
                    )


def _load(
    reader: _Reader, root: Path, hash_pool: ThreadPoolExecutor
) -> tuple[CampaignInfo, MethodParams, CampaignInputs] | None:
    # Every entry counts as present, whatever its type: read_bundle_file refuses links
    # and anything else that is not a regular file, naming it (is_file() would follow a
    # link, and call a pipe or a folder "missing").
    try:
        present = {p.name for p in root.iterdir()}
    except OSError as exc:
        reader.bad(str(root), None, None, f"the bundle folder cannot be read: {exc.strerror or exc}")
        return None
    for name in REQUIRED_FILES:
        if name not in present:
            reader.bad(name, None, None, "required file is missing from the bundle")
    for name, needs in DEPENDS_ON.items():
        if name in present and needs not in present:
            reader.bad(name, None, None, f"refers to {needs}, which is missing from the bundle")

    info: CampaignInfo | None = None
    params = MethodParams()
    if "campaign.toml" in present:
        text = _read_toml(reader, root, hash_pool)
        if text is not None:
            info, params, toml_defects = parse_campaign_toml(text)
            reader.defects.extend(toml_defects)
            # the designer's settings ([platform]): not method, but checked all the same
            reader.platform, platform_defects = read_platform(text, params.grade_names)
            reader.defects.extend(platform_defects)

    for name in CSV_FILES:
        if name not in present:
            continue
        raw = read_bundle_file(root / name, name, reader.defects, mapped=True)
        if raw is None:
            continue
        reader.hashes[name] = hash_pool.submit(_sha256, raw)
        table = read_csv(
            root / name, name, reader.defects, raw=raw, dictionary_columns=DICTIONARY_COLUMNS.get(name, ())
        )
        if isinstance(raw, mmap.mmap):
            # parsed; once hashed too, its pages leave the scorer's memory (the map stays,
            # for line numbers, and reads them back from the page cache if a defect asks)
            reader.hashes[name].add_done_callback(lambda _, view=raw: _release(view))
        if table is not None and _require_columns(reader, table, REQUIRED_COLUMNS[name]):
            _check_required_cells(reader, table, REQUIRED_COLUMNS[name])
            _check_text(reader, table)
            reader.tables[name] = table

    if "units.csv" not in reader.tables or "items.csv" not in reader.tables:
        return None
    units = _read_units(reader)
    scales = _read_scales(reader)
    items = _read_items(reader, scales, units)
    responses = _read_responses(reader, units, params)
    survey_answers = _read_answers(reader, "survey_answers.csv", "response_id", responses, items, "survey")
    # Every defect of a table is recorded (with its line) by the time it is converted:
    # the big ones are let go at once, so that the next one's arrays take their place.
    reader.done_with("survey_answers.csv", "survey_responses.csv")
    cases = _read_cases(reader, units)
    phone_answers = _read_answers(reader, "phone_answers.csv", "case_id", cases, items, "phone")
    reader.done_with("phone_answers.csv", "phone_cases.csv")
    indicators = _read_indicators(reader)
    values = _read_indicator_values(reader, units, indicators)
    adjustments = _read_adjustments(reader, units)
    history = _read_history(reader, units)
    if reader.defects or info is None:
        return None

    n_units = len(units.ids)
    inputs = CampaignInputs(
        unit_ids=units.ids,
        unit_names=units.names,
        unit_categories=units.categories,
        unit_heads=units.heads,
        response_unit=responses.unit,
        response_group=responses.group,
        response_valid_status=responses.valid_status,
        group_names=responses.group_names,
        response_vars=responses.vars,
        var_categories={v: tuple(params.margins[v]) for v in params.margins},
        survey_answers=survey_answers,
        case_unit=cases.unit,
        case_class=cases.cls,
        case_caller=cases.caller,
        caller_ids=cases.caller_ids,
        phone_answers=phone_answers,
        indicator_ids=indicators.ids,
        indicator_weight=indicators.weight,
        indicator_higher=indicators.higher,
        indicator_target_method=indicators.target_method,
        indicator_floor=indicators.floor,
        indicator_target=indicators.target,
        indicator_value=values if values is not None else np.full((n_units, len(indicators.ids)), np.nan),
        bonus_points=adjustments[0],
        deduction_points=adjustments[1],
        vetoed=adjustments[2],
        history=history,
    )
    return info, params, inputs


@dataclass
class _Units:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    categories: tuple[str, ...]
    heads: tuple[str, ...]
    universe: pa.Array


def _read_units(reader: _Reader) -> _Units:
    t = reader.tables["units.csv"]
    _check_unique(reader, t, "unit_id", "unit_id", fold=True)
    ids = t.col("unit_id")
    if t.has("parent_id"):
        parent = t.col("parent_id")
        unknown = ~t.empty("parent_id") & (_index_in(parent, ids) < 0)
        reader.bad_rows(t, unknown, "parent_id", 'unknown unit "{value}"')
    heads = t.col("head_name").to_pylist() if t.has("head_name") else [""] * t.n_rows
    if t.has("head_since"):
        for r, value in enumerate(t.col("head_since").to_pylist()):
            if value and parse_iso_date(value) is None:
                reader.bad(t, [r], "head_since", f'"{_shown(value)}" is not a date (write it as 2024-03-01)')
    return _Units(
        ids=tuple(ids.to_pylist()),
        names=tuple(t.col("name").to_pylist()),
        categories=tuple(t.col("category").to_pylist()),
        heads=tuple(heads),
        universe=ids,
    )


# scale_id -> code -> score (None = don't know)
_Scales = dict[str, dict[str, float | None]]


def _read_scales(reader: _Reader) -> _Scales:
    scales: _Scales = {}
    t = reader.tables.get("scales.csv")
    if t is None:
        return {"sat3": {code: score for code, (_, score) in SAT3.items()}}
    score = _numbers(reader, t, "score", required=False) if t.has("score") else np.full(t.n_rows, np.nan)
    reader.bad_rows(t, (score < 0) | (score > 100), "score", '"{value}" is outside [0, 100]')
    sid = t.col("scale_id").to_pylist()
    code = t.col("code").to_pylist()
    for r, (s, c, x) in enumerate(zip(sid, code, score.tolist(), strict=True)):
        options = scales.setdefault(s, {})
        if c in options:
            reader.bad(t, [r], "code", f'duplicate (scale_id, code) "{s}, {c}"')
        options[c] = None if math.isnan(x) else x
    # sat3 is built in unless the file defines it.
    scales.setdefault("sat3", {c: s for c, (_, s) in SAT3.items()})
    return scales


@dataclass
class _Items:
    # instrument -> item ids (in file order), weights, and option lookups
    ids: dict[str, list[str]]
    weight: dict[str, np.ndarray]
    scale: dict[str, list[dict[str, float | None]]]


def parse_iso_date(text: str) -> date | None:
    """A ``YYYY-MM-DD`` date, or None when ``text`` is not one (only this one form: Python
    would also read ``20240301``, which a spreadsheet would take for a number)."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def split_item_set(cell: str) -> list[str]:
    """The elements of an item-set cell (``office;grassroots``); empty = every one."""
    return cell.split(ITEM_SET_SEPARATOR) if cell else []


def _check_item_sets(reader: _Reader, t: CsvTable, units: _Units) -> None:
    """Item sets (题组) in items.csv: every element is text by the label and id rules, at
    most once per cell, and a unit category must be one of units.csv."""
    categories = set(units.categories)
    for column in ITEM_SET_COLUMNS:
        if not t.has(column):
            continue
        for r, cell in enumerate(t.col(column).to_pylist()):
            seen: set[str] = set()
            for element in split_item_set(cell):
                if not element.strip():
                    reader.bad(
                        t, [r], column, f'"{_shown(cell)}" has an empty element; separate names with ";"'
                    )
                elif element != element.strip():
                    reader.bad(
                        t,
                        [r],
                        column,
                        f'"{_shown(element)}" has spaces before or after it; a name in a list must not',
                    )
                elif (found := label_defect(t.name, t.line(r), column, element)) is not None:
                    reader.defects.append(found)
                elif element in seen:
                    reader.bad(t, [r], column, f'"{element}" is listed twice')
                elif column == "unit_categories" and element not in categories:
                    reader.bad(t, [r], column, f'"{element}" is not a category of units.csv')
                seen.add(element)


def _read_items(reader: _Reader, scales: _Scales, units: _Units) -> _Items:
    t = reader.tables["items.csv"]
    _check_item_sets(reader, t, units)
    weight = _numbers(reader, t, "weight", required=False, min_value=0.0) if t.has("weight") else None
    items = _Items(ids={"survey": [], "phone": []}, weight={}, scale={"survey": [], "phone": []})
    weights: dict[str, list[float]] = {"survey": [], "phone": []}
    seen: set[tuple[str, str]] = set()
    instruments = t.col("instrument").to_pylist()
    item_ids = t.col("item_id").to_pylist()
    scale_ids = t.col("scale_id").to_pylist()
    for r, (inst, iid, sid) in enumerate(zip(instruments, item_ids, scale_ids, strict=True)):
        if inst not in items.ids:
            if inst:
                reader.bad(t, [r], "instrument", f'"{inst}" is not an instrument (survey or phone)')
            continue
        if (inst, iid) in seen:
            reader.bad(t, [r], "item_id", f'duplicate (instrument, item_id) "{inst}, {iid}"')
            continue
        seen.add((inst, iid))
        if sid and sid not in scales:
            reader.bad(t, [r], "scale_id", f'unknown scale "{sid}"')
        w = 1.0 if weight is None or math.isnan(weight[r]) else float(weight[r])
        items.ids[inst].append(iid)
        weights[inst].append(w)
        items.scale[inst].append(scales.get(sid, {}))
    items.weight = {k: np.array(v, dtype=np.float64) for k, v in weights.items()}
    return items


@dataclass
class _Responses:
    unit: np.ndarray
    group: np.ndarray
    valid_status: np.ndarray
    group_names: tuple[str, ...]
    vars: dict[str, np.ndarray]
    universe: pa.ChunkedArray
    unique: bool = False  # no response_id occurs twice


def _read_responses(reader: _Reader, units: _Units, params: MethodParams) -> _Responses:
    t = reader.tables.get("survey_responses.csv")
    if t is None:
        z = np.zeros(0, dtype=np.int64)
        return _Responses(
            z, z, np.zeros(0, bool), (), {v: z for v in params.margins}, pa.chunked_array([], pa.string())
        )
    unique = _check_unique(reader, t, "response_id", "response_id")
    unit = _index_in(t.col("unit_id"), units.universe)
    reader.bad_rows(t, (unit < 0) & ~t.empty("unit_id"), "unit_id", 'unknown unit "{value}"')
    names, group = _codes(t.col("group"))
    group_names = tuple(names)
    if t.has("status"):
        statuses, code = _codes(t.col("status"))
        known = [s in STATUSES for s in statuses]
        reader.bad_rows(
            t,
            ~np.array(known, dtype=bool)[code],
            "status",
            '"{value}" is not a status (valid, duplicate, quarantined, withdrawn or empty)',
        )
        valid_status = np.array([s in ("valid", "") for s in statuses], dtype=bool)[code]
    else:
        valid_status = np.ones(t.n_rows, dtype=bool)
    variables: dict[str, np.ndarray] = {}
    for var, shares in params.margins.items():
        if not t.has(var):
            reader.defects.append(
                Defect(t.name, 1, var, f'column "{var}" is required by [weighting.margins.{var}]')
            )
            variables[var] = np.full(t.n_rows, -1, dtype=np.int64)
            continue
        variables[var] = _index_in(t.col(var), _strings(shares))
    return _Responses(unit, group, valid_status, group_names, variables, t.col("response_id"), unique)


def _read_answers(
    reader: _Reader, name: str, owner_column: str, owners: _Responses | _Cases, items: _Items, instrument: str
) -> Answers:
    t = reader.tables.get(name)
    if t is None:
        return Answers.empty()
    owner = _owner_index(t.col(owner_column), owners.universe, unique=owners.unique)
    what = "response" if instrument == "survey" else "case"
    reader.bad_rows(t, (owner < 0) & ~t.empty(owner_column), owner_column, f'unknown {what} "{{value}}"')
    item_ids = items.ids[instrument]
    item = _index_in_few(t.col("item_id"), item_ids)
    reader.bad_rows(t, (item < 0) & ~t.empty("item_id"), "item_id", f'unknown {instrument} item "{{value}}"')
    _check_unique_pair(reader, t, owner, item, len(item_ids), (owner_column, "item_id"))

    code_names, code = _codes(t.col("code"))
    n_items, n_codes = len(item_ids), len(code_names)
    # score of (item, code); +inf marks a code that is not an option of the item's scale
    lookup = np.full((max(n_items, 1), max(n_codes, 1)), np.inf)
    for j, options in enumerate(items.scale[instrument]):
        for k, c in enumerate(code_names):
            if c in options:
                s = options[c]
                lookup[j, k] = np.nan if s is None else s
    known = item >= 0
    if known.all():
        score = lookup[item, code]
    else:
        score = np.full(t.n_rows, np.nan)
        score[known] = lookup[item[known], code[known]]
    del code
    not_option = known & np.isinf(score) & ~t.empty("code")
    if not_option.any():
        rows = np.flatnonzero(not_option)
        shown = _take(t.col("code"), rows)
        for r, c in zip(rows.tolist(), shown, strict=True):
            reader.defects.append(
                Defect(
                    t.name, t.line(r), "code", f'"{c}" is not an option of item {item_ids[item[r]]}\'s scale'
                )
            )
    ok = (owner >= 0) & known & ~np.isinf(score)
    weights = items.weight[instrument]
    if not n_items:
        return Answers(owner=owner[ok], item_weight=np.zeros(0), score=score[ok])
    if ok.all():  # the usual case: no copies
        return Answers(owner=owner, item_weight=weights[item], score=score)
    return Answers(owner=owner[ok], item_weight=weights[item[ok]], score=score[ok])


@dataclass
class _Cases:
    unit: np.ndarray
    cls: np.ndarray
    caller: np.ndarray
    caller_ids: tuple[str, ...]
    universe: pa.ChunkedArray
    unique: bool = False  # no case_id occurs twice


def _read_cases(reader: _Reader, units: _Units) -> _Cases:
    t = reader.tables.get("phone_cases.csv")
    if t is None:
        z = np.zeros(0, dtype=np.int64)
        return _Cases(z, z, z, (), pa.chunked_array([], pa.string()))
    unique = _check_unique(reader, t, "case_id", "case_id")
    unit = _index_in(t.col("unit_id"), units.universe)
    reader.bad_rows(t, (unit < 0) & ~t.empty("unit_id"), "unit_id", 'unknown unit "{value}"')
    dispositions, code = _codes(t.col("disposition"))
    classes = [disposition_class(d) for d in dispositions]
    bad_code = np.array([c is None for c in classes], dtype=bool)[code] & ~t.empty("disposition")
    reader.bad_rows(t, bad_code, "disposition", '"{value}" is not an AAPOR disposition code (methodology §3)')
    cls = np.array([-1 if c is None else c for c in classes], dtype=np.int64)[code]
    if t.has("caller_id"):
        names, caller_code = _codes(t.col("caller_id"))
        order = sorted(n for n in names if n != "")
        position = {n: k for k, n in enumerate(order)}
        remap = np.array([position.get(n, -1) for n in names], dtype=np.int64)
        caller = remap[caller_code] if names else np.full(t.n_rows, -1, np.int64)
        caller_ids = tuple(order)
    else:
        caller, caller_ids = np.full(t.n_rows, -1, dtype=np.int64), ()
    if t.has("attempts"):
        attempts = _numbers(reader, t, "attempts", required=False, min_value=0.0)
        reader.bad_rows(
            t,
            (attempts > MAX_ATTEMPTS) | ((attempts >= 0) & (attempts != np.floor(attempts))),
            "attempts",
            '"{value}" is not a whole number of call attempts from 0 to ' + f"{MAX_ATTEMPTS:,}",
        )
    return _Cases(unit, cls, caller, caller_ids, t.col("case_id"), unique)


@dataclass
class _Indicators:
    ids: tuple[str, ...]
    weight: np.ndarray
    higher: np.ndarray
    target_method: np.ndarray
    floor: np.ndarray
    target: np.ndarray


def _read_indicators(reader: _Reader) -> _Indicators:
    t = reader.tables.get("indicators.csv")
    if t is None:
        z = np.zeros(0)
        return _Indicators((), z, z.astype(bool), z.astype(bool), z, z)
    _check_unique(reader, t, "indicator_id", "indicator_id", fold=True)
    weight = _numbers(reader, t, "weight", required=True, min_value=0.0)
    direction = t.col("direction").to_pylist()
    method = t.col("method").to_pylist() if t.has("method") else [""] * t.n_rows
    floor = _numbers(reader, t, "floor", required=False) if t.has("floor") else np.full(t.n_rows, np.nan)
    target = _numbers(reader, t, "target", required=False) if t.has("target") else np.full(t.n_rows, np.nan)
    for r, d in enumerate(direction):
        if d not in ("higher", "lower") and d != "":
            reader.bad(t, [r], "direction", f'"{d}" is not a direction (higher or lower)')
    for r, m in enumerate(method):
        if m not in ("minmax", "target", ""):
            reader.bad(t, [r], "method", f'"{m}" is not a method (minmax or target)')
        elif m == "target":
            if math.isnan(floor[r]) or math.isnan(target[r]):
                column = "floor" if math.isnan(floor[r]) else "target"
                reader.bad(t, [r], column, "the target method needs numeric floor and target")
            elif floor[r] == target[r]:
                reader.bad(
                    t,
                    [r],
                    "target",
                    f'"{target[r]:g}" equals the floor; the target method needs floor != target',
                )
    return _Indicators(
        ids=tuple(t.col("indicator_id").to_pylist()),
        weight=np.nan_to_num(weight),
        higher=np.array([d == "higher" for d in direction], dtype=bool),
        target_method=np.array([m == "target" for m in method], dtype=bool),
        floor=floor,
        target=target,
    )


def _read_indicator_values(reader: _Reader, units: _Units, indicators: _Indicators) -> np.ndarray | None:
    t = reader.tables.get("indicator_values.csv")
    if t is None:
        return None
    unit = _index_in(t.col("unit_id"), units.universe)
    reader.bad_rows(t, (unit < 0) & ~t.empty("unit_id"), "unit_id", 'unknown unit "{value}"')
    ind = _index_in(t.col("indicator_id"), _strings(indicators.ids))
    reader.bad_rows(t, (ind < 0) & ~t.empty("indicator_id"), "indicator_id", 'unknown indicator "{value}"')
    _check_unique_pair(reader, t, unit, ind, len(indicators.ids), ("unit_id", "indicator_id"))
    value = _numbers(reader, t, "value", required=False)
    out = np.full((len(units.ids), len(indicators.ids)), np.nan)
    ok = (unit >= 0) & (ind >= 0)
    out[unit[ok], ind[ok]] = value[ok]
    return out


def _read_adjustments(reader: _Reader, units: _Units) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(units.ids)
    bonus, deduction, veto = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    t = reader.tables.get("adjustments.csv")
    if t is None:
        return bonus, deduction, veto
    unit = _index_in(t.col("unit_id"), units.universe)
    reader.bad_rows(t, (unit < 0) & ~t.empty("unit_id"), "unit_id", 'unknown unit "{value}"')
    points = (
        _numbers(reader, t, "points", required=False, min_value=0.0)
        if t.has("points")
        else np.full(t.n_rows, np.nan)
    )
    for r, kind in enumerate(t.col("kind").to_pylist()):
        if kind not in ("bonus", "deduction", "veto"):
            if kind:
                reader.bad(t, [r], "kind", f'"{kind}" is not an adjustment kind (bonus, deduction or veto)')
            continue
        if unit[r] < 0:
            continue
        if kind == "veto":
            veto[unit[r]] = True
        elif math.isnan(points[r]):
            if not t.has("points") or t.col("points")[r].as_py() == "":
                reader.bad(t, [r], "points", f"a {kind} needs its points")
        elif points[r] >= 0:
            (bonus if kind == "bonus" else deduction)[unit[r]] += points[r]
    return bonus, deduction, veto


def _read_history(reader: _Reader, units: _Units) -> dict[tuple[int, int], bool]:
    # source_campaign, source_unit and via (where a derived entry came from) are text for
    # people: checked by _check_text, never read by the method.
    history: dict[tuple[int, int], bool] = {}
    t = reader.tables.get("history.csv")
    if t is None:
        return history
    unit = _index_in(t.col("unit_id"), units.universe)
    reader.bad_rows(t, (unit < 0) & ~t.empty("unit_id"), "unit_id", 'unknown unit "{value}"')
    years = t.col("year").to_pylist()
    flags = t.col("unsatisfactory").to_pylist()
    for r, (u, y, f) in enumerate(zip(unit.tolist(), years, flags, strict=True)):
        year: int | None
        try:
            year = int(y)
        except ValueError:
            year = None
            if y:
                reader.bad(t, [r], "year", f'"{y}" is not a whole year')
        if year is not None and year not in YEAR_RANGE:
            reader.bad(
                t,
                [r],
                "year",
                f'"{y}" is outside the years {YEAR_RANGE[0]}..{YEAR_RANGE[-1]} an appraisal can be held in',
            )
            year = None
        flag = f.lower()
        if flag not in ("true", "false"):
            if f:
                reader.bad(t, [r], "unsatisfactory", f'"{f}" is not true or false')
            continue
        if u < 0 or year is None:
            continue
        if (u, year) in history:
            reader.bad(t, [r], "year", f'duplicate (unit_id, year) "{units.ids[u]}, {year}"')
        history[(u, year)] = flag == "true"
    return history


__all__ = ["AAPOR_CLASSES", "Bundle", "BundleError", "load_bundle"]
