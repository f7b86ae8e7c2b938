"""The adjustments page (app_pages/adjustments.py) driven with AppTest, on SQLite and PostgreSQL.

AppTest cannot upload a file, so adjustments with evidence are entered through the
service (tests/db/test_adjustments.py tests it); the page is tested for listing,
refusing an entry without evidence and removing with a reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role
from services.adjustments import MAX_EVIDENCE_BYTES, add_adjustment, list_adjustments
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_user, seed_campaign
from tests.pages.chrome import enter_submitting_forms, nodes, upload_limits_mb
from ui.auth import SEEDED_USER_KEY
from ui.messages import t

PAGE = "app_pages/adjustments.py"


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.scoring)
    return add_user(make_uow, "admin1", Role.admin)


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state[SEEDED_USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def test_an_entry_without_evidence_is_refused(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    at = open_page(repo_root, admin)
    assert at.title[0].value == t("adjustments.title", "zh")
    assert [i.value for i in at.info] == [t("adjustments.list.empty", "zh")]
    # the evidence field enforces the limit its label states (not Streamlit's 200 MB), and
    # its form does not explain Ctrl+Enter in English
    mb = MAX_EVIDENCE_BYTES // 2**20
    assert upload_limits_mb(at) == {t("adjustments.form.evidence", "zh", mb=mb): mb}
    assert nodes(at, "form") and enter_submitting_forms(at) == []
    at.number_input(key="adjustments.form.points.0").set_value(3.0)
    at.text_area(key="adjustments.form.reason.0").set_value("完成拼搏目标")
    next(b for b in at.button if b.label == t("adjustments.form.add", "zh")).click().run()

    assert not at.exception
    assert [w.value for w in at.warning] == [t("adjustments.form.evidence_required", "zh")]
    assert list_adjustments(make_uow(), admin, "c1") == []


def test_entries_are_listed_with_totals_and_removed_only_with_a_reason(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 4, "目标一", "a.pdf", b"%PDF a")
    second = add_adjustment(make_uow(), admin, "c1", "u1", "bonus", 3, "目标二", "b.pdf", b"%PDF b")
    at = open_page(repo_root, admin, "en")
    listed = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert list(listed["reason"]) == ["目标一", "目标二"]
    totals = next(d.value for d in at.dataframe if "bonus_applied" in d.value.columns)
    assert (totals["bonus"].iloc[0], totals["bonus_applied"].iloc[0]) == (7.0, 5.0)

    at.selectbox(key="adjustments.choose.0").set_value(second)
    at.button(key="adjustments.remove.run").click().run()
    assert [w.value for w in at.warning] == [t("adjustments.remove.reason_required", "en")]
    assert len(list_adjustments(make_uow(), admin, "c1")) == 2

    at.text_input(key="adjustments.remove.reason.0").set_value("重复录入")
    at.button(key="adjustments.remove.run").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [t("adjustments.remove.done", "en", id=second)]
    assert [r.reason for r in list_adjustments(make_uow(), admin, "c1")] == ["目标一"]


def test_a_caller_does_not_get_the_page(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    caller = add_user(make_uow, "caller1", Role.caller)
    app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    app.session_state[SEEDED_USER_KEY] = caller
    app.run()
    with pytest.raises(ValueError, match=r"adjustments\.py"):
        app.switch_page(PAGE)
