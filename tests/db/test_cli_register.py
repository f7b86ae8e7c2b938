"""``python -m db units ...`` and ``python -m db reorganise ...`` (db/cli_register.py) through
db.cli.main, on SQLite and PostgreSQL: defects exit 2 with file, line and column on stderr,
refusals exit 1, and what succeeds is in the register."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from db import cli
from db.uow import UnitOfWork
from services import reorganisations as reorg
from services import units
from services.auth import CLI_OPERATOR
from tests.db.kit import MakeUow, audit_actions

KEY = base64.b64encode(hashlib.sha256(b"cli-register-test-key").digest()).decode()
REGISTER = (
    "编码,名称,序列,主要负责人,任职日期,联络电话\n"
    "a,单位a,office,张三,2024-01-01,13812345678\n"
    "b,单位b,office,,,\n"
)


@pytest.fixture(autouse=True)
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "名录.csv"
    path.write_bytes(REGISTER.encode("gbk"))
    assert cli.main(["units", "import", str(path)]) == 0
    return path


def test_units_import_reports_counts_and_export_writes_masked_xlsx(
    tmp_path: Path, register: Path, capsys: pytest.CaptureFixture[str], make_uow: MakeUow
) -> None:
    assert len(units.search_units(make_uow(), CLI_OPERATOR)) == 2  # the fixture imported them
    assert cli.main(["units", "import", str(register)]) == 0
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out

    out = tmp_path / "out.xlsx"
    assert cli.main(["units", "export", str(out), "--zh"]) == 0
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["编码", "名称", "序列"]
    assert sheet["J2"].value == "138****5678"
    assert ("cli", "unit_register.import") in audit_actions(make_uow)


def test_a_bad_file_exits_2_with_each_defect_by_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,category\n a ,x,office\nb,,office\n", encoding="utf-8")

    assert cli.main(["units", "import", str(bad)]) == 2

    err = capsys.readouterr().err
    assert "bad.csv, line 2, column code:" in err and "bad.csv, line 3, column name:" in err
    assert cli.main(["units", "list"]) == 0
    assert "0 unit(s)" in capsys.readouterr().out
    assert cli.main(["units", "import", str(tmp_path / "missing.csv")]) == 2


def test_units_add_edit_retire_and_their_refusals(register: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli.main(["units", "add", "c", "--name", "单位c", "--category", "health", "--district", "东区"]) == 0
    )
    assert cli.main(["units", "add", "C", "--name", "x", "--category", "health"]) == 1
    assert "only by case" in capsys.readouterr().err
    assert cli.main(["units", "edit", "a", "--head", "李四"]) == 1
    assert "needs the date the new head took post" in capsys.readouterr().err
    assert cli.main(["units", "edit", "a", "--head", "李四", "--head-since", "2025-02-01"]) == 0
    assert cli.main(["units", "edit", "a"]) == 2
    assert cli.main(["units", "retire", "b", "--on", "2025-01-01", "--reason", "撤销"]) == 0
    assert cli.main(["units", "edit", "b", "--name", "x"]) == 1
    assert cli.main(["units", "reinstate", "b", "--reason", "误撤销"]) == 0
    with pytest.raises(SystemExit) as exited:
        cli.main(["units", "retire", "b", "--on", "yesterday", "--reason", "x"])
    assert exited.value.code == 2

    capsys.readouterr()
    assert cli.main(["units", "list", "单位", "--district", "东区"]) == 0
    assert "c\t单位c\thealth\t东区" in capsys.readouterr().out
    assert units.get_unit(UnitOfWork(), CLI_OPERATOR, "a").head_name == "李四"


def test_reorganise_rename_merge_split_move_and_list(
    register: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["units", "add", "c", "--name", "单位c", "--category", "office"]) == 0
    assert cli.main(["reorganise", "rename", "a", "新单位a", "--on", "2024-03-01", "--reason", "更名"]) == 0
    assert cli.main(["reorganise", "move", "c", "health", "--on", "2024-04-01", "--reason", "调整"]) == 0
    merge = ["reorganise", "merge", "a", "b", "--principal", "a", "--into", "ab", "--name", "合并单位"]
    assert cli.main([*merge, "--category", "office", "--on", "2025-01-01", "--reason", "合并"]) == 0
    assert "retired: a, b" in capsys.readouterr().out
    split = ["reorganise", "split", "ab", "--part", "ab", "--part", "ab2:二部", "--on", "2025-02-01"]
    assert cli.main([*split, "--reason", "拆分"]) == 0
    lonely = ["reorganise", "merge", "ab", "--principal", "ab", "--into", "c", "--on", "2025-03-01"]
    assert cli.main([*lonely, "--reason", "x"]) == 1
    assert "at least two" in capsys.readouterr().err

    assert cli.main(["reorganise", "list", "ab"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("#4 2025-02-01 split: ab 合并单位 → ab 合并单位, ab2 二部")
    assert "a 新单位a (principal), b 单位b → ab 合并单位" in out[1]
    assert len(reorg.list_reorganisations(UnitOfWork(), CLI_OPERATOR)) == 4
