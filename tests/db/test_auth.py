"""Accounts (Argon2), login sessions with an idle timeout, and `python -m db create-user`."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from db import audit, cli
from db.models import AuditEntry, LoginSession, Role, User
from services import auth
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
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


# ---------------------------------------------------------------- guessing (throttle, lockout, unlock)


NETWORK = "203.0.113.7"


def try_login(
    make_uow: MakeUow,
    clock: Clock,
    username: str = "admin1",
    password: str = "wrong password",
    network: str = NETWORK,
):  # type: ignore[no-untyped-def]
    """``auth.login``, or the LoginThrottled it raised."""
    try:
        return auth.login(make_uow(), username, password, network=network, clock=clock)
    except auth.LoginThrottled as refusal:
        return refusal


def audit_trail(make_uow: MakeUow, *actions: str) -> list[AuditEntry]:
    with make_uow() as uow:
        entries = (
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
        for entry in entries:
            uow.session.expunge(entry)
        return list(entries)


def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(
    make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(make_uow, "admin1", Role.admin)
    checked: list[str] = []
    real_authenticate = auth.authenticate
    monkeypatch.setattr(
        auth, "authenticate", lambda uow, u, p: checked.append(p) or real_authenticate(uow, u, p)
    )
    clock = Clock()

    # as fast as the attacker can: five tries are checked, then each must wait
    results = [try_login(make_uow, clock) for _ in range(30)]
    assert results[:5] == [None] * 5
    assert all(isinstance(r, auth.LoginThrottled) for r in results[5:])
    assert isinstance(try_login(make_uow, clock, password=PASSWORD), auth.LoginThrottled)
    assert len(checked) == 5  # the refused tries never reached the password

    # waiting out every back-off: ten tries in all, then the account is locked
    waits = []
    for _ in range(30):
        result = try_login(make_uow, clock)
        if isinstance(result, auth.LoginThrottled):
            if result.locked_until is not None:
                break
            waits.append(round(result.retry_after))
            clock.advance(seconds=result.retry_after)
    assert waits == [2, 4, 8, 16, 32]
    assert len(checked) == 10
    refused = try_login(make_uow, clock, password=PASSWORD)
    assert isinstance(refused, auth.LoginThrottled) and refused.locked_until is not None
    assert refused.retry_after == pytest.approx(15 * 60)

    clock.advance(minutes=15)  # the lockout ends by itself
    assert isinstance(try_login(make_uow, clock, password=PASSWORD), tuple)


def test_failed_and_throttled_sign_ins_are_audited_without_the_password(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    secret = "hunter2-guess"
    for _ in range(6):
        try_login(make_uow, clock, password=secret)

    failed = audit_trail(make_uow, "session.login_failed")
    throttled = audit_trail(make_uow, "session.login_throttled")
    assert [e.after["failures"] for e in failed] == [1, 2, 3, 4, 5]  # type: ignore[index]
    assert failed[0].after == {"username": "admin1", "network": NETWORK, "failures": 1, "locked_until": None}
    assert len(throttled) == 1 and throttled[0].after["retry_after_seconds"] == 2  # type: ignore[index]
    assert {(e.entity, e.entity_id) for e in failed + throttled} == {("login", "admin1")}
    with make_uow() as uow:
        everything = str(uow.session.execute(select(AuditEntry.before, AuditEntry.after)).all())
        assert secret not in everything
        assert audit.verify(uow.session) == []


def test_a_sign_in_resets_the_accounts_count(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    for _ in range(4):
        assert try_login(make_uow, clock) is None
    assert isinstance(try_login(make_uow, clock, password=PASSWORD), tuple)

    for _ in range(5):  # five fresh tries before any back-off
        assert try_login(make_uow, clock) is None
    assert isinstance(try_login(make_uow, clock), auth.LoginThrottled)


def test_one_network_guessing_many_accounts_is_locked_out(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    for i in range(30):
        assert try_login(make_uow, clock, username=f"guess{i}") is None

    locked = try_login(make_uow, clock, password=PASSWORD)
    assert isinstance(locked, auth.LoginThrottled) and locked.locked_until is not None
    # the account itself is not locked: from another network it signs in
    assert isinstance(try_login(make_uow, clock, password=PASSWORD, network="198.51.100.9"), tuple)


def test_parallel_guesses_cannot_slip_past_the_count(make_uow: MakeUow) -> None:
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    barrier = threading.Barrier(12)
    outcomes: list[object] = []
    lock = threading.Lock()

    def guess() -> None:
        barrier.wait()
        result = try_login(make_uow, clock)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count(None) == 5  # the back-off starts after five, however many arrive at once
    assert sum(isinstance(o, auth.LoginThrottled) for o in outcomes) == 7


def test_the_thresholds_are_settings(make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(make_uow, "admin1", Role.admin)
    monkeypatch.setenv("APPRAISAL_LOGIN_BACKOFF_AFTER", "10")
    monkeypatch.setenv("APPRAISAL_LOGIN_LOCKOUT_AFTER", "3")
    monkeypatch.setenv("APPRAISAL_LOGIN_LOCKOUT_MINUTES", "60")
    clock = Clock()
    for _ in range(3):
        assert try_login(make_uow, clock) is None
    locked = try_login(make_uow, clock, password=PASSWORD)
    assert isinstance(locked, auth.LoginThrottled) and locked.retry_after == pytest.approx(3600)
    clock.advance(minutes=59)
    assert isinstance(try_login(make_uow, clock, password=PASSWORD), auth.LoginThrottled)
    clock.advance(minutes=1)
    assert isinstance(try_login(make_uow, clock, password=PASSWORD), tuple)


def lock_out(make_uow: MakeUow, clock: Clock, username: str = "caller1") -> None:
    for _ in range(10):
        result = try_login(make_uow, clock, username=username)
        if isinstance(result, auth.LoginThrottled):
            clock.advance(seconds=result.retry_after)
            try_login(make_uow, clock, username=username)
    assert isinstance(try_login(make_uow, clock, username=username), auth.LoginThrottled)


def test_an_admin_sees_and_unlocks_a_locked_account(make_uow: MakeUow) -> None:
    admin = add_user(make_uow, "admin1", Role.admin)
    caller = add_user(make_uow, "caller1", Role.caller)
    clock = Clock()
    lock_out(make_uow, clock)

    [locked] = auth.locked_sign_ins(make_uow(), admin, clock=clock)
    assert (locked.kind, locked.key, locked.failures) == ("account", "caller1", 10)
    with pytest.raises(PermissionDenied):
        auth.locked_sign_ins(make_uow(), caller, clock=clock)
    with pytest.raises(PermissionDenied):
        auth.unlock_user(make_uow(), caller, "caller1", clock=clock)

    assert auth.unlock_user(make_uow(), admin, "caller1", clock=clock) is True

    assert auth.locked_sign_ins(make_uow(), admin, clock=clock) == []
    assert isinstance(try_login(make_uow, clock, username="caller1", password=PASSWORD), tuple)
    [entry] = audit_trail(make_uow, "user.unlock")
    assert (entry.actor, entry.entity, entry.entity_id) == ("admin1", "app_user", str(caller.id))
    assert entry.before["failures"] == 10 and entry.after == {"locked_until": None, "failures": 0}  # type: ignore[index]
    assert auth.unlock_user(make_uow(), admin, "caller1", clock=clock) is False  # nothing left to unlock
    with pytest.raises(NotFound):
        auth.unlock_user(make_uow(), admin, "nobody", clock=clock)


def test_an_admin_unlocks_a_network(make_uow: MakeUow) -> None:
    admin = add_user(make_uow, "admin1", Role.admin)
    clock = Clock()
    for i in range(30):
        try_login(make_uow, clock, username=f"guess{i}")
    assert [(lock.kind, lock.key) for lock in auth.locked_sign_ins(make_uow(), admin, clock=clock)] == [
        ("network", NETWORK)
    ]

    assert auth.unlock_network(make_uow(), admin, NETWORK, clock=clock) is True

    assert isinstance(try_login(make_uow, clock, password=PASSWORD), tuple)
    assert [e.actor for e in audit_trail(make_uow, "login.unlock_network")] == ["admin1"]


def test_cli_unlock_user_lifts_the_lockout_and_is_audited(
    make_uow: MakeUow, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    add_user(make_uow, "caller1", Role.caller)
    lock_out(make_uow, Clock(datetime.now(UTC)))

    assert cli.main(["unlock-user", "caller1"]) == 0
    assert "unlocked caller1" in capsys.readouterr().out
    assert auth.login(make_uow(), "caller1", PASSWORD, network=NETWORK) is not None
    assert [e.actor for e in audit_trail(make_uow, "user.unlock")] == ["cli"]
    assert cli.main(["unlock-user", "caller1"]) == 0
    assert "was not locked" in capsys.readouterr().out
    assert cli.main(["unlock-user", "nobody"]) == 1
    assert "no account is called 'nobody'" in capsys.readouterr().err


def test_cli_unlock_network_lifts_the_network_lockout_and_is_audited(
    make_uow: MakeUow, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    add_user(make_uow, "admin1", Role.admin)
    clock = Clock(datetime.now(UTC))
    for i in range(30):
        try_login(make_uow, clock, username=f"guess{i}")
    assert isinstance(try_login(make_uow, clock, password=PASSWORD), auth.LoginThrottled)

    assert cli.main(["unlock-network", NETWORK]) == 0
    assert f"unlocked network {NETWORK}" in capsys.readouterr().out
    assert isinstance(try_login(make_uow, clock, password=PASSWORD), tuple)
    assert [e.actor for e in audit_trail(make_uow, "login.unlock_network")] == ["cli"]
    assert cli.main(["unlock-network", NETWORK]) == 0
    assert "was not locked" in capsys.readouterr().out
