"""The inspector's visit page (app_pages/visits.py) under AppTest, on SQLite and PostgreSQL:
an inspector records a visit (rates shown as the counts are typed, a confirmation before
saving, then the day's own visits); refusals are shown in words; other roles are turned
away. Photos are uploaded in the browser test (tests/pages/test_visits_browser.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role
from db.models_registries import InspectionVisit
from services import inspection_rounds as ir
from services import inspections as ins
from services.inspection_photos import MAX_PHOTO_BYTES
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.pages.chrome import upload_limits_mb
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import t
from ui.timefmt import beijing_today


@pytest.fixture
def round_id(app_database: str, make_uow: MakeUow) -> int:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    admin = add_user(make_uow, "admin1", Role.admin)
    add_user(make_uow, "ann", Role.inspector)
    today = beijing_today()
    rnd = ir.plan_round(
        make_uow(),
        admin,
        "c1",
        code="R1",
        name="第一轮暗访",
        mode="covert",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
        unit_codes=["u1", "u2"],
        inspector_usernames=["ann"],
    )
    ir.start_round(make_uow(), admin, rnd.id)
    return rnd.id


def inspector(make_uow: MakeUow) -> CurrentUser:
    return ir.inspector_account(make_uow(), add_user(make_uow, "boss", Role.admin), "ann")


def page(repo_root: Path, user: CurrentUser, lang: str) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page("app_pages/visits.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_inspector_records_a_visit(repo_root: Path, round_id: int, make_uow: MakeUow, lang: str) -> None:
    ann = inspector(make_uow)
    at = page(repo_root, ann, lang)
    assert at.title[0].value == t("visits.title", lang)
    assert t("visits.today.none", lang) in [c.value for c in at.caption]
    mb = MAX_PHOTO_BYTES // 2**20
    assert upload_limits_mb(at) == {t("visits.photos", lang, n=ins.MAX_PHOTOS, mb=mb): mb}
    assert at.selectbox(key=f"visits.unit.0.{round_id}").options[0] == "单位u1"

    at.selectbox(key=f"visits.unit.0.{round_id}").set_value("u2")
    for name, value in (("expected", 8), ("present", 9), ("on_post", 6), ("focused", 4)):
        at.number_input(key=f"visits.{name}.0").set_value(value)
    at.run()
    assert [w.value for w in at.warning] == [t("visits.counts.impossible", lang)]
    at.number_input(key="visits.present.0").set_value(8).run()
    rates = t("inspections.rates.line", lang, attendance="100%", on_post="75%", focus="50%")
    assert [s.value for s in at.success] == [rates]

    at.multiselect(key="visits.harms.0").select("懒").select("推").run()
    at.text_area(key="visits.finding.0.懒").input("两人玩手机")
    at.text_area(key="visits.notes.0").input("后门进入")
    at.button(key="visits.review").click().run()
    assert not at.exception, at.exception
    with make_uow() as uow:  # nothing is stored before the confirmation
        assert uow.session.scalars(select(InspectionVisit)).all() == []
    at.button(key="visits.save").click().run()
    # a harm chosen without its description: said, not stored
    assert [w.value for w in at.warning] == [t("visits.finding.missing", lang, harms="推")]
    at.text_area(key="visits.finding.0.推").input("让群众去别的窗口")
    at.button(key="visits.save").click().run()
    assert not at.exception, at.exception
    assert t("visits.saved", lang, unit="单位u2") in [s.value for s in at.success]

    with make_uow() as uow:
        visit = uow.session.scalars(select(InspectionVisit)).one()
        found = [(f.harm, f.description) for f in visit.findings]
        counts = (visit.staff_expected, visit.staff_present, visit.staff_on_post, visit.staff_focused)
        assert (visit.inspector, visit.status, visit.notes) == ("ann", "recorded", "后门进入")
    assert found == [("懒", "两人玩手机"), ("推", "让群众去别的窗口")] and counts == (8, 8, 6, 4)
    # fresh fields, the visited unit last, and the day's visit listed
    assert at.number_input(key="visits.expected.1").value is None
    assert at.selectbox(key=f"visits.unit.1.{round_id}").options == [
        "单位u1",
        f"单位u2（{t('visits.visited', lang, n=1)}）",
    ]
    assert any("单位u2" in m.value for m in at.markdown)


def test_a_refusal_is_shown_in_words(repo_root: Path, round_id: int, make_uow: MakeUow) -> None:
    ann = inspector(make_uow)
    at = page(repo_root, ann, "zh")
    at.date_input(key="visits.day.0").set_value(beijing_today() - timedelta(days=2))
    for name, value in (("expected", 2), ("present", 2), ("on_post", 2), ("focused", 2)):
        at.number_input(key=f"visits.{name}.0").set_value(value)
    at.button(key="visits.review").click().run()
    at.button(key="visits.save").click().run()
    assert not at.exception, at.exception
    # a day outside the round is said in Chinese (not the service's English refusal)
    today = beijing_today()
    start, end = today - timedelta(days=1), today + timedelta(days=1)
    assert [w.value for w in at.warning] == [t("visits.day.outside", "zh", start=start, end=end)]
    assert not at.error
    with make_uow() as uow:
        assert uow.session.scalars(select(InspectionVisit)).all() == []


def test_without_an_active_round_the_page_says_so(
    app_database: str, make_uow: MakeUow, repo_root: Path
) -> None:
    seed_campaign(make_uow)
    at = page(repo_root, add_user(make_uow, "ann", Role.inspector), "en")
    assert [i.value for i in at.info] == [t("visits.no_rounds", "en")]


def test_other_roles_are_turned_away(repo_root: Path, round_id: int, make_uow: MakeUow) -> None:
    direct = AppTest.from_file(str(repo_root / "app_pages" / "visits.py"), default_timeout=60)
    direct.session_state[USER_KEY] = add_user(make_uow, "admin2", Role.admin)
    direct.run()
    assert not direct.exception, direct.exception
    assert [w.value for w in direct.warning] == [t("auth.not_allowed", "zh", role=t("role.admin", "zh"))]
    assert not direct.button
