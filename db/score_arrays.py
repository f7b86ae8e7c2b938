"""A stored campaign as the scorer's arrays, straight from the database (计分输入).

:func:`stored_bundle` gives what :func:`scoring.load_bundle` gives for the campaign's
exported bundle (campaign, parameters, :class:`scoring.inputs.CampaignInputs`, the
SHA-256 of every file) without writing the bundle out and parsing it again:

* the export runs as always (:func:`db.bundle_io.export_files`), so the files it would
  write, and so their hashes, are the very bytes a person downloads; the bytes are
  hashed in memory and the rows it fetched (whole columns, no row objects) are kept;
  the large files' bytes are built and hashed on a thread (:func:`start_stored_bundle`),
  beside the fetches and the engine scoring the arrays, and awaited before the hashes
  are used (:meth:`PendingBundle.finish`);
* the small files (campaign.toml, units, scales, items, indicators, adjustments,
  history) are read by the scorer's own :func:`scoring.load_bundle`, beside the large
  files' header rows, in a temporary folder: every rule of theirs is checked and every
  array of theirs built by the one reader there is;
* the large files (survey responses and answers, phone cases and answers: nearly all
  the rows) become arrays from the fetched columns, as the reader would build them from
  the same cells, with references taken as numbers (units, owners and items are rows
  the export looked up, not texts to match again).

The large files pass the reader's rules when the database holds what the platform
writes; values it never writes (an unknown status or option, a cell like a formula, a
line break or NUL in a value, an over-long line...) are only *recognised* here, and then
the bundle is exported to a folder and read by :func:`scoring.load_bundle` after all, so
a defective campaign is refused with exactly the reader's messages (file, line, column).
``tests/db/test_score_arrays.py`` checks that both ways give equal arrays, field by field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from db.bundle_io import ExportedRows, csv_header, export_bundle, export_files, int64s, int_array, strings
from db.uow import UnitOfWork
from scoring import BundleError, CampaignInfo, CampaignInputs, MethodParams, load_bundle
from scoring.bundle import MAX_ATTEMPTS, SAT3, STATUSES
from scoring.csvfile import MAX_LINE_BYTES, edge_bytes, empty_cells, first_long_line
from scoring.inputs import Answers
from scoring.phone import disposition_class
from scoring.platform import PlatformSettings
from scoring.textrules import FORMULA_PREFIXES, label_defect

#: Files built from the fetched rows; the others are read by the scorer's reader.
LARGE_FILES: Final = ("survey_responses.csv", "survey_answers.csv", "phone_cases.csv", "phone_answers.csv")
# Text columns of the large files under the reader's formula rule (scoring.bundle's
# TEXT_COLUMNS; every attribute column of survey_responses.csv too) and its id rule.
_TEXT: Final = {
    "survey_responses.csv": ("response_id", "group", "channel", "submitted_at"),
    "phone_cases.csv": ("case_id", "caller_id"),
}
_IDS: Final = {"survey_responses.csv": ("response_id",), "phone_cases.csv": ("case_id", "caller_id")}
_REQUIRED: Final = {
    "survey_responses.csv": ("response_id", "unit_id", "group"),
    "survey_answers.csv": ("response_id", "item_id", "code"),
    "phone_cases.csv": ("case_id", "unit_id", "disposition"),
    "phone_answers.csv": ("case_id", "item_id", "code"),
}
_FORMULA_FIRST: Final = np.array(sorted({p.encode("utf-8")[0] for p in FORMULA_PREFIXES}), dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class StoredBundle:
    """What :func:`scoring.load_bundle` returns for the campaign's exported bundle.

    ``from_rows`` tells how it was made: True from the fetched rows, False by reading an
    exported folder (a value the rows could not vouch for; the reader then decided)."""

    info: CampaignInfo
    params: MethodParams
    inputs: CampaignInputs
    file_sha256: dict[str, str]
    platform: PlatformSettings = field(default_factory=PlatformSettings)
    from_rows: bool = True


class _Unusual(Exception):
    """A value the platform never writes: let the scorer's reader judge the export."""


def stored_bundle(uow: UnitOfWork, campaign_code: str) -> StoredBundle:
    """The campaign's bundle as the scorer reads it, built from the database's rows.

    Raises
    ------
    db.bundle_io.UnknownCampaign
        No campaign has this code.
    scoring.BundleError
        The export is not a valid bundle: the reader's own defects.
    """
    return start_stored_bundle(uow, campaign_code).finish()


class PendingBundle:
    """A stored campaign's arrays, ready to score, while its large files' bytes are still
    being built and hashed on a thread (:func:`start_stored_bundle`).

    ``info``, ``params``, ``platform`` and ``inputs`` are those of the bundle that
    :meth:`finish` returns, unless the bytes show a value the rows could not vouch for:
    then :meth:`finish` reads the exported bundle back and returns the reader's arrays
    instead (``from_rows`` False; a caller that scored ``inputs`` scores again)."""

    def __init__(
        self,
        bundle: StoredBundle,
        *,
        pending: Sequence[Future[None]] = (),
        problems: Sequence[str] = (),
        read_back: Callable[[], StoredBundle] | None = None,
    ) -> None:
        self.info, self.params, self.inputs = bundle.info, bundle.params, bundle.inputs
        self.platform = bundle.platform
        self._bundle = bundle
        self._pending = pending
        self._problems = problems  # filled by the thread; read once it is done
        self._read_back = read_back

    def finish(self) -> StoredBundle:
        """The bundle with every file's SHA-256, once the thread is done (its error, if it
        had one, is raised here)."""
        for job in self._pending:
            job.result()
        if self._problems and self._read_back is not None:
            return self._read_back()
        if (
            self._bundle.from_rows
        ):  # the hashes came in as the files were built: list them as load_bundle does
            return dataclasses.replace(
                self._bundle, file_sha256=dict(sorted(self._bundle.file_sha256.items()))
            )
        return self._bundle


def start_stored_bundle(uow: UnitOfWork, campaign_code: str) -> PendingBundle:
    """Fetch the campaign's rows and build its arrays; the large files' bytes (for their
    hashes) are built on a thread meanwhile, so that the scorer can run beside them.

    Call :meth:`PendingBundle.finish` in the same unit of work, before using the hashes.
    Raises what :func:`stored_bundle` raises.
    """
    rows = ExportedRows(cells={}, item_ids=[], unit_row={}, owner_row={}, item={})
    hashes: dict[str, str] = {}
    small: dict[str, bytes] = {}
    unusual: list[str] = []

    def keep(name: str, data: bytes) -> None:  # on the thread for the large files
        hashes[name] = hashlib.sha256(data).hexdigest()  # hashlib lets other threads run
        if name not in LARGE_FILES:
            small[name] = data
            return
        problem = _file_problem(name, data, rows)
        if problem is not None:
            unusual.append(problem)

    # One thread, so the large files are built one after another in file order; arrow's
    # joins and hashlib release the GIL, so it runs beside the fetches and the scorer.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-bytes")
    jobs: list[Future[None]] = []

    def defer(name: str, produce: Callable[[], None]) -> None:
        if name in LARGE_FILES:
            jobs.append(pool.submit(produce))
        else:
            produce()

    def read_back_when_done() -> PendingBundle:
        futures_wait(jobs)  # no thread left reading the rows; its errors the reading repeats
        return PendingBundle(_read_back(uow, campaign_code))

    try:
        export_files(uow, campaign_code, keep, rows, defer)
    except BaseException:
        futures_wait(jobs)
        raise
    finally:
        pool.shutdown(wait=False)  # no new work; what was submitted runs on
    for name in LARGE_FILES:
        if name in rows.cells:
            header = list(rows.cells[name])
            if any(h != h.strip() or not h for h in header):
                return read_back_when_done()  # the reader trims header names
            small[name] = csv_header(header)  # the header row, as exported
    with tempfile.TemporaryDirectory(prefix="score-arrays-") as tmp:
        for name, data in small.items():
            (Path(tmp) / name).write_bytes(data)
        try:
            reduced = load_bundle(tmp)
        except BundleError:
            return read_back_when_done()  # the full reading gives every defect
    try:
        inputs = _large_arrays(rows, reduced.inputs, reduced.params)
    except _Unusual:
        return read_back_when_done()
    bundle = StoredBundle(
        info=reduced.info,
        params=reduced.params,
        inputs=inputs,
        file_sha256=hashes,  # complete once the thread is done: PendingBundle.finish sorts it
        platform=reduced.platform,
    )
    return PendingBundle(
        bundle, pending=jobs, problems=unusual, read_back=lambda: _read_back(uow, campaign_code)
    )


def read_back(uow: UnitOfWork, campaign_code: str) -> StoredBundle:
    """The other way: export the bundle to a temporary folder and read it with
    :func:`scoring.load_bundle` (what scoring a stored campaign did before)."""
    return _read_back(uow, campaign_code)


def _read_back(uow: UnitOfWork, campaign_code: str) -> StoredBundle:
    with tempfile.TemporaryDirectory(prefix="score-arrays-") as tmp:
        folder = Path(tmp) / "bundle"
        export_bundle(uow, campaign_code, folder)
        bundle = load_bundle(folder)
    return StoredBundle(
        info=bundle.info,
        params=bundle.params,
        inputs=bundle.inputs,
        file_sha256=bundle.file_sha256,
        platform=bundle.platform,
        from_rows=False,
    )


def _file_problem(name: str, data: bytes, rows: ExportedRows) -> str | None:
    """What the reader's file rules could object to in an exported large file, else None:
    a NUL, a carriage return, a line break inside a value, an over-long line, a header
    name with spaces around it (the reader trims header names; checked before the
    arrays are built too, as they are looked up by name)."""
    if b"\x00" in data or b"\r" in data:
        return f"{name}: NUL or carriage return"
    header = list(rows.cells[name])
    n_rows = len(next(iter(rows.cells[name].values())))
    if data.count(b"\n") != n_rows + 1:
        return f"{name}: a line break inside a value"
    if any(h != h.strip() or not h for h in header):
        return f"{name}: a header name with spaces around it"
    if first_long_line(data) is not None:
        return f"{name}: a line longer than {MAX_LINE_BYTES:,} bytes"
    return None


def _large_arrays(rows: ExportedRows, inputs: CampaignInputs, params: MethodParams) -> CampaignInputs:
    """``inputs`` (read from the small files) with the large files' arrays filled in from
    the fetched rows; :class:`_Unusual` where the reader might object."""
    changes: dict[str, Any] = {}
    cells = rows.cells
    scales = _scales(cells)
    items = _items(cells, scales)
    if "survey_responses.csv" in cells:
        c = cells["survey_responses.csv"]
        _check_large(c, "survey_responses.csv", extra=[h for h in c if h not in _RESPONSE_FIELDS])
        group_names, group = _codes(c["group"])
        statuses, status = _codes(c["status"])
        if any(s not in STATUSES for s in statuses):
            raise _Unusual("an unknown status")
        valid = np.array([s in ("valid", "") for s in statuses], dtype=bool)
        changes.update(
            response_unit=rows.unit_row["survey_responses.csv"].astype(np.int64),
            response_group=group,
            response_valid_status=valid[status],
            group_names=tuple(group_names),
            # a margin's column is there: the reader of the small files checked the header
            response_vars={var: _index_in(c[var], list(shares)) for var, shares in params.margins.items()},
        )
        if "survey_answers.csv" in cells:
            changes["survey_answers"] = _answers(rows, "survey_answers.csv", "survey", items, cells)
    if "phone_cases.csv" in cells:
        c = cells["phone_cases.csv"]
        _check_large(c, "phone_cases.csv")
        dispositions, code = _codes(c["disposition"])
        classes = [disposition_class(d) for d in dispositions]
        if any(k is None for k in classes):
            raise _Unusual("an unknown disposition")
        names, caller_code = _codes(c["caller_id"])
        order = sorted(n for n in names if n != "")
        position = {n: k for k, n in enumerate(order)}
        remap = np.array([position.get(n, -1) for n in names], dtype=np.int64)
        attempts = int_array(pc.cast(c["attempts"], pa.int64()))
        if attempts.size and (attempts.min() < 0 or attempts.max() > MAX_ATTEMPTS):
            raise _Unusual("call attempts out of range")
        changes.update(
            case_unit=rows.unit_row["phone_cases.csv"].astype(np.int64),
            case_class=np.array(classes, dtype=np.int64)[code],
            case_caller=remap[caller_code] if names else np.full(len(code), -1, np.int64),
            caller_ids=tuple(order),
        )
        if "phone_answers.csv" in cells:
            changes["phone_answers"] = _answers(rows, "phone_answers.csv", "phone", items, cells)
    return dataclasses.replace(inputs, **changes)


_RESPONSE_FIELDS: Final = ("response_id", "unit_id", "group", "channel", "submitted_at", "status")


def _check_large(c: dict[str, Any], name: str, extra: Sequence[str] = ()) -> None:
    """The reader's cell rules on a large file: required cells filled, no text like a
    formula, no id with spaces around it (judged exactly on the few cells that may)."""
    for column in _REQUIRED[name]:
        if empty_cells(c[column]).any():
            raise _Unusual(f"an empty {column}")
    texts = [*_TEXT[name], *extra]
    for column in dict.fromkeys([*texts, *_IDS[name]]):
        col = c[column]
        first, last = edge_bytes(col)
        if column in texts:
            for r in np.flatnonzero(np.isin(first, _FORMULA_FIRST)).tolist():
                if label_defect(name, None, column, col[r].as_py()) is not None:
                    raise _Unusual(f"{column} like a formula")
        if column in _IDS[name]:
            maybe = np.flatnonzero((first <= 0x20) | (first >= 0x80) | (last <= 0x20) | (last >= 0x80))
            for r in maybe.tolist():
                value = col[r].as_py()
                if value != value.strip():
                    raise _Unusual(f"{column} with spaces around it")


def _codes(col: pa.Array) -> tuple[list[str], np.ndarray]:
    """Distinct values in order of first appearance and each row's index into them (the
    reader's own encoding of a column)."""
    encoded = pc.dictionary_encode(col)
    return encoded.dictionary.to_pylist(), int_array(encoded.indices)


def _index_in(col: pa.Array, universe: list[str]) -> np.ndarray:
    """Position of each value in ``universe``; -1 where absent."""
    found = pc.index_in(col, value_set=strings(universe)).cast(pa.int64())
    return int_array(pc.coalesce(found, int64s(np.full(1, -1))[0]))


# scale code -> option code -> score (None = don't know), as the reader reads scales.csv
_Scales = dict[str, dict[str, float | None]]


def _scales(cells: dict[str, dict[str, Any]]) -> _Scales:
    builtin: dict[str, float | None] = {code: score for code, (_, score) in SAT3.items()}
    if "scales.csv" not in cells:
        return {"sat3": builtin}
    c = cells["scales.csv"]
    scales: _Scales = {}
    for s, code, score in zip(c["scale_id"], c["code"], c["score"], strict=True):
        scales.setdefault(s, {})[code] = float(score) if score != "" else None
    scales.setdefault("sat3", builtin)
    return scales


@dataclass
class _Items:
    """items.csv as the reader takes it: per instrument the item codes (file order), their
    weights and options; per file row the item's position within its instrument."""

    codes: dict[str, list[str]]
    weight: dict[str, np.ndarray]
    options: dict[str, list[dict[str, float | None]]]
    instrument: list[str]


def _items(cells: dict[str, dict[str, Any]], scales: _Scales) -> _Items:
    c = cells["items.csv"]
    codes: dict[str, list[str]] = {"survey": [], "phone": []}
    weights: dict[str, list[float]] = {"survey": [], "phone": []}
    options: dict[str, list[dict[str, float | None]]] = {"survey": [], "phone": []}
    rows = zip(c["instrument"], c["item_id"], c["scale_id"], c["weight"], strict=True)
    for inst, code, scale, weight in rows:
        if inst not in codes or code in codes[inst]:
            raise _Unusual("an item the reader would refuse")  # and has refused already
        codes[inst].append(code)
        w = float(weight) if weight != "" else math.nan
        weights[inst].append(1.0 if math.isnan(w) else w)
        options[inst].append(scales.get(scale, {}))
    return _Items(
        codes=codes,
        weight={k: np.array(v, dtype=np.float64) for k, v in weights.items()},
        options=options,
        instrument=list(c["instrument"]),
    )


def _answers(
    rows: ExportedRows, name: str, instrument: str, items: _Items, cells: dict[str, dict[str, Any]]
) -> Answers:
    """An answers file's arrays: owner rows, item weights and option scores."""
    c = cells[name]
    if empty_cells(c["code"]).any():
        raise _Unusual("an empty option code")
    item_row = rows.item[name]  # the row of items.csv
    file_codes = list(cells["items.csv"]["item_id"])
    # the item's position among the instrument's items, found by its code as the reader does
    position = np.array(
        [
            items.codes[instrument].index(code) if items.instrument[r] == instrument else -1
            for r, code in enumerate(file_codes)
        ],
        dtype=np.int64,
    )
    item = position[item_row] if item_row.size else np.zeros(0, dtype=np.int64)
    if (item < 0).any():
        raise _Unusual(f"an answer to an item of another instrument than {instrument}")
    code_names, code = _codes(c["code"])
    n_items, n_codes = len(items.codes[instrument]), len(code_names)
    lookup = np.full((max(n_items, 1), max(n_codes, 1)), np.inf)
    for j, options in enumerate(items.options[instrument]):
        for k, name_k in enumerate(code_names):
            if name_k in options:
                score = options[name_k]
                lookup[j, k] = np.nan if score is None else score
    score = lookup[item, code] if item.size else np.zeros(0)
    if np.isinf(score).any():
        raise _Unusual("an option that is not one of the item's scale")
    weights = items.weight[instrument]
    return Answers(
        owner=rows.owner_row[name].astype(np.int64),
        item_weight=weights[item] if n_items else np.zeros(0),
        score=score,
    )


__all__ = [
    "LARGE_FILES",
    "PendingBundle",
    "StoredBundle",
    "read_back",
    "start_stored_bundle",
    "stored_bundle",
]
