"""The appeals page (app_pages/appeals.py) under AppTest, on SQLite and PostgreSQL: a
liaison files for the own unit and follows the decision; an admin upholds an appeal and
sees the new snapshot; other roles are turned away. Evidence uploads cannot be driven by
AppTest; services/appeals.py is tested with them directly (tests/db/test_appeals_flow.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import Appeal, Campaign, Publication, Role, User
from services.appeals import MAX_EVIDENCE_BYTES, file_appeal
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user
from tests.db.publishing import publish, small_bundle
from tests.pages.chrome import enter_submitting_forms, nodes, upload_limits_mb
from ui.auth import SEEDED_USER_KEY, USER_KEY
from ui.messages import t

UNIT = "U00001"
FAR = datetime(2099, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("appeals-page") / "bundle")


@pytest.fixture
def published(app_database: str, make_uow: MakeUow, bundle: Path) -> str:
    code = publish(make_uow, bundle)
    # The page runs on the real clock: keep the notice period open whatever today is.
    with make_uow() as uow:
        uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one().notice_ends_at = FAR
        uow.commit()
    return code


def admin(make_uow: MakeUow) -> CurrentUser:
    with make_uow() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == "admin2")).scalar_one()
    return CurrentUser(id=user_id, username="admin2", role=Role.admin)


def page(repo_root: Path, user: CurrentUser | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    if user is not None:
        at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page("app_pages/appeals.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_liaison_files_an_appeal_for_the_own_unit(
    repo_root: Path, published: str, make_uow: MakeUow, lang: str
) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=UNIT)
    at = page(repo_root, liaison, lang)

    assert at.title[0].value == t("appeals.title", lang)
    assert any(UNIT in s.value for s in at.subheader)
    assert at.radio(key="appeals.target.0").options == [
        t(f"appeals.target.{x}", lang) for x in ("result", "response", "indicator_value")
    ]
    at.button(key="appeals.submit").click().run()
    assert t("appeals.file.reasons_required", lang) in [w.value for w in at.warning]

    at.text_area(key="appeals.reasons.0").input("分组不当，应归入窗口单位")
    at.button(key="appeals.submit").click().run()
    assert not at.exception, at.exception

    with make_uow() as uow:
        appeal = uow.session.execute(select(Appeal)).scalar_one()
        assert (appeal.target, appeal.reasons, appeal.status) == (
            "result",
            "分组不当，应归入窗口单位",
            "open",
        )
        appeal_id = appeal.id
    assert t("appeals.file.done", lang, id=appeal_id) in [s.value for s in at.success]
    mine = at.dataframe[0].value
    assert list(mine["id"]) == [appeal_id]


def test_a_liaison_appeals_against_a_response_by_choosing_it(
    repo_root: Path, published: str, make_uow: MakeUow
) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=UNIT)
    at = page(repo_root, liaison)
    at.radio(key="appeals.target.0").set_value("response").run()
    choice = at.selectbox(key="appeals.ref.response.0")
    assert choice.options  # the unit's counted responses
    chosen = choice.value
    at.text_area(key="appeals.reasons.0").input("受访者不是服务对象")
    at.button(key="appeals.submit").click().run()
    with make_uow() as uow:
        stored = uow.session.execute(select(Appeal.target, Appeal.target_ref)).one()
    assert tuple(stored) == ("response", chosen)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_admin_upholds_an_appeal_and_sees_the_new_snapshot(
    repo_root: Path, published: str, make_uow: MakeUow, lang: str
) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=UNIT)
    appeal_id = file_appeal(make_uow(), liaison, published, UNIT, "分组不当")
    at = page(repo_root, admin(make_uow), lang)

    assert at.tabs[0].label == t("appeals.tab.open", lang, n=1)
    at.button(key="appeals.uphold").click().run()
    assert t("appeals.decide.decision_required", lang) in [w.value for w in at.warning]
    at.text_area(key=f"appeals.decision.0.{appeal_id}").input("经复核成立")
    at.button(key="appeals.uphold").click().run()
    assert not at.exception, at.exception

    with make_uow() as uow:
        new = uow.session.execute(select(Publication).order_by(Publication.id.desc())).scalars().first()
        assert new is not None and new.requested_by == f"appeal:{appeal_id}"
        sha, run_id = new.snapshot_sha256, new.run_id
    outcome = t("appeals.decide.upheld_outcome", lang, id=appeal_id, run=run_id, sha=sha, previous="")
    assert any(s.value.startswith(outcome.split(str(sha))[0]) and sha in s.value for s in at.success)
    assert at.tabs[0].label == t("appeals.tab.open", lang, n=0)
    assert any(sha in c.value for c in at.caption)  # the page now names the new snapshot


def test_the_evidence_limit_is_one_and_told_truthfully(
    repo_root: Path, published: str, make_uow: MakeUow
) -> None:
    """The field says 5 MB and the uploader enforces 5 MB (not Streamlit's 200 MB); the
    service refuses more (tests/db/test_appeals_flow.py)."""
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=UNIT)
    at = page(repo_root, liaison)

    mb = MAX_EVIDENCE_BYTES // 2**20
    assert mb == 5
    assert upload_limits_mb(at) == {t("appeals.file.evidence", "zh", mb=mb): mb}


def test_no_form_explains_ctrl_enter_in_english(repo_root: Path, published: str, make_uow: MakeUow) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=UNIT)
    file_appeal(make_uow(), liaison, published, UNIT, "分组不当")
    for user in (liaison, admin(make_uow)):
        at = page(repo_root, user)
        assert nodes(at, "form")  # the appeal's and the decision's fields are forms ...
        assert enter_submitting_forms(at) == []  # ... that do not submit on (Ctrl+)Enter


@pytest.mark.parametrize("role", [Role.supervisor, Role.caller])
def test_other_roles_are_turned_away(repo_root: Path, published: str, make_uow: MakeUow, role: Role) -> None:
    user = add_user(make_uow, f"x-{role.value}", role)
    # The navigation does not offer the page to them ...
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/appeals.py")
    # ... and the page itself refuses them when opened anyway.
    direct = AppTest.from_file(str(repo_root / "app_pages" / "appeals.py"), default_timeout=60)
    direct.session_state[USER_KEY] = user
    direct.run()
    assert not direct.exception, direct.exception
    assert [w.value for w in direct.warning] == [
        t("auth.not_allowed", "zh", role=t(f"role.{role.value}", "zh"))
    ]


def test_without_signing_in_the_page_asks_to(repo_root: Path, published: str) -> None:
    direct = AppTest.from_file(str(repo_root / "app_pages" / "appeals.py"), default_timeout=60)
    direct.run()
    assert not direct.exception, direct.exception
    assert t("auth.sign_in_first", "zh") in [i.value for i in direct.info]
