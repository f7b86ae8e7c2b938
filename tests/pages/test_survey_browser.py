"""End to end: a citizen answers the survey in headless Chromium at phone size, from an
invitation token, as served by ``streamlit run asgi.py``; the answer is in the database,
and a second answer with the same token is refused. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import CampaignStatus, Invitation, Role, SurveyResponse
from services.invitations import issue_batch
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
