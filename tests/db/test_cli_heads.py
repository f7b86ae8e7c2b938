"""``python -m db heads pending|record|correct|list`` (db/cli_heads.py), in-process on both
databases: a refusal exits 1, a bad date 2, and a removal naming the new head changes the
unit register, audited as ``cli``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import dispose_all
from db.models import AuditEntry, CardCase, Unit
from services import cards
from services.units import today
from tests.db.kit import MakeUow
from tests.db.publishing import publish, small_bundle
from tests.db.test_cards import CONSECUTIVE, YELLOW, admin
from tests.db.test_cli_history import run_cli


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("cli-heads") / "bundle")


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    yield database_url
    dispose_all()


@pytest.fixture
def code(make_uow: MakeUow, bundle: Path, cli_env: str) -> str:
    code = publish(make_uow, bundle)
    cards.issue_cards(make_uow(), admin(make_uow), code)
    return code


def card_id(make_uow: MakeUow, code: str, unit: str) -> int:
    return next(c.id for c in cards.list_cards(make_uow(), admin(make_uow), code) if c.unit_code == unit)


def test_pending_record_list_and_the_register(make_uow: MakeUow, code: str) -> None:
    card = card_id(make_uow, code, CONSECUTIVE)
    status, out, err = run_cli(["heads", "pending", code])
    assert status == 0, err
    assert out.startswith(f"card {card}\t{code}\t{CONSECUTIVE}\t")
    assert out.endswith("1 recommended removal(s) with nothing recorded\n")

    day = today().isoformat()
    status, out, err = run_cli(
        [
            "heads",
            "record",
            str(card),
            "--outcome",
            "removed",
            "--decided-on",
            day,
            "--body",
            "中共临江市委",
            "--document",
            "临委干〔2026〕8号",
            "--new-head",
            "林新民",
            "--new-head-since",
            day,
        ]
    )
    assert status == 0, err
    assert f"removed on {day} by 中共临江市委 (临委干〔2026〕8号); new head 林新民 since {day}" in out
    assert f"the unit register's head of {CONSECUTIVE} is now 林新民" in out
    with make_uow() as uow:
        assert (
            uow.session.execute(select(Unit.head_name).where(Unit.code == CONSECUTIVE)).scalar_one()
            == "林新民"
        )
        actors = uow.session.execute(
            select(AuditEntry.action, AuditEntry.actor).where(
                AuditEntry.action.in_(("head_action.record", "unit.update"))
            )
        ).all()
    assert sorted(tuple(a) for a in actors) == [("head_action.record", "cli"), ("unit.update", "cli")]

    status, out, _ = run_cli(["heads", "pending"])
    assert (status, out) == (0, "0 recommended removal(s) with nothing recorded\n")
    status, out, _ = run_cli(["heads", "list", code])
    assert (
        status == 0
        and out.startswith(f"card {card}\t{code}\t{CONSECUTIVE}\t")
        and out.endswith("1 head action(s)\n")
    )

    correct = ["heads", "correct", str(card), "--outcome", "removed", "--decided-on", day]
    correct += ["--body", "中共临江市委", "--document", "临委干〔2026〕9号", "--correction", "文号笔误"]
    status, out, err = run_cli(correct)
    assert status == 0, err
    assert "(临委干〔2026〕9号)" in out

    # with the head action recorded, the escalated card closes (its ledger holds no open item)
    status, out, err = run_cli(["heads", "close", str(card)])
    assert (status, out) == (0, f"card {card} closed\n"), err
    with make_uow() as uow:
        assert uow.session.get(CardCase, card).status == "closed"
    status, _, err = run_cli(["heads", "close", str(card)])  # closed is final
    assert status == 1 and err.startswith("error: ")


def test_refusals_exit_1_and_bad_dates_2(make_uow: MakeUow, code: str) -> None:
    card = card_id(make_uow, code, CONSECUTIVE)
    status, out, err = run_cli(["heads", "record", str(card), "--outcome", "not_removed"])
    assert (status, out) == (1, "")
    assert err == "error: reason is required for an outcome other than removal\n"
    status, _, err = run_cli(
        ["heads", "record", str(card_id(make_uow, code, YELLOW)), "--outcome", "not_removed", "--reason", "x"]
    )
    assert status == 1 and "does not recommend the removal" in err
    status, _, err = run_cli(
        ["heads", "record", str(card), "--outcome", "removed", "--decided-on", "2026/3/1"]
    )
    assert status == 2 and "is not a date; write it as YYYY-MM-DD" in err
    status, _, err = run_cli(["heads", "list", "no-such-campaign"])
    assert status == 1 and err.startswith("error: ")
