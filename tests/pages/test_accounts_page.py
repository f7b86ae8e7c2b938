"""The account management page (app_pages/accounts.py) driven with AppTest, on SQLite and
PostgreSQL: an administrator lists, searches and filters accounts, creates one and sees its
one-time password once, edits, disables (confirmed) and re-enables an account, resets a
password, and unlocks locked accounts and networks; no one else gets the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db import throttle
from db.models import AuditEntry, Role
from services import accounts, auth, passwords
from services.permissions import CurrentUser
from tests.db.kit import PASSWORD, MakeUow, add_user, seed_campaign
from tests.pages.chrome import enter_submitting_forms
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/accounts.py"
NETWORK = "203.0.113.7"


def lock(make_uow: MakeUow, kind: str, key: str, at: datetime) -> None:
    """Ten failed sign-ins and the lock they bring, written straight into the throttle."""
    account_rule, network_rule = auth.login_rules()
    rule = account_rule if kind == "account" else network_rule
    with make_uow() as uow:
        for _ in range(rule.limit):
            throttle.add(uow.session, rule, key, at)
        assert throttle.lock_if_reached(uow.session, rule, key, at) is not None
        uow.commit()


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def button(at: AppTest, key: str, lang: str) -> None:
    """Press the button with the catalogue text ``key``."""
    next(b for b in at.button if b.label == t(key, lang)).click().run()
    assert not at.exception


def account_table(at: AppTest, lang: str) -> dict[str, list[object]]:
    frame = at.dataframe[0].value
    return {column: list(frame[column]) for column in frame.columns} | {
        "_usernames": list(frame[t("accounts.admin.col.username", lang)])
    }


# ---------------------------------------------------------------- the list


def test_the_list_shows_every_account_and_nothing_locked_says_so(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow)
    add_user(make_uow, "lianluo", Role.liaison, unit_code="u2")

    at = open_page(repo_root, admin, "en")

    assert at.title[0].value == t("accounts.admin.title", "en")
    table = account_table(at, "en")
    assert table["_usernames"] == ["admin1", "lianluo"]
    assert table[t("accounts.admin.col.role", "en")] == [t("role.admin", "en"), t("role.liaison", "en")]
    assert table[t("accounts.admin.col.unit", "en")] == ["", "u2 单位u2"]
    assert table[t("accounts.admin.col.last_sign_in", "en")] == [t("accounts.admin.never", "en")] * 2
    assert [i.value for i in at.info] == [t("accounts.none", "en")]
    assert enter_submitting_forms(at) == []


def test_search_and_role_filter_narrow_the_list(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    add_user(make_uow, "super1", Role.supervisor)
    at = open_page(repo_root, admin)

    at.text_input(key="accounts.admin.search").set_value("CALL").run()
    assert account_table(at, "zh")["_usernames"] == ["caller1"]
    at.text_input(key="accounts.admin.search").set_value("").run()
    at.multiselect(key="accounts.admin.roles").set_value(["admin", "supervisor"]).run()
    assert account_table(at, "zh")["_usernames"] == ["admin1", "super1"]
    at.text_input(key="accounts.admin.search").set_value("nobody").run()
    assert t("accounts.admin.list.none", "zh") in [i.value for i in at.info]


# ---------------------------------------------------------------- creating


def test_a_new_caller_account_shows_its_one_time_password_once(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    at = open_page(repo_root, admin)
    at.selectbox(key="accounts.admin.create.role.0").set_value("caller").run()
    at.text_input(key="accounts.admin.create.0.username").set_value("zhou")
    at.text_input(key="accounts.admin.create.0.name").set_value("周五")
    at.text_input(key="accounts.admin.create.0.caller_code").set_value("Z-05")
    at.text_input(key="accounts.admin.create.0.contractor").set_value("甲调查公司")
    button(at, "accounts.admin.create.submit", "zh")

    assert [s.value for s in at.success] == [t("accounts.admin.created", "zh", name="zhou")]
    [shown] = [c.value for c in at.code]
    assert passwords.password_problem(shown, "zhou") is None
    assert t("accounts.admin.otp.note", "zh") in [w.value for w in at.warning]
    assert auth.authenticate(make_uow(), "zhou", shown) is not None
    [made] = [a for a in accounts.list_accounts(make_uow(), admin) if a.username == "zhou"]
    assert (made.role, made.caller_code, made.contractor, made.must_change_password) == (
        Role.caller,
        "Z-05",
        "甲调查公司",
        True,
    )
    at.run()  # any next action: the password is gone for good
    assert [c.value for c in at.code] == []


def test_a_liaison_needs_a_unit_and_a_refusal_is_shown(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    at = open_page(repo_root, admin)
    at.selectbox(key="accounts.admin.create.role.0").set_value("liaison").run()
    assert t("accounts.admin.create.no_units", "zh") in [i.value for i in at.info]

    seed_campaign(make_uow)
    at.run()
    at.text_input(key="accounts.admin.create.0.username").set_value("admin1")
    at.selectbox(key="accounts.admin.create.0.unit").set_value("u3")
    button(at, "accounts.admin.create.submit", "zh")
    assert "username 'admin1' is taken" in at.error[0].value

    at.text_input(key="accounts.admin.create.0.username").set_value("lianluo")
    button(at, "accounts.admin.create.submit", "zh")
    assert [s.value for s in at.success] == [t("accounts.admin.created", "zh", name="lianluo")]
    [made] = [a for a in accounts.list_accounts(make_uow(), admin) if a.username == "lianluo"]
    assert made.unit_code == "u3"


# ---------------------------------------------------------------- one account


def test_an_admin_edits_another_account(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    add_user(make_uow, "caller1", Role.caller)
    at = open_page(repo_root, admin, "en")
    at.selectbox(key="accounts.admin.chosen").set_value("caller1").run()

    at.text_input(key="accounts.admin.edit.caller1.0.name").set_value("李四")
    at.text_input(key="accounts.admin.edit.caller1.0.contractor").set_value("乙调查公司")
    button(at, "accounts.admin.edit.save", "en")

    assert [s.value for s in at.success] == [t("accounts.admin.edit.saved", "en", name="caller1")]
    [edited] = [a for a in accounts.list_accounts(make_uow(), admin) if a.username == "caller1"]
    assert (edited.display_name, edited.caller_code, edited.contractor) == ("李四", "caller1", "乙调查公司")


def test_a_caller_becomes_a_liaison_of_the_unit_chosen(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow)
    add_user(make_uow, "caller1", Role.caller)
    at = open_page(repo_root, admin)
    at.selectbox(key="accounts.admin.chosen").set_value("caller1").run()

    at.selectbox(key="accounts.admin.edit.caller1.0.role").set_value("liaison").run()
    button(at, "accounts.admin.edit.save", "zh")  # no unit chosen yet
    assert "needs the code of its unit" in at.error[0].value

    at.selectbox(key="accounts.admin.edit.caller1.0.unit").set_value("u3")
    button(at, "accounts.admin.edit.save", "zh")
    assert [s.value for s in at.success] == [t("accounts.admin.edit.saved", "zh", name="caller1")]
    [edited] = [a for a in accounts.list_accounts(make_uow(), admin) if a.username == "caller1"]
    assert (edited.role, edited.unit_code, edited.caller_code) == (Role.liaison, "u3", None)


def test_disabling_asks_first_and_can_be_undone(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    at = open_page(repo_root, admin)
    at.selectbox(key="accounts.admin.chosen").set_value("caller1").run()

    at.button(key="accounts.admin.ask.disable").click().run()
    assert t("accounts.admin.disable.confirm", "zh", name="caller1") in [w.value for w in at.warning]
    at.button(key="accounts.admin.disable.no").click().run()
    assert [a.active for a in accounts.list_accounts(make_uow(), admin)] == [True, True]

    at.button(key="accounts.admin.ask.disable").click().run()
    at.button(key="accounts.admin.disable.yes").click().run()
    assert [s.value for s in at.success] == [t("accounts.admin.disabled", "zh", name="caller1")]
    assert [a.active for a in accounts.list_accounts(make_uow(), admin)] == [True, False]
    assert account_table(at, "zh")[t("accounts.admin.col.state", "zh")][1] == t(
        "accounts.admin.state.disabled", "zh"
    )

    at.button(key="accounts.admin.ask.enable").click().run()
    at.button(key="accounts.admin.enable.yes").click().run()
    assert [a.active for a in accounts.list_accounts(make_uow(), admin)] == [True, True]


def test_a_reset_shows_the_one_time_password_once(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    at = open_page(repo_root, admin, "en")
    at.selectbox(key="accounts.admin.chosen").set_value("caller1").run()

    at.button(key="accounts.admin.ask.reset").click().run()
    assert auth.authenticate(make_uow(), "caller1", PASSWORD) is not None  # not before the confirmation
    at.button(key="accounts.admin.reset.yes").click().run()

    [shown] = [c.value for c in at.code]
    assert t("accounts.admin.otp.title", "en", name="caller1") in [m.value for m in at.markdown]
    assert auth.authenticate(make_uow(), "caller1", PASSWORD) is None
    assert auth.authenticate(make_uow(), "caller1", shown) is not None
    at.run()
    assert [c.value for c in at.code] == []
    with make_uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "user.reset_password")
        ).scalar_one()
        assert entry.actor == "admin1" and shown not in str(entry.after)


def test_one_s_own_account_can_be_renamed_but_not_disabled_or_reset(
    repo_root: Path, admin: CurrentUser
) -> None:
    at = open_page(repo_root, admin)

    assert at.selectbox(key="accounts.admin.chosen").value == "admin1"
    assert t("accounts.admin.own_account", "zh") in [c.value for c in at.caption]
    keys = [b.key for b in at.button]
    assert "accounts.admin.ask.disable" not in keys and "accounts.admin.ask.reset" not in keys


# ---------------------------------------------------------------- sign-in locks


def test_an_admin_sees_the_locks_in_beijing_time_and_unlocks_an_account(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    locked_at = datetime.now(UTC) - timedelta(minutes=1)
    lock(make_uow, "account", "caller1", locked_at)
    lock(make_uow, "network", NETWORK, locked_at)

    at = open_page(repo_root, admin)

    _accounts, locked_accounts, networks = (d.value for d in at.dataframe)
    until = (
        (locked_at + timedelta(minutes=15)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    )
    assert list(locked_accounts[t("accounts.col.username", "zh")]) == ["caller1"]
    assert list(locked_accounts[t("accounts.col.failures", "zh")]) == [10]
    assert list(locked_accounts[t("accounts.col.until", "zh")]) == [until]
    assert list(networks[t("accounts.col.address", "zh")]) == [NETWORK]

    at.button(key="accounts.unlock.account.caller1").click().run()

    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("accounts.unlocked", "zh", name="caller1")]
    assert [lock.kind for lock in auth.locked_sign_ins(make_uow(), admin)] == ["network"]
    with make_uow() as uow:
        actors = (
            uow.session.execute(select(AuditEntry.actor).where(AuditEntry.action == "user.unlock"))
            .scalars()
            .all()
        )
    assert actors == ["admin1"]

    at.button(key=f"accounts.unlock.network.{NETWORK}").click().run()
    assert t("accounts.none", "zh") in [i.value for i in at.info]


def test_only_admins_get_the_page(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    supervisor = add_user(make_uow, "super1", Role.supervisor)
    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state[SEEDED_USER_KEY] = supervisor
    app.run()
    with pytest.raises(ValueError, match=r"accounts\.py"):  # not in its navigation at all
        app.switch_page(PAGE)
