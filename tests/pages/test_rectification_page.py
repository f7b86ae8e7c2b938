"""The cards and rectification page (app_pages/rectification.py) under AppTest, on
SQLite and PostgreSQL: an admin issues cards and opens ledger items; a liaison submits
the own unit's plan and records progress on its own items only; other roles are turned
away. Evidence uploads are tested on the service (tests/db/test_rectification.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import CardCase, RectificationItem, Role, User
from services import cards, rectification
from services.appeals import MAX_EVIDENCE_BYTES
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user
from tests.db.publishing import publish, small_bundle
from tests.pages.chrome import enter_submitting_forms, nodes, upload_limits_mb
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import t
from ui.timefmt import beijing_today

UNIT = "U00001"  # a yellow card


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("rectification-page") / "bundle")


@pytest.fixture
def published(app_database: str, make_uow: MakeUow, bundle: Path) -> str:
    return publish(make_uow, bundle)


def admin(make_uow: MakeUow) -> CurrentUser:
    with make_uow() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == "admin1")).scalar_one()
    return CurrentUser(id=user_id, username="admin1", role=Role.admin)


def page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page("app_pages/rectification.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_issues_cards_and_opens_ledger_items(
    repo_root: Path, published: str, make_uow: MakeUow, lang: str
) -> None:
    at = page(repo_root, admin(make_uow), lang)
    assert at.title[0].value == t("rectification.title", lang)
    assert t("cards.empty", lang) in [i.value for i in at.info]

    at.button(key="cards.issue").click().run()
    assert not at.exception, at.exception
    issued = cards.list_cards(make_uow(), admin(make_uow), published)
    assert issued
    assert t("cards.issued", lang, created=len(issued), existing=0) in [s.value for s in at.success]
    assert len(at.dataframe[0].value) == len(issued)

    at.button(key="rectification.generate").click().run()
    assert not at.exception, at.exception
    items = rectification.ledger(make_uow(), admin(make_uow), published)
    assert items and at.metric[2].value == str(len(items))
    ledger_table = at.dataframe[1].value
    assert len(ledger_table) == len(items)
    assert len(at.dataframe[2].value) == len({i.unit_code for i in items})  # rates per unit


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_liaison_plans_and_updates_only_the_own_unit(
    repo_root: Path, published: str, make_uow: MakeUow, lang: str
) -> None:
    cards.issue_cards(make_uow(), admin(make_uow), published)
    rectification.generate_items(make_uow(), admin(make_uow), published, beijing_today() + timedelta(days=30))
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=UNIT)
    [card] = cards.list_cards(make_uow(), liaison, published)
    mine = rectification.ledger(make_uow(), liaison, published)

    at = page(repo_root, liaison, lang)
    # Streamlit's English stays out: no form explains Ctrl+Enter, the evidence field
    # enforces the limit its label states
    assert nodes(at, "form") and enter_submitting_forms(at) == []
    mb = MAX_EVIDENCE_BYTES // 2**20
    assert set(upload_limits_mb(at).items()) == {(t("rectification.edit.evidence", lang, mb=mb), mb)}
    assert len(at.dataframe[0].value) == 1  # only the own card
    assert len(at.dataframe[1].value) == len(mine)  # only the own items
    assert not [b for b in at.button if b.key in ("cards.issue", "rectification.generate", "cards.lift")]

    at.text_area(key=f"cards.plan.0.{card.id}").input("一、设导办员；二、限时办结")
    at.button(key="cards.plan.submit").click().run()
    assert not at.exception, at.exception
    assert t("cards.plan.done", lang) in [s.value for s in at.success]

    item = mine[0]
    at.selectbox(key=f"rectification.edit.status.1.{item.id}").set_value("done")
    at.text_area(key=f"rectification.edit.note.1.{item.id}").input("已整改到位")
    at.button(key="rectification.edit.save").click().run()
    assert not at.exception, at.exception
    assert t("rectification.edit.done", lang, id=item.id) in [s.value for s in at.success]

    with make_uow() as uow:
        assert uow.session.get(CardCase, card.id).status == "plan"  # type: ignore[union-attr]
        stored = uow.session.get(RectificationItem, item.id)
        assert stored is not None and (stored.status, stored.progress_note) == ("done", "已整改到位")


def test_other_roles_are_turned_away(repo_root: Path, published: str, make_uow: MakeUow) -> None:
    direct = AppTest.from_file(str(repo_root / "app_pages" / "rectification.py"), default_timeout=60)
    direct.session_state[USER_KEY] = add_user(make_uow, "sup1", Role.supervisor)
    direct.run()
    assert not direct.exception, direct.exception
    assert [w.value for w in direct.warning] == [t("auth.not_allowed", "zh", role=t("role.supervisor", "zh"))]
