"""The unit register page (app_pages/units.py) driven with AppTest, on SQLite and PostgreSQL:
an admin sees the register in Chinese with masked liaisons, filters it, imports a file (and
sees a bad one's defects by line and column), records a rename and a confirmed merger; other
roles do not get the page."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import Role
from services import reorganisations as reorg
from services import units
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user
from tests.pages.chrome import enter_submitting_forms, upload_limits_mb
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/units.py"
KEY = base64.b64encode(hashlib.sha256(b"units-page-test-key").digest()).decode()
REGISTER = (
    "编码,名称,序列,区县,联络员,联络电话\n"
    "a,城东税务所,grassroots,东区,李四,13812345678\n"
    "b,人民医院,health,西区,,\n"
)


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> CurrentUser:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    user = add_user(make_uow, "admin1", Role.admin)
    units.import_register(make_uow(), user, REGISTER.encode("utf-8"), "r.csv")
    return user


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def table(at: AppTest):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if "liaison_phone" in d.value.columns)


def test_an_admin_sees_the_register_in_chinese_with_masked_liaisons_and_filters_it(
    repo_root: Path, admin: CurrentUser
) -> None:
    at = open_page(repo_root, admin)

    assert at.title[0].value == t("register.title", "zh")
    shown = table(at)
    assert list(shown["code"]) == ["a", "b"]
    assert list(shown["liaison_phone"]) == ["138****5678", ""] and list(shown["liaison_name"]) == ["李*", ""]
    assert enter_submitting_forms(at) == []
    assert all(mb == 20 for mb in upload_limits_mb(at).values())

    at.selectbox(key="register.filter.district").set_value("西区").run()
    assert list(table(at)["code"]) == ["b"]
    at.selectbox(key="register.filter.district").set_value("").run()
    at.text_input(key="register.search").set_value("税务").run()
    assert list(table(at)["code"]) == ["a"]


def test_an_import_is_counted_and_a_bad_file_shows_its_defects(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    at = open_page(repo_root, admin)
    more = "编码,名称,序列\nc,城西派出所,police\n".encode("gbk")
    at.file_uploader(key="register.import.file.0").set_value(("more.csv", more, "text/csv"))
    at.button(key="register.import.run").click().run()

    assert not at.exception and not at.error
    message = t("register.import.done", "zh", rows=1, created=1, updated=0, unchanged=0)
    assert [s.value for s in at.success] == [message]
    assert "c" in list(table(at)["code"])

    bad = b"code,name,category\n c ,x,police\n"
    at.file_uploader(key="register.import.file.1").set_value(("bad.csv", bad, "text/csv"))
    at.button(key="register.import.run").click().run()
    assert [e.value for e in at.error] == [t("register.import.rejected", "zh", n=1)]
    defects = next(d.value for d in at.dataframe if "message" in d.value.columns)
    assert (defects["line"].iloc[0], defects["column"].iloc[0]) == (2, "code")
    assert len(units.search_units(make_uow(), admin)) == 3


def test_a_rename_is_recorded_and_listed(repo_root: Path, admin: CurrentUser, make_uow: MakeUow) -> None:
    at = open_page(repo_root, admin, "en")
    at.radio(key="register.reorg.kind").set_value("rename").run()
    at.selectbox(key="register.rename.unit").set_value("a")
    at.text_input(key="register.rename.value.0").set_value("城东税务分局")
    at.date_input(key="register.rename.on.0").set_value(date(2025, 3, 1))
    at.button(key="register.rename.run").click().run()
    assert [e.value for e in at.error] == [
        t("register.error", "en", detail=t("register.refused.reason", "en"))
    ]

    at.text_input(key="register.rename.reason.0").set_value("机构改革")
    at.button(key="register.rename.run").click().run()

    assert not at.exception and not at.error
    assert units.get_unit(make_uow(), admin, "a").name == "城东税务分局"
    events = next(d.value for d in at.dataframe if "before" in d.value.columns)
    assert list(events["before"]) == ["城东税务所（a）"] and list(events["after"]) == ["城东税务分局（a）"]


def test_a_merger_waits_for_its_confirmation(repo_root: Path, admin: CurrentUser, make_uow: MakeUow) -> None:
    at = open_page(repo_root, admin)
    at.radio(key="register.reorg.kind").set_value("merge").run()
    at.multiselect(key="register.merge.units").set_value(["a", "b"]).run()
    at.selectbox(key="register.merge.principal").set_value("a")
    at.text_input(key="register.merge.new.code.0").set_value("ab")
    at.text_input(key="register.merge.new.name.0").set_value("合并单位")
    at.text_input(key="register.merge.reason.0").set_value("合并")
    at.button(key="register.merge.run").click().run()
    assert [w.value for w in at.warning] == [t("register.confirm_first", "zh")]
    assert reorg.list_reorganisations(make_uow(), admin) == []

    at.checkbox(key="register.merge.confirm.0").check()
    at.button(key="register.merge.run").click().run()

    assert not at.exception and not at.error, [e.value for e in at.error]
    (event,) = reorg.list_reorganisations(make_uow(), admin)
    assert [(r.code, r.principal) for r in event.before] == [("a", True), ("b", False)]
    assert [r.code for r in units.search_units(make_uow(), admin)] == ["ab"]


def test_a_supervisor_does_not_get_the_page(repo_root: Path, admin: CurrentUser, make_uow: MakeUow) -> None:
    supervisor = add_user(make_uow, "sup1", Role.supervisor)
    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state[SEEDED_USER_KEY] = supervisor
    app.run()
    with pytest.raises(ValueError, match=r"units\.py"):
        app.switch_page(PAGE)
