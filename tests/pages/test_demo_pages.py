"""Every page on the demo city, for each role that uses it, under AppTest: real data of
realistic size (a third of the demo's answers), where small test fixtures may hide an
error. A page must render without an exception."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from streamlit.testing.v1 import AppTest

from db import demo, demo_registries, migrate
from db.engine import dispose_all, get_engine
from db.models import Role, User
from db.uow import UnitOfWork
from services.permissions import CurrentUser
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

KEY = base64.b64encode(hashlib.sha256(b"demo-pages").digest()).decode()

# page → the demo account that uses it (None: the public)
PAGES = {
    "app_pages/home.py": None,
    "app_pages/survey.py": None,
    "app_pages/results.py": None,
    "app_pages/unit.py": None,
    "app_pages/bulletin.py": None,
    "app_pages/invitations.py": "admin",
    "app_pages/review.py": "admin",
    "app_pages/indicators.py": "admin",
    "app_pages/adjustments.py": "admin",
    "app_pages/scoring.py": "admin",
    "app_pages/appeals.py": "admin",
    "app_pages/rectification.py": "admin",
    "app_pages/sampling.py": "supervisor",
    "app_pages/fieldwork.py": "supervisor",
    "app_pages/calls.py": "caller",
    "app_pages/inspection_bulletin.py": None,
    "app_pages/typical_cases.py": None,
    "app_pages/inspections.py": "admin",
    "app_pages/inspection_results.py": "admin",
    "app_pages/accountability.py": "admin",
    "app_pages/fault_tolerance.py": "admin",
    "app_pages/visits.py": "inspector1",
}
LIAISON_PAGES = ("app_pages/appeals.py", "app_pages/rectification.py", "app_pages/fault_tolerance.py")


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("demo-pages")
    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APPRAISAL_SECRET_KEY", KEY)
        migrate.upgrade(url)
        factory = sessionmaker(get_engine(url), expire_on_commit=False)
        with UnitOfWork(factory) as uow:
            demo.load_demo(uow, scale=0.3)
        demo.create_demo_cards(lambda: UnitOfWork(factory, actor="cli"))
        demo.create_demo_accounts(lambda: UnitOfWork(factory, actor="cli"))
        with UnitOfWork(factory, actor="cli") as uow:  # the inspector's rounds, the heads' actions
            demo_registries.finish(uow)
            uow.commit()
    yield url
    dispose_all()


def account(url: str, username: str) -> CurrentUser:
    with sessionmaker(get_engine(url))() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        return CurrentUser(user.id, user.username, Role(user.role), user.unit_id, user.display_name)


def render(repo_root: Path, url: str, page: str, username: str | None, lang: str) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=90)
    at.session_state["lang"] = lang
    if username is not None:
        at.session_state[SEEDED_USER_KEY] = account(url, username)
    at.run()
    at.switch_page(page).run()
    return at


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("page", "username"), list(PAGES.items()) + [(p, "liaison") for p in LIAISON_PAGES])
def test_every_page_renders_on_the_demo_for_its_role(
    repo_root: Path,
    demo_database: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    page: str,
    username: str | None,
    lang: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", demo_database)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path))

    at = render(repo_root, demo_database, page, username, lang)

    # (st.error also marks content here, e.g. a red card, so only exceptions fail the test)
    assert not at.exception, at.exception
    assert at.title, "the page drew nothing"


def test_a_visitor_finds_the_demo_s_public_bulletin_with_units_listed(
    repo_root: Path, demo_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """评议通报 is not empty for a newcomer: the demo's 2024 bulletin is public, and the
    page opens it on that year's fieldwork rather than on today's (empty) week."""
    monkeypatch.setenv("DATABASE_URL", demo_database)
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", KEY)
    monkeypatch.setenv("APPRAISAL_DATA_DIR", str(tmp_path))

    at = render(repo_root, demo_database, "app_pages/bulletin.py", None, "zh")

    assert not at.exception and not at.error
    assert t("bulletin.none", "zh") not in [i.value for i in at.info]
    assert at.selectbox(key="bulletin.campaign").value == "lj-2024"
    assert at.radio(key="bulletin.period").value == "range"
    first, last = at.date_input(key="bulletin.range").value
    assert (first.year, first.month) == (2024, 11) and (last.year, last.month) == (2024, 12)
    tables = [table.value for table in at.dataframe]
    assert len(tables) >= 2 and all(len(table) == 10 for table in tables[:2])
    units = {name for table in tables for name in table["unit"]}
    assert any(name.endswith("派出所") or name.endswith("局") for name in units)
