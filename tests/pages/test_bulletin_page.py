"""The bulletin page (app_pages/bulletin.py) driven with AppTest, on SQLite and PostgreSQL:
the public sees only public bulletins; admins see all and switch publicity."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role
from services.bulletin import bulletin_campaigns, set_public_bulletin
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.db.test_bulletin import add_responses
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/bulletin.py"


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    add_responses(make_uow, "u1", "public", [("u", "u"), ("u", "s"), ("s", "s")] * 4)
    add_responses(make_uow, "u2", "public", [("u", "u"), ("s", "s")] * 7)
    return add_user(make_uow, "admin1", Role.admin)


def open_page(repo_root: Path, user: CurrentUser | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def show_week(at: AppTest) -> AppTest:
    at.date_input(key="bulletin.anchor").set_value(date(2026, 3, 4))
    return at.run()


def test_the_public_sees_no_bulletin_until_an_admin_makes_it_public(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    at = open_page(repo_root, None)
    assert [i.value for i in at.info] == [t("bulletin.none", "zh")]

    set_public_bulletin(make_uow(), admin, "c1", True)
    at = show_week(open_page(repo_root, None))
    assert not at.exception and not at.error
    assert not at.toggle  # only admins switch publicity
    table = at.dataframe[0].value
    assert list(table["unit"]) == ["单位u2", "单位u1"]
    assert list(table["dissatisfied"]) == [14, 12]


def test_an_admin_sees_every_bulletin_and_switches_it_public(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    at = show_week(open_page(repo_root, admin, "en"))
    assert at.title[0].value == t("bulletin.title", "en")
    assert list(at.dataframe[0].value["unit"]) == ["单位u2", "单位u1"]
    at.number_input(key="bulletin.min_answers").set_value(30).run()
    assert t("bulletin.no_rows", "en") in [i.value for i in at.info]

    at.toggle(key="bulletin.public.c1").set_value(True).run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("bulletin.public_on", "en")]
    assert [c.public for c in bulletin_campaigns(make_uow(), None)] == [True]
