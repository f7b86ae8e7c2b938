"""``python -m db cases ...`` (db/cli_accountability.py) through db.cli.main, on SQLite and
PostgreSQL: a case from opening to publication and its deduction, an import, lists and
counts with names masked; defects exit 2 with file, line and column, refusals exit 1."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from db import cli
from services import accountability as acc
from services.auth import CLI_OPERATOR
from tests.db.kit import MakeUow, audit_actions, seed_campaign

KEY = base64.b64encode(hashlib.sha256(b"cli-accountability-test-key").digest()).decode()


@pytest.fixture(autouse=True)
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch, make_uow: MakeUow) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    seed_campaign(make_uow, "c1")


def test_a_case_from_opening_to_publication_and_its_deduction(
    capsys: pytest.CaptureFixture[str], make_uow: MakeUow
) -> None:
    opening = [
        "cases", "open", "DT-1", "--unit", "u1", "--type", "misconduct", "--subtype", "ignoring_rules",
        "--source", "media", "--body", "市纪委监委", "--opened-on", "2025-11-02", "--facts", "违规发放补贴",
        "--campaign", "c1",
    ]  # fmt: skip
    assert cli.main(opening) == 0
    assert "opened DT-1 against u1" in capsys.readouterr().out
    assert (
        cli.main(["cases", "person", "DT-1", "--name", "韩梅梅", "--post", "局长", "--sanction", "removal"])
        == 0
    )
    assert "韩**" in capsys.readouterr().out
    assert cli.main(["cases", "advance", "DT-1", "investigated", "--on", "2025-11-10"]) == 0
    assert cli.main(["cases", "advance", "DT-1", "decided", "--on", "2025-12-01", "--note", "免职"]) == 0
    assert "proposed deduction: 2 points" in capsys.readouterr().out
    assert cli.main(["cases", "confirm", "DT-1"]) == 0
    assert "confirmed: adjustment" in capsys.readouterr().out
    # a summary naming the person is refused (exit 1), one naming nobody publishes
    assert cli.main(["cases", "publish", "DT-1", "--summary", "韩梅梅违规发放补贴"]) == 1
    assert "must not name anyone" in capsys.readouterr().err
    assert cli.main(["cases", "publish", "DT-1", "--summary", "某局违规发放补贴", "--on", "2025-12-05"]) == 0
    assert "published (2025-12-05)" in capsys.readouterr().out
    assert cli.main(["cases", "list", "--status", "published"]) == 0
    out = capsys.readouterr().out
    assert "DT-1\tu1\tmisconduct/ignoring_rules\tpublished" in out and "confirmed 2" in out
    assert "韩梅梅" not in out
    assert cli.main(["cases", "counts", "--campaign", "c1"]) == 0
    out = capsys.readouterr().out
    assert "cases 1, persons 1" in out and "organisational: 1 person(s) in 1 case(s)" in out
    assert ("cli", "accountability_case.published") in audit_actions(make_uow)


def test_the_rule_is_shown_and_set_whole(capsys: pytest.CaptureFixture[str], make_uow: MakeUow) -> None:
    assert cli.main(["cases", "rule", "c1"]) == 0
    assert capsys.readouterr().out == "inaction=1\tslow=0.5\tmisconduct=2\n"  # our defaults
    assert cli.main(["cases", "rule", "c1", "--slow", "1"]) == 1  # one type alone is refused
    assert "give the points of each type" in capsys.readouterr().err
    assert cli.main(["cases", "rule", "c1", "--inaction", "1.5", "--slow", "1", "--misconduct", "3"]) == 0
    assert capsys.readouterr().out == "inaction=1.5\tslow=1\tmisconduct=3\n"
    assert cli.main(["cases", "rule", "c1"]) == 0
    assert capsys.readouterr().out == "inaction=1.5\tslow=1\tmisconduct=3\n"


def test_refusals_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["cases", "confirm", "nope"]) == 1
    assert "no accountability case" in capsys.readouterr().err
    bad = [
        "cases", "open", "X", "--unit", "u1", "--type", "slow", "--subtype", "idle", "--source", "media",
        "--body", "b", "--opened-on", "2025-01-01", "--facts", "f",
    ]  # fmt: skip
    assert cli.main(bad) == 1
    assert "not a sub-type of slow" in capsys.readouterr().err
    assert cli.main(["cases", "decline", "nope", "--reason", "r"]) == 1


def test_import_and_its_defects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_uow: MakeUow
) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text(
        "number,unit_code,type,subtype,source,opened_on,facts\n"
        "I-1,u2,不作为,不勤不干型,明察暗访,2025-06-01,空岗\n"
        "I-2,u3,慢作为,不协调、不落实,问卷意见,2025-06-02,推诿\n",
        encoding="gbk",
    )
    persons = tmp_path / "persons.csv"
    persons.write_text("number,name,sanction\nI-1,李雷,诫勉谈话\n", encoding="utf-8")
    assert cli.main(["cases", "import", str(cases), "--persons", str(persons), "--campaign", "c1"]) == 0
    assert "2 case(s), 1 person(s) imported" in capsys.readouterr().out
    assert [c.number for c in acc_list(make_uow)] == ["I-2", "I-1"]

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "number,unit_code,type,subtype,source,opened_on,facts\nJ-1,u1,slow,idle,media,2025-06-01,f\n"
    )
    assert cli.main(["cases", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv, line 2, column subtype" in err and "nothing was imported: 1 defect(s)" in err
    assert cli.main(["cases", "import", str(tmp_path / "missing.csv")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def acc_list(make_uow: MakeUow) -> list[acc.CaseView]:
    from services.accountability_counts import list_cases

    return list_cases(make_uow(), CLI_OPERATOR)
