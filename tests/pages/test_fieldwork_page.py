"""The fieldwork dashboard (app_pages/fieldwork.py) driven with AppTest, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import AuditEntry, Caller, PhoneCase, Role
from services.fieldwork import record_call_outcome
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user
from tests.db.test_cati import ALL_SATISFIED, add_caller, add_frame_case, fieldwork_campaign
from ui.auth import SEEDED_USER_KEY
from ui.messages import LANGS, t

PAGE = "app_pages/fieldwork.py"


@pytest.fixture
def people(app_database: str, make_uow: MakeUow) -> dict[str, CurrentUser]:
    fieldwork_campaign(make_uow)
    a, b = add_caller(make_uow, "caller1"), add_caller(make_uow, "caller2")
    add_frame_case(make_uow, "k1", "u1", a)
    add_frame_case(make_uow, "k2", "u1", a)
    add_frame_case(make_uow, "k3", "u2", b)
    record_call_outcome(make_uow(), a, "c1", "k1", "1.1", answers=ALL_SATISFIED, duration_seconds=15.0)
    record_call_outcome(make_uow(), b, "c1", "k3", "2.11")
    return {
        "a": a,
        "b": b,
        "sup": add_user(make_uow, "sup1", Role.supervisor),
        "admin": add_user(make_uow, "admin1", Role.admin),
    }


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", LANGS)
def test_the_supervisor_sees_progress_rates_flags_and_backchecks(
    repo_root: Path, people: dict[str, CurrentUser], lang: str
) -> None:
    at = open_page(repo_root, people["sup"], lang)
    assert at.title[0].value == t("fieldwork.title", lang)
    subheaders = [s.value for s in at.subheader]
    assert t("fieldwork.contractor.header", lang, cases=3) in subheaders
    assert t("fieldwork.short.header", lang, n=1) in subheaders  # k1 took 15 s
    assert t("fieldwork.assign.header", lang) in subheaders
    # RR1 of the contractor: 1 complete of 3 cases (k2 never called counts as 3.11)
    assert at.metric[0].value == "33.3%"
    # min_phone defaults to 10 completes per unit
    texts = [p.proto.text for p in at.get("progress")]
    assert texts == [
        t("fieldwork.units.progress", lang, name="单位u1", done=1, target=10),
        t("fieldwork.units.progress", lang, name="单位u2", done=0, target=10),
    ]
    backcheck = at.dataframe[-1].value
    assert list(backcheck.iloc[:, 0]) == ["k1"]
    assert "138****5678" in backcheck.to_string() and "13812345678" not in backcheck.to_string()


def test_an_admin_watches_but_gets_no_forms(repo_root: Path, people: dict[str, CurrentUser]) -> None:
    at = open_page(repo_root, people["admin"], "en")
    assert t("fieldwork.assign.header", "en") not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.label == t("fieldwork.backcheck.submit", "en")]


def test_the_supervisor_reassigns_a_case_and_records_a_backcheck(
    repo_root: Path, people: dict[str, CurrentUser], make_uow: MakeUow
) -> None:
    at = open_page(repo_root, people["sup"])
    case = next(s for s in at.selectbox if s.label == t("fieldwork.assign.case", "zh"))
    case.set_value("k2")
    next(s for s in at.selectbox if s.label == t("fieldwork.assign.caller", "zh")).set_value("caller-caller2")
    next(b for b in at.button if b.label == t("fieldwork.assign.submit", "zh")).click().run()
    assert not at.exception
    assert at.success[0].value == t("fieldwork.assign.done", "zh", case="k2", caller="caller2")
    with make_uow() as uow:
        owner = uow.session.execute(
            select(Caller.code)
            .join(PhoneCase, PhoneCase.caller_id == Caller.id)
            .where(PhoneCase.code == "k2")
        ).scalar_one()
    assert owner == "caller-caller2"

    next(r for r in at.radio if r.label == t("fieldwork.backcheck.result", "zh")).set_value("not_confirmed")
    next(i for i in at.text_input if i.label == t("fieldwork.backcheck.note", "zh")).input(
        "受访者称未接到电话"
    )
    next(b for b in at.button if b.label == t("fieldwork.backcheck.submit", "zh")).click().run()
    assert not at.exception
    assert at.success[0].value == t("fieldwork.backcheck.done", "zh", case="k1")
    assert "受访者称未接到电话" in at.dataframe[-1].value.to_string()
    with make_uow() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "case.backcheck")
        ).scalar_one()
        trail = (entry.actor, entry.after)
    assert trail == ("sup1", {"outcome": "not_confirmed", "note": "受访者称未接到电话"})
