"""``python -m db inspection-results`` (db/cli_inspection_results.py), in-process on both databases."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from db.cli import main as db_main
from db.engine import dispose_all
from db.models import Adjustment, AuditEntry, CampaignStatus, Role
from services.indicators import IndicatorSpec, indicator_values, save_indicator
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.db.test_inspection_rates import add_round, add_visit, at


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    yield database_url
    dispose_all()


@pytest.fixture
def visited(make_uow: MakeUow, cli_env: str) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    admin = add_user(make_uow, "admin1", Role.admin)
    save_indicator(
        make_uow(), admin, "c1", IndicatorSpec(code="attendance", name="到岗率", direction="higher")
    )
    r = add_round(make_uow)
    add_visit(make_uow, r, "u1", at(3), (10, 9, 8, 7), findings=[("冷", "态度生硬")])
    add_visit(make_uow, r, "u1", at(17), (5, 5, 4, 4))
    add_visit(make_uow, r, "u2", at(9), (4, 4, 4, 2), findings=[("散", "玩手机"), ("散", "聊天")])


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = db_main(args)
        except SystemExit as exc:  # argparse refusing the arguments
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("visited")
def test_rates_rule_feed_and_deductions(make_uow: MakeUow) -> None:
    code, out, err = run_cli(["inspection-results", "rates", "c1", "--month", "2026-03"])
    assert code == 0, err
    assert "u1\t单位u1\t2\t15\t93.33\t80.00\t73.33\t冷1\t2026-03-03\t2026-03-17" in out
    assert out.strip().endswith("2 unit(s) with verified visits")

    code, _, err = run_cli(["inspection-results", "feed", "c1", "--month", "2026-03"])
    assert code == 1 and "names no indicator" in err
    code, out, err = run_cli(
        ["inspection-results", "rule", "c1", "--feed", "rates", "--attendance", "attendance"]
    )
    assert code == 0, err
    assert "indicators: attendance → attendance" in out
    code, out, err = run_cli(
        ["inspection-results", "feed", "c1", "--from", "2026-03-01", "--to", "2026-03-31"]
    )
    assert code == 0, err
    assert "2 unit(s) fed into attendance: 2 added" in out and "no verified visit): u3" in out
    admin = add_user(make_uow, "admin2", Role.admin)
    assert {r.unit_code: r.value for r in indicator_values(make_uow(), admin, "c1", "attendance")}[
        "u2"
    ] == 100.0

    code, _, err = run_cli(["inspection-results", "deductions", "c1", "--month", "2026-03"])
    assert code == 1 and "feeds the rates" in err
    assert run_cli(["inspection-results", "rule", "c1", "--feed", "deductions", "--points", "2"])[0] == 0
    code, out, err = run_cli(["inspection-results", "deductions", "c1", "--month", "2026-03"])
    assert code == 0, err
    assert "u2\t单位u2\t2 finding(s)\t-4" in out and "replaced 0" in out
    assert "replaced 2" in run_cli(["inspection-results", "deductions", "c1", "--month", "2026-03"])[1]
    with make_uow() as uow:
        assert sorted(uow.session.execute(select(Adjustment.points)).scalars()) == [2.0, 4.0]
        actors = set(
            uow.session.execute(
                select(AuditEntry.actor).where(AuditEntry.action.like("inspections.%"))
            ).scalars()
        )
    assert actors == {"cli"}


@pytest.mark.usefixtures("visited")
def test_bulletin_and_bad_input() -> None:
    code, out, err = run_cli(["inspection-results", "bulletin", "c1", "2026-03"])
    assert code == 0, err
    assert "3 visit(s) to 2 unit(s), 3 finding(s); not public" in out
    assert "\t2026-03-09\t散\t玩手机" in out
    assert (
        run_cli(["inspection-results", "bulletin", "c1", "2026-03", "--public"])[1] == "2026-03 is public\n"
    )
    assert "; public" in run_cli(["inspection-results", "bulletin", "c1", "2026-03"])[1]
    code, _, err = run_cli(["inspection-results", "bulletin", "c1", "2026-02", "--public"])
    assert code == 1 and "no verified visit in 2026-02" in err
    code, _, err = run_cli(["inspection-results", "bulletin", "c1", "2026-13"])
    assert code == 2 and "is not a month" in err
    code, _, err = run_cli(["inspection-results", "feed", "c1"])
    assert code == 2 and "give the period" in err
    code, _, err = run_cli(["inspection-results", "rates", "nope"])
    assert code == 1 and "no campaign" in err
