"""The account commands of ``python -m db`` (db/cli_accounts.py) and ``create-user``'s
password rules, on SQLite and PostgreSQL: what they print, change and refuse (exit 1), and
that they are audited as ``cli``."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from db import cli
from db.models import AuditEntry, Role
from services import accounts, auth, passwords
from tests.db.kit import PASSWORD, MakeUow, add_user, seed_campaign

NEW_PASSWORD = "a quiet river at dawn"


@pytest.fixture
def db_env(make_uow: MakeUow, database_url: str, monkeypatch: pytest.MonkeyPatch) -> MakeUow:
    monkeypatch.setenv("DATABASE_URL", database_url)
    seed_campaign(make_uow)
    add_user(make_uow, "admin1", Role.admin)
    add_user(make_uow, "caller1", Role.caller)
    return make_uow


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def cli_actions(make_uow: MakeUow) -> list[str]:
    with make_uow() as uow:
        return list(
            uow.session.execute(
                select(AuditEntry.action).where(AuditEntry.actor == "cli").order_by(AuditEntry.id)
            ).scalars()
        )


def test_reset_password_prints_a_one_time_password_that_must_be_changed(
    db_env: MakeUow, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "reset-password", "caller1")

    assert status == 0, err
    otp = out.strip()
    assert passwords.password_problem(otp, "caller1") is None
    assert "one-time password of caller1" in err and "not shown again" in err
    signed_in = auth.login(db_env(), "caller1", otp)
    assert signed_in is not None and accounts.must_change_password(db_env(), signed_in[1])
    assert cli_actions(db_env) == ["user.reset_password"]


def test_disable_and_enable_user(db_env: MakeUow, capsys: pytest.CaptureFixture[str]) -> None:
    auth.login(db_env(), "caller1", PASSWORD)

    assert run(capsys, "disable-user", "caller1")[:2] == (0, "disabled caller1; 1 open session(s) ended\n")
    assert auth.login(db_env(), "caller1", PASSWORD) is None
    assert run(capsys, "enable-user", "caller1")[:2] == (0, "enabled caller1\n")
    assert auth.login(db_env(), "caller1", PASSWORD) is not None
    assert cli_actions(db_env)[:2] == ["user.disable", "user.enable"]


def test_set_user_changes_the_role_unit_record_and_contractor(
    db_env: MakeUow, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(
        capsys,
        "set-user",
        "caller1",
        "--caller",
        "C-01",
        "--contractor",
        "甲调查公司",
        "--display-name",
        "李四",
    )
    assert status == 0, err
    assert out == "caller1: caller, name 李四, unit -, interviewer record C-01, contractor 甲调查公司\n"

    status, out, err = run(capsys, "set-user", "caller1", "--role", "liaison", "--unit", "u2")
    assert status == 0, err
    assert out == "caller1: liaison, name 李四, unit u2, interviewer record -, contractor -\n"
    assert cli_actions(db_env) == ["user.update", "user.update"]


def test_list_users_prints_a_table_and_filters(db_env: MakeUow, capsys: pytest.CaptureFixture[str]) -> None:
    add_user(db_env, "lianluo", Role.liaison, unit_code="u3")
    run(capsys, "set-user", "caller1", "--contractor", "甲调查公司")
    run(capsys, "disable-user", "caller1")

    status, out, err = run(capsys, "list-users")

    assert status == 0 and err == "3 account(s)\n"
    header, *lines = out.splitlines()
    assert header.split("\t") == [
        "username",
        "role",
        "name",
        "unit",
        "caller",
        "contractor",
        "state",
        "last sign-in (Beijing)",
    ]
    assert lines == [
        "admin1\tadmin\t-\t-\t-\t-\tactive\t-",
        "caller1\tcaller\t-\t-\tcaller1\t甲调查公司\tdisabled\t-",
        "lianluo\tliaison\t-\tu3\t-\t-\tactive\t-",
    ]
    assert run(capsys, "list-users", "--role", "liaison")[1].splitlines()[1:] == [lines[2]]
    assert run(capsys, "list-users", "ADMIN")[1].splitlines()[1:] == [lines[0]]


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["reset-password", "nobody"], 1, "no account is called 'nobody'"),
        (["disable-user", "nobody"], 1, "no account is called 'nobody'"),
        (["enable-user", "caller1"], 1, "already active"),
        (["disable-user", "admin1"], 1, "last active administrator"),
        (["set-user", "admin1", "--role", "caller"], 1, "last active administrator"),
        (["set-user", "caller1", "--role", "liaison"], 1, "needs the code of its unit"),
        (["set-user", "caller1", "--unit", "u1"], 1, "only liaison accounts belong to a unit"),
        (["set-user", "caller1"], 2, "nothing to change"),
    ],
)
def test_refusals_exit_non_zero_with_the_reason_and_change_nothing(
    db_env: MakeUow, capsys: pytest.CaptureFixture[str], argv: list[str], status: int, message: str
) -> None:
    code, out, err = run(capsys, *argv)

    assert (code, out) == (status, "")
    assert message in err and err.startswith("error: ")
    assert cli_actions(db_env) == []


def test_create_user_applies_the_password_rules(
    db_env: MakeUow, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("password123\n"))
    status, _out, err = run(capsys, "create-user", "zhao", "--role", "admin", "--password-stdin")
    assert status == 1 and "too common" in err

    # at the prompt, the rules speak before the password is asked again
    answers = iter([passwords.DEMO_PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    status, _out, err = run(capsys, "create-user", "zhao", "--role", "admin")
    assert status == 1 and "too common" in err

    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert run(capsys, "create-user", "zhao", "--role", "admin", "--password-stdin")[0] == 0
    assert auth.authenticate(db_env(), "zhao", NEW_PASSWORD) is not None
    assert cli_actions(db_env) == ["user.create"]
