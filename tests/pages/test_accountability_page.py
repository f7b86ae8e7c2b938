"""The accountability case page (app_pages/accountability.py) under AppTest, on SQLite and
PostgreSQL, in both languages: an admin opens a case with the form, sees persons masked
and one name only on request (audited), confirms the proposed deduction against the cap,
marks the case for publication; the counts split disciplinary and organisational
sanctions; an exempt case says so; other roles are turned away."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Adjustment, Role
from db.models_registries import AccountabilityCase
from services import accountability as acc
from services import accountability_cases as lifecycle
from services.permissions import CurrentUser
from tests.db.kit import Clock, MakeUow, add_user, audit_actions, seed_campaign
from tests.pages.chrome import enter_submitting_forms, nodes
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import t

KEY = base64.b64encode(hashlib.sha256(b"accountability-page-test-key").digest()).decode()
NAME = "欧阳明华"
GEN = "accountability.gen"


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch) -> CurrentUser:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    seed_campaign(make_uow, "c1")
    return add_user(make_uow, "admin1", Role.admin)


def page(repo_root: Path, user: CurrentUser, lang: str) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page("app_pages/accountability.py").run()
    assert not at.exception, at.exception
    return at


def register(at: AppTest) -> list[dict[str, object]]:
    """The register's rows (the table with a number column)."""
    [frame] = [d.value for d in at.dataframe if "number" in d.value.columns]
    return frame.to_dict("records")


def decided_case(make_uow: MakeUow, admin: CurrentUser, number: str = "DT-1", **kw: object) -> None:
    lifecycle.open_case(
        make_uow(),
        admin,
        number=number,
        unit_code="u1",
        case_type="misconduct",
        subtype="ignoring_law",
        facts="违规审批",
        source="hotline",
        disciplinary_body="市纪委监委",
        opened_on=date(2026, 1, 5),
        campaign_code="c1",
        clock=Clock(),
    )
    lifecycle.add_person(
        make_uow(), admin, number, name=NAME, post="局长", level="县处级", sanction="removal"
    )
    lifecycle.add_person(
        make_uow(), admin, number, name="李四", post="科长", level="", sanction="disciplinary_sanction"
    )
    lifecycle.advance(make_uow(), admin, number, "investigated", date(2026, 1, 10), clock=Clock())
    lifecycle.advance(make_uow(), admin, number, "decided", date(2026, 2, 1), "免职", clock=Clock())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_opens_a_case_with_the_form(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow, lang: str
) -> None:
    at = page(repo_root, admin, lang)
    assert at.title[0].value == t("accountability.title", lang)
    assert t("accountability.list.empty", lang) in [i.value for i in at.info]
    assert nodes(at, "form") and enter_submitting_forms(at) == []
    at.selectbox(key="accountability.open.type").set_value("slow").run()
    at.text_input(key="accountability.open.number.0").input("N-1")
    at.selectbox(key="accountability.open.subtype.0.slow").set_value("indifferent_perfunctory")
    at.text_input(key="accountability.open.body.0").input("区纪委")
    at.text_area(key="accountability.open.facts.0").input("窗口人员态度冷漠")
    at.button(key="accountability.open.run").click().run()
    assert not at.exception, at.exception
    assert t("accountability.open.done", lang, number="N-1") in [s.value for s in at.success]
    [view] = acc_cases(make_uow, admin)
    assert (view.number, view.case_type, view.subtype, view.campaign_code) == (
        "N-1",
        "slow",
        "indifferent_perfunctory",
        "c1",
    )
    assert [r["number"] for r in register(at)] == ["N-1"]
    # a refusal is shown, not raised: the same number again
    gen = at.session_state[GEN]
    at.text_input(key=f"accountability.open.number.{gen}").input("N-1")
    at.text_area(key=f"accountability.open.facts.{gen}").input("再次")
    at.button(key="accountability.open.run").click().run()
    assert not at.exception, at.exception
    assert any("N-1" in e.value for e in at.error)


def acc_cases(make_uow: MakeUow, user: CurrentUser) -> list[acc.CaseView]:
    from services.accountability_counts import list_cases

    return list_cases(make_uow(), user)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_persons_masked_a_name_revealed_on_request_and_the_deduction_confirmed(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow, lang: str
) -> None:
    decided_case(make_uow, admin)
    at = page(repo_root, admin, lang)
    assert [m.value for m in at.metric] == [
        "1",
        "2",
        "1",
        "1",
    ]  # cases, persons, disciplinary, organisational
    everything = str([e.value for e in at.dataframe]) + str([m.value for m in at.markdown])
    assert NAME not in everything and "欧***" in everything
    outlook = t("accountability.deduction.outlook", lang, total="0", after="2", cap="10")
    assert outlook in [m.value for m in at.markdown]

    at.button(key="accountability.persons.reveal").click().run()
    assert not at.exception, at.exception
    assert t("accountability.persons.revealed", lang, name=NAME) in [i.value for i in at.info]
    assert ("admin1", "accountability_person.reveal") in audit_actions(make_uow)

    at.button(key="accountability.deduction.confirm").click().run()
    assert not at.exception, at.exception
    with make_uow() as uow:
        adjustment = uow.session.execute(select(Adjustment)).scalar_one()
        assert (adjustment.points, adjustment.source) == (2.0, "accountability_case:DT-1")
        adjustment_id = adjustment.id
    assert t("accountability.deduction.confirmed_flash", lang, id=adjustment_id) in [
        s.value for s in at.success
    ]

    gen = at.session_state[GEN]
    at.text_area(key=f"accountability.publication.summary.{gen}").input(f"{NAME}违规审批")
    at.button(key="accountability.publication.mark").click().run()
    assert not at.exception, at.exception
    assert any("must not name anyone" in e.value for e in at.error)
    at.text_area(key=f"accountability.publication.summary.{gen}").input("某局违规审批，已免职。")
    at.button(key="accountability.publication.mark").click().run()
    assert t("accountability.publication.marked_flash", lang) in [s.value for s in at.success]
    assert acc.case_detail(make_uow(), admin, "DT-1").for_publication


def test_an_exempt_case_says_so_and_offers_no_deduction(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow
) -> None:
    decided_case(make_uow, admin)
    with make_uow() as uow:  # as a granted fault-tolerance application leaves it
        case = uow.session.execute(select(AccountabilityCase)).scalar_one()
        case.exempt, case.deduction_status = True, "exempted"
        uow.commit()
    at = page(repo_root, admin, "zh")
    assert t("accountability.detail.exempt", "zh") in [i.value for i in at.info]
    assert not [b for b in at.button if b.key == "accountability.deduction.confirm"]
    assert [r["deduction"] for r in register(at)] == [t("accountability.exempt", "zh")]


@pytest.mark.parametrize("role", [Role.liaison, Role.caller])
def test_other_roles_are_turned_away(
    repo_root: Path, admin: CurrentUser, make_uow: MakeUow, role: Role
) -> None:
    decided_case(make_uow, admin)
    direct = AppTest.from_file(str(repo_root / "app_pages" / "accountability.py"), default_timeout=60)
    direct.session_state[USER_KEY] = add_user(
        make_uow, "other", role, unit_code="u1" if role is Role.liaison else None
    )
    direct.run()
    assert not direct.exception, direct.exception
    assert [w.value for w in direct.warning] == [t("auth.not_allowed", "zh", role=t(f"role.{role}", "zh"))]
    assert not direct.dataframe
