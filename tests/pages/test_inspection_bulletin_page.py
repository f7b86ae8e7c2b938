"""The public inspection bulletin (app_pages/inspection_bulletin.py) driven with AppTest, on
SQLite and PostgreSQL: nothing until an admin makes a month public, then the public
months newest first, without inspectors' names."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role
from services.inspection_bulletin import set_public
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.db.test_inspection_rates import add_round, add_visit, at
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/inspection_bulletin.py"
P = "inspection_results."


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    r = add_round(make_uow)
    add_visit(make_uow, r, "u1", at(3), (10, 9, 8, 7), findings=[("冷", "态度生硬 [链接](http://x)")])
    add_visit(make_uow, r, "u2", at(9), (4, 4, 4, 2), findings=[("散", "上班玩手机")])
    add_visit(make_uow, r, "u3", at(2, month=4), (5, 5, 5, 5))
    return add_user(make_uow, "admin1", Role.admin)


def open_page(repo_root: Path, user: CurrentUser | None, lang: str = "zh") -> AppTest:
    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state["lang"] = lang
    if user is not None:
        app.session_state[SEEDED_USER_KEY] = user
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception and not app.error
    return app


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_sees_only_public_months_newest_first(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser, lang: str
) -> None:
    app = open_page(repo_root, None, lang)
    assert app.title[0].value == t(P + "public.title", lang)
    assert [i.value for i in app.info] == [t(P + "public.empty", lang)]

    set_public(make_uow(), admin, "c1", 2026, 3, True)
    set_public(make_uow(), admin, "c1", 2026, 4, True)
    app = open_page(repo_root, None, lang)
    assert not app.info
    titles = [h.value for h in app.subheader]
    if lang == "zh":
        assert titles == ["测试评议 · 2026年4月", "测试评议 · 2026年3月"]
    else:
        assert titles == ["测试评议 · April 2026", "测试评议 · March 2026"]
    assert [m.value for m in app.metric] == ["1", "1", "0", "2", "2", "2"]
    text = "\n".join(m.value for m in app.markdown)
    assert "上班玩手机" in text and "inspector-zhang" not in text and "admin1" not in text
    assert "\\[链接\\]\\(http://x\\)" in text  # typed text is shown as it is, never as a link
    assert t(P + "bulletin.no_findings", lang) in text  # April: visits without findings
    assert not app.toggle  # nobody switches publicity here


def test_a_month_made_private_again_disappears(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    set_public(make_uow(), admin, "c1", 2026, 3, True)
    assert len(open_page(repo_root, None).subheader) == 1
    set_public(make_uow(), admin, "c1", 2026, 3, False)
    app = open_page(repo_root, admin)  # an admin sees the public page as everyone does
    assert [i.value for i in app.info] == [t(P + "public.empty", "zh")]
