"""Build tiny appraisal bundles (评议数据包) for tests and read the scorer's results.

A test describes a campaign in Python (units, responses with their answers, phone cases,
indicators, adjustments, history, campaign.toml overrides), writes it with
``Bundle.write`` and scores it with ``score`` / ``run``.  Rows are plain dicts, kept in
the order they were added, so a test knows the line of every row: the header is line 1
and row ``i`` (0-based) of a table is line ``i + 2`` of its file.

The scorer is called in-process through ``scoring.cli.main`` (its published contract),
so that a defect test can also assert the exit code and stderr without paying for a
subprocess per case.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Every CSV file of bundle.md with the attribute of ``Bundle`` that holds its rows.
CSV_FILES: dict[str, str] = {
    "units.csv": "units",
    "scales.csv": "scales",
    "items.csv": "items",
    "survey_responses.csv": "responses",
    "survey_answers.csv": "survey_answers",
    "phone_cases.csv": "cases",
    "phone_answers.csv": "phone_answers",
    "indicators.csv": "indicators",
    "indicator_values.csv": "values",
    "adjustments.csv": "adjustments",
    "history.csv": "history",
}
# bundle.md: these must exist even when empty of rows.
REQUIRED_FILES = ("campaign.toml", "units.csv", "items.csv")
RESULT_FILES = ("results.csv", "fieldwork.csv", "summary.json")

RESULT_COLUMNS = [
    "unit_id", "name", "category", "group", "n_survey", "n_survey_eff", "survey_score",
    "survey_satisfaction", "n_phone", "phone_score", "phone_satisfaction", "bigdata_score",
    "composite", "bonus", "deduction", "veto", "final_score", "eligible", "ineligible_reason", "rank",
    "group_size", "list", "grade", "unsatisfactory", "consecutive_unsatisfactory", "card", "head_name",
    "final_ci_low", "final_ci_high", "rank_ci_low", "rank_ci_high", "p_best", "p_worst", "robust_worst",
    "raking_failed",
]  # fmt: skip
UNCERTAINTY_COLUMNS = ["final_ci_low", "final_ci_high", "rank_ci_low", "rank_ci_high", "p_best", "p_worst"]
FIELDWORK_COUNTS = ["I", "P", "R", "NC", "O", "UH", "UO", "NE"]
FIELDWORK_RATES = ["e", "RR1", "RR2", "RR3", "RR4", "COOP1", "REF1", "CON1"]

# Scale used by ``Bundle.scored_response``: one option per score, so that a response's
# score (and, with survey weight 1, the unit's final score) is any number a test needs,
# exactly, without floating-point detours.
PTS_SCALE = "pts"
PTS_SURVEY_ITEM = "pt"
PTS_PHONE_ITEM = "ppt"


def base_campaign() -> dict[str, Any]:
    """A campaign in which F = S: only the survey component weighs, and one response suffices."""
    return {
        "campaign": {"id": "rules-2017", "name": "规则测试2017", "series": "rules", "year": 2017},
        "weights": {"components": {"survey": 1.0, "phone": 0.0, "bigdata": 0.0}},
        "eligibility": {"min_survey": 1, "min_phone": 0},
    }


def _toml_key(key: str) -> str:
    bare = key and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
    return key if bare else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


def to_toml(data: dict[str, Any]) -> str:
    """Serialise nested dicts of scalars as TOML tables (tomllib only reads)."""
    lines: list[str] = []

    def emit(table: dict[str, Any], prefix: list[str]) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in table.items() if isinstance(v, dict)}
        if prefix and (scalars or not tables):
            lines.append("[" + ".".join(_toml_key(p) for p in prefix) + "]")
            lines.extend(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars.items())
            lines.append("")
        for k, v in tables.items():
            emit(v, [*prefix, k])

    emit(data, [])
    return "\n".join(lines) + "\n"


def csv_text(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    """CSV with a header; columns in order of first appearance; None and missing keys -> empty."""
    if columns is None:
        columns = []
        for row in rows:
            columns.extend(k for k in row if k not in columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row[c]) for c in columns])
    return buf.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Bundle:
    """An in-memory bundle; every table is a list of row dicts in file order.

    ``raw`` replaces a file's generated text (str) or bytes verbatim; ``omit`` leaves files
    out; ``columns`` fixes a CSV's header (e.g. to drop a required column).
    """

    campaign: dict[str, Any] = field(default_factory=base_campaign)
    units: list[dict[str, Any]] = field(default_factory=list)
    scales: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "instrument": "survey",
                "item_id": "q1",
                "scale_id": "sat3",
                "text_zh": "总体满意度",
                "weight": 1,
            },
            {
                "instrument": "phone",
                "item_id": "p1",
                "scale_id": "sat3",
                "text_zh": "总体是否满意",
                "weight": 1,
            },
        ]
    )
    responses: list[dict[str, Any]] = field(default_factory=list)
    survey_answers: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    phone_answers: list[dict[str, Any]] = field(default_factory=list)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, str | bytes] = field(default_factory=dict)
    omit: set[str] = field(default_factory=set)
    columns: dict[str, list[str]] = field(default_factory=dict)

    # -- campaign.toml ---------------------------------------------------------------
    def set(self, dotted: str, value: Any) -> Bundle:
        """Override one campaign.toml key, e.g. ``set("ranking.top_n", 2)``."""
        *tables, key = dotted.split(".")
        node = self.campaign
        for t in tables:
            node = node.setdefault(t, {})
        node[key] = value
        return self

    def components(self, survey: float, phone: float, bigdata: float) -> Bundle:
        return self.set("weights.components", {"survey": survey, "phone": phone, "bigdata": bigdata})

    # -- rows ------------------------------------------------------------------------
    def unit(
        self, unit_id: str, category: str = "cat", name: str | None = None, head_name: str | None = None
    ) -> str:
        self.units.append(
            {
                "unit_id": unit_id,
                "name": name if name is not None else f"单位{unit_id}",
                "category": category,
                "parent_id": None,
                "head_name": head_name if head_name is not None else f"负责人{unit_id}",
            }
        )
        return unit_id

    def scale(self, scale_id: str, options: dict[str, float | None]) -> None:
        for code, score in options.items():
            self.scales.append({"scale_id": scale_id, "code": code, "label_zh": code, "score": score})

    def item(self, instrument: str, item_id: str, scale_id: str = "sat3", weight: float | None = 1) -> None:
        self.items.append(
            {"instrument": instrument, "item_id": item_id, "scale_id": scale_id, "text_zh": f"题目{item_id}",
             "weight": weight}
        )  # fmt: skip

    def response(
        self,
        unit_id: str,
        answers: dict[str, str] | str | None,
        group: str = "citizen",
        status: str | None = "valid",
        response_id: str | None = None,
        **variables: Any,
    ) -> str:
        """Add a survey response; a str ``answers`` answers item q1 with that code."""
        rid = response_id or f"r{len(self.responses) + 1}"
        row: dict[str, Any] = {"response_id": rid, "unit_id": unit_id, "group": group, "status": status}
        row.update(variables)
        self.responses.append(row)
        if isinstance(answers, str):
            answers = {"q1": answers}
        for item_id, code in (answers or {}).items():
            self.survey_answers.append({"response_id": rid, "item_id": item_id, "code": code})
        return rid

    def case(
        self,
        unit_id: str,
        disposition: str = "1.1",
        answers: dict[str, str] | str | None = None,
        caller_id: str | None = "k1",
        case_id: str | None = None,
    ) -> str:
        """Add a phone case; a str ``answers`` answers item p1 with that code."""
        cid = case_id or f"c{len(self.cases) + 1}"
        self.cases.append(
            {"case_id": cid, "unit_id": unit_id, "disposition": disposition, "caller_id": caller_id,
             "attempts": 1}
        )  # fmt: skip
        if isinstance(answers, str):
            answers = {"p1": answers}
        for item_id, code in (answers or {}).items():
            self.phone_answers.append({"case_id": cid, "item_id": item_id, "code": code})
        return cid

    def _pts_code(self, score: float, item_id: str, instrument: str) -> str:
        code = f"s{score:g}"
        if not any(r["scale_id"] == PTS_SCALE and r["code"] == code for r in self.scales):
            self.scale(PTS_SCALE, {code: score})
        if not any(r["item_id"] == item_id and r["instrument"] == instrument for r in self.items):
            self.item(instrument, item_id, PTS_SCALE)
        return code

    def scored_response(
        self, unit_id: str, score: float, group: str = "citizen", n: int = 1, **variables: Any
    ) -> None:
        """Add ``n`` valid responses each scored exactly ``score`` (one item of weight 1)."""
        code = self._pts_code(score, PTS_SURVEY_ITEM, "survey")
        for _ in range(n):
            self.response(unit_id, {PTS_SURVEY_ITEM: code}, group=group, **variables)

    def scored_case(self, unit_id: str, score: float, n: int = 1, caller_id: str = "k1") -> None:
        """Add ``n`` complete (1.1) phone cases each scored exactly ``score``."""
        code = self._pts_code(score, PTS_PHONE_ITEM, "phone")
        for _ in range(n):
            self.case(unit_id, "1.1", {PTS_PHONE_ITEM: code}, caller_id=caller_id)

    def indicator(
        self,
        indicator_id: str,
        direction: str = "higher",
        weight: float | str = 1,
        method: str | None = None,
        floor: float | str | None = None,
        target: float | str | None = None,
    ) -> None:
        row = {"indicator_id": indicator_id, "name": f"指标{indicator_id}", "direction": direction}
        row.update({"weight": weight, "method": method, "floor": floor, "target": target})
        self.indicators.append(row)

    def value(self, unit_id: str, indicator_id: str, value: float | str) -> None:
        self.values.append({"unit_id": unit_id, "indicator_id": indicator_id, "value": value})

    def adjustment(
        self, unit_id: str, kind: str, points: float | str | None = None, reason: str = "测试"
    ) -> None:
        self.adjustments.append({"unit_id": unit_id, "kind": kind, "points": points, "reason": reason})

    def past(self, unit_id: str, year: int, unsatisfactory: bool | str) -> None:
        self.history.append({"unit_id": unit_id, "year": year, "unsatisfactory": unsatisfactory})

    # -- files -----------------------------------------------------------------------
    def texts(self) -> dict[str, str | bytes]:
        """File name -> content; optional tables without rows are left out."""
        files: dict[str, str | bytes] = {"campaign.toml": to_toml(self.campaign)}
        for name, attr in CSV_FILES.items():
            rows = getattr(self, attr)
            if rows or name in REQUIRED_FILES or name in self.columns:
                files[name] = csv_text(rows, self.columns.get(name))
        files.update(self.raw)
        for name in self.omit:
            files.pop(name, None)
        return files

    def write(
        self, directory: Path, encoding: str = "utf-8", encodings: dict[str, str] | None = None
    ) -> Path:
        """Write the bundle; CSV files in ``encoding`` (per-file ``encodings`` win).

        campaign.toml is always UTF-8: TOML is defined as UTF-8, bundle.md only allows
        GBK/GB18030 for the CSV exports of government offices.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in self.texts().items():
            if isinstance(content, bytes):
                (directory / name).write_bytes(content)
                continue
            enc = (encodings or {}).get(name, "utf-8" if name.endswith(".toml") else encoding)
            (directory / name).write_bytes(content.encode(enc))
        return directory

    def copy(self) -> Bundle:
        return copy.deepcopy(self)


# -- running the scorer ----------------------------------------------------------------
@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def invoke(args: list[str]) -> Outcome:
    """Call ``scoring.cli.main`` in-process, capturing what it prints."""
    from scoring.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # tolerate a main that exits instead of returning
            code = exc.code if isinstance(exc.code, int) else 1
    return Outcome(int(code) if code is not None else 0, out.getvalue(), err.getvalue())


def score_cmd(bundle_dir: Path, out_dir: Path, replicates: int = 0) -> Outcome:
    return invoke(["score", str(bundle_dir), "--out", str(out_dir), "--replicates", str(replicates)])


@dataclass
class Scored:
    out_dir: Path

    @property
    def results(self) -> dict[str, dict[str, str]]:
        return read_results(self.out_dir)

    @property
    def fieldwork(self) -> dict[tuple[str, str], dict[str, str]]:
        return read_fieldwork(self.out_dir)

    @property
    def summary(self) -> Any:
        return json.loads((self.out_dir / "summary.json").read_text(encoding="utf-8"))


def run(bundle_dir: Path, tmp_path: Path, replicates: int = 0) -> Scored:
    """Score a bundle into a fresh folder under ``tmp_path``; the run must succeed."""
    out = Path(tempfile.mkdtemp(prefix="results-", dir=tmp_path))
    outcome = score_cmd(bundle_dir, out, replicates)
    assert outcome.code == 0, f"scoring failed with exit {outcome.code}:\n{outcome.stderr}"
    return Scored(out)


def _read_csv(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: a BOM in the output is not what these tests are about.
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def read_results(out_dir: Path) -> dict[str, dict[str, str]]:
    return {row["unit_id"]: row for row in _read_csv(out_dir / "results.csv")}


def results_header(out_dir: Path) -> list[str]:
    with (out_dir / "results.csv").open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))


def read_fieldwork(out_dir: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(row["scope"], row["id"]): row for row in _read_csv(out_dir / "fieldwork.csv")}


def score(bundle_dir: Path, tmp_path: Path, replicates: int = 0) -> dict[str, dict[str, str]]:
    return run(bundle_dir, tmp_path, replicates).results


def fieldwork(bundle_dir: Path, tmp_path: Path, replicates: int = 0) -> dict[tuple[str, str], dict[str, str]]:
    return run(bundle_dir, tmp_path, replicates).fieldwork


def summary(bundle_dir: Path, tmp_path: Path, replicates: int = 0) -> Any:
    return run(bundle_dir, tmp_path, replicates).summary


def score_bundle(bundle: Bundle, tmp_path: Path, replicates: int = 0) -> dict[str, dict[str, str]]:
    """Write ``bundle`` to a fresh folder and score it."""
    directory = Path(tempfile.mkdtemp(prefix="bundle-", dir=tmp_path))
    return score(bundle.write(directory), tmp_path, replicates)


# -- reading cells -----------------------------------------------------------------------
def num(row: dict[str, str], column: str) -> float | None:
    """A numeric cell as float; None when empty (bundle.md: empty = missing)."""
    cell = row[column]
    if cell == "":
        return None
    value = float(cell)
    assert math.isfinite(value), f"{column} = {cell!r} is not finite"
    return value


def close(actual: float | None, expected: float | None, tol: float = 1e-6) -> bool:
    if actual is None or expected is None:
        return actual is expected
    return abs(actual - expected) <= tol


def assert_num(row: dict[str, str], column: str, expected: float | None, tol: float = 1e-6) -> None:
    actual = num(row, column)
    assert close(actual, expected, tol), (
        f"{row.get('unit_id', row.get('id'))}.{column}: {actual!r} != {expected!r}"
    )


def order_by_rank(results: dict[str, dict[str, str]], group: str | None = None) -> list[str]:
    """Unit ids of the ranked units (of one group), best first."""
    ranked = [r for r in results.values() if r["rank"] != "" and (group is None or r["group"] == group)]
    return [r["unit_id"] for r in sorted(ranked, key=lambda r: float(r["rank"]))]


# -- defects on stderr ---------------------------------------------------------------------
def defect_lines(stderr: str) -> list[str]:
    return [line.strip() for line in stderr.splitlines() if line.strip()]


def has_defect(
    stderr: str, file: str, line: int | None = None, columns: tuple[str, ...] | str | None = None
) -> bool:
    """Whether stderr holds a defect line ``FILE[, line L][, column C]: message``.

    ``columns`` may list alternatives (a duplicate of a composite key may be reported at
    either key column).
    """
    if isinstance(columns, str):
        columns = (columns,)
    prefixes = []
    where = file + (f", line {line}" if line is not None else "")
    prefixes = [f"{where}, column {c}:" for c in columns] if columns else [f"{where}:"]
    return any(any(text.startswith(p) for p in prefixes) for text in defect_lines(stderr))


def written_results(out_dir: Path) -> list[str]:
    return [name for name in RESULT_FILES if (out_dir / name).exists()]


# -- summary.json, whose layout bundle.md leaves open --------------------------------------
def _scalars(value: Any) -> list[Any]:
    """Scalars directly held by a value: itself, a list's scalars or a dict's scalar values."""
    if isinstance(value, dict):
        return [v for v in value.values() if not isinstance(v, (dict, list))]
    if isinstance(value, list):
        return [v for v in value if not isinstance(v, (dict, list))]
    return [value]


def walk(obj: Any) -> list[Any]:
    """Every node of a JSON document."""
    nodes = [obj]
    if isinstance(obj, dict):
        for v in obj.values():
            nodes.extend(walk(v))
    elif isinstance(obj, list):
        for v in obj:
            nodes.extend(walk(v))
    return nodes


def linked(doc: Any, a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are tied together somewhere in a JSON document.

    Tied means: one record (dict) holds both as values ({"unit_id": a, "card": b}), or
    one is the key of the other ({b: [a, ...]}, {a: b}, {a: {"head": b}}).
    """
    for node in walk(doc):
        if not isinstance(node, dict):
            continue
        vals = [str(v) for v in node.values() if not isinstance(v, (dict, list))]
        if a in vals and b in vals:
            return True
        for k, v in node.items():
            held = [str(s) for s in _scalars(v)]
            if (k == a and b in held) or (k == b and a in held):
                return True
    return False


def _ids(seq: list[Any]) -> list[str]:
    out = []
    for item in seq:
        if isinstance(item, dict):
            key = next((k for k in ("unit_id", "unit", "id") if k in item), None)
            out.append(str(item[key]) if key else "")
        else:
            out.append(str(item))
    return out


def _all_lists(doc: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], list[Any]]]:
    """(keys and record tags on the way, list) for every list in a JSON document."""
    found: list[tuple[tuple[str, ...], list[Any]]] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found.extend(_all_lists(v, (*path, str(k))))
    elif isinstance(doc, list):
        found.append((path, doc))
        for v in doc:
            # A record {"group": g, "worst": [...]} names its group by value: fold it into the path.
            tag = tuple(str(s) for s in _scalars(v)) if isinstance(v, dict) else ()
            found.extend(_all_lists(v, path + tag))
    return found


def has_list(doc: Any, word: str, group: str, unit_ids: list[str]) -> bool:
    """Whether summary.json gives exactly ``unit_ids`` (in order) as group ``group``'s ``word`` list.

    Accepted shapes: a list of ids or records under keys naming the word and the group, in
    either nesting order, or through a record that names the group by value; or a flat list
    of records each naming its group and list by value.
    """
    for path, seq in _all_lists(doc):
        if any(word in p for p in path) and group in path and _ids(seq) == unit_ids:
            return True
        records = [r for r in seq if isinstance(r, dict)]
        chosen = [r for r in records if {word, group} <= {str(s) for s in _scalars(r)}]
        if chosen and _ids(chosen) == unit_ids:
            return True
    return False
