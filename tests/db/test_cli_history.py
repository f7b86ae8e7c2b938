"""``python -m db history derive|show`` (db/cli_history.py), in-process on both databases."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from db.cli import main as db_main
from db.engine import dispose_all
from db.models import AuditEntry, CampaignStatus
from tests.db.kit import MakeUow, add_reorganisation, add_year_campaign


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    yield database_url
    dispose_all()


@pytest.fixture
def merged_city(make_uow: MakeUow, cli_env: str) -> None:
    add_year_campaign(make_uow, "h-2024", 2024, ["A", "B"], worst=["A"])
    add_reorganisation(make_uow, "merge", date(2025, 1, 1), [("A", "C", True), ("B", "C")])
    add_year_campaign(make_uow, "h-2025", 2025, ["C"], status=CampaignStatus.draft)


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = db_main(args)
        except SystemExit as exc:  # argparse refusing the arguments
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("merged_city")
def test_derive_then_show_prints_the_history_with_its_sources(make_uow: MakeUow) -> None:
    code, out, err = run_cli(["history", "derive", "h-2025"])
    assert code == 0, err
    assert "1 entries, 1 unsatisfactory, from 1 earlier campaign(s)" in out
    with make_uow() as uow:
        actor = uow.session.scalar(select(AuditEntry.actor).where(AuditEntry.action == "history.derive"))
    assert actor == "cli"
    code, out, err = run_cli(["history", "show", "h-2025"])
    assert code == 0, err
    assert "C\t单位C（2025）\t2024\tunsatisfactory\th-2024/A  via merge 2025-01-01 (principal)" in out


@pytest.mark.usefixtures("merged_city")
def test_show_csv_writes_history_csv_with_source_columns() -> None:
    run_cli(["history", "derive", "h-2025"])
    code, out, _ = run_cli(["history", "show", "h-2025", "--csv"])
    assert code == 0
    assert list(csv.reader(io.StringIO(out))) == [
        ["unit_id", "year", "unsatisfactory", "source_campaign", "source_unit", "via"],
        ["C", "2024", "true", "h-2024", "A", "merge 2025-01-01 (principal)"],
    ]


@pytest.mark.usefixtures("merged_city")
def test_an_empty_history_says_so() -> None:
    code, out, _ = run_cli(["history", "show", "h-2025"])
    assert (code, out) == (0, "campaign h-2025 has no history entries\n")


def test_deriving_after_fieldwork_opens_is_refused_with_exit_1(make_uow: MakeUow, cli_env: str) -> None:
    add_year_campaign(make_uow, "h-2025", 2025, ["C"], status=CampaignStatus.fieldwork)
    code, out, err = run_cli(["history", "derive", "h-2025"])
    assert (code, out) == (1, "")
    assert err.startswith("error: cannot derive the history of campaign h-2025: it is fieldwork")


@pytest.mark.parametrize("action", ["derive", "show"])
def test_an_unknown_campaign_exits_1(cli_env: str, action: str) -> None:
    code, _, err = run_cli(["history", action, "nope"])
    assert code == 1
    assert "no campaign has the code 'nope'" in err


def test_a_missing_action_or_campaign_exits_2(cli_env: str) -> None:
    assert run_cli(["history"])[0] == 2
    assert run_cli(["history", "derive"])[0] == 2
