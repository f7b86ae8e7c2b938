"""End to end: a citizen answers the survey in headless Chromium at phone size, as served
by ``streamlit run asgi.py``: from an invitation token (a second answer with it is
refused) and with a verified number (a second answer from another browser is refused in
plain words, never with a traceback); a pasted comment over the limit keeps what fits and
says so; an unexpected error shows a plain message with a reference. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import CampaignStatus, Invitation, Role, SurveyResponse
from services.invitations import issue_batch
from survey.problems import MAX_COMMENT_CHARS
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.serving import CHROMIUM, PHONE, chromium, phone_page, serve_app, server_env
from ui.messages import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]


def radio_group(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator('[data-testid="stRadio"]').filter(has_text=label)


def test_a_citizen_answers_on_a_phone_with_a_token_and_cannot_answer_twice(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    admin = add_user(make_uow, "admin1", Role.admin)
    [issued] = issue_batch(make_uow(), admin, "c1", "u2", 1, references=["A-017"])
    env = server_env(database_url, tmp_path / "data")

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = phone_page(browser)
        page.goto(f"{base}/?t={issued.token}")
        page.get_by_text(t("survey.rating", "zh", unit="单位u2")).wait_for()

        radio_group(page, t("survey.group", "zh")).get_by_text("服务对象", exact=True).click()
        radio_group(page, "1. 问题q1").get_by_text("不满意", exact=True).click()
        radio_group(page, "2. 问题q2").get_by_text("不了解", exact=True).click()
        page.get_by_text(t("problem.false_slow_delay", "zh"), exact=True).click()
        page.get_by_label(t("survey.comment", "zh")).fill("承诺一周办结，拖了一个多月")
        # the whole questionnaire fits the phone's width: nothing scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name=t("survey.next", "zh")).click()

        page.get_by_text(t("survey.confirm.title", "zh")).wait_for()
        page.get_by_role("button", name=t("survey.confirm.submit", "zh")).click()
        page.get_by_text(t("survey.done.title", "zh")).wait_for()
        page.screenshot(path=str(tmp_path / "answered.png"), full_page=True)

        with make_uow() as uow:
            response = uow.session.execute(select(SurveyResponse)).scalar_one()
            invitation = uow.session.execute(select(Invitation)).scalar_one()
            assert response.invitation_id == invitation.id and invitation.used_at is not None
            assert (response.channel, response.status, response.comment) == (
                "ticket",
                "valid",
                "承诺一周办结，拖了一个多月",
            )
            assert response.problem_types == ["false_slow_delay"]
            assert sorted(a.option_code for a in response.answers) == ["u", "x"]
            assert response.network_hash and response.device_hash  # a real browser has both
            code = response.code
        assert code in page.inner_text("body")  # the receipt number

        # The same ticket again, in a fresh window: refused before any question is shown.
        again = phone_page(browser)
        again.goto(f"{base}/?t={issued.token}")
        again.get_by_text(t("survey.refused.used_token", "zh")).wait_for()
        assert again.locator('[data-testid="stRadio"]').filter(has_text="问题q1").count() == 0

    with make_uow() as uow:
        assert len(uow.session.execute(select(SurveyResponse)).scalars().all()) == 1


# ---------------------------------------------------------------- the verified-number way

NUMBER = "13800138000"
LEAKS = ("Traceback", "StreamlitDuplicateElementId", "/work/", "site-packages", ".py")


def no_leak(page) -> None:  # type: ignore[no-untyped-def]
    body = page.inner_text("body")
    assert not [leak for leak in LEAKS if leak in body], body


def choose_unit_and_verify(page, base: str, unit: str = "单位u2", number: str = NUMBER) -> None:  # type: ignore[no-untyped-def]
    """Pick ``unit`` and verify ``number`` with the code the demo setup shows on screen."""
    page.goto(f"{base}/survey")
    page.get_by_text(t("survey.step.unit", "zh")).wait_for()
    page.locator('[data-testid="stSelectbox"]').filter(has_text=t("survey.unit", "zh")).click()
    page.get_by_role("option", name=unit).click()
    page.get_by_role("button", name=t("survey.unit.choose", "zh")).click()
    page.get_by_text(t("survey.step.verify", "zh")).wait_for()
    page.get_by_label(t("survey.verify.number", "zh")).fill(number)
    assert "Press Enter" not in page.inner_text("body")  # Streamlit's English hint on a typed box
    page.get_by_role("button", name=t("survey.verify.send", "zh")).click()
    shown = re.escape(t("survey.verify.simulated", "zh", code="CODE")).replace("CODE", r"(\d+)")
    caption = page.get_by_text(re.compile(shown))
    caption.wait_for()
    match = re.search(shown, caption.inner_text())
    assert match
    page.get_by_label(t("survey.verify.code", "zh")).fill(match[1])
    page.get_by_role("button", name=t("survey.verify.check", "zh"), exact=True).click()
    page.get_by_text(t("survey.verify.done", "zh", number="138****8000")).wait_for()


def answer(page) -> None:  # type: ignore[no-untyped-def]
    radio_group(page, t("survey.group", "zh")).get_by_text("服务对象", exact=True).click()
    radio_group(page, "1. 问题q1").get_by_text("满意", exact=True).click()
    radio_group(page, "2. 问题q2").get_by_text("基本满意", exact=True).click()


def test_a_second_answer_from_another_browser_is_refused_plainly_without_a_traceback(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    env = server_env(database_url, tmp_path / "data")

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        first = phone_page(browser)
        choose_unit_and_verify(first, base)
        answer(first)
        first.get_by_role("button", name=t("survey.next", "zh")).click()
        first.get_by_role("button", name=t("survey.confirm.submit", "zh")).click()
        first.get_by_text(t("survey.done.title", "zh")).wait_for()

        second = phone_page(browser)  # a new browser: nothing shared but the number
        choose_unit_and_verify(second, base)
        second.get_by_text(t("survey.refused.duplicate", "zh")).wait_for()
        change = second.get_by_role("button", name=t("survey.change_unit", "zh"))
        exception = second.locator('[data-testid="stException"]')
        change.nth(1).or_(exception).first.wait_for()  # the page is drawn to its end, or failed
        second.screenshot(path=str(tmp_path / "duplicate.png"), full_page=True)
        no_leak(second)
        assert exception.count() == 0
        assert radio_group(second, "问题q1").count() == 0  # no questionnaire

        # the button under the message leads on to another unit
        assert change.count() == 2
        change.nth(1).click()
        second.get_by_text(t("survey.step.unit", "zh")).wait_for()
        no_leak(second)

    with make_uow() as uow:
        assert len(uow.session.execute(select(SurveyResponse)).scalars().all()) == 1


def test_a_pasted_comment_over_the_limit_keeps_what_fits_says_so_and_is_sent(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    env = server_env(database_url, tmp_path / "data")
    pasted = "窗" * MAX_COMMENT_CHARS + "口" * 100

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = phone_page(browser)
        choose_unit_and_verify(page, base)
        answer(page)
        box = page.get_by_label(t("survey.comment", "zh"))
        box.focus()
        page.keyboard.insert_text(pasted)  # what a paste does: one input event with all of it
        assert box.input_value() == pasted  # the box keeps it (with max_chars it went empty)
        assert "Press " not in page.inner_text("body")  # no English "Ctrl+Enter to submit" hint
        page.get_by_text(t("survey.comment.limit", "zh", limit=MAX_COMMENT_CHARS)).wait_for()
        page.get_by_role("button", name=t("survey.next", "zh")).click()

        page.get_by_text(t("survey.confirm.title", "zh")).wait_for()
        page.get_by_text(t("survey.comment.cut", "zh", limit=MAX_COMMENT_CHARS, cut=100)).wait_for()
        page.get_by_text("窗" * MAX_COMMENT_CHARS, exact=True).wait_for()  # what will be stored
        page.screenshot(path=str(tmp_path / "cut.png"), full_page=True)
        no_leak(page)
        page.get_by_role("button", name=t("survey.confirm.submit", "zh")).click()
        page.get_by_text(t("survey.done.title", "zh")).wait_for()

    with make_uow() as uow:
        response = uow.session.execute(select(SurveyResponse)).scalar_one()
        assert response.comment == "窗" * MAX_COMMENT_CHARS


def test_an_unexpected_error_shows_a_plain_message_and_a_reference_the_log_has(
    repo_root: Path, tmp_path: Path
) -> None:
    # A database without its tables: every query of the survey page fails.
    env = server_env(f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "data")
    log = tmp_path / "streamlit.log"

    with serve_app(repo_root, env, log) as base, chromium() as browser:
        page = phone_page(browser)
        page.goto(f"{base}/survey")
        shown = re.escape(t("error.unexpected", "zh", ref="REF")).replace("REF", "([0-9a-f]{8})")
        message = page.get_by_text(re.compile(shown))
        message.wait_for()
        reference = re.search(shown, message.inner_text())
        assert reference
        page.screenshot(path=str(tmp_path / "error.png"), full_page=True)
        no_leak(page)
        assert "sqlite" not in page.inner_text("body").lower()
        assert page.locator('[data-testid="stException"]').count() == 0

    logged = log.read_text(errors="replace")
    assert f"reference {reference[1]}" in logged and "Traceback" in logged
