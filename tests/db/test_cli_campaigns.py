"""``python -m db campaign ...`` (db/cli_campaigns.py) through ``db.cli.main``, on SQLite and
PostgreSQL: each command does its service's work as the command-line operator; bad input
exits 2 with every defect by file, line and key; a refusal exits 1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from db import cli
from db.models import AuditEntry, Campaign, CampaignStatus
from tests.db.kit import MakeUow, add_register_unit, add_year_campaign, seed_campaign, set_status


@pytest.fixture(autouse=True)
def database(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path / "data"))
    return database_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(["campaign", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def campaign(make_uow: MakeUow, code: str) -> Campaign:
    with make_uow() as uow:
        found = uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        uow.session.expunge(found)
        return found


def test_create_show_and_set_a_campaign(
    make_uow: MakeUow, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = run(
        capsys, "create", "lj-2026", "--series", "lj", "--year", "2026", "--name", "2026年度"
    )
    assert (status, out) == (0, "created draft campaign lj-2026 (2026, series lj), blank\n")

    path = tmp_path / "method.toml"
    path.write_text(
        "[eligibility]\nmin_survey = 12\n\n"
        "[platform]\nfieldwork_opens = 2026-05-01\nfieldwork_closes = 2026-06-01\n",
        encoding="gbk",
    )
    status, out, _ = run(capsys, "set", "lj-2026", str(path))
    assert status == 0

    status, out, _ = run(capsys, "show", "lj-2026")
    assert status == 0
    assert "min_survey = 12\n" in out and "fieldwork_opens = 2026-05-01\n" in out
    assert campaign(make_uow, "lj-2026").fieldwork_opens_on == date(2026, 5, 1)
    with make_uow() as uow:
        actors = set(uow.session.execute(select(AuditEntry.actor)).scalars())
    assert actors == {"cli"}


def test_a_bad_file_exits_2_naming_line_and_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(capsys, "create", "lj-2026", "--series", "lj", "--year", "2026", "--name", "评议")
    path = tmp_path / "bad.toml"
    path.write_text("[weights.components]\nsurvey = 0.5\nphone = 0.25\nbigdata = 0.2\n", encoding="utf-8")

    status, _, err = run(capsys, "set", "lj-2026", str(path))

    assert status == 2
    assert "campaign.toml, column weights.components: weights add up to" in err


def test_a_bad_create_exits_2_and_a_refusal_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "create", " x", "--series", "lj", "--year", "1999", "--name", "n")
    assert status == 2
    assert "column campaign.id" in err and "column campaign.year" in err

    status, _, err = run(capsys, "open-fieldwork", "nope")
    assert (status, err) == (1, "error: no campaign has the code 'nope'\n")


def test_units_margins_open_and_return_to_draft(
    make_uow: MakeUow, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_register_unit(make_uow, "a1", "office", district="东区")
    add_register_unit(make_uow, "b1", "grassroots", district="西区")
    seed_campaign(make_uow, "c1", units=())
    status, out, _ = run(capsys, "units", "c1", "--category", "office", "--include", "b1", "--dry-run")
    assert status == 0 and out.startswith("campaign c1 would take 2 unit(s)\n")
    status, out, _ = run(capsys, "units", "c1", "--district", "东区")
    assert status == 0 and "by district: 东区: 1" in out

    margins = tmp_path / "m.csv"
    margins.write_bytes("variable,category,share\nsex,男,0.5\nsex,女,0.4\n".encode("gbk"))
    status, _, err = run(capsys, "margins", "c1", str(margins))
    assert status == 2 and "m.csv, line 2, column share" in err
    margins.write_bytes("variable,category,share\nsex,男,0.5\nsex,女,0.5\n".encode("gbk"))
    assert run(capsys, "margins", "c1", str(margins))[0] == 0

    path = tmp_path / "p.toml"
    path.write_text(
        "[weights.groups]\npublic = 0.5\nclient = 0.5\n\n"
        "[platform]\nfieldwork_opens = 2026-05-01\nfieldwork_closes = 2026-06-01\n"
    )
    assert run(capsys, "set", "c1", str(path))[0] == 0
    status, out, _ = run(capsys, "open-fieldwork", "c1")
    assert (status, out) == (0, "campaign c1 is now fieldwork\n")
    status, out, _ = run(capsys, "return-to-draft", "c1", "--reason", "补充单位")
    assert (status, out) == (0, "campaign c1 is now draft\n")


def test_return_to_draft_is_refused_once_published(
    make_uow: MakeUow, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_campaign(make_uow, "c1")
    set_status(make_uow, "c1", CampaignStatus.published)

    status, _, err = run(capsys, "return-to-draft", "c1", "--reason", "改")

    assert status == 1 and "cannot return to draft campaign c1: it is published" in err


def test_rollover_prints_the_to_do_list(make_uow: MakeUow, capsys: pytest.CaptureFixture[str]) -> None:
    add_year_campaign(make_uow, "s-2025", 2025, ["A", "B"], worst=["B"])

    status, out, _ = run(
        capsys, "rollover", "s-2025", "--code", "s-2026", "--year", "2026", "--name", "2026年度"
    )

    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "created draft campaign s-2026 from s-2025 with 2 unit(s)"
    assert "still to do:" in lines
    assert "  1. set the fieldwork dates (opening and closing day)" in lines
