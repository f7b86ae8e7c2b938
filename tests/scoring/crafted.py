"""Crafted bundles (issue 10, item 4 and the bundle part of item 1): a catalogue shared by
the scorer's tests (tests/scoring/test_crafted_bundles.py) and the import's
(tests/db/test_bundle_io.py).

Each case starts from one small valid bundle (:func:`base_bundle`), breaks it the way an
attacker or a damaged export would, and says where the defect must be reported: file,
line (the header is line 1; None for a whole-file defect) and column (None when the
defect is about the line or the file), plus a phrase the message must hold so that a
person learns what to fix. Before the hardening every one of them crashed with a
traceback, was accepted (and then crashed PostgreSQL or produced garbled names), or
tried to allocate tens of GiB.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.scoring.bundlekit import CSV_FILES, Bundle, to_toml

# Outside every bundle: a symbolic link pointing here must never be read or echoed.
SECRET = "TOP-SECRET-password-hash-$6$abcdef"


def base_bundle() -> Bundle:
    """A valid bundle using every file; the comments give each row's line."""
    b = Bundle().components(0.5, 0.25, 0.25)
    b.set("campaign.id", "crafted-2017")
    b.set("campaign.series", "crafted")
    b.set("uncertainty.replicates", 0)
    b.scale("agree", {"yes": 100, "no": 0})  # scales.csv lines 2, 3
    b.item("survey", "q2", scale_id="agree")  # items.csv: q1 line 2, p1 line 3, q2 line 4
    b.unit("U1", name="甲街道派出所", head_name="王强")  # units.csv line 2
    b.unit("U2", name="乙街道派出所", head_name="李敏")  # line 3
    b.unit("U3", name="丙街道派出所", head_name="张伟")  # line 4
    b.response("U1", {"q1": "satisfied", "q2": "yes"}, district="江岸区", age_band="18-34")  # line 2
    b.response("U2", {"q1": "basically_satisfied"}, district="江汉区", age_band="35-59")  # line 3
    b.response("U3", {"q1": "dissatisfied"}, district="江岸区", age_band="60+")  # line 4
    b.case("U1", "1.1", "satisfied")  # phone_cases.csv line 2
    b.case("U2", "1.1", "dissatisfied")  # line 3
    b.case("U3", "2.11", None, caller_id="k2")  # line 4
    b.indicator("k1", "higher", weight=0.6)  # indicators.csv line 2
    b.indicator("k2", "lower", weight=0.4)  # line 3
    b.value("U1", "k1", 0.9)
    b.value("U2", "k1", 0.8)
    b.value("U3", "k2", -0.5)  # a negative number is a valid value, not a formula
    b.adjustment("U1", "bonus", 2, "拼搏目标完成")  # adjustments.csv line 2
    b.adjustment("U2", "deduction", 1.5, "慢作为")  # line 3
    b.past("U1", 2016, True)  # history.csv line 2
    b.past("U2", 2016, False)  # line 3
    return b


def toml_line(b: Bundle, key: str) -> int:
    """Line of ``key = ...`` (the first one) in the bundle's campaign.toml."""
    lines = to_toml(b.campaign).splitlines()
    return next(k for k, line in enumerate(lines, start=1) if line.startswith(f"{key} = "))


@dataclass(frozen=True)
class Crafted:
    """One crafted bundle and where its defect must be reported."""

    name: str
    build: Callable[[Path], Path]  # writes the bundle into the (new) folder and returns it
    file: str
    line: int | None
    column: str | None
    says: str  # a phrase of the message


def _write(mutate: Callable[[Bundle], None]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        b = base_bundle()
        mutate(b)
        return b.write(folder)

    return build


def _after(mutate_files: Callable[[Path], None]) -> Callable[[Path], Path]:
    """Write the valid bundle, then change its files on disk."""

    def build(folder: Path) -> Path:
        base_bundle().write(folder)
        mutate_files(folder)
        return folder

    return build


def _cr_only(folder: Path) -> None:
    path = folder / "units.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))


def _link_units_to_secret(folder: Path) -> None:
    secret = folder.parent / "secret.txt"
    secret.write_text(f"unit_id,name,category\nU1,{SECRET},x\n", encoding="utf-8")
    (folder / "units.csv").unlink()
    os.symlink(secret, folder / "units.csv")


def _link_optional_file(folder: Path) -> None:
    # A link to a perfectly valid history file elsewhere: still never followed.
    elsewhere = folder.parent / "history-elsewhere.csv"
    (folder / "history.csv").rename(elsewhere)
    os.symlink(elsewhere, folder / "history.csv")


def _long_line(folder: Path) -> None:
    with (folder / "units.csv").open("a", encoding="utf-8") as fh:
        fh.write("U4," + "长" * 30_000 + ",cat,,\n")  # 90,000 bytes on line 5


# Japanese unit names and heads (kanji and kana), as a Japanese office would export them.
JAPANESE_UNITS = [
    ("U1", "東京都庁", "さくら"),
    ("U2", "大阪市役所", "たなか"),
    ("U3", "横浜警察署", "スズキ"),
]


def _units_in(encoding: str, rows: list[tuple[str, str, str]]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        text = "unit_id,name,category,parent_id,head_name\n" + "".join(
            f"{uid},{name},cat,,{head}\n" for uid, name, head in rows
        )
        (folder / "units.csv").write_bytes(text.encode(encoding))

    return mutate


def _set(attr: str, index: int, column: str, value: object) -> Callable[[Bundle], None]:
    def mutate(b: Bundle) -> None:
        getattr(b, attr)[index][column] = value

    return mutate


def _campaign(key: str, value: object) -> Callable[[Bundle], None]:
    return lambda b: b.set(key, value)


_BASE = base_bundle()

CASES: list[Crafted] = [
    Crafted("cr-only-line-endings", _after(_cr_only), "units.csv", 1, None, "carriage return"),
    Crafted(
        "a-stray-carriage-return",  # unquoted: CSV readers would break the record in two
        _write(_set("units", 1, "name", "乙街道\r派出所")),
        "units.csv",
        3,
        None,
        "carriage return",
    ),
    Crafted(
        "campaign-year-huge",
        _write(_campaign("campaign.year", 99_999_999_999)),
        "campaign.toml",
        toml_line(_BASE, "year"),
        "campaign.year",
        "2000..2100",
    ),
    Crafted(
        "campaign-year-too-early",
        _write(_campaign("campaign.year", 1999)),
        "campaign.toml",
        toml_line(_BASE, "year"),
        "campaign.year",
        "2000..2100",
    ),
    Crafted(
        "history-year-huge",
        _write(_set("history", 0, "year", 99_999_999_999)),
        "history.csv",
        2,
        "year",
        "2000..2100",
    ),
    Crafted("history-year-2101", _write(_set("history", 1, "year", 2101)), "history.csv", 3, "year", "2000"),
    Crafted("nul-in-a-name", _write(_set("units", 0, "name", "甲\x00派出所")), "units.csv", 2, "name", "NUL"),
    Crafted(
        "nul-in-a-respondent-attribute",
        _write(_set("responses", 1, "district", "江\x00汉区")),
        "survey_responses.csv",
        3,
        "district",
        "NUL",
    ),
    Crafted(
        "nul-in-the-campaign-name",  # TOML's \u0000 escape
        _write(_campaign("campaign.name", "评议\x00")),
        "campaign.toml",
        toml_line(_BASE, "name"),
        "campaign.name",
        "NUL",
    ),
    Crafted(
        "two-billion-replicates",
        _write(_campaign("uncertainty.replicates", 2_000_000_000)),
        "campaign.toml",
        toml_line(_BASE, "replicates"),
        "uncertainty.replicates",
        "10,000",
    ),
    Crafted("units-is-a-symlink", _after(_link_units_to_secret), "units.csv", None, None, "symbolic link"),
    Crafted(
        "optional-file-is-a-symlink", _after(_link_optional_file), "history.csv", None, None, "symbolic link"
    ),
    Crafted("a-line-too-long", _after(_long_line), "units.csv", 5, None, "longer than 65,536 bytes"),
    Crafted(
        "shift-jis-units",
        _after(_units_in("shift_jis", JAPANESE_UNITS)),
        "units.csv",
        2,
        None,
        "Shift-JIS",
    ),
    Crafted(
        "big5-units",
        _after(
            _units_in(
                "big5", [("U1", "臺北市政府", "張偉"), ("U2", "戶政事務所", "陳靜"), ("U3", "警察局", "林")]
            )
        ),
        "units.csv",
        2,
        None,
        "save it as UTF-8",
    ),
    Crafted("unit-id-case", _write(lambda b: b.unit("u1")), "units.csv", 5, "unit_id", 'from "U1" (line 2)'),
    Crafted(
        "unit-id-width", _write(lambda b: b.unit("Ｕ3")), "units.csv", 5, "unit_id", 'from "U3" (line 4)'
    ),
    Crafted("unit-id-spaces", _write(lambda b: b.unit(" U2 ")), "units.csv", 5, "unit_id", "spaces"),
    Crafted(
        "unit-id-ideographic-space",
        _write(lambda b: b.unit("U9\u3000")),
        "units.csv",
        5,
        "unit_id",
        "spaces before or after",
    ),
    Crafted(
        "indicator-id-case",
        _write(lambda b: b.indicator("K1")),
        "indicators.csv",
        4,
        "indicator_id",
        'from "k1" (line 2)',
    ),
    Crafted(
        "formula-as-a-respondent-column",  # extra columns are kept, and exported as a header
        _write(lambda b: [row.update({"@SUM(1)": "x"}) for row in b.responses]),
        "survey_responses.csv",
        1,
        "@SUM(1)",
        "formula",
    ),
    Crafted(
        "attempts-overflow",
        _write(_set("cases", 0, "attempts", "1e12")),
        "phone_cases.csv",
        2,
        "attempts",
        "whole number",
    ),
]

# -- item 1: names and labels a spreadsheet would take for a formula -----------------------

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\tx", "\rx"]


def _new_unit(value: str) -> Callable[[Bundle], None]:
    return lambda b: b.unit(value)


def _new_scale_option(column: str) -> Callable[[str], Callable[[Bundle], None]]:
    def with_value(value: str) -> Callable[[Bundle], None]:
        def mutate(b: Bundle) -> None:
            row = {"scale_id": "extra", "code": "c1", "label_zh": "选项", "score": 50}
            row[column] = value
            b.scales.append(row)  # scales.csv line 4

        return mutate

    return with_value


# (file, column, line, mutation for a value): every name, label, id and free-text column
# of bundle.md; ids are added in a new row so that no reference to them breaks.
LABEL_COLUMNS: list[tuple[str, str, int, Callable[[str], Callable[[Bundle], None]]]] = [
    ("units.csv", "unit_id", 5, _new_unit),
    ("units.csv", "name", 2, lambda v: _set("units", 0, "name", v)),
    ("units.csv", "category", 3, lambda v: _set("units", 1, "category", v)),
    ("units.csv", "head_name", 4, lambda v: _set("units", 2, "head_name", v)),
    ("scales.csv", "scale_id", 4, _new_scale_option("scale_id")),
    ("scales.csv", "code", 4, _new_scale_option("code")),
    ("scales.csv", "label_zh", 2, lambda v: _set("scales", 0, "label_zh", v)),
    ("scales.csv", "label_en", 3, lambda v: _set("scales", 1, "label_en", v)),
    ("items.csv", "item_id", 5, lambda v: lambda b: b.item("survey", v)),
    ("items.csv", "text_zh", 2, lambda v: _set("items", 0, "text_zh", v)),
    ("items.csv", "text_en", 3, lambda v: _set("items", 1, "text_en", v)),
    ("survey_responses.csv", "response_id", 5, lambda v: lambda b: b.response("U1", None, response_id=v)),
    ("survey_responses.csv", "group", 3, lambda v: _set("responses", 1, "group", v)),
    ("survey_responses.csv", "channel", 2, lambda v: _set("responses", 0, "channel", v)),
    ("survey_responses.csv", "submitted_at", 4, lambda v: _set("responses", 2, "submitted_at", v)),
    ("survey_responses.csv", "district", 3, lambda v: _set("responses", 1, "district", v)),
    ("phone_cases.csv", "case_id", 5, lambda v: lambda b: b.case("U1", "2.11", case_id=v)),
    ("phone_cases.csv", "caller_id", 3, lambda v: _set("cases", 1, "caller_id", v)),
    ("indicators.csv", "indicator_id", 4, lambda v: lambda b: b.indicator(v)),
    ("indicators.csv", "name", 2, lambda v: _set("indicators", 0, "name", v)),
    ("adjustments.csv", "reason", 3, lambda v: _set("adjustments", 1, "reason", v)),
    ("campaign.toml", "campaign.id", toml_line(_BASE, "id"), lambda v: _campaign("campaign.id", v)),
    ("campaign.toml", "campaign.name", toml_line(_BASE, "name"), lambda v: _campaign("campaign.name", v)),
    (
        "campaign.toml",
        "campaign.series",
        toml_line(_BASE, "series"),
        lambda v: _campaign("campaign.series", v),
    ),
]


def label_case(
    file: str, column: str, line: int, mutation: Callable[[str], Callable[[Bundle], None]], value: str
) -> Crafted:
    """The bundle with ``value`` in ``file``'s ``column``, refused at ``line`` by the formula rule."""
    build = _write(mutation(value))
    if "\r" in value and file.endswith(".csv"):
        # Python's csv module (line terminator "\n") leaves a CR unquoted; a spreadsheet
        # quotes it, and only a quoted CR is a value's character rather than a line break.
        def build(folder: Path) -> Path:
            b = base_bundle()
            mutation(value)(b)
            b.write(folder)
            rows = getattr(b, CSV_FILES[file])
            columns = list(dict.fromkeys(k for row in rows for k in row))
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
            writer.writerow(columns)
            writer.writerows([["" if row.get(c) is None else str(row[c]) for c in columns] for row in rows])
            (folder / file).write_text(buf.getvalue(), encoding="utf-8", newline="")
            return folder

    return Crafted(f"{file}:{column}:{value!r}", build, file, line, column, "formula")
