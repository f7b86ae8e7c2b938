"""Crafted bundles are refused, never crashed on (issue 10, items 4 and 1).

Every case of tests/scoring/crafted.py must give exit status 2 from ``python -m scoring
validate`` and ``score``, a defect naming the file and line (and the column where there
is one) in plain words, no traceback, and no results file. Before the hardening these
bundles crashed with a traceback (CR-only line endings), were accepted (years of
99999999999, NUL bytes, Shift-JIS read as garbled GB18030 names, ``u1`` beside ``U1``,
formulas as unit names), followed a symbolic link and printed the linked file, tried to
allocate 52 GiB for two billion replicates, or read a 200 MB line whole before failing
inside the CSV parser.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from scoring.csvfile import (
    MAX_LINE_BYTES,
    ImplausibleEncoding,
    decode_bundle_bytes,
    edge_bytes,
    first_long_line,
)
from scoring.params import MAX_REPLICATES
from tests.scoring.bundlekit import Outcome, defect_lines, has_defect, invoke, run, score_cmd, written_results
from tests.scoring.crafted import (
    CASES,
    FORMULAS,
    JAPANESE_UNITS,
    LABEL_COLUMNS,
    SECRET,
    Crafted,
    base_bundle,
    label_case,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
LABEL_CASES = [label_case(*column, value) for column in LABEL_COLUMNS for value in FORMULAS]


def _assert_refused(outcome: Outcome, case: Crafted) -> None:
    assert outcome.code == 2, f"exit {outcome.code}, stderr:\n{outcome.stderr}"
    assert "Traceback" not in outcome.stderr
    columns = (case.column,) if case.column else None
    assert has_defect(outcome.stderr, case.file, case.line, columns), (
        f"expected a defect at {case.file}, line {case.line}, column {case.column}:\n{outcome.stderr}"
    )
    where = case.file + (f", line {case.line}" if case.line is not None else "")
    said = [line for line in defect_lines(outcome.stderr) if line.startswith(where)]
    assert any(case.says in line for line in said), (
        f"no defect at {where} says {case.says!r}:\n{outcome.stderr}"
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_crafted_bundle_is_refused_at_its_file_and_line(tmp_path: Path, case: Crafted) -> None:
    bundle = case.build(tmp_path / "bundle")
    _assert_refused(invoke(["validate", str(bundle)]), case)
    out = tmp_path / "out"
    outcome = score_cmd(bundle, out)
    _assert_refused(outcome, case)
    assert written_results(out) == []
    assert SECRET not in outcome.stderr  # a link is never followed, its target never echoed


@pytest.mark.parametrize("case", LABEL_CASES, ids=[c.name for c in LABEL_CASES])
def test_a_name_label_or_id_that_a_spreadsheet_takes_for_a_formula_is_refused(
    tmp_path: Path, case: Crafted
) -> None:
    _assert_refused(invoke(["validate", str(case.build(tmp_path / "bundle"))]), case)


def test_values_that_only_resemble_formulas_and_negative_numbers_are_accepted(tmp_path: Path) -> None:
    b = base_bundle()
    b.units[0]["name"] = "A=B派出所"  # "=" inside, not first
    b.units[1]["name"] = "１+１窗口"  # full-width digits: no formula
    b.units[2]["category"] = "—综合部门"  # an em dash is no minus sign
    b.adjustments[0]["reason"] = "＝全角等号"  # a full-width "=" is no formula either
    b.values[2]["value"] = "-2.5"  # numeric columns are numbers: -2.5 is a value
    b.indicators[0].update(method="target", floor="-1", target="+3")
    b.past("U3", 2000, True)  # the first and the last year of the range
    b.set("campaign.year", 2100)
    b.set("uncertainty.replicates", MAX_REPLICATES)
    bundle = b.write(tmp_path / "bundle")
    outcome = invoke(["validate", str(bundle)])
    assert outcome.code == 0, outcome.stderr


def test_windows_line_endings_read_exactly_as_unix_ones(tmp_path: Path) -> None:
    unix = base_bundle().write(tmp_path / "unix")
    windows = base_bundle().write(tmp_path / "windows")
    for path in windows.glob("*.csv"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    a, b = run(unix, tmp_path), run(windows, tmp_path)
    assert (a.out_dir / "results.csv").read_bytes() == (b.out_dir / "results.csv").read_bytes()


def test_the_scorer_refuses_too_many_replicates_on_its_command_line(tmp_path: Path) -> None:
    bundle = base_bundle().write(tmp_path / "bundle")
    outcome = score_cmd(bundle, tmp_path / "out", replicates=2_000_000_000)
    assert outcome.code == 2
    assert "10,000 replicates allowed" in outcome.stderr and "memory" in outcome.stderr
    assert written_results(tmp_path / "out") == []
    assert score_cmd(bundle, tmp_path / "ok", replicates=MAX_REPLICATES).code == 0  # the cap itself runs


@pytest.mark.parametrize("kind", ["pipe", "folder"])
def test_an_entry_that_is_no_regular_file_is_refused_not_waited_on(tmp_path: Path, kind: str) -> None:
    bundle = base_bundle().write(tmp_path / "bundle")
    for name in ("units.csv", "history.csv"):  # required and optional alike
        (bundle / name).unlink()
        if kind == "pipe":
            os.mkfifo(bundle / name)  # reading it would block for ever
        else:
            (bundle / name).mkdir()
    outcome = invoke(["validate", str(bundle)])
    assert outcome.code == 2
    assert has_defect(outcome.stderr, "units.csv") and has_defect(outcome.stderr, "history.csv")
    assert "not a regular file" in outcome.stderr


# -- through the real entry point ------------------------------------------------------------

SUBPROCESS_CASES = [
    c
    for c in CASES
    if c.name
    in {
        "cr-only-line-endings",
        "campaign-year-huge",
        "nul-in-a-name",
        "two-billion-replicates",
        "units-is-a-symlink",
        "a-line-too-long",
        "shift-jis-units",
        "unit-id-case",
    }
]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=[c.name for c in SUBPROCESS_CASES])
def test_python_m_scoring_exits_2_without_a_traceback(tmp_path: Path, case: Crafted) -> None:
    bundle = case.build(tmp_path / "bundle")
    for command in (["validate", str(bundle)], ["score", str(bundle), "--out", str(tmp_path / "out")]):
        done = subprocess.run(
            [sys.executable, "-m", "scoring", *command],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
        _assert_refused(Outcome(done.returncode, done.stdout, done.stderr), case)
    assert written_results(tmp_path / "out") == []


# The peak resident memory of this very process: VmHWM starts afresh at exec, whereas
# ru_maxrss would carry over the (large) pytest process's peak from the fork.
MEASURE = """
import re, sys
from scoring.cli import main
code = main(sys.argv[1:])
status = open("/proc/self/status", encoding="ascii").read()
print(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1), file=sys.stderr)
sys.exit(code)
"""


def test_a_200_mb_line_is_refused_by_number_without_being_read(tmp_path: Path) -> None:
    bundle = base_bundle().write(tmp_path / "bundle")
    line_bytes = 256 * 2**20
    with (bundle / "units.csv").open("r+b") as fh:
        fh.seek(0, os.SEEK_END)
        fh.truncate(fh.tell() + line_bytes)  # a sparse 256 MiB line without a line break
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, "validate", str(bundle)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert has_defect(done.stderr, "units.csv", 5), done.stderr  # after the 3 units
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    # Interpreter, numpy and pyarrow take about 120 MiB; reading the line would add 256 MiB.
    assert peak_kib < 200 * 1024, f"peak {peak_kib // 1024} MiB: the long line was read into memory"


# -- the rules' building blocks --------------------------------------------------------------


def test_first_long_line_finds_the_first_line_over_the_limit_exactly() -> None:
    limit = MAX_LINE_BYTES
    ok = b"a" * limit
    assert first_long_line(b"\n".join([b"x", ok, b"y"])) is None
    assert first_long_line(ok) is None
    assert first_long_line(b"\n".join([b"x", ok + b"a", b"y"])) == 2
    assert first_long_line(b"\n".join([b"x"] * 100_000 + [ok + b"a"])) == 100_001  # the last line
    assert first_long_line(b"h\n" + (b"short\n" * 20_000) + ok + b"\n" + ok + b"aa\n") == 20_003


# GBK exports of real Chinese unit names and heads, rare name characters included.
CHINESE = (
    "甲街道派出所,政务服务中心不动产窗口,江岸区市场监督管理局,王强,李敏,张伟,陈喆,刘堃,赵玥,孙昇,钱犇,周瑄"
)


def test_gbk_chinese_is_read_and_japanese_or_big5_is_refused() -> None:
    assert decode_bundle_bytes(CHINESE.encode("gbk")) == (CHINESE.encode("utf-8"), "gb18030")
    japanese = ",".join(f"{name},{head}" for _, name, head in JAPANESE_UNITS) + ",東京都渋谷区役所,山田太郎"
    for encoding in ("shift_jis", "cp932"):
        raw = ("unit_id,name\n" + japanese).encode(encoding)
        with pytest.raises(UnicodeDecodeError) as refused:
            decode_bundle_bytes(raw)
        assert raw[: refused.value.start].count(b"\n") == 1  # the data line, not the header
    with pytest.raises(ImplausibleEncoding, match="Shift-JIS or Big5"):
        decode_bundle_bytes("臺北市政府,戶政事務所,張偉,陳靜".encode("big5"))
    # half-width katakana (old Japanese systems): invalid GB18030, or refused as implausible
    with pytest.raises(UnicodeDecodeError):
        decode_bundle_bytes("ﾀﾅｶ ﾀﾛｳ,ｽｽﾞｷ ﾊﾅｺ,ﾔﾏﾀﾞ ｲﾁﾛｳ".encode("shift_jis"))
    # UTF-8 is always read as it is, Japanese included
    assert decode_bundle_bytes(japanese.encode("utf-8"))[1] == "utf-8"


def test_a_gbk_bundle_with_rare_name_characters_scores_with_its_names_intact(tmp_path: Path) -> None:
    b = base_bundle()
    heads = ["陈喆", "刘堃", "赵玥"]
    for row, head in zip(b.units, heads, strict=True):
        row["head_name"] = head
    bundle = b.write(tmp_path / "bundle", encoding="gbk")
    results = run(bundle, tmp_path).results
    assert [results[u]["head_name"] for u in ("U1", "U2", "U3")] == heads
    assert results["U1"]["name"] == "甲街道派出所"


def test_edge_bytes_reads_first_and_last_bytes_of_sliced_and_chunked_columns() -> None:
    values = ["=a", "", "x ", "长", "@", "", "-1"]
    whole = pa.array(values, pa.string())
    chunked = pa.chunked_array([whole.slice(0, 3), whole.slice(3)])
    for column in (whole, chunked, pa.chunked_array([whole.slice(2, 4)])):
        expected = column.to_pylist()
        first, last = edge_bytes(column)
        assert first.tolist() == [v.encode()[0] if v else 0 for v in expected]
        assert last.tolist() == [v.encode()[-1] if v else 0 for v in expected]
