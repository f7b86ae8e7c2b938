"""Bad bundles (bundle.md, error rules): every defect is named by file, line and column.

Each test starts from one small valid bundle (``_base``), breaks one thing, and asserts
the scorer's contract for defects: exit status 2, a stderr line
``FILE, line L, column C: message`` (``FILE, column C: ...`` or ``FILE: ...`` for
whole-file problems; for campaign.toml the column is the dotted key), no Python
traceback, and no results file written. The line numbers come from the row order of
``Bundle``: the header is line 1 and row i (0-based) is line i + 2.

The last tests check the other side of the encoding rule: GBK, GB18030 and UTF-8 with a
byte-order mark are read correctly, Chinese names and all.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.scoring.bundlekit import (
    Bundle,
    Outcome,
    has_defect,
    invoke,
    run,
    score_cmd,
    written_results,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

Mutation = Callable[[Bundle], None]
# (file, line or None, accepted column names or None)
Where = tuple[str, int | None, tuple[str, ...] | None]


def _base() -> Bundle:
    """A valid bundle using every file; comments give each row's line."""
    b = Bundle().components(0.5, 0.25, 0.25)
    b.scale("agree", {"yes": 100, "no": 0, "na": None})  # scales.csv lines 2, 3, 4
    b.item("survey", "q2", scale_id="agree")  # items.csv: q1 line 2, p1 line 3, q2 line 4
    b.unit("U1", name="甲街道派出所", head_name="王强")  # units.csv line 2
    b.unit("U2", name="乙街道派出所", head_name="李敏")  # line 3
    b.unit("U3", name="丙街道派出所", head_name="张伟")  # line 4
    b.response("U1", {"q1": "satisfied", "q2": "yes"})  # responses r1 line 2; answers lines 2, 3
    b.response("U2", {"q1": "basically_satisfied"})  # r2 line 3; answers line 4
    b.response("U3", {"q1": "dissatisfied"})  # r3 line 4; answers line 5
    b.case("U1", "1.1", "satisfied")  # phone_cases c1 line 2; phone_answers line 2
    b.case("U2", "1.1", "dissatisfied")  # c2 line 3; phone_answers line 3
    b.case("U3", "2.11", None, caller_id="k2")  # c3 line 4
    b.indicator("k1", "higher", weight=0.6)  # indicators.csv line 2
    b.indicator("k2", "lower", weight=0.4, method="target", floor=10, target=2)  # line 3
    b.value("U1", "k1", 0.9)  # indicator_values.csv line 2
    b.value("U1", "k2", 4)  # line 3
    b.value("U2", "k1", 0.8)  # line 4
    b.value("U3", "k2", 6)  # line 5
    b.adjustment("U1", "bonus", 2, "拼搏目标完成")  # adjustments.csv line 2
    b.adjustment("U2", "deduction", 1, "慢作为")  # line 3
    b.adjustment("U3", "veto", None, "一票否决")  # line 4
    b.past("U1", 2016, True)  # history.csv line 2
    b.past("U2", 2016, False)  # line 3
    return b


def _reject(bundle: Bundle, tmp_path: Path) -> Outcome:
    """Score a bad bundle: exit 2, no traceback, no results file."""
    bundle_dir = bundle.write(tmp_path / "bundle")
    out = tmp_path / "out"
    outcome = score_cmd(bundle_dir, out)
    assert outcome.code == 2, f"exit {outcome.code}, stderr:\n{outcome.stderr}"
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr.strip(), "no defect reported on stderr"
    assert written_results(out) == [], "a results file was written for a bundle with defects"
    return outcome


def _assert_reported(outcome: Outcome, where: Where) -> None:
    file, line, columns = where
    assert has_defect(outcome.stderr, file, line, columns), (
        f"expected a defect at {file}, line {line}, column {columns}; stderr was:\n{outcome.stderr}"
    )


def _check(mutate: Mutation, where: Where, tmp_path: Path) -> None:
    b = _base()
    mutate(b)
    _assert_reported(_reject(b, tmp_path), where)


def _set(attr: str, index: int, column: str, value: object) -> Mutation:
    def mutate(b: Bundle) -> None:
        getattr(b, attr)[index][column] = value

    return mutate


def _append_copy(attr: str, index: int) -> Mutation:
    def mutate(b: Bundle) -> None:
        rows = getattr(b, attr)
        rows.append(dict(rows[index]))

    return mutate


# ---------------------------------------------------------------------------------------


def test_the_base_bundle_is_valid_and_scores(tmp_path: Path) -> None:
    bundle_dir = _base().write(tmp_path / "bundle")
    assert invoke(["validate", str(bundle_dir)]).code == 0
    results = run(bundle_dir, tmp_path).results
    assert list(results) == ["U1", "U2", "U3"]


@pytest.mark.parametrize("missing", ["campaign.toml", "units.csv", "items.csv"])
def test_a_missing_required_file_is_named(tmp_path: Path, missing: str) -> None:
    b = _base()
    b.omit.add(missing)
    _assert_reported(_reject(b, tmp_path), (missing, None, None))


@pytest.mark.parametrize(
    ("missing", "referrer"),
    [
        ("survey_responses.csv", "survey_answers.csv"),  # answers need their responses
        ("phone_cases.csv", "phone_answers.csv"),  # answers need their cases
        ("indicators.csv", "indicator_values.csv"),  # values need their indicators
    ],
)
def test_a_file_that_another_file_refers_to_is_required(tmp_path: Path, missing: str, referrer: str) -> None:
    b = _base()
    b.omit.add(missing)
    assert referrer in b.texts()
    outcome = _reject(b, tmp_path)
    # A whole-file defect naming the missing file: located at the missing file itself, or at
    # the file that refers to it with the missing file named in the message.
    lines = outcome.stderr.splitlines()
    assert any(
        line.startswith(f"{missing}:") or (line.startswith(f"{referrer}:") and missing in line)
        for line in lines
    ), outcome.stderr


REQUIRED_COLUMNS = [
    ("units", "units.csv", "unit_id"),
    ("units", "units.csv", "name"),
    ("units", "units.csv", "category"),
    ("scales", "scales.csv", "scale_id"),
    ("scales", "scales.csv", "label_zh"),
    ("items", "items.csv", "instrument"),
    ("items", "items.csv", "scale_id"),
    ("items", "items.csv", "text_zh"),
    ("responses", "survey_responses.csv", "group"),
    ("survey_answers", "survey_answers.csv", "code"),
    ("cases", "phone_cases.csv", "disposition"),
    ("phone_answers", "phone_answers.csv", "item_id"),
    ("indicators", "indicators.csv", "direction"),
    ("indicators", "indicators.csv", "weight"),
    ("values", "indicator_values.csv", "value"),
    ("adjustments", "adjustments.csv", "kind"),
    ("history", "history.csv", "unsatisfactory"),
]


@pytest.mark.parametrize(
    ("attr", "file", "column"), REQUIRED_COLUMNS, ids=[f"{f}-{c}" for _, f, c in REQUIRED_COLUMNS]
)
def test_a_missing_required_column_is_named_with_its_file(
    tmp_path: Path, attr: str, file: str, column: str
) -> None:
    def mutate(b: Bundle) -> None:
        for row in getattr(b, attr):
            row.pop(column)

    b = _base()
    mutate(b)
    outcome = _reject(b, tmp_path)
    # The brief's contract calls it a whole-file problem ("FILE, column C: message");
    # bundle.md has every error name "the file, the line and the column", and the header
    # is line 1: either location names the file and the column.
    assert has_defect(outcome.stderr, file, None, column) or has_defect(outcome.stderr, file, 1, column), (
        outcome.stderr
    )


EMPTY_CELLS = [
    ("units", 1, "units.csv", "name"),
    ("units", 2, "units.csv", "category"),
    ("scales", 1, "scales.csv", "code"),
    ("items", 2, "items.csv", "text_zh"),
    ("responses", 1, "survey_responses.csv", "unit_id"),
    ("responses", 2, "survey_responses.csv", "group"),
    ("survey_answers", 3, "survey_answers.csv", "code"),
    ("cases", 1, "phone_cases.csv", "disposition"),
    ("phone_answers", 0, "phone_answers.csv", "code"),
    ("indicators", 0, "indicators.csv", "direction"),
    ("indicators", 1, "indicators.csv", "weight"),
    ("values", 2, "indicator_values.csv", "value"),
    ("adjustments", 1, "adjustments.csv", "kind"),
    ("history", 0, "history.csv", "year"),
]


@pytest.mark.parametrize(
    ("attr", "index", "file", "column"), EMPTY_CELLS, ids=[f"{f}-{c}" for _, _, f, c in EMPTY_CELLS]
)
def test_an_empty_required_cell_is_reported_at_its_line_and_column(
    tmp_path: Path, attr: str, index: int, file: str, column: str
) -> None:
    _check(_set(attr, index, column, ""), (file, index + 2, (column,)), tmp_path)


DUPLICATES = [
    # (rows, index copied, file, line of the copy, key columns)
    ("units", 0, "units.csv", 5, ("unit_id",)),
    ("responses", 0, "survey_responses.csv", 5, ("response_id",)),
    ("cases", 0, "phone_cases.csv", 5, ("case_id",)),
    ("indicators", 0, "indicators.csv", 4, ("indicator_id",)),
    ("scales", 0, "scales.csv", 5, ("scale_id", "code")),
    ("items", 0, "items.csv", 5, ("instrument", "item_id")),
    ("survey_answers", 0, "survey_answers.csv", 6, ("response_id", "item_id")),
    ("phone_answers", 0, "phone_answers.csv", 4, ("case_id", "item_id")),
    ("values", 0, "indicator_values.csv", 6, ("unit_id", "indicator_id")),
]


@pytest.mark.parametrize(
    ("attr", "index", "file", "line", "columns"), DUPLICATES, ids=[d[2] for d in DUPLICATES]
)
def test_a_duplicate_key_is_reported_at_the_repeated_row(
    tmp_path: Path, attr: str, index: int, file: str, line: int, columns: tuple[str, ...]
) -> None:
    _check(_append_copy(attr, index), (file, line, columns), tmp_path)


def test_the_same_item_id_under_both_instruments_is_no_duplicate(tmp_path: Path) -> None:
    # The key is (instrument, item_id): a phone item may reuse a survey item's id.
    b = _base()
    b.item("phone", "q1")
    b.case("U1", "1.1", {"q1": "basically_satisfied"})
    bundle_dir = b.write(tmp_path / "bundle")
    assert invoke(["validate", str(bundle_dir)]).code == 0
    run(bundle_dir, tmp_path)


UNKNOWN_REFERENCES = [
    ("unit-in-responses", _set("responses", 0, "unit_id", "U9"), ("survey_responses.csv", 2, ("unit_id",))),
    ("unit-in-cases", _set("cases", 0, "unit_id", "U9"), ("phone_cases.csv", 2, ("unit_id",))),
    ("unit-in-values", _set("values", 0, "unit_id", "U9"), ("indicator_values.csv", 2, ("unit_id",))),
    ("unit-in-adjustments", _set("adjustments", 0, "unit_id", "U9"), ("adjustments.csv", 2, ("unit_id",))),
    ("response", _set("survey_answers", 0, "response_id", "r9"), ("survey_answers.csv", 2, ("response_id",))),
    ("case", _set("phone_answers", 0, "case_id", "c9"), ("phone_answers.csv", 2, ("case_id",))),
    ("survey-item", _set("survey_answers", 0, "item_id", "q9"), ("survey_answers.csv", 2, ("item_id",))),
    # q1 is a survey item: items are keyed by (instrument, item_id), so it is no phone item
    (
        "survey-item-in-phone",
        _set("phone_answers", 0, "item_id", "q1"),
        ("phone_answers.csv", 2, ("item_id",)),
    ),
    ("scale", _set("items", 0, "scale_id", "sat9"), ("items.csv", 2, ("scale_id",))),
    ("indicator", _set("values", 0, "indicator_id", "k9"), ("indicator_values.csv", 2, ("indicator_id",))),
    (
        "option-code",
        _set("survey_answers", 0, "code", "very_satisfied"),
        ("survey_answers.csv", 2, ("code",)),
    ),
    # "satisfied" is a sat3 option, but q2 uses the scale "agree"
    (
        "option-of-another-scale",
        _set("survey_answers", 1, "code", "satisfied"),
        ("survey_answers.csv", 3, ("code",)),
    ),
    ("option-in-phone", _set("phone_answers", 0, "code", "yes"), ("phone_answers.csv", 2, ("code",))),
]


@pytest.mark.parametrize(
    ("mutate", "where"), [u[1:] for u in UNKNOWN_REFERENCES], ids=[u[0] for u in UNKNOWN_REFERENCES]
)
def test_a_reference_to_something_unknown_is_reported(tmp_path: Path, mutate: Mutation, where: Where) -> None:
    _check(mutate, where, tmp_path)


@pytest.mark.parametrize("score", ["101", "-0.5", "high"])
def test_a_scale_score_outside_0_to_100_is_reported(tmp_path: Path, score: str) -> None:
    _check(_set("scales", 0, "score", score), ("scales.csv", 2, ("score",)), tmp_path)


NEGATIVE_OR_TEXT = [
    ("items", "items.csv", "weight", "-1"),
    ("items", "items.csv", "weight", "heavy"),
    ("items", "items.csv", "weight", "nan"),
    ("indicators", "indicators.csv", "weight", "-0.5"),
    ("indicators", "indicators.csv", "weight", "x"),
    ("adjustments", "adjustments.csv", "points", "-2"),
    ("adjustments", "adjustments.csv", "points", "two"),
]


@pytest.mark.parametrize(
    ("attr", "file", "column", "value"), NEGATIVE_OR_TEXT, ids=[f"{f}-{v}" for _, f, _, v in NEGATIVE_OR_TEXT]
)
def test_a_weight_or_points_that_is_not_a_number_at_least_zero_is_reported(
    tmp_path: Path, attr: str, file: str, column: str, value: str
) -> None:
    _check(_set(attr, 0, column, value), (file, 2, (column,)), tmp_path)


def test_an_unknown_response_status_is_reported(tmp_path: Path) -> None:
    _check(_set("responses", 1, "status", "rejected"), ("survey_responses.csv", 3, ("status",)), tmp_path)


def test_an_unknown_indicator_direction_is_reported(tmp_path: Path) -> None:
    _check(_set("indicators", 0, "direction", "up"), ("indicators.csv", 2, ("direction",)), tmp_path)


def test_an_unknown_indicator_method_is_reported(tmp_path: Path) -> None:
    _check(_set("indicators", 0, "method", "zscore"), ("indicators.csv", 2, ("method",)), tmp_path)


TARGET_DEFECTS = [
    ("no-floor", {"floor": ""}, ("floor",)),
    ("no-target", {"target": ""}, ("target",)),
    ("text-target", {"target": "high"}, ("target",)),
    ("floor-equals-target", {"floor": "5", "target": "5"}, ("floor", "target")),
]


@pytest.mark.parametrize(
    ("cells", "columns"), [t[1:] for t in TARGET_DEFECTS], ids=[t[0] for t in TARGET_DEFECTS]
)
def test_a_target_indicator_needs_a_numeric_floor_and_target_that_differ(
    tmp_path: Path, cells: dict[str, str], columns: tuple[str, ...]
) -> None:
    def mutate(b: Bundle) -> None:
        b.indicators[1].update(cells)  # k2, line 3, method target

    _check(mutate, ("indicators.csv", 3, columns), tmp_path)


def test_an_unknown_adjustment_kind_is_reported(tmp_path: Path) -> None:
    _check(_set("adjustments", 0, "kind", "penalty"), ("adjustments.csv", 2, ("kind",)), tmp_path)


def test_an_unsatisfactory_flag_other_than_true_or_false_is_reported(tmp_path: Path) -> None:
    _check(_set("history", 1, "unsatisfactory", "yes"), ("history.csv", 3, ("unsatisfactory",)), tmp_path)


@pytest.mark.parametrize("disposition", ["5.1", "abc", "1.3"])
def test_a_disposition_that_is_no_aapor_code_is_reported(tmp_path: Path, disposition: str) -> None:
    _check(_set("cases", 1, "disposition", disposition), ("phone_cases.csv", 3, ("disposition",)), tmp_path)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999", "high"])
def test_an_indicator_value_that_is_not_a_finite_number_is_reported(tmp_path: Path, value: str) -> None:
    _check(_set("values", 2, "value", value), ("indicator_values.csv", 4, ("value",)), tmp_path)


# -- campaign.toml --------------------------------------------------------------------------


def test_a_toml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    b = _base()
    b.raw["campaign.toml"] = '[campaign]\nid = "bad-2017"\nyear = 2017\n\n[ranking\ntop_n = 3\n'
    outcome = _reject(b, tmp_path)
    # the broken table header is on line 5; the column may or may not be given
    assert any(line.startswith("campaign.toml, line 5") for line in outcome.stderr.splitlines()), (
        outcome.stderr
    )


@pytest.mark.parametrize("key", ["id", "year"])
def test_a_campaign_without_id_or_year_is_reported(tmp_path: Path, key: str) -> None:
    b = _base()
    del b.campaign["campaign"][key]
    _assert_reported(_reject(b, tmp_path), ("campaign.toml", None, (f"campaign.{key}",)))


WEIGHT_TABLES = [
    # does not add up to 1
    ("components-sum", "weights.components", {"survey": 0.5, "phone": 0.25, "bigdata": 0.15}),
    ("groups-sum", "weights.groups", {"citizen": 0.5, "service_recipient": 0.6}),
    ("margins-sum", "weighting.margins.sex", {"m": 0.5, "f": 0.4}),
    # adds up to 1 with a negative weight
    ("components-negative", "weights.components", {"survey": 1.1, "phone": -0.1, "bigdata": 0.0}),
    ("groups-negative", "weights.groups", {"citizen": 1.5, "service_recipient": -0.5}),
    ("margins-negative", "weighting.margins.sex", {"m": 1.2, "f": -0.2}),
]


@pytest.mark.parametrize(("key", "table"), [w[1:] for w in WEIGHT_TABLES], ids=[w[0] for w in WEIGHT_TABLES])
def test_a_weight_table_not_adding_to_one_or_with_a_negative_weight_is_reported(
    tmp_path: Path, key: str, table: dict[str, float]
) -> None:
    b = _base()
    b.set(key, table)
    # the column is the table's dotted key, or the offending entry within it
    columns = (key, *(f"{key}.{k}" for k in table))
    _assert_reported(_reject(b, tmp_path), ("campaign.toml", None, columns))


def test_a_weight_table_within_1e_9_of_one_is_accepted(tmp_path: Path) -> None:
    b = _base()
    b.components(0.1, 0.2, 0.7)  # 0.1 + 0.2 + 0.7 = 0.9999999999999999 in floating point
    bundle_dir = b.write(tmp_path / "bundle")
    assert invoke(["validate", str(bundle_dir)]).code == 0


def test_an_unknown_group_by_is_reported(tmp_path: Path) -> None:
    b = _base().set("ranking.group_by", "region")
    _assert_reported(_reject(b, tmp_path), ("campaign.toml", None, ("ranking.group_by",)))


# -- several defects, validate, the command line ----------------------------------------------


def _many_defects() -> Bundle:
    b = _base()
    b.units[1]["name"] = ""  # units.csv line 3, name
    b.survey_answers[0]["code"] = "great"  # survey_answers.csv line 2, code
    b.survey_answers[3]["code"] = "awful"  # survey_answers.csv line 5, code: same file, reported too
    b.indicators[0]["direction"] = "up"  # indicators.csv line 2, direction
    b.history[0]["unsatisfactory"] = "maybe"  # history.csv line 2, unsatisfactory
    b.set("ranking.group_by", "region")  # campaign.toml ranking.group_by
    return b


MANY_DEFECTS: list[Where] = [
    ("units.csv", 3, ("name",)),
    ("survey_answers.csv", 2, ("code",)),
    ("survey_answers.csv", 5, ("code",)),
    ("indicators.csv", 2, ("direction",)),
    ("history.csv", 2, ("unsatisfactory",)),
    ("campaign.toml", None, ("ranking.group_by",)),
]


def test_every_defect_in_every_file_is_reported_in_one_run(tmp_path: Path) -> None:
    outcome = _reject(_many_defects(), tmp_path)
    for where in MANY_DEFECTS:
        _assert_reported(outcome, where)


def test_validate_reports_the_same_defects_and_writes_nothing(tmp_path: Path) -> None:
    bundle_dir = _many_defects().write(tmp_path / "bundle")
    outcome = invoke(["validate", str(bundle_dir)])
    assert outcome.code == 2
    assert "Traceback" not in outcome.stderr
    for where in MANY_DEFECTS:
        _assert_reported(outcome, where)
    assert not any(p.name in ("results.csv", "fieldwork.csv", "summary.json") for p in tmp_path.rglob("*"))


def test_the_command_line_exits_2_without_traceback_and_leaves_no_results(tmp_path: Path) -> None:
    # Through the real entry point, so an exception escaping main would show as a traceback.
    bundle_dir = _many_defects().write(tmp_path / "bundle")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "scoring", "score", str(bundle_dir), "--out", str(out), "--replicates", "0"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert has_defect(proc.stderr, "units.csv", 3, "name"), proc.stderr
    assert written_results(out) == []


# -- encodings ------------------------------------------------------------------------------------

# 䶮 (U+4DAE) exists in GB18030 but not in GBK: a GBK-only reader fails on it.
NAMES = {
    "U1": ("甲街道派出所", "王强"),
    "U2": ("政务服务中心不动产窗口", "陈静"),
    "U3": ("乙街道派出所", "李敏"),
}
GB18030_NAMES = {
    "U1": ("䶮山街道派出所", "刘䶮"),
    "U2": ("政务服务中心社保窗口", "杨磊"),
    "U3": ("丙街道派出所", "张伟"),
}


def _chinese_bundle(names: dict[str, tuple[str, str]]) -> Bundle:
    b = _base()
    for row in b.units:
        row["name"], row["head_name"] = names[row["unit_id"]]
        row["category"] = "基层站所"
    return b


@pytest.mark.parametrize(
    ("encoding", "names"),
    [
        ("gbk", NAMES),
        ("gb18030", NAMES),
        ("gb18030", GB18030_NAMES),
        ("utf-8-sig", NAMES),
        ("utf-8-sig", GB18030_NAMES),
    ],
    ids=["gbk", "gb18030", "gb18030-beyond-gbk", "utf-8-bom", "utf-8-bom-rare-chars"],
)
def test_bundles_in_gbk_gb18030_or_utf8_with_bom_are_read_and_names_round_trip(
    tmp_path: Path, encoding: str, names: dict[str, tuple[str, str]]
) -> None:
    b = _chinese_bundle(names)
    bundle_dir = b.write(tmp_path / "bundle", encoding=encoding)
    raw = (bundle_dir / "units.csv").read_bytes()
    if encoding != "utf-8-sig":
        with pytest.raises(UnicodeDecodeError):  # the test really is about a non-UTF-8 file
            raw.decode("utf-8")
    else:
        assert raw.startswith(b"\xef\xbb\xbf")
    results = run(bundle_dir, tmp_path).results
    assert list(results) == ["U1", "U2", "U3"]
    for uid, (name, head) in names.items():
        assert results[uid]["name"] == name
        assert results[uid]["head_name"] == head
        assert results[uid]["category"] == "基层站所" and results[uid]["group"] == "基层站所"


def test_a_gbk_units_file_among_utf8_files_is_read(tmp_path: Path) -> None:
    # Offices export one spreadsheet at a time: encodings may differ from file to file.
    b = _chinese_bundle(NAMES)
    bundle_dir = b.write(tmp_path / "bundle", encodings={"units.csv": "gbk", "adjustments.csv": "utf-8-sig"})
    results = run(bundle_dir, tmp_path).results
    assert results["U2"]["name"] == "政务服务中心不动产窗口"
    assert results["U1"]["head_name"] == "王强"
