"""A questionnaire (问卷) as files: ``items.csv`` and ``scales.csv`` in the bundle format.

Departments author questionnaires in Excel or any CSV editor, so the designer reads and
writes exactly the two files of a bundle (``bundle.md``), alone, in a folder or a zip.
Whatever reaches the database, from a file or from the designer's forms, is checked by
the **bundle reader itself**: the two files are put beside a minimal ``campaign.toml``
and a ``units.csv`` naming the known unit categories, and :func:`scoring.bundle.load_bundle`
validates them (text rules, id rules, scale references, scores, weights, the item-set
columns), then the database widths (:func:`db.bundle_io._check_widths`). What the reader
cannot know is checked here: the campaign's respondent groups, at most one option
without a score per scale (不了解), ids differing only by case or width.

This module is pure apart from temporary files: no database, no permissions (those are
:mod:`services.questionnaire_design`'s).
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Final

from db.bundle_io import _check_widths
from scoring.bundle import SAT3, load_bundle
from scoring.csvfile import CsvTable, read_csv
from scoring.errors import BundleError, Defect
from scoring.textrules import FORMULA_MESSAGE
from services import defects as worded
from services.defects import ImportDefect
from services.errors import Refused

SURVEY: Final = "survey"
PHONE: Final = "phone"
INSTRUMENTS: Final = (SURVEY, PHONE)
BUILTIN_SCALE: Final = "sat3"
ITEMS: Final = "items.csv"
SCALES: Final = "scales.csv"
FILES: Final = (ITEMS, SCALES)
ITEM_COLUMNS: Final = (
    "instrument",
    "item_id",
    "scale_id",
    "text_zh",
    "text_en",
    "weight",
    "unit_categories",
    "respondent_groups",
)
SCALE_COLUMNS: Final = ("scale_id", "code", "label_zh", "label_en", "score")
LIST_SEPARATOR: Final = ";"
#: Largest questionnaire file accepted (a questionnaire is a few hundred rows at most).
MAX_FILE_BYTES: Final = 2 * 2**20

DK_TWICE: Final = worded.Wording(
    "qdesign.defect.dont_know_twice",
    'scale "{scale}" has more than one option without a score; only one (不了解, don\'t know) may have none',
)
NO_SCORED_OPTION: Final = worded.Wording(
    "qdesign.defect.no_scored_option", 'scale "{scale}" has no option with a score'
)
ALIKE: Final = worded.Wording(
    "qdesign.defect.alike",
    '"{value}" differs from "{other}" only by case, full/half width or spaces, so people would take '
    "the two for one",
)
UNKNOWN_GROUP: Final = worded.Wording(
    "qdesign.defect.unknown_group", 'the campaign has no respondent group "{value}" (it has: {known})'
)
UNKNOWN_CATEGORY: Final = worded.Wording(
    "qdesign.defect.unknown_category",
    'no unit of the campaign or the register is in category "{value}" (known: {known})',
)
NO_FILES: Final = worded.Wording(
    "qdesign.defect.no_items", "no items.csv: a questionnaire needs items.csv (and scales.csv for own scales)"
)


_W = worded.Wording
# What the bundle reader says about items.csv and scales.csv, matched whole, worded for the page.
_READER_MESSAGES: Final = (
    (re.compile(r'"(?P<value>.*)" ' + re.escape(FORMULA_MESSAGE), re.DOTALL), worded.FORMULA),
    (re.compile(r"the required cell is empty"), _W("qdesign.defect.required", "the required cell is empty")),
    (
        re.compile(r'required column "(?P<name>.*)" is missing'),
        _W("qdesign.defect.column_missing", 'required column "{name}" is missing'),
    ),
    (
        re.compile(r'"(?P<value>.*)" is below (?P<min>.*)', re.DOTALL),
        _W("qdesign.defect.below", '"{value}" is below {min}'),
    ),
    (
        re.compile(r'"(?P<value>.*)" is not a finite number', re.DOTALL),
        _W("qdesign.defect.not_number", '"{value}" is not a finite number'),
    ),
    (
        re.compile(r'"(?P<value>.*)" is outside \[0, 100\]', re.DOTALL),
        _W("qdesign.defect.score_range", '"{value}" is outside [0, 100]'),
    ),
    (
        re.compile(r'unknown scale "(?P<value>.*)"'),
        _W("qdesign.defect.unknown_scale", 'unknown scale "{value}"'),
    ),
    (
        re.compile(r'duplicate \(instrument, item_id\) "(?P<value>.*)"'),
        _W("qdesign.defect.duplicate_item", 'duplicate (instrument, item_id) "{value}"'),
    ),
    (
        re.compile(r'duplicate \(scale_id, code\) "(?P<value>.*)"'),
        _W("qdesign.defect.duplicate_option", 'duplicate (scale_id, code) "{value}"'),
    ),
    (
        re.compile(r'"(?P<value>.*)" is not an instrument \(survey or phone\)'),
        _W("qdesign.defect.instrument", '"{value}" is not an instrument (survey or phone)'),
    ),
    (
        re.compile(r'"(?P<value>.*)" has spaces before or after it.*', re.DOTALL),
        _W("qdesign.defect.spaces", '"{value}" has spaces before or after it'),
    ),
    (
        re.compile(r'"(?P<value>.*)" is listed twice'),
        _W("qdesign.defect.listed_twice", '"{value}" is listed twice'),
    ),
    (
        re.compile(r'"(?P<value>.*)" has an empty element.*', re.DOTALL),
        _W("qdesign.defect.empty_element", '"{value}" has an empty element; separate names with ";"'),
    ),
)
_NOT_A_CATEGORY: Final = re.compile(r'"(?P<value>.*)" is not a category of units\.csv')


def _worded(defect: Defect, context: Context) -> ImportDefect:
    """A reader defect worded for the page (its English stays the reader's)."""
    found = _NOT_A_CATEGORY.fullmatch(defect.message)
    if found:
        # the units.csv here is made up of the known categories: say what they are
        return ImportDefect.of(
            defect.file,
            defect.line,
            defect.column,
            UNKNOWN_CATEGORY,
            value=found["value"],
            known="、".join(context.categories) or "—",
        )
    for pattern, wording in _READER_MESSAGES:
        found = pattern.fullmatch(defect.message)
        if found:
            worded_defect = ImportDefect.of(
                defect.file, defect.line, defect.column, wording, **found.groupdict()
            )
            return replace(worded_defect, message=defect.message)
    return ImportDefect.from_scoring(defect)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """An answer option of a scale; ``score`` None is "don't know" (不了解)."""

    code: str
    label_zh: str
    label_en: str = ""
    score: float | None = None


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    """An answer scale (量表) with its options in order; ``builtin`` is the methodology's sat3."""

    code: str
    options: tuple[OptionSpec, ...]
    builtin: bool = False


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """A question (题目) of the survey or the phone script, with its item set (题组):
    the unit categories and respondent groups it is asked of (empty = all)."""

    instrument: str
    code: str
    scale: str
    text_zh: str
    text_en: str = ""
    weight: float = 1.0
    unit_categories: tuple[str, ...] = ()
    respondent_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionnaireSpec:
    """A whole questionnaire: its scales (the built-in sat3 flagged) and items in order."""

    scales: tuple[ScaleSpec, ...]
    items: tuple[ItemSpec, ...]

    def scale(self, code: str) -> ScaleSpec | None:
        return next((s for s in self.scales if s.code == code), None)

    def of(self, instrument: str) -> tuple[ItemSpec, ...]:
        return tuple(i for i in self.items if i.instrument == instrument)


@dataclass(frozen=True, slots=True)
class Context:
    """What validation needs to know of the campaign: its year, the unit categories an item
    set may name (the campaign's and the register's), and its respondent groups."""

    year: int
    categories: tuple[str, ...]
    groups: tuple[str, ...]


class QuestionnaireRejected(Refused):
    """A questionnaire (a file or a form's edit) was refused as a whole; ``defects`` names
    every problem by file, line and column, worded for the page."""

    def __init__(self, defects: Sequence[ImportDefect]) -> None:
        self.defects = list(defects)
        shown = "; ".join(str(d) for d in self.defects[:5])
        more = f" (and {len(self.defects) - 5} more)" if len(self.defects) > 5 else ""
        super().__init__(f"nothing was changed: {shown}{more}")


def builtin_sat3() -> ScaleSpec:
    """The methodology's built-in scale (bundle.md): 满意 100, 基本满意 60, 不满意 0, 不了解."""
    return ScaleSpec(
        BUILTIN_SCALE,
        tuple(OptionSpec(code, label, "", score) for code, (label, score) in SAT3.items()),
        builtin=True,
    )


def fold(value: str) -> str:
    """An id as people read it: NFKC, trimmed, case-folded (the reader's duplicate rule)."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


def split_list(cell: str) -> tuple[str, ...]:
    """A ``;``-separated cell as its elements, trimmed, empties dropped."""
    return tuple(part.strip() for part in (cell or "").split(LIST_SEPARATOR) if part.strip())


def join_list(values: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(values)


# ---------------------------------------------------------------- writing


def _num(x: float | None) -> str:
    """A number as text that reads back to the same double (as bundle export writes it)."""
    if x is None:
        return ""
    shown = repr(float(x))
    return shown[:-2] if shown.endswith(".0") else shown


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def to_files(spec: QuestionnaireSpec) -> dict[str, bytes]:
    """``items.csv`` and, when the questionnaire has scales of its own, ``scales.csv``
    (UTF-8, bundle format; the built-in sat3 is not written, as in an exported bundle)."""
    files = {
        ITEMS: _csv(
            ITEM_COLUMNS,
            (
                (
                    i.instrument,
                    i.code,
                    i.scale,
                    i.text_zh,
                    i.text_en,
                    _num(i.weight),
                    join_list(i.unit_categories),
                    join_list(i.respondent_groups),
                )
                for i in spec.items
            ),
        )
    }
    own = [s for s in spec.scales if not s.builtin]
    if own:
        files[SCALES] = _csv(
            SCALE_COLUMNS,
            ((s.code, o.code, o.label_zh, o.label_en, _num(o.score)) for s in own for o in s.options),
        )
    return files


def write_dir(files: Mapping[str, bytes], out_dir: str | Path) -> list[Path]:
    """Write the files into ``out_dir`` (created; it must not hold a questionnaire already)."""
    out = Path(out_dir)
    clash = [name for name in FILES if (out / name).exists()]
    if clash:
        raise FileExistsError(f"{out} already holds {', '.join(clash)}; export into a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, raw in files.items():
        (out / name).write_bytes(raw)
        written.append(out / name)
    return written


def to_zip(files: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, raw in files.items():
            archive.writestr(name, raw)
    return buf.getvalue()


# ---------------------------------------------------------------- reading


def read_dir(path: str | Path) -> dict[str, bytes]:
    """items.csv and scales.csv of a folder (those present; links and folders are left to
    the reader, which refuses them by name)."""
    root = Path(path)
    if not root.is_dir():
        raise QuestionnaireRejected(
            [ImportDefect.of(str(root), None, None, worded.OTHER, detail="not a folder")]
        )
    return {name: (root / name).read_bytes() for name in FILES if (root / name).is_file()}


def read_upload(name: str, raw: bytes) -> dict[str, bytes]:
    """The files of an upload: a zip holding items.csv (and scales.csv), or one of the two
    CSV files by its name. Anything else is refused, naming the upload."""
    if len(raw) > MAX_FILE_BYTES:
        raise QuestionnaireRejected(
            [ImportDefect.of(name, None, None, worded.TOO_LARGE, mb=MAX_FILE_BYTES // 2**20)]
        )
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                found = {}
                for info in archive.infolist():
                    base = Path(info.filename).name
                    if base in FILES and not info.is_dir():
                        if info.file_size > MAX_FILE_BYTES:
                            raise QuestionnaireRejected(
                                [
                                    ImportDefect.of(
                                        base, None, None, worded.TOO_LARGE, mb=MAX_FILE_BYTES // 2**20
                                    )
                                ]
                            )
                        found[base] = archive.read(info)
                return found
        except zipfile.BadZipFile:
            raise QuestionnaireRejected(
                [ImportDefect.of(name, None, None, worded.OTHER, detail="not a readable zip file")]
            ) from None
    base = Path(name).name
    return {base: raw} if base in FILES else {}


def _write_bundle(root: Path, files: Mapping[str, bytes], context: Context) -> None:
    """The questionnaire's files beside a minimal campaign.toml and a units.csv with one
    made-up unit per known category, so that the reader can check them alone."""
    (root / "campaign.toml").write_text(
        f'[campaign]\nid = "questionnaire"\nyear = {int(context.year)}\n', encoding="utf-8"
    )
    (root / "units.csv").write_bytes(
        _csv(
            ("unit_id", "name", "category"), ((f"u{k}", f"u{k}", c) for k, c in enumerate(context.categories))
        )
    )
    for name in FILES:
        if name in files:
            (root / name).write_bytes(files[name])


def check_files(files: Mapping[str, bytes], context: Context) -> QuestionnaireSpec:
    """The questionnaire in ``files`` if it is valid, else :class:`QuestionnaireRejected`
    with every defect (the bundle reader's, the database widths', the campaign's groups
    and categories, the scale rules)."""
    if ITEMS not in files:
        raise QuestionnaireRejected([ImportDefect.of(ITEMS, None, None, NO_FILES)])
    found: list[Defect] = []
    with tempfile.TemporaryDirectory(prefix="questionnaire-") as tmp:
        root = Path(tmp)
        _write_bundle(root, files, context)
        try:
            load_bundle(root)
        except BundleError as exc:
            found.extend(exc.defects)
        tables = {}
        for name in FILES:
            if name in files:
                table = read_csv(root / name, name, [], raw=files[name])
                if table is not None:
                    tables[name] = table
    defects = [_worded(d, context) for d in found]
    if ITEMS in tables:
        defects.extend(_worded(d, context) for d in _check_widths(_NO_CAMPAIGN, tables))
        defects.extend(_check_own(tables, context, flagged={(d.file, d.line, d.column) for d in defects}))
    if defects:
        raise QuestionnaireRejected(defects)
    return _spec(tables)


# campaign.toml's width check has nothing to check here (the campaign is the database's)
_NO_CAMPAIGN: Final = SimpleNamespace(id="", name="", series="")


def _cells(table: CsvTable, column: str) -> list[str]:
    return table.col(column).to_pylist() if table.has(column) else [""] * table.n_rows


def _check_own(
    tables: Mapping[str, CsvTable], context: Context, flagged: set[tuple[str, int | None, str | None]]
) -> list[ImportDefect]:
    """The rules beyond the reader's (file, line, column each)."""
    out: list[ImportDefect] = []
    scales = tables.get(SCALES)
    if scales is not None:
        ids, codes, scores = _cells(scales, "scale_id"), _cells(scales, "code"), _cells(scales, "score")
        unscored: dict[str, int] = {}
        scored: set[str] = set()
        first_line: dict[str, int] = {}
        seen_code: dict[tuple[str, str], str] = {}
        seen_scale: dict[str, str] = {}
        for r, (sid, code, score) in enumerate(zip(ids, codes, scores, strict=True)):
            line = scales.line(r)
            first_line.setdefault(sid, line)
            if score.strip():
                scored.add(sid)
            else:
                unscored[sid] = unscored.get(sid, 0) + 1
                if unscored[sid] == 2:
                    out.append(ImportDefect.of(SCALES, line, "score", DK_TWICE, scale=sid))
            other = seen_scale.setdefault(fold(sid), sid)
            if other != sid:
                out.append(ImportDefect.of(SCALES, line, "scale_id", ALIKE, value=sid, other=other))
            earlier = seen_code.setdefault((sid, fold(code)), code)
            if earlier != code:
                out.append(ImportDefect.of(SCALES, line, "code", ALIKE, value=code, other=earlier))
        for sid, line in first_line.items():
            if sid not in scored:
                out.append(ImportDefect.of(SCALES, line, "score", NO_SCORED_OPTION, scale=sid))
    items = tables[ITEMS]
    instruments, item_ids = _cells(items, "instrument"), _cells(items, "item_id")
    seen_item: dict[tuple[str, str], str] = {}
    for r, (instrument, iid) in enumerate(zip(instruments, item_ids, strict=True)):
        earlier = seen_item.setdefault((instrument, fold(iid)), iid)
        if earlier != iid:
            out.append(ImportDefect.of(ITEMS, items.line(r), "item_id", ALIKE, value=iid, other=earlier))
    for column, known, wording in (
        ("unit_categories", context.categories, UNKNOWN_CATEGORY),
        ("respondent_groups", context.groups, UNKNOWN_GROUP),
    ):
        for r, cell in enumerate(_cells(items, column)):
            line = items.line(r)
            if (ITEMS, line, column) in flagged:
                continue  # the reader said what is wrong with this cell already
            for value in split_list(cell):
                label = ImportDefect.for_label(ITEMS, line, column, value)
                if label is not None:
                    out.append(label)
                elif value not in known:
                    out.append(
                        ImportDefect.of(
                            ITEMS, line, column, wording, value=value, known="、".join(known) or "—"
                        )
                    )
    return out


def _spec(tables: Mapping[str, CsvTable]) -> QuestionnaireSpec:
    """The questionnaire of valid tables: scales in order of first appearance (the
    built-in sat3 unless scales.csv defines it), items in file order."""
    options: dict[str, list[OptionSpec]] = {}
    scales = tables.get(SCALES)
    if scales is not None:
        for sid, code, zh, en, score in zip(
            *(_cells(scales, c) for c in SCALE_COLUMNS),
            strict=True,
        ):
            options.setdefault(sid, []).append(
                OptionSpec(code, zh, en, float(score) if score.strip() else None)
            )
    specs = [ScaleSpec(sid, tuple(opts)) for sid, opts in options.items()]
    if BUILTIN_SCALE not in options:
        specs.append(builtin_sat3())
    items = tables[ITEMS]
    rows = zip(*(_cells(items, c) for c in ITEM_COLUMNS), strict=True)
    return QuestionnaireSpec(
        scales=tuple(specs),
        items=tuple(
            ItemSpec(
                instrument=instrument,
                code=code,
                scale=scale,
                text_zh=zh,
                text_en=en,
                weight=float(weight) if weight.strip() else 1.0,
                unit_categories=split_list(categories),
                respondent_groups=split_list(groups),
            )
            for instrument, code, scale, zh, en, weight, categories, groups in rows
        ),
    )


def check_spec(spec: QuestionnaireSpec, context: Context) -> QuestionnaireSpec:
    """A questionnaire made in the designer's forms, checked by the same rules as a file
    (:func:`check_files`), its defects naming the item or scale instead of a line."""
    for value in (i.weight for i in spec.items):
        if not math.isfinite(value):
            raise QuestionnaireRejected(
                [
                    ImportDefect.of(
                        ITEMS, None, "weight", worded.OTHER, detail=f"{value} is not a finite number"
                    )
                ]
            )
    try:
        return check_files(to_files(spec), context)
    except QuestionnaireRejected as exc:
        raise QuestionnaireRejected([_named(d, spec) for d in exc.defects]) from None


def _named(defect: ImportDefect, spec: QuestionnaireSpec) -> ImportDefect:
    """A defect of the written files, with its file named by the item or scale of the line."""
    if defect.line is None or defect.line < 2:
        return defect
    row = defect.line - 2
    if defect.file == ITEMS and row < len(spec.items):
        item = spec.items[row]
        return replace(defect, file=f"{item.instrument} {item.code}", line=None)
    own = [(s.code, o.code) for s in spec.scales if not s.builtin for o in s.options]
    if defect.file == SCALES and row < len(own):
        scale, option = own[row]
        return replace(defect, file=f"{scale} {option}", line=None)
    return defect


# ---------------------------------------------------------------- the designer's tables

#: Columns of the designer's item table (st.data_editor) and of its option table.
ITEM_TABLE: Final = ("code", "text_zh", "text_en", "scale", "weight", "unit_categories", "respondent_groups")
OPTION_TABLE: Final = ("code", "label_zh", "label_en", "score")


def item_rows(items: Sequence[ItemSpec]) -> list[dict[str, object]]:
    """The item table's rows (one instrument's questions, in order)."""
    return [
        {
            "code": i.code,
            "text_zh": i.text_zh,
            "text_en": i.text_en,
            "scale": i.scale,
            "weight": i.weight,
            "unit_categories": list(i.unit_categories),
            "respondent_groups": list(i.respondent_groups),
        }
        for i in items
    ]


def option_rows(options: Sequence[OptionSpec]) -> list[dict[str, object]]:
    return [
        {"code": o.code, "label_zh": o.label_zh, "label_en": o.label_en, "score": o.score} for o in options
    ]


def _text_cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number_cell(value: object) -> float | None:
    """A number cell (None or NaN: empty); text that is no number stays for the checks."""
    if value is None or value == "":
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def _list_cell(value: object) -> tuple[str, ...]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    if isinstance(value, str):
        return split_list(value)
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


def _edited(
    before: Sequence[Mapping[str, object]], state: Mapping[str, object]
) -> tuple[list[dict[str, object]], list[str]]:
    """The table after the edits in ``state`` (st.data_editor's ``edited_rows``,
    ``added_rows``, ``deleted_rows``), and rows given as numbers that are not."""
    rows = [dict(r) for r in before]
    errors: list[str] = []
    edited = state.get("edited_rows") or {}
    for index, change in dict(edited).items():  # type: ignore[call-overload]
        k = int(index)
        if 0 <= k < len(rows):
            rows[k].update(change)
    deleted = {int(k) for k in state.get("deleted_rows") or []}  # type: ignore[attr-defined]
    rows = [r for k, r in enumerate(rows) if k not in deleted]
    rows += [dict(r) for r in state.get("added_rows") or []]  # type: ignore[attr-defined]
    return rows, errors


def apply_item_edits(
    instrument: str, before: Sequence[ItemSpec], state: Mapping[str, object]
) -> tuple[list[ItemSpec], list[str]]:
    """One instrument's questions after the designer's table edits (pure: the page hands
    its editor state over, the service checks the result by the bundle rules).

    Returns the questions in table order and the rows that cannot become a question at
    all (a weight that is not a number), named by row number (1-based)."""
    rows, errors = _edited(item_rows(before), state)
    items = []
    for n, row in enumerate(rows, start=1):
        try:
            weight = _number_cell(row.get("weight"))
        except (TypeError, ValueError):
            errors.append(f"row {n}: the weight {row.get('weight')!r} is not a number")
            continue
        items.append(
            ItemSpec(
                instrument=instrument,
                code=_text_cell(row.get("code")),
                scale=_text_cell(row.get("scale")) or BUILTIN_SCALE,
                text_zh=_text_cell(row.get("text_zh")),
                text_en=_text_cell(row.get("text_en")),
                weight=1.0 if weight is None else weight,
                unit_categories=_list_cell(row.get("unit_categories")),
                respondent_groups=_list_cell(row.get("respondent_groups")),
            )
        )
    return items, errors


def apply_option_edits(
    before: Sequence[OptionSpec], state: Mapping[str, object]
) -> tuple[list[OptionSpec], list[str]]:
    """A scale's options after the designer's table edits; rows whose score is not a
    number are named (1-based)."""
    rows, errors = _edited(option_rows(before), state)
    options = []
    for n, row in enumerate(rows, start=1):
        try:
            score = _number_cell(row.get("score"))
        except (TypeError, ValueError):
            errors.append(f"row {n}: the score {row.get('score')!r} is not a number")
            continue
        options.append(
            OptionSpec(
                _text_cell(row.get("code")),
                _text_cell(row.get("label_zh")),
                _text_cell(row.get("label_en")),
                score,
            )
        )
    return options, errors
