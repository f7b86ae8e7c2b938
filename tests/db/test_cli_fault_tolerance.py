"""``python -m db fault-tolerance ...`` (db/cli_fault_tolerance.py) through db.cli.main, on
SQLite and PostgreSQL: the whole procedure at the command line, refusals exit 1, an unreadable
or oversized evidence file exits 2, and every step is audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from db import cli, cli_fault_tolerance
from services import fault_tolerance as ft
from services import fault_tolerance_views as ftv
from services.auth import CLI_OPERATOR
from tests.db.kit import MakeUow, audit_actions
from tests.db.test_fault_tolerance import Staff, accountability, add_accountability, add_overdue, overdue


@pytest.fixture
def staff(database_url: str, monkeypatch: pytest.MonkeyPatch, make_uow: MakeUow) -> Staff:
    monkeypatch.setenv("DATABASE_URL", database_url)
    found = Staff(make_uow)
    add_overdue(make_uow, "OD-1", "u1", 16)
    add_accountability(make_uow, "DT-1", "u1", status="investigated", deduction="proposed")
    return found


def test_the_choices_are_the_services(staff: Staff) -> None:
    assert cli_fault_tolerance.SUBJECTS == ft.SUBJECTS
    assert cli_fault_tolerance.CONSEQUENCES == ft.CONSEQUENCES
    assert cli_fault_tolerance.STATUSES == ft.STATUSES


def test_an_overdue_case_through_the_whole_procedure(
    tmp_path: Path, staff: Staff, make_uow: MakeUow, capsys: pytest.CaptureFixture[str]
) -> None:
    scan = tmp_path / "证明.pdf"
    scan.write_bytes(b"%PDF-1.4 proof")
    assert (
        cli.main(
            [
                "fault-tolerance",
                "apply",
                "overdue_case",
                "OD-1",
                "--campaign",
                "c1",
                "--applicant",
                "审批科",
                "--reasons",
                "省平台系统故障",
                "--evidence",
                str(scan),
            ]
        )
        == 0
    )
    (row,) = ftv.list_applications(make_uow(), CLI_OPERATOR)
    assert f"filed application {row.id}" in capsys.readouterr().out
    app = str(row.id)
    assert cli.main(["fault-tolerance", "accept", app, "--note", "材料齐全"]) == 0
    assert cli.main(["fault-tolerance", "verify", app, "--note", "属实", "--found", "none"]) == 0
    capsys.readouterr()
    # cli accepted and verified: the decision needs another admin
    assert cli.main(["fault-tolerance", "decide", app, "--grant", "--document", "纪容决〔2026〕3号"]) == 1
    assert "another admin" in capsys.readouterr().err
    assert (
        cli.main(
            ["fault-tolerance", "decide", app, "--grant", "--document", "纪容决〔2026〕3号", "--as", "nobody"]
        )
        == 1
    )
    assert "not an active admin" in capsys.readouterr().err
    assert (
        cli.main(
            ["fault-tolerance", "decide", app, "--grant", "--document", "纪容决〔2026〕3号", "--as", "admin2"]
        )
        == 0
    )
    assert "granted by 市纪委监委 (纪容决〔2026〕3号)" in capsys.readouterr().out
    assert overdue(make_uow, "OD-1").exempt_reason == "容错免责 纪容决〔2026〕3号"

    assert cli.main(["fault-tolerance", "list", "--status", "granted"]) == 0
    out = capsys.readouterr().out
    assert f"{row.id}\toverdue_case\tOD-1\tc1\tu1\t审批科\tgranted\t纪容决〔2026〕3号" in out
    assert "1 application(s)" in out
    assert cli.main(["fault-tolerance", "list", "--status", "applied"]) == 0
    assert "0 application(s)" in capsys.readouterr().out
    assert cli.main(["fault-tolerance", "show", app]) == 0
    out = capsys.readouterr().out
    assert "status: granted; next: -" in out
    assert "evidence: 证明.pdf (14 bytes)" in out and "case exempt: yes" in out
    assert [line.split("\t")[1:3] for line in out.splitlines() if line.startswith("  ")] == [
        ["cli", "apply"],
        ["cli", "accept"],
        ["cli", "verify"],
        ["admin2", "decide"],
    ]
    actions = [a for a in audit_actions(make_uow) if a[1].startswith(("fault_tolerance.", "overdue_case."))]
    assert actions == [
        ("cli", "fault_tolerance.apply"),
        ("cli", "fault_tolerance.accept"),
        ("cli", "fault_tolerance.verify"),
        ("admin2", "overdue_case.exempt"),
        ("admin2", "fault_tolerance.decide"),
    ]


def test_refusals_exit_1_and_bad_files_exit_2(
    tmp_path: Path, staff: Staff, make_uow: MakeUow, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "fault-tolerance",
        "apply",
        "accountability_case",
        "DT-1",
        "--applicant",
        "张科长",
        "--reasons",
        "依规",
    ]
    assert cli.main([*base, "--consequence", "mass_incident"]) == 1
    assert "mass incident" in capsys.readouterr().err
    assert cli.main([*base, "--evidence", str(tmp_path / "missing.pdf")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    big = tmp_path / "big.pdf"
    big.write_bytes(b"x" * (10 * 2**20 + 1))
    assert cli.main([*base, "--evidence", str(big)]) == 2
    assert "10 MiB" in capsys.readouterr().err
    assert ftv.list_applications(make_uow(), CLI_OPERATOR) == []

    assert cli.main(base) == 0
    (row,) = ftv.list_applications(make_uow(), CLI_OPERATOR)
    assert cli.main(base) == 1
    assert "already has an open application" in capsys.readouterr().err
    assert cli.main(["fault-tolerance", "verify", str(row.id), "--note", "x", "--found", "none"]) == 1
    assert "only when it is accepted" in capsys.readouterr().err
    assert cli.main(["fault-tolerance", "not-accept", str(row.id), "--note", "不属于受理范围"]) == 0
    assert cli.main(["fault-tolerance", "show", "999"]) == 1
    assert "no fault-tolerance application 999" in capsys.readouterr().err
    assert not accountability(make_uow, "DT-1").exempt
