"""The sign-in locks page (app_pages/accounts.py) driven with AppTest, on SQLite and PostgreSQL:
an administrator sees the locked accounts and networks and unlocks them; no one else gets the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db import throttle
from db.models import AuditEntry, Role
from services import auth
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user
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


def test_nothing_locked_says_so(repo_root: Path, admin: CurrentUser) -> None:
    at = open_page(repo_root, admin, "en")

    assert at.title[0].value == t("accounts.title", "en")
    assert [i.value for i in at.info] == [t("accounts.none", "en")]
    assert not at.button


def test_an_admin_sees_the_locks_in_beijing_time_and_unlocks_an_account(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_user(make_uow, "caller1", Role.caller)
    locked_at = datetime.now(UTC) - timedelta(minutes=1)
    lock(make_uow, "account", "caller1", locked_at)
    lock(make_uow, "network", NETWORK, locked_at)

    at = open_page(repo_root, admin)

    accounts, networks = (d.value for d in at.dataframe)
    until = (
        (locked_at + timedelta(minutes=15)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    )
    assert list(accounts[t("accounts.col.username", "zh")]) == ["caller1"]
    assert list(accounts[t("accounts.col.failures", "zh")]) == [10]
    assert list(accounts[t("accounts.col.until", "zh")]) == [until]
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
    assert [i.value for i in at.info] == [t("accounts.none", "zh")]


def test_only_admins_get_the_page(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    supervisor = add_user(make_uow, "super1", Role.supervisor)
    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state[SEEDED_USER_KEY] = supervisor
    app.run()
    with pytest.raises(ValueError, match=r"accounts\.py"):  # not in its navigation at all
        app.switch_page(PAGE)
