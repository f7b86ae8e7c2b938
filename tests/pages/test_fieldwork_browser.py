"""End to end: the demo's supervisor on the fieldwork page, served by ``streamlit run
asgi.py`` in headless Chromium, after drawing the open year's phone sample (302 units,
thousands of cases): the actions come before the progress table, the table is searched
by unit name, and dealing every unit's cases asks to confirm the count before anything is
assigned, and assigns them only once confirmed. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from db import demo
from db.engine import get_engine
from db.models import Campaign, CampaignUnit, PhoneCase, Role, User
from db.uow import UnitOfWork
from services.fieldwork import ASSIGN_PAGE_SIZE
from services.permissions import CurrentUser
from services.sampling import draw_sample
from survey.sampling import DesignParams
from tests.serving import CHROMIUM, chromium, serve_app, server_env
from ui.messages import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs chromium (.ci/run installs it)"),
]

KEY = "q6Y0m3S1b0cH3m8v5m0x8ZkQmJ2nq3m7a9m5Yk1Vw2c="
CAMPAIGN = demo.campaign_code(demo.OPEN_YEAR)


def unassigned(factory: sessionmaker) -> int:  # type: ignore[type-arg]
    """Open cases of the open year nobody has been given yet."""
    with factory() as session:
        return session.execute(
            select(func.count())
            .select_from(PhoneCase)
            .join(Campaign, Campaign.id == PhoneCase.campaign_id)
            .where(Campaign.code == CAMPAIGN, PhoneCase.caller_id.is_(None))
        ).scalar_one()


def grid_shows(page: Any, present: str, absent: str) -> None:
    """Wait until the progress table shows ``present`` and not ``absent`` (the grid draws on
    a canvas; its accessible copy in the page holds the rows it shows)."""
    page.wait_for_function(
        """([present, absent]) => {
            const grid = document.querySelector('[data-testid="stDataFrame"]');
            const text = grid ? grid.textContent : "";
            return text.includes(present) && !text.includes(absent);
        }""",
        arg=[present, absent],
    )


def test_the_supervisor_searches_progress_and_confirms_a_large_deal(
    repo_root: Path, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    factory = sessionmaker(get_engine(database_url), expire_on_commit=False)
    with UnitOfWork(factory) as uow:
        demo.load_demo(uow, scale=0.3, score=False)
    demo.create_demo_accounts(lambda: UnitOfWork(factory, actor="cli"))
    with factory() as session:
        row = session.execute(select(User).where(User.username == "supervisor")).scalar_one()
        supervisor = CurrentUser(row.id, row.username, Role(row.role), row.unit_id, row.display_name)
        campaign_id = session.execute(select(Campaign.id).where(Campaign.code == CAMPAIGN)).scalar_one()
        names = list(
            session.execute(
                select(CampaignUnit.name)
                .where(CampaignUnit.campaign_id == campaign_id)
                .order_by(CampaignUnit.position)
            ).scalars()
        )
    total, name = len(names), names[-1]
    cases = draw_sample(UnitOfWork(factory), supervisor, CAMPAIGN, DesignParams(), seed=7).cases
    assert cases > ASSIGN_PAGE_SIZE and unassigned(factory) == cases
    env = server_env(database_url, tmp_path / "data", APPRAISAL_SECRET_KEY=KEY)

    with serve_app(repo_root, env, tmp_path / "streamlit.log") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.set_default_timeout(60_000)
        page.goto(f"{base}/login")
        page.locator("#login-username").fill("supervisor")
        page.locator("#login-password").fill(demo.DEMO_PASSWORD)
        page.locator("#login-password").press("Enter")
        page.wait_for_url(re.compile(r"^(?!.*login).*$"))
        page.goto(f"{base}/fieldwork")
        page.get_by_text(t("fieldwork.title", "zh")).first.wait_for()

        # the actions come first, then the one progress table
        assign = page.get_by_role("heading", name=t("fieldwork.assign.header", "zh"))
        units = page.get_by_role("heading", name=t("fieldwork.units.header", "zh"))
        table = page.locator('[data-testid="stDataFrame"]').first
        table.wait_for()
        assert assign.bounding_box()["y"] < units.bounding_box()["y"] < table.bounding_box()["y"]  # type: ignore[index]
        page.get_by_text(t("fieldwork.units.shown", "zh", shown=total, total=total)).wait_for()
        grid_shows(page, names[0], name)
        assert page.locator('[data-testid="stProgress"]').count() == 0  # no bar per unit

        search = page.get_by_label(t("fieldwork.units.search", "zh"))
        search.fill(name)
        search.press("Enter")
        expected = sum(name in n for n in names)
        assert 1 <= expected < total
        page.get_by_text(t("fieldwork.units.shown", "zh", shown=expected, total=total)).wait_for()
        grid_shows(page, name, names[0])
        page.screenshot(path=str(tmp_path / "searched.png"), full_page=True)

        # deal every unit's cases to one caller: first the count, then the deal
        page.get_by_text(t("fieldwork.bulk.all_units", "zh", n=total), exact=True).click()
        callers = page.locator('[data-testid="stMultiSelect"]').filter(
            has_text=t("fieldwork.bulk.callers", "zh")
        )
        callers.locator("input").click()
        assert page.get_by_text("Select all").count() == 0  # Streamlit's English bulk option is off
        page.get_by_role("option").first.click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name=t("fieldwork.bulk.submit", "zh")).click()
        page.get_by_text(t("fieldwork.bulk.confirm", "zh", n=cases, callers=1)).wait_for()
        page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
        assert unassigned(factory) == cases  # asked, nothing assigned yet

        page.get_by_role("button", name=t("fieldwork.bulk.confirm_button", "zh", n=cases)).click()
        page.get_by_text(t("fieldwork.bulk.done", "zh", n=cases)).wait_for()
        assert unassigned(factory) == 0
