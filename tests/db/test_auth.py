"""Accounts (Argon2), login sessions with an idle timeout, and `python -m db create-user`."""

from __future__ import annotations

import io

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from db import audit, cli
from db.models import AuditEntry, LoginSession, Role, User
from services import auth
from services.errors import NotFound, Refused
from services.permissions import CurrentUser
from tests.db.kit import PASSWORD, Clock, MakeUow, add_user, seed_campaign

OPERATOR = auth.CLI_OPERATOR


def stored_user(make_uow: MakeUow, username: str) -> User:
    with make_uow() as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        uow.session.expunge(user)  # keep its loaded values after the read-only unit of work rolls back
        return user


def test_create_user_keeps_only_an_argon2_hash_and_audits_without_it(make_uow: MakeUow) -> None:
    user = auth.create_user(make_uow(), OPERATOR, "li.hua", PASSWORD, "supervisor", display_name="李华")

    assert (user.username, user.role, user.display_name) == ("li.hua", Role.supervisor, "李华")
    row = stored_user(make_uow, "li.hua")
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    with make_uow() as uow:
        entry = uow.session.execute(select(AuditEntry)).scalar_one()
        assert (entry.actor, entry.action, entry.entity_id) == ("cli", "user.create", str(row.id))
        assert entry.after == {
            "username": "li.hua",
            "display_name": "李华",
            "role": "supervisor",
            "unit": None,
            "active": True,
        }
        assert audit.verify(uow.session) == []


def test_a_liaison_belongs_to_its_unit(make_uow: MakeUow) -> None:
    seed_campaign(make_uow)

    user = auth.create_user(make_uow(), OPERATOR, "lianluo", PASSWORD, Role.liaison, unit_code="u2")

    assert user.unit_id == stored_user(make_uow, "lianluo").unit_id is not None


@pytest.mark.parametrize(
    ("username", "password", "role", "unit", "error", "message"),
    [
        ("x1", PASSWORD, "liaison", None, Refused, "needs the code of its unit"),
        ("x1", PASSWORD, "liaison", "nope", NotFound, "no unit has the code 'nope'"),
        ("x1", PASSWORD, "admin", "u1", Refused, "only liaison accounts belong to a unit"),
        ("x1", "short", "admin", None, Refused, "at least 10 characters"),
        ("x1", PASSWORD, "superuser", None, Refused, "unknown role 'superuser'"),
        ("bad name", PASSWORD, "admin", None, Refused, "must be 1-64 letters"),
        ("taken", PASSWORD, "admin", None, Refused, "username 'taken' is taken"),
    ],
)
def test_create_user_refuses_bad_accounts_with_a_clear_message(
    make_uow: MakeUow, username: str, password: str, role: str, unit: str | None, error: type, message: str
) -> None:
    seed_campaign(make_uow)
    add_user(make_uow, "taken", Role.admin)

    with pytest.raises(error, match=message):
        auth.create_user(make_uow(), OPERATOR, username, password, role, unit_code=unit)

    with make_uow() as uow:
        assert uow.session.execute(select(User.username)).scalars().all() == ["taken"]


def test_authenticate_accepts_the_right_password_only(make_uow: MakeUow) -> None:
    auth.create_user(make_uow(), OPERATOR, "admin1", PASSWORD, "admin")

    assert auth.authenticate(make_uow(), "admin1", PASSWORD) == CurrentUser(
        id=stored_user(make_uow, "admin1").id, username="admin1", role=Role.admin
    )
    assert auth.authenticate(make_uow(), "admin1", PASSWORD + "!") is None
    assert auth.authenticate(make_uow(), "nobody", PASSWORD) is None


def test_an_unknown_username_still_costs_a_hash_verification(
    make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            verified.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(auth, "_hasher", Spy())

    assert auth.authenticate(make_uow(), "nobody", PASSWORD) is None
    assert len(verified) == 1 and verified[0].startswith("$argon2id$")


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(make_uow: MakeUow) -> None:
    admin = add_user(make_uow, "admin1", Role.admin)
    add_user(make_uow, "caller1", Role.caller)
    result = auth.login(make_uow(), "caller1", PASSWORD)
    assert result is not None

    auth.set_user_active(make_uow(), admin, "caller1", False)

    assert auth.current_user(make_uow(), result[0]) is None
    assert auth.login(make_uow(), "caller1", PASSWORD) is None
    with pytest.raises(Refused, match="your own account"):
        auth.set_user_active(make_uow(), admin, "admin1", False)


def test_a_hash_with_old_parameters_is_upgraded_at_login(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)  # hashed with cheap parameters
    old_hash = stored_user(make_uow, "admin1").password_hash
    assert auth.password_hasher().check_needs_rehash(old_hash)

    assert auth.authenticate(make_uow(), "admin1", PASSWORD) is not None

    new_hash = stored_user(make_uow, "admin1").password_hash
    assert new_hash != old_hash and not auth.password_hasher().check_needs_rehash(new_hash)
    assert auth.password_hasher().verify(new_hash, PASSWORD)
    with make_uow() as uow:
        assert uow.session.execute(select(AuditEntry.action)).scalars().all() == ["user.rehash_password"]


def test_login_stores_only_the_hash_of_the_session_token(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)

    result = auth.login(make_uow(), "admin1", PASSWORD)

    assert result is not None
    token, user = result
    assert user.username == "admin1" and len(token) >= 40
    with make_uow() as uow:
        stored = uow.session.execute(select(LoginSession.token_hash)).scalar_one()
    assert stored == auth.token_hash(token) != token
    assert auth.current_user(make_uow(), token) == user
    assert auth.current_user(make_uow(), stored) is None  # the stored hash is not a token
    assert auth.current_user(make_uow(), None) is None
    assert auth.login(make_uow(), "admin1", "wrong password") is None


def test_a_session_ends_after_30_idle_minutes_but_not_while_in_use(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    result = auth.login(make_uow(), "admin1", PASSWORD, clock=clock)
    assert result is not None
    token = result[0]

    clock.advance(minutes=29)
    assert auth.current_user(make_uow(), token, clock=clock) is not None  # and counts as activity
    clock.advance(minutes=29)
    assert auth.current_user(make_uow(), token, clock=clock) is not None
    clock.advance(minutes=31)
    assert auth.current_user(make_uow(), token, clock=clock) is None
    with make_uow() as uow:
        assert uow.session.execute(select(LoginSession.ended_at)).scalar_one() is not None
    clock.advance(minutes=-60)  # ended for good, whatever the clock says later
    assert auth.current_user(make_uow(), token, clock=clock) is None


def test_the_idle_timeout_is_configurable(make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    first = auth.login(make_uow(), "admin1", PASSWORD, clock=clock)
    second = auth.login(make_uow(), "admin1", PASSWORD, clock=clock)
    assert first and second
    clock.advance(minutes=6)

    assert auth.current_user(make_uow(), first[0], idle_minutes=5, clock=clock) is None
    monkeypatch.setenv("APPRAISAL_SESSION_IDLE_MINUTES", "5")
    assert auth.current_user(make_uow(), second[0], clock=clock) is None


def test_a_session_ends_after_the_maximum_lifetime_even_when_busy(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    result = auth.login(make_uow(), "admin1", PASSWORD, clock=clock)
    assert result is not None
    for _ in range(auth.MAX_SESSION_HOURS * 4 - 1):
        clock.advance(minutes=15)
        assert auth.current_user(make_uow(), result[0], clock=clock) is not None
    clock.advance(minutes=15)
    assert auth.current_user(make_uow(), result[0], clock=clock) is None


def test_logout_ends_the_session_and_is_audited(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)
    result = auth.login(make_uow(), "admin1", PASSWORD)
    assert result is not None

    assert auth.logout(make_uow(), result[0]) is True

    assert auth.current_user(make_uow(), result[0]) is None
    assert auth.logout(make_uow(), result[0]) is False
    with make_uow() as uow:
        actions = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id)
        ).all()
    assert [tuple(a) for a in actions][-2:] == [("admin1", "session.login"), ("admin1", "session.logout")]


def test_cli_create_user_reads_the_password_from_stdin(
    make_uow: MakeUow, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    seed_campaign(make_uow)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))

    status = cli.main(["create-user", "wang", "--role", "liaison", "--unit", "u1", "--password-stdin"])

    assert status == 0, capsys.readouterr().err
    assert "created liaison account wang" in capsys.readouterr().out
    assert auth.authenticate(make_uow(), "wang", PASSWORD) is not None


def test_cli_create_user_prompts_twice_and_refuses_a_mismatch(
    make_uow: MakeUow, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    answers = iter([PASSWORD, PASSWORD + "x", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))

    assert cli.main(["create-user", "zhao", "--role", "admin"]) == 1
    assert "differ" in capsys.readouterr().err
    assert cli.main(["create-user", "zhao", "--role", "admin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["create-user", "qian", "--role", "liaison", "--password-stdin"]) == 1
    assert "needs the code of its unit" in capsys.readouterr().err


def test_a_caller_account_gets_its_interviewer_record_and_phone(make_uow: MakeUow) -> None:
    from db import crypto
    from db.models import Caller
    from services.auth import CLI_OPERATOR, create_user, set_caller_phone

    created = create_user(
        make_uow(), CLI_OPERATOR, "li", PASSWORD, "caller", display_name="李", phone="138 0013 8000"
    )
    with make_uow() as uow:
        caller = uow.session.execute(select(Caller).where(Caller.code == "li")).scalar_one()
        assert caller.user_id == created.id and caller.name == "李"
        assert caller.phone_enc and crypto.decrypt(caller.phone_enc) == "+8613800138000"

    assert set_caller_phone(make_uow(), created, "+44 20 7946 0000") == crypto.mask_phone("+442079460000")
    with pytest.raises(Refused, match="not a phone number"):
        set_caller_phone(make_uow(), created, "12345")
    with pytest.raises(Refused, match="only caller accounts"):
        create_user(make_uow(), CLI_OPERATOR, "wang", PASSWORD, "admin", phone="13800138000")
    with make_uow() as uow:
        caller = uow.session.execute(select(Caller).where(Caller.code == "li")).scalar_one()
        assert crypto.decrypt(caller.phone_enc) == "+442079460000"
