"""Account management (services/accounts.py), on SQLite and PostgreSQL: creating accounts
with a one-time password, editing roles, units, interviewer records and contractors,
disabling and re-enabling, resetting and changing passwords; every refusal; and an audit
trail that never holds a password or a hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from db import audit, throttle
from db.models import AuditEntry, Caller, LoginSession, Role, User
from services import accounts, auth, passwords
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import PASSWORD, Clock, MakeUow, add_user, seed_campaign

OPERATOR = auth.CLI_OPERATOR
NEW_PASSWORD = "a quiet river at dawn"


def stored(make_uow: MakeUow, username: str) -> User:
    with make_uow() as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        uow.session.expunge(user)
        return user


def audit_entries(make_uow: MakeUow, action: str | None = None) -> list[AuditEntry]:
    with make_uow() as uow:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(uow.session.execute(query).scalars())
        for entry in entries:
            uow.session.expunge(entry)
        return entries


def assert_audit_holds_no_secret(make_uow: MakeUow, *secrets: str) -> None:
    """No audit entry holds a password, a one-time password or an Argon2 hash, and the chain holds."""
    with make_uow() as uow:
        hashes = list(uow.session.execute(select(User.password_hash)).scalars())
        text = json.dumps(
            [(e.before, e.after) for e in uow.session.execute(select(AuditEntry)).scalars()],
            ensure_ascii=False,
            default=str,
        )
        assert audit.verify(uow.session) == []
    for secret in [*secrets, *hashes, "$argon2"]:
        assert secret not in text


def lock_account(make_uow: MakeUow, username: str) -> None:
    """Failed sign-ins up to the limit and the lockout they bring, written into the throttle."""
    rule, _network = auth.login_rules()
    now = datetime.now(UTC)
    with make_uow() as uow:
        for _ in range(rule.limit):
            throttle.add(uow.session, rule, username, now)
        assert throttle.lock_if_reached(uow.session, rule, username, now) is not None
        uow.commit()


def open_sessions(make_uow: MakeUow, username: str) -> int:
    with make_uow() as uow:
        return len(
            uow.session.execute(
                select(LoginSession.id)
                .join(User, User.id == LoginSession.user_id)
                .where(User.username == username, LoginSession.ended_at.is_(None))
            ).all()
        )


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow)  # units u1, u2, u3
    return add_user(make_uow, "admin1", Role.admin)


# ---------------------------------------------------------------- creating


def test_a_new_account_gets_a_one_time_password_that_must_be_changed(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    made = accounts.create_account(make_uow(), admin, "li.hua", "supervisor", display_name="李华")

    otp = made.one_time_password
    assert otp is not None and passwords.password_problem(otp, "li.hua") is None
    assert (made.user.username, made.user.role) == ("li.hua", Role.supervisor)
    assert stored(make_uow, "li.hua").must_change_password
    assert accounts.must_change_password(make_uow(), made.user)
    assert auth.authenticate(make_uow(), "li.hua", otp) is not None
    [entry] = audit_entries(make_uow, "user.create")
    assert entry.actor == "admin1"
    assert entry.after == {
        "username": "li.hua",
        "display_name": "李华",
        "role": "supervisor",
        "unit": None,
        "active": True,
        "must_change_password": True,
    }
    assert_audit_holds_no_secret(make_uow, otp)


def test_a_given_password_must_pass_the_rules_and_needs_no_change(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    made = accounts.create_account(make_uow(), admin, "zhao", "admin", password=NEW_PASSWORD)

    assert made.one_time_password is None and not stored(make_uow, "zhao").must_change_password
    with pytest.raises(passwords.PasswordRejected, match="too common"):
        accounts.create_account(make_uow(), admin, "qian", "admin", password="password123")
    with pytest.raises(passwords.PasswordRejected, match="user name"):
        accounts.create_account(make_uow(), admin, "qian", "admin", password="qian's own password")
    assert [a.username for a in accounts.list_accounts(make_uow(), admin)] == ["admin1", "zhao"]


def test_nobody_sets_the_demo_password_through_a_service(make_uow: MakeUow, admin: CurrentUser) -> None:
    demo_password = passwords.DEMO_PASSWORD
    with pytest.raises(passwords.PasswordRejected):
        accounts.create_account(make_uow(), admin, "wang", "admin", password=demo_password)
    with pytest.raises(passwords.PasswordRejected):
        auth.create_user(make_uow(), OPERATOR, "wang", demo_password, "admin")
    with pytest.raises(passwords.PasswordRejected):
        accounts.change_password(make_uow(), admin, PASSWORD, demo_password)
    # the demo loader's way lets the demo password through, and nothing else
    with pytest.raises(passwords.PasswordRejected):
        auth.create_user(make_uow(), OPERATOR, "wang", "password123", "admin", public_demo=True)
    auth.create_user(make_uow(), OPERATOR, "wang", demo_password, "admin", public_demo=True)
    assert auth.authenticate(make_uow(), "wang", demo_password) is not None


def test_a_liaison_gets_its_unit_and_a_caller_its_interviewer_record_and_contractor(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    with make_uow() as uow:
        uow.session.add(Caller(code="C07", name="旧档案"))  # from an imported bundle's calls
        uow.commit()
    assert accounts.free_caller_codes(make_uow(), admin) == ["C07"]

    accounts.create_account(make_uow(), admin, "lianluo", "liaison", unit_code="u2")
    accounts.create_account(
        make_uow(),
        admin,
        "caller7",
        "caller",
        caller_code="C07",
        contractor="某某调查公司",
        phone="13800138000",
    )
    accounts.create_account(make_uow(), admin, "caller8", "caller", display_name="钱八")

    listed = {a.username: a for a in accounts.list_accounts(make_uow(), admin)}
    assert (listed["lianluo"].unit_code, listed["lianluo"].unit_name) == ("u2", "单位u2")
    assert (listed["caller7"].caller_code, listed["caller7"].contractor) == ("C07", "某某调查公司")
    assert (listed["caller8"].caller_code, listed["caller8"].contractor) == ("caller8", "")
    assert accounts.free_caller_codes(make_uow(), admin) == []
    [created7] = [e for e in audit_entries(make_uow, "user.create") if e.after["username"] == "caller7"]
    assert created7.after["caller"] == "C07" and created7.after["contractor"] == "某某调查公司"
    assert_audit_holds_no_secret(make_uow, "13800138000", "+8613800138000")


@pytest.mark.parametrize(
    ("username", "role", "options", "error", "message"),
    [
        ("x1", "superuser", {}, Refused, "unknown role 'superuser'"),
        ("bad name", "admin", {}, Refused, "must be 1-64 letters"),
        ("taken", "admin", {}, Refused, "username 'taken' is taken"),
        ("TAKEN", "admin", {}, Refused, "differs from the account 'taken' only by case"),
        ("x1", "liaison", {}, Refused, "needs the code of its unit"),
        ("x1", "liaison", {"unit_code": "nope"}, NotFound, "no unit has the code 'nope'"),
        ("x1", "admin", {"unit_code": "u1"}, Refused, "only liaison accounts belong to a unit"),
        ("x1", "admin", {"caller_code": "C1"}, Refused, "only caller accounts have an interviewer record"),
        (
            "x1",
            "supervisor",
            {"contractor": "公司"},
            Refused,
            "only caller accounts have an interviewer record",
        ),
        ("x1", "admin", {"phone": "13800138000"}, Refused, "only caller accounts have a phone"),
        ("x1", "caller", {"phone": "12345"}, Refused, "not a phone number"),
        ("x1", "caller", {"caller_code": "taken-c"}, Refused, "belongs to another account"),
        (
            "x1",
            "caller",
            {"caller_code": "TAKEN-C"},
            Refused,
            "differs from the record 'taken-c' only by case",
        ),
        ("x1", "caller", {"caller_code": " c9"}, Refused, "white space"),
        ("x1", "caller", {"caller_code": "=c9"}, Refused, "formula"),
        ("x1", "caller", {"caller_code": "c" * 65}, Refused, "at most 64 characters"),
        ("x1", "caller", {"contractor": "@公司"}, Refused, "formula"),
        ("x1", "admin", {"display_name": "=HYPERLINK(1)"}, Refused, "formula"),
        ("x1", "admin", {"display_name": "名" * 101}, Refused, "at most 100 characters"),
        ("x1", "admin", {"password": "short"}, Refused, "at least 10 characters"),
    ],
)
def test_create_account_refuses_with_a_clear_message_and_writes_nothing(
    make_uow: MakeUow, admin: CurrentUser, username: str, role: str, options: dict, error: type, message: str
) -> None:
    taken = add_user(make_uow, "taken", Role.caller)
    with make_uow() as uow:
        uow.session.add(Caller(code="taken-c", user_id=taken.id))
        uow.commit()
    before = len(audit_entries(make_uow))

    with pytest.raises(error, match=message):
        accounts.create_account(make_uow(), admin, username, role, **options)

    assert [a.username for a in accounts.list_accounts(make_uow(), admin)] == ["admin1", "taken"]
    assert len(audit_entries(make_uow)) == before


def test_only_admins_manage_accounts(make_uow: MakeUow, admin: CurrentUser) -> None:
    supervisor = add_user(make_uow, "super1", Role.supervisor)
    for call in (
        lambda u: accounts.list_accounts(make_uow(), u),
        lambda u: accounts.create_account(make_uow(), u, "x1", "caller"),
        lambda u: accounts.update_account(make_uow(), u, "admin1", display_name="x"),
        lambda u: accounts.disable_account(make_uow(), u, "admin1"),
        lambda u: accounts.enable_account(make_uow(), u, "admin1"),
        lambda u: accounts.reset_password(make_uow(), u, "admin1"),
        lambda u: accounts.unit_choices(make_uow(), u),
        lambda u: accounts.free_caller_codes(make_uow(), u),
    ):
        with pytest.raises(PermissionDenied):
            call(supervisor)
        with pytest.raises(PermissionDenied):
            call(None)


# ---------------------------------------------------------------- listing


def test_the_list_searches_filters_by_role_and_shows_the_last_sign_in(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    clock = Clock()
    add_user(make_uow, "lianluo", Role.liaison, unit_code="u3")
    add_user(make_uow, "caller1", Role.caller)
    assert auth.login(make_uow(), "caller1", PASSWORD, clock=clock) is not None
    later = clock.advance(hours=2)
    assert auth.login(make_uow(), "caller1", PASSWORD, clock=clock) is not None

    listed = accounts.list_accounts(make_uow(), admin)
    assert [a.username for a in listed] == ["admin1", "caller1", "lianluo"]
    assert [a.last_sign_in for a in listed] == [None, later, None]
    assert [a.username for a in accounts.list_accounts(make_uow(), admin, roles=["caller", Role.admin])] == [
        "admin1",
        "caller1",
    ]
    assert [a.username for a in accounts.list_accounts(make_uow(), admin, search="U3")] == ["lianluo"]
    assert [a.username for a in accounts.list_accounts(make_uow(), admin, search="单位u3")] == ["lianluo"]
    assert accounts.list_accounts(make_uow(), admin, search="nobody") == []
    with pytest.raises(Refused, match="unknown role"):
        accounts.list_accounts(make_uow(), admin, roles=["boss"])


# ---------------------------------------------------------------- editing


def test_changing_roles_moves_the_unit_and_the_interviewer_record(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "zhang", Role.liaison, unit_code="u1")

    became = accounts.update_account(make_uow(), admin, "zhang", role="caller", contractor="甲公司")
    assert (became.role, became.unit_code, became.caller_code, became.contractor) == (
        Role.caller,
        None,
        "zhang",
        "甲公司",
    )
    moved = accounts.update_account(make_uow(), admin, "zhang", caller_code="Z-01", display_name="张三")
    assert (moved.caller_code, moved.display_name) == ("Z-01", "张三")
    back = accounts.update_account(make_uow(), admin, "zhang", role="liaison", unit_code="u2")
    assert (back.role, back.unit_code, back.caller_code) == (Role.liaison, "u2", None)
    with make_uow() as uow:  # the records stay, without an account, for their cases
        records = dict(uow.session.execute(select(Caller.code, Caller.user_id)).all())
    assert records == {"zhang": None, "Z-01": None}

    first, second, third = audit_entries(make_uow, "user.update")
    assert first.before == {
        "username": "zhang",
        "display_name": "",
        "role": "liaison",
        "unit": "u1",
        "active": True,
    }
    assert first.after == {
        "username": "zhang",
        "display_name": "",
        "role": "caller",
        "unit": None,
        "active": True,
        "caller": "zhang",
        "contractor": "甲公司",
    }
    assert (second.before["caller"], second.after["caller"]) == ("zhang", "Z-01")
    assert (third.before["role"], third.after["role"], third.after["unit"]) == ("caller", "liaison", "u2")


def test_an_edit_that_changes_nothing_is_not_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    add_user(make_uow, "zhang", Role.supervisor)
    before = len(audit_entries(make_uow))

    accounts.update_account(make_uow(), admin, "zhang", role="supervisor", display_name="")

    assert len(audit_entries(make_uow)) == before


@pytest.mark.parametrize(
    ("username", "changes", "error", "message"),
    [
        ("nobody", {"display_name": "x"}, NotFound, "no account is called 'nobody'"),
        ("zhang", {"role": "boss"}, Refused, "unknown role"),
        ("zhang", {"role": "liaison"}, Refused, "needs the code of its unit"),
        ("zhang", {"unit_code": "u1"}, Refused, "only liaison accounts belong to a unit"),
        ("zhang", {"role": "liaison", "unit_code": "nope"}, NotFound, "no unit has the code 'nope'"),
        ("zhang", {"caller_code": "C1"}, Refused, "only caller accounts have an interviewer record"),
        ("zhang", {"contractor": "公司"}, Refused, "only caller accounts have an interviewer record"),
        ("zhang", {"role": "caller", "caller_code": "taken-c"}, Refused, "belongs to another account"),
        ("zhang", {"display_name": "+1"}, Refused, "formula"),
        ("admin1", {"role": "supervisor"}, Refused, "your own account"),
    ],
)
def test_update_account_refuses_with_a_clear_message_and_changes_nothing(
    make_uow: MakeUow, admin: CurrentUser, username: str, changes: dict, error: type, message: str
) -> None:
    add_user(make_uow, "zhang", Role.supervisor)
    taken = add_user(make_uow, "taken", Role.caller)
    with make_uow() as uow:
        uow.session.add(Caller(code="taken-c", user_id=taken.id))
        uow.commit()
    listed = accounts.list_accounts(make_uow(), admin)

    with pytest.raises(error, match=message):
        accounts.update_account(make_uow(), admin, username, **changes)

    assert accounts.list_accounts(make_uow(), admin) == listed


def test_the_last_active_admin_keeps_the_role_and_stays_enabled(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    with pytest.raises(Refused, match="last active administrator"):
        accounts.update_account(make_uow(), OPERATOR, "admin1", role="supervisor")
    with pytest.raises(Refused, match="last active administrator"):
        accounts.disable_account(make_uow(), OPERATOR, "admin1")

    add_user(make_uow, "admin2", Role.admin)
    accounts.disable_account(make_uow(), OPERATOR, "admin2")  # a disabled admin does not count
    with pytest.raises(Refused, match="last active administrator"):
        accounts.disable_account(make_uow(), OPERATOR, "admin1")
    accounts.update_account(make_uow(), OPERATOR, "admin2", role="supervisor")
    accounts.enable_account(make_uow(), OPERATOR, "admin2")
    accounts.update_account(make_uow(), OPERATOR, "admin2", role="admin")
    accounts.update_account(make_uow(), OPERATOR, "admin1", role="supervisor")  # admin2 is left
    assert [a.username for a in accounts.list_accounts(make_uow(), OPERATOR, roles=["admin"])] == ["admin2"]


# ---------------------------------------------------------------- disabling and enabling


def test_disabling_ends_the_sessions_and_enabling_lets_the_account_back_in(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    token, _user = auth.login(make_uow(), "caller1", PASSWORD)
    auth.login(make_uow(), "caller1", PASSWORD)

    assert accounts.disable_account(make_uow(), admin, "caller1") == 2

    assert auth.current_user(make_uow(), token) is None and open_sessions(make_uow, "caller1") == 0
    assert auth.login(make_uow(), "caller1", PASSWORD) is None
    accounts.enable_account(make_uow(), admin, "caller1")
    assert auth.login(make_uow(), "caller1", PASSWORD) is not None
    disabled, enabled = audit_entries(make_uow, "user.disable") + audit_entries(make_uow, "user.enable")
    assert (disabled.actor, disabled.before, disabled.after) == (
        "admin1",
        {"active": True},
        {"active": False, "sessions_ended": 2},
    )
    assert (enabled.before, enabled.after) == ({"active": False}, {"active": True})


def test_disabling_and_enabling_refuse_what_makes_no_sense(make_uow: MakeUow, admin: CurrentUser) -> None:
    add_user(make_uow, "caller1", Role.caller)
    with pytest.raises(Refused, match="your own account"):
        accounts.disable_account(make_uow(), admin, "admin1")
    with pytest.raises(NotFound, match="no account is called 'nobody'"):
        accounts.disable_account(make_uow(), admin, "nobody")
    with pytest.raises(NotFound, match="no account is called 'nobody'"):
        accounts.enable_account(make_uow(), admin, "nobody")
    with pytest.raises(Refused, match="already active"):
        accounts.enable_account(make_uow(), admin, "caller1")
    accounts.disable_account(make_uow(), admin, "caller1")
    with pytest.raises(Refused, match="already disabled"):
        accounts.disable_account(make_uow(), admin, "caller1")
    assert [e.action for e in audit_entries(make_uow)] == ["user.disable"]


# ---------------------------------------------------------------- passwords


def test_a_reset_gives_a_one_time_password_ends_sessions_and_lifts_a_lockout(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    token, _user = auth.login(make_uow(), "caller1", PASSWORD)
    lock_account(make_uow, "caller1")

    otp = accounts.reset_password(make_uow(), admin, "caller1")

    assert passwords.password_problem(otp, "caller1") is None
    assert auth.current_user(make_uow(), token) is None
    assert auth.locked_sign_ins(make_uow(), admin) == []
    assert auth.authenticate(make_uow(), "caller1", PASSWORD) is None
    signed_in = auth.login(make_uow(), "caller1", otp)
    assert signed_in is not None and accounts.must_change_password(make_uow(), signed_in[1])
    [entry] = audit_entries(make_uow, "user.reset_password")
    assert (entry.actor, entry.before, entry.after) == (
        "admin1",
        {"must_change_password": False},
        {"must_change_password": True, "sessions_ended": 1, "failed_sign_ins_cleared": True},
    )
    assert_audit_holds_no_secret(make_uow, otp, PASSWORD)


def test_two_resets_give_two_different_passwords_and_only_the_last_works(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    first = accounts.reset_password(make_uow(), admin, "caller1")
    second = accounts.reset_password(make_uow(), admin, "caller1")

    assert first != second
    assert auth.authenticate(make_uow(), "caller1", first) is None
    assert auth.authenticate(make_uow(), "caller1", second) is not None


def test_a_reset_refuses_one_s_own_account_and_an_unknown_one(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(Refused, match="your own password on the password page"):
        accounts.reset_password(make_uow(), admin, "admin1")
    with pytest.raises(NotFound, match="no account is called 'nobody'"):
        accounts.reset_password(make_uow(), admin, "nobody")
    assert audit_entries(make_uow) == [] and not stored(make_uow, "admin1").must_change_password


def test_changing_the_password_clears_the_one_time_flag_and_ends_the_other_sessions(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    caller = add_user(make_uow, "caller1", Role.caller)
    otp = accounts.reset_password(make_uow(), admin, "caller1")
    here, _user = auth.login(make_uow(), "caller1", otp)
    elsewhere, _user = auth.login(make_uow(), "caller1", otp)

    accounts.change_password(make_uow(), caller, otp, NEW_PASSWORD, keep_token=here)

    assert not accounts.must_change_password(make_uow(), caller)
    assert auth.current_user(make_uow(), here) is not None
    assert auth.current_user(make_uow(), elsewhere) is None
    assert auth.authenticate(make_uow(), "caller1", otp) is None
    assert auth.authenticate(make_uow(), "caller1", NEW_PASSWORD) is not None
    [entry] = audit_entries(make_uow, "user.change_password")
    assert (entry.actor, entry.before, entry.after) == (
        "caller1",
        {"must_change_password": True},
        {"must_change_password": False, "other_sessions_ended": 1},
    )
    assert_audit_holds_no_secret(make_uow, otp, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("old", "new", "error", "reason"),
    [
        ("wrong password", NEW_PASSWORD, accounts.WrongPassword, None),
        (PASSWORD, PASSWORD, passwords.PasswordRejected, passwords.SAME_AS_OLD),
        (PASSWORD, "too short", passwords.PasswordRejected, passwords.TOO_SHORT),
        (PASSWORD, "password123", passwords.PasswordRejected, passwords.COMMON),
        (PASSWORD, "caller1 is my name here", passwords.PasswordRejected, passwords.HAS_USERNAME),
        (PASSWORD, passwords.DEMO_PASSWORD, passwords.PasswordRejected, passwords.COMMON),
    ],
)
def test_change_password_refuses_and_keeps_the_old_one(
    make_uow: MakeUow, admin: CurrentUser, old: str, new: str, error: type, reason: str | None
) -> None:
    caller = add_user(make_uow, "caller1", Role.caller)

    with pytest.raises(error) as raised:
        accounts.change_password(make_uow(), caller, old, new)

    assert getattr(raised.value, "reason", None) == reason
    assert audit_entries(make_uow) == []
    assert auth.authenticate(make_uow(), "caller1", PASSWORD) is not None


def test_change_password_needs_a_signed_in_account(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(Refused, match="sign in first"):
        accounts.change_password(make_uow(), None, PASSWORD, NEW_PASSWORD)
    with pytest.raises(NotFound):
        accounts.change_password(make_uow(), CurrentUser(id=999, username="ghost", role=Role.admin), "x", "y")
    assert not accounts.must_change_password(make_uow(), None)
