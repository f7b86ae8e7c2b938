"""The caller workstation (app_pages/calls.py) driven with AppTest, on SQLite and PostgreSQL.

The click-to-call bridge (services.telephony, another part of issue 5) is replaced by a
fake module that leaves the bridge attempt behind as the real one does.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import AuditEntry, CallAttempt, Caller, PhoneAnswer, PhoneCase, Role
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user
from tests.db.test_cati import PHONE_ITEMS, add_caller, add_frame_case, fieldwork_campaign
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import LANGS, t

PAGE = "app_pages/calls.py"


@pytest.fixture
def caller(app_database: str, make_uow: MakeUow) -> CurrentUser:
    fieldwork_campaign(make_uow)
    user = add_caller(make_uow, "caller1")
    other = add_caller(make_uow, "caller2")
    add_frame_case(make_uow, "k1", "u1", user, phone="13812345678", name="张伟")
    add_frame_case(make_uow, "k2", "u2", other, phone="13900001111", name="李娜")
    return user


def open_page(repo_root: Path, user: CurrentUser | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def page_text(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("title", "subheader", "markdown", "caption", "info", "success", "error", "warning"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(str(m.value) for m in at.metric)
    parts.extend(str(m.label) for m in at.metric)
    for df in at.dataframe:
        parts.append(df.value.to_string())
    return "\n".join(parts)


@pytest.mark.parametrize("lang", LANGS)
def test_the_caller_sees_the_next_case_masked_with_script_and_questions(
    repo_root: Path, caller: CurrentUser, lang: str
) -> None:
    at = open_page(repo_root, caller, lang)
    text = page_text(at)
    assert at.title[0].value == t("calls.title", lang)
    assert "138****5678" in text and "张*" in text
    assert "13812345678" not in text and "张伟" not in text
    assert "139****1111" not in text  # caller2's case is not shown
    assert "市委组织部" in text and "录音" in text  # the script, in Chinese in both languages
    assert [r.key for r in at.radio if r.key != "lang"] == [f"calls.q.0.{code}" for code in PHONE_ITEMS]
    assert at.button(key="calls.call").label == t("calls.call.button", lang)


def test_the_page_refuses_admins_and_signed_out_visitors(
    repo_root: Path, caller: CurrentUser, make_uow: MakeUow
) -> None:
    admin = add_user(make_uow, "admin1", Role.admin)
    # Navigation hides the page from admins; opened by its URL it explains and stops.
    for user, message in [
        (admin, t("auth.not_allowed", "zh", role=t("role.admin", "zh"))),
        (None, t("auth.sign_in_first", "zh")),
    ]:
        at = AppTest.from_file(str(repo_root / PAGE), default_timeout=60)
        at.session_state[USER_KEY] = user
        at.run()
        assert not at.exception
        assert message in [e.value for e in (*at.warning, *at.info)]
        assert not at.button


def fake_telephony(monkeypatch: pytest.MonkeyPatch, make_uow: MakeUow) -> list[dict[str, Any]]:
    """A stand-in for services.telephony: records the call and leaves a bridge attempt."""
    calls: list[dict[str, Any]] = []

    def start_bridge_call(
        uow: Any, user: CurrentUser, campaign: str, case: str, *, record: bool = False
    ) -> str:
        sid = f"CA{len(calls) + 1:032d}"
        calls.append({"user": user.username, "campaign": campaign, "case": case, "record": record})
        with make_uow() as u:
            row = u.session.execute(select(PhoneCase).where(PhoneCase.code == case)).scalar_one()
            caller_id = u.session.execute(select(Caller.id).where(Caller.user_id == user.id)).scalar_one()
            u.session.add(
                CallAttempt(
                    case_id=row.id, caller_id=caller_id, call_sid=sid, mode="bridge", duration_seconds=180.0
                )
            )
            row.attempts += 1
            u.commit()
        return sid

    module = types.ModuleType("services.telephony")
    module.start_bridge_call = start_bridge_call  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "services.telephony", module)
    return calls


def test_call_then_record_a_complete_interview(
    repo_root: Path, caller: CurrentUser, make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_telephony(monkeypatch, make_uow)
    at = open_page(repo_root, caller)
    at.button(key="calls.call").click().run()
    assert calls == [{"user": "caller1", "campaign": "c1", "case": "k1", "record": False}]
    assert at.success[0].value == t("calls.call.started", "zh")

    disposition = next(s for s in at.selectbox if s.label == t("calls.outcome.disposition", "zh"))
    disposition.set_value("1.1")
    at.radio(key="calls.q.0.p1").set_value("s")
    at.radio(key="calls.q.0.p2").set_value("b")
    save = next(b for b in at.button if b.label == t("calls.save", "zh"))
    save.click().run()
    # one question unanswered: the page refuses before calling the service
    assert at.error[0].value == t("calls.error.unanswered", "zh")

    at.radio(key="calls.q.0.p3").set_value("x")
    next(b for b in at.button if b.label == t("calls.save", "zh")).click().run()
    assert not at.exception
    assert at.success[0].value == t("calls.saved.closed", "zh", case="k1", code="1.1")

    with make_uow() as uow:
        s = uow.session
        case = s.execute(select(PhoneCase).where(PhoneCase.code == "k1")).scalar_one()
        attempts = s.execute(select(CallAttempt.call_sid, CallAttempt.disposition)).all()
        answers = len(s.execute(select(PhoneAnswer)).all())
        state = (case.disposition, case.attempts)
    assert state == ("1.1", 1)
    assert attempts == [(f"CA{1:032d}", "1.1")]
    assert answers == 3
    assert t("calls.empty", "zh") in page_text(at)


def test_without_the_telephony_service_the_caller_dials_by_hand_and_records_a_no_answer(
    repo_root: Path, caller: CurrentUser, make_uow: MakeUow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "services.telephony", None)  # import fails
    at = open_page(repo_root, caller, "en")
    at.button(key="calls.call").click().run()
    assert at.error[0].value == t("calls.call.unavailable", "en")
    at.button(key="calls.manual").click().run()
    assert t("calls.manual.number", "en", number="13812345678") in page_text(at)
    next(s for s in at.selectbox if s.label == t("calls.outcome.disposition", "en")).set_value("3.13")
    next(b for b in at.button if b.label == t("calls.save", "en")).click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Saved: case k1 will be tried again after")
    assert "13812345678" not in page_text(at)  # the number goes with the call it was shown for
    with make_uow() as uow:
        case = uow.session.execute(select(PhoneCase).where(PhoneCase.code == "k1")).scalar_one()
        state = (case.disposition, case.attempts, case.next_attempt_at is not None)
        modes = uow.session.execute(select(CallAttempt.mode, CallAttempt.disposition)).all()
    assert state == ("", 1, True)
    assert modes == [("manual", "3.13")]


def choose(at: AppTest, label_key: str, value: str, lang: str = "zh") -> None:
    next(s for s in at.selectbox if s.label == t(label_key, lang)).set_value(value)


def save(at: AppTest, lang: str = "zh") -> None:
    next(b for b in at.button if b.label == t("calls.save", lang)).click().run()
    assert not at.exception, at.exception


def test_a_complete_without_any_call_is_refused_and_nothing_is_stored(
    repo_root: Path, caller: CurrentUser, make_uow: MakeUow
) -> None:
    at = open_page(repo_root, caller)
    assert t("calls.call.manual", "zh") in page_text(at)
    choose(at, "calls.outcome.disposition", "1.1")
    for code, option in {"p1": "s", "p2": "s", "p3": "s"}.items():
        at.radio(key=f"calls.q.0.{code}").set_value(option)
    save(at)
    assert at.error[0].value == t("calls.error.no_call", "zh")
    assert not at.success
    with make_uow() as uow:
        case = uow.session.execute(select(PhoneCase).where(PhoneCase.code == "k1")).scalar_one()
        state = (case.disposition, case.attempts)
        stored = (
            uow.session.execute(select(CallAttempt)).all(),
            uow.session.execute(select(PhoneAnswer)).all(),
        )
    assert state == ("", 0) and stored == ([], [])


def test_dialling_by_hand_shows_the_number_for_that_case_only_and_the_complete_goes_on_that_call(
    repo_root: Path, caller: CurrentUser, make_uow: MakeUow
) -> None:
    add_frame_case(make_uow, "k3", "u2", caller, phone="13700002222", name="王芳")
    at = open_page(repo_root, caller)
    assert "13812345678" not in page_text(at)
    at.button(key="calls.manual").click().run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert t("calls.manual.number", "zh", number="13812345678") in text
    assert "13700002222" not in text and "13900001111" not in text

    # the same caller's other case: neither number is shown
    at.selectbox(key="calls.pick").set_value("c1/k3").run()
    text = page_text(at)
    assert "13812345678" not in text and "13700002222" not in text
    assert "137****2222" in text
    # back on k1: the dial is on record (the number is not kept once the case was left)
    at.selectbox(key="calls.pick").set_value("c1/k1").run()
    text = page_text(at)
    assert "13812345678" not in text and t("calls.manual.open", "zh") in text

    choose(at, "calls.outcome.disposition", "1.1")
    for code in PHONE_ITEMS:
        at.radio(key=f"calls.q.0.{code}").set_value("s")
    save(at)
    assert at.success[0].value == t("calls.saved.closed", "zh", case="k1", code="1.1")
    with make_uow() as uow:
        s = uow.session
        attempts = s.execute(select(CallAttempt.mode, CallAttempt.disposition)).all()
        case = s.execute(select(PhoneCase).where(PhoneCase.code == "k1")).scalar_one()
        state = (case.disposition, case.attempts)
        reveal = s.execute(select(AuditEntry).where(AuditEntry.action == "case.call.manual")).scalar_one()
        trail = (reveal.actor, reveal.entity_id, repr(reveal.before) + repr(reveal.after))
    assert attempts == [("manual", "1.1")] and state == ("1.1", 1)
    assert trail[:2] == ("caller1", "c1/k1") and "5678" not in trail[2]
