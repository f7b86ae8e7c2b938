"""The inspection rounds page (app_pages/inspections.py) under AppTest, on SQLite and
PostgreSQL: an admin plans a round, starts it, and verifies or rejects the visits recorded
(photos shown); other roles are turned away."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role
from db.models_registries import InspectionRound, InspectionVisit
from services import inspection_rounds as ir
from services import inspections as ins
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.pages.chrome import enter_submitting_forms, nodes
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import t
from ui.timefmt import BEIJING, beijing_today


@pytest.fixture
def people(app_database: str, make_uow: MakeUow) -> tuple[CurrentUser, CurrentUser]:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return add_user(make_uow, "admin1", Role.admin), add_user(make_uow, "ann", Role.inspector)


def page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page("app_pages/inspections.py").run()
    assert not at.exception, at.exception
    return at


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_plans_and_starts_a_round(
    repo_root: Path, people: tuple[CurrentUser, CurrentUser], make_uow: MakeUow, lang: str
) -> None:
    admin, _ = people
    at = page(repo_root, admin, lang)
    assert at.title[0].value == t("inspections.title", lang)
    assert t("inspections.rounds.empty", lang) in [i.value for i in at.info]
    assert nodes(at, "form") and enter_submitting_forms(at) == []

    at.text_input(key="inspections.plan.code.0").input("R1")
    at.text_input(key="inspections.plan.name.0").input("第一轮暗访")
    at.multiselect(key="inspections.plan.units.0.0").select("u1").select("u3")
    at.multiselect(key="inspections.plan.inspectors.0").select("ann")
    at.button(key="inspections.plan.submit").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("inspections.planned", lang, code="R1", units=2)]
    with make_uow() as uow:
        rnd = uow.session.scalars(select(InspectionRound)).one()
        assert (rnd.code, rnd.mode, rnd.status, rnd.starts_on) == ("R1", "open", "planned", beijing_today())
    assert at.dataframe[0].value["code"].tolist() == ["R1"]

    at.button(key="inspections.start").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("inspections.started", lang, code="R1")]
    [view] = ir.list_rounds(make_uow(), admin, "c1")
    assert view.status == "active"

    # a refusal is shown in words, not as a traceback: the code is taken
    at.text_input(key="inspections.plan.code.2").input("R1")
    at.button(key="inspections.plan.submit").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        t("inspections.error.refused", lang, detail="campaign c1 already has a round with the code 'R1'")
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_verifies_and_rejects_visits(
    repo_root: Path, people: tuple[CurrentUser, CurrentUser], make_uow: MakeUow, lang: str
) -> None:
    admin, ann = people
    today = beijing_today()
    rnd = ir.plan_round(
        make_uow(),
        admin,
        "c1",
        code="R1",
        name="暗访",
        mode="covert",
        starts_on=today - timedelta(days=2),
        ends_on=today + timedelta(days=2),
        unit_codes=["u1", "u2"],
        inspector_usernames=["ann"],
    )
    ir.start_round(make_uow(), admin, rnd.id)
    at_time = datetime.now(BEIJING) - timedelta(hours=1)
    first = ins.record_visit(
        make_uow(),
        ann,
        rnd.id,
        unit_code="u1",
        visited_at=at_time,
        staff_expected=4,
        staff_present=4,
        staff_on_post=3,
        staff_focused=2,
        findings=[("懒", "玩手机")],
        photos=[("a.jpg", jpeg())],
    )
    second = ins.record_visit(
        make_uow(),
        ann,
        rnd.id,
        unit_code="u2",
        visited_at=at_time,
        staff_expected=2,
        staff_present=2,
        staff_on_post=2,
        staff_focused=2,
    )

    at = page(repo_root, admin, lang)
    assert [e.label.split(" · ")[0] for e in at.expander if " · R1 · " in e.label] == ["单位u2", "单位u1"]
    rates = t("inspections.rates.line", lang, attendance="100%", on_post="75%", focus="50%")
    assert rates in [m.value for m in at.markdown]
    assert any(t("inspections.harm.懒", lang) in m.value and "玩手机" in m.value for m in at.markdown)
    at.toggle(key=f"inspections.photos.{first}").set_value(True).run()
    assert not at.exception, at.exception
    assert len(nodes(at, "image")) == 1

    at.text_input(key=f"inspections.decide.note.0.{first}").input("属实")
    at.button(key=f"inspections.verify.{first}").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [t("inspections.decide.verified", lang, unit="单位u1")]

    at.button(key=f"inspections.reject.{second}").click().run()  # without a note
    assert [w.value for w in at.warning] == [t("inspections.decide.note_needed", lang)]
    at.text_input(key=f"inspections.decide.note.1.{second}").input("时间不符")
    at.button(key=f"inspections.reject.{second}").click().run()
    assert not at.exception, at.exception
    with make_uow() as uow:
        statuses = dict(uow.session.execute(select(InspectionVisit.id, InspectionVisit.status)).all())
        notes = uow.session.scalar(select(InspectionVisit.verify_note).where(InspectionVisit.id == first))
    assert statuses == {first: "verified", second: "rejected"}
    assert notes == "属实"

    at.selectbox(key="inspections.filter.status").set_value("rejected").run()
    assert [e.label.split(" · ")[0] for e in at.expander if " · R1 · " in e.label] == ["单位u2"]


def test_other_roles_are_turned_away(repo_root: Path, people: tuple[CurrentUser, CurrentUser]) -> None:
    _, ann = people
    direct = AppTest.from_file(str(repo_root / "app_pages" / "inspections.py"), default_timeout=60)
    direct.session_state[USER_KEY] = ann
    direct.run()
    assert not direct.exception, direct.exception
    assert [w.value for w in direct.warning] == [t("auth.not_allowed", "zh", role=t("role.inspector", "zh"))]
    assert not direct.button
