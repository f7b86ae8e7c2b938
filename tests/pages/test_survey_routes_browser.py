"""End to end in headless Chromium: a citizen answers on the light answering path
(ui/survey_routes.py, ``/a``) as served by ``streamlit run asgi.py``, on a 375 px phone in
Chinese, from the token link to the receipt, with no script on any page; the pages fit the
phone's width and a desktop's. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import CampaignStatus, Invitation, Role, SurveyResponse
from services.invitations import issue_batch
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.serving import CHROMIUM, PHONE, chromium, phone_page, serve_app, server_env
from ui.messages import t
from ui.survey_routes import answer_link

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]


def question(page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("fieldset").filter(has_text=text)


def test_a_citizen_answers_the_light_path_on_a_phone_in_chinese(
    repo_root: Path, database_url: str, make_uow: MakeUow, tmp_path: Path
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    admin = add_user(make_uow, "admin1", Role.admin)
    [issued] = issue_batch(make_uow(), admin, "c1", "u2", 1, references=["A-017"])
    env = server_env(database_url, tmp_path / "data")

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = phone_page(browser)
        page.goto(answer_link(base, issued.token))
        page.get_by_text(t("survey.rating", "zh", unit="单位u2")).wait_for()
        assert page.locator("script").count() == 0  # a plain page: no JavaScript at all

        question(page, t("survey.group", "zh")).get_by_label("服务对象", exact=True).check()
        question(page, "1. 问题q1").get_by_label("不满意", exact=True).check()
        question(page, "2. 问题q2").get_by_label("不了解", exact=True).check()
        page.get_by_label(t("problem.false_slow_delay", "zh"), exact=True).check()
        page.get_by_label(t("survey.comment", "zh")).fill("承诺一周办结，拖了一个多月")
        # the whole questionnaire fits the phone's width: nothing scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(tmp_path / "light-form.png"), full_page=True)
        page.get_by_role("button", name=t("survey.next", "zh")).click()

        page.get_by_text(t("survey.confirm.title", "zh")).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name=t("survey.confirm.submit", "zh")).click()
        page.get_by_text(t("survey.done.title", "zh")).wait_for()
        page.screenshot(path=str(tmp_path / "light-answered.png"), full_page=True)

        with make_uow() as uow:
            response = uow.session.execute(select(SurveyResponse)).scalar_one()
            invitation = uow.session.execute(select(Invitation)).scalar_one()
            assert response.invitation_id == invitation.id and invitation.used_at is not None
            assert (response.channel, response.comment) == ("ticket", "承诺一周办结，拖了一个多月")
            assert response.problem_types == ["false_slow_delay"]
            assert sorted(a.option_code for a in response.answers) == ["u", "x"]
            assert response.network_hash and response.device_hash
            code = response.code
        assert code in page.inner_text("body")  # the receipt number

        # The same link again: refused before any question is shown, in plain words.
        again = phone_page(browser)
        again.goto(answer_link(base, issued.token))
        again.get_by_text(t("survey.refused.used_token", "zh")).wait_for()
        assert again.locator("input[type=radio]").count() == 0

        # On a desktop the unit list is readable without sideways scrolling either.
        desktop = browser.new_page(viewport={"width": 1366, "height": 900})
        desktop.goto(f"{base}/a?lang=en")
        desktop.get_by_text(t("survey.step.unit", "en")).wait_for()
        assert desktop.evaluate("document.documentElement.scrollWidth") <= 1366

    with make_uow() as uow:
        assert len(uow.session.execute(select(SurveyResponse)).scalars().all()) == 1
