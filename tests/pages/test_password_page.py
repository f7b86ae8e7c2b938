"""The password page (app_pages/password.py) and the forced change at the next sign-in, with
AppTest on SQLite and PostgreSQL: every signed-in person can change their password; one
who signed in with a one-time password sees that page only until they have changed it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import Role
from services import accounts, auth, passwords
from services.permissions import CurrentUser
from tests.db.kit import PASSWORD, MakeUow, add_user
from tests.pages.chrome import enter_submitting_forms
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/password.py"
NEW_PASSWORD = "a quiet river at dawn"


def start(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    assert not at.exception
    return at


def submit(at: AppTest, old: str, new: str, again: str | None = None, lang: str = "zh") -> None:
    gen = 0  # the fields of the first form (each test submits once)
    at.text_input(key=f"password.old.{gen}").set_value(old)
    at.text_input(key=f"password.new.{gen}").set_value(new)
    at.text_input(key=f"password.again.{gen}").set_value(new if again is None else again)
    next(b for b in at.button if b.label == t("accounts.admin.password.submit", lang)).click().run()
    assert not at.exception


@pytest.fixture
def caller(app_database: str, make_uow: MakeUow) -> CurrentUser:
    add_user(make_uow, "admin1", Role.admin)
    return add_user(make_uow, "caller1", Role.caller)


def test_a_user_with_a_one_time_password_sees_only_the_password_page(
    repo_root: Path, make_uow: MakeUow, caller: CurrentUser
) -> None:
    otp = accounts.reset_password(make_uow(), auth.CLI_OPERATOR, "caller1")

    at = start(repo_root, caller)

    assert at.title[0].value == t("accounts.admin.password.title", "zh")
    assert t("accounts.admin.must_change", "zh") in [w.value for w in at.warning]
    for page in ("app_pages/calls.py", "app_pages/home.py", "app_pages/results.py"):
        with pytest.raises(ValueError, match="page"):  # not in the navigation at all
            at.switch_page(page)
    assert enter_submitting_forms(at) == []

    submit(at, otp, NEW_PASSWORD)

    assert [s.value for s in at.success] == [t("accounts.admin.password.changed", "zh")]
    assert not accounts.must_change_password(make_uow(), caller)
    at.switch_page("app_pages/calls.py").run()  # everything else is back
    assert not at.exception and at.title[0].value == t("calls.title", "zh")


def test_a_staff_page_opened_while_a_change_is_due_says_so_and_stops(
    repo_root: Path, make_uow: MakeUow, caller: CurrentUser
) -> None:
    at = start(repo_root, caller)
    at.switch_page("app_pages/calls.py").run()  # opened before the reset, then the reset lands
    accounts.reset_password(make_uow(), auth.CLI_OPERATOR, "caller1")

    at.run()

    assert at.title[0].value == t("accounts.admin.password.title", "zh")


def test_every_signed_in_person_can_change_their_password(
    repo_root: Path, make_uow: MakeUow, caller: CurrentUser
) -> None:
    at = start(repo_root, caller, "en")
    at.switch_page(PAGE).run()
    assert not [w.value for w in at.warning]

    submit(at, PASSWORD, NEW_PASSWORD, lang="en")

    assert [s.value for s in at.success] == [t("accounts.admin.password.changed", "en")]
    assert auth.authenticate(make_uow(), "caller1", NEW_PASSWORD) is not None


@pytest.mark.parametrize(
    ("old", "new", "again", "key"),
    [
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "accounts.admin.password.differ"),
        ("wrong password", NEW_PASSWORD, None, "accounts.admin.password.wrong_old"),
        (PASSWORD, PASSWORD, None, "accounts.admin.password.same_as_old"),
        (PASSWORD, "too short", None, "accounts.admin.password.too_short"),
        (PASSWORD, "password123", None, "accounts.admin.password.common"),
        (PASSWORD, passwords.DEMO_PASSWORD, None, "accounts.admin.password.common"),
        (PASSWORD, "caller1 is my name here", None, "accounts.admin.password.has_username"),
    ],
)
def test_a_refused_change_says_why_in_the_reader_s_language(
    repo_root: Path, make_uow: MakeUow, caller: CurrentUser, old: str, new: str, again: str | None, key: str
) -> None:
    at = start(repo_root, caller)
    at.switch_page(PAGE).run()

    submit(at, old, new, again)

    expected = t(key, "zh", min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH)
    assert [e.value for e in at.error] == [expected]
    assert auth.authenticate(make_uow(), "caller1", PASSWORD) is not None
