"""``python -m db questionnaire export|import|show`` (db/cli_questionnaire.py), in-process,
on SQLite and PostgreSQL: the folder round trip, defects by file, line and column with
exit status 2, refusals with exit status 1, and the questions a respondent gets."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.cli import main as db_main
from db.engine import dispose_all
from db.models import CampaignStatus, Role
from services import questionnaire_design as design
from services.questionnaire_files import ItemSpec
from tests.db.kit import MakeUow, add_user, audit_actions, seed_campaign, set_status


@pytest.fixture
def cli(database_url: str, make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeUow]:
    """c1 (draft) with q1, q2 for everyone and q3 for clients only; commands run on it."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    seed_campaign(make_uow)
    admin = add_user(make_uow, "admin1", Role.admin)
    design.add_item(
        make_uow(), admin, "c1", ItemSpec("survey", "q3", "sat3", "服务对象题", respondent_groups=("client",))
    )
    yield make_uow
    dispose_all()


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = db_main(["questionnaire", *args])
    return code, out.getvalue(), err.getvalue()


def test_export_then_import_changes_nothing(cli: MakeUow, tmp_path: Path) -> None:
    code, out, err = run("export", "c1", str(tmp_path / "q"))
    assert code == 0, err
    assert "items.csv" in out and (tmp_path / "q" / "scales.csv").exists()

    code, out, err = run("import", "c1", str(tmp_path / "q"))

    assert code == 0, err
    assert "0 change(s)" in out
    assert ("cli", "questionnaire.import") in audit_actions(cli)


def test_an_edited_file_is_imported(cli: MakeUow, tmp_path: Path) -> None:
    run("export", "c1", str(tmp_path / "q"))
    items = tmp_path / "q" / "items.csv"
    items.write_text(items.read_text(encoding="utf-8").replace("问题q1", "窗口服务态度"), encoding="utf-8")

    code, out, _ = run("import", "c1", str(tmp_path / "q"))

    assert (code, "1 change(s)" in out) == (0, True)
    code, out, _ = run("show", "c1", "--unit", "u1", "--group", "public")
    assert "1. [q1] 窗口服务态度" in out


def test_a_bad_file_exits_2_naming_file_line_and_column_and_changes_nothing(
    cli: MakeUow, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "items.csv").write_text(
        "instrument,item_id,scale_id,text_zh,weight\nsurvey,a1,sat3,=SUM(A1),1\nsurvey,a2,sat3,题,abc\n",
        encoding="utf-8",
    )
    before = audit_actions(cli)

    code, _, err = run("import", "c1", str(folder))

    assert code == 2
    assert "2 defect(s); nothing was changed" in err
    assert "items.csv, line 2, column text_zh" in err
    assert "items.csv, line 3, column weight" in err
    assert audit_actions(cli) == before


def test_importing_into_a_campaign_in_fieldwork_exits_1(cli: MakeUow, tmp_path: Path) -> None:
    run("export", "c1", str(tmp_path / "q"))
    set_status(cli, "c1", CampaignStatus.fieldwork)

    code, _, err = run("import", "c1", str(tmp_path / "q"))

    assert code == 1 and "frozen when fieldwork opens" in err


def test_refusals_exit_1_or_2(cli: MakeUow, tmp_path: Path) -> None:
    assert run("export", "nope", str(tmp_path / "x"))[0] == 1
    run("export", "c1", str(tmp_path / "q"))
    code, _, err = run("export", "c1", str(tmp_path / "q"))
    assert code == 1 and "already holds" in err
    assert run("import", "c1", str(tmp_path / "missing"))[0] == 2
    code, _, err = run("show", "c1", "--unit", "u1")
    assert code == 2 and "both --unit and --group" in err
    assert run("show", "c1", "--unit", "nope", "--group", "public")[0] == 1


def test_show_prints_the_questions_of_a_unit_and_group(cli: MakeUow) -> None:
    code, out, _ = run("show", "c1", "--unit", "u1", "--group", "client")
    assert code == 0
    assert [line.split("]")[0] for line in out.splitlines() if line[:1].isdigit()] == [
        "1. [q1",
        "2. [q2",
        "3. [q3",
    ]

    code, out, _ = run("show", "c1", "--unit", "u1", "--group", "public")
    assert "[q3]" not in out

    code, out, _ = run("show", "c1")
    assert "站所 × public: survey q1, q2; phone -" in out
    assert "站所 × client: survey q1, q2, q3; phone -" in out
