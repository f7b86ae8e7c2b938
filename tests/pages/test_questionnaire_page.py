"""The questionnaire designer page (app_pages/questionnaire.py) under AppTest, on SQLite
and PostgreSQL: the preview shows exactly a set's questions, read-only, at phone width;
the item sets and their warnings; a frozen campaign is read-only.

The grids (st.data_editor) cannot be driven by AppTest: their edits are tested on the
pure ``apply_item_edits`` / ``apply_option_edits`` and on the services.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import CampaignStatus, Role, SurveyResponse
from services import questionnaire_design as design
from services.invitations import issue_batch
from services.permissions import CurrentUser
from services.questionnaire_files import ItemSpec
from tests.db.kit import MakeUow, add_user, seed_campaign, set_status
from ui.messages import t

PAGE = "app_pages/questionnaire.py"


@pytest.fixture
def admin(app_database: str, make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow)
    user = add_user(make_uow, "admin1", Role.admin)
    # deputies-only extra question q3; a phone question
    design.add_item(
        make_uow(),
        user,
        "c1",
        ItemSpec("survey", "q3", "sat3", "人大代表专题", respondent_groups=("client",)),
    )
    design.add_item(make_uow(), user, "c1", ItemSpec("phone", "p1", "sat3", "电话题"))
    return user


def open_page(repo_root: Path, user: CurrentUser, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["auth.seeded_user"] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def preview_labels(at: AppTest, lang: str = "zh") -> list[str]:
    return [
        r.label
        for r in at.radio
        if r.key and r.key.startswith("item-") and r.key.endswith(f"-preview-{lang}")
    ]


def test_the_preview_shows_exactly_the_questions_of_the_chosen_group(
    repo_root: Path, admin: CurrentUser
) -> None:
    at = open_page(repo_root, admin)
    assert at.title[0].value == t("qdesign.title", "zh")

    at.selectbox(key="qdesign.preview.group").set_value("public").run()
    assert preview_labels(at) == ["1. 问题q1", "2. 问题q2"]

    at.selectbox(key="qdesign.preview.group").set_value("client").run()
    assert preview_labels(at) == ["1. 问题q1", "2. 问题q2", "3. 人大代表专题"]
    radios = [r for r in at.radio if r.key and r.key.endswith("-preview-zh")]
    assert all(r.disabled for r in radios)  # read-only: a preview takes no answers
    assert radios[0].options == ["满意", "基本满意", "不满意", "不了解"]


def test_the_preview_is_drawn_at_phone_width_and_writes_nothing(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    before = design.export_questionnaire(make_uow(), admin, "c1")
    at = open_page(repo_root, admin)

    styles = [h.proto.body for h in at.get("html")]
    assert any(".st-key-qdesign-preview" in s and "max-width: 375px" in s for s in styles)
    assert design.export_questionnaire(make_uow(), admin, "c1") == before


def test_the_preview_speaks_english_when_asked(repo_root: Path, admin: CurrentUser) -> None:
    at = open_page(repo_root, admin, "en")
    at.radio(key="qdesign.preview.lang").set_value("en").run()
    at.selectbox(key="qdesign.preview.group").set_value("public").run()

    assert preview_labels(at, "en") == ["1. 问题q1", "2. 问题q2"]  # no English text seeded: Chinese
    assert t("survey.questions", "en") in [m.value.strip("*") for m in at.markdown]


def test_the_item_sets_are_shown_per_category_and_group_with_warnings(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    design.add_item(
        make_uow(), admin, "c1", ItemSpec("survey", "q9", "sat3", "无单位序列", unit_categories=("站所",))
    )
    at = open_page(repo_root, admin)

    tables = [df.value for df in at.dataframe]
    survey = next(
        d for d in tables if t("qdesign.sets.category", "zh") in d.columns and "服务对象" in d.columns
    )
    assert list(survey["服务对象"]) == ["q1、q2、q3、q9"]
    assert list(survey["群众"]) == ["q1、q2、q9"]


def test_a_campaign_in_fieldwork_is_read_only_with_a_note(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    set_status(make_uow, "c1", CampaignStatus.fieldwork)
    at = open_page(repo_root, admin)

    status = t("qdesign.status.fieldwork", "zh")
    assert t("qdesign.frozen", "zh", status=status) in [i.value for i in at.info]
    labels = [b.label for b in at.button]
    assert t("qdesign.items.save", "zh") not in labels
    assert t("qdesign.files.import", "zh") not in labels


def test_a_caller_is_not_offered_the_designer(repo_root: Path, make_uow: MakeUow, admin: CurrentUser) -> None:
    caller = add_user(make_uow, "caller1", Role.caller)
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth.seeded_user"] = caller
    at.run()

    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


# ---------------------------------------------------------------- the survey page with item sets


def survey_labels(at: AppTest, form: str) -> list[str]:
    return [r.label for r in at.radio if r.key and r.key.startswith("item-") and r.key.endswith(form)]


def test_the_survey_asks_the_group_first_then_exactly_what_the_preview_showed(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    shown = open_page(repo_root, admin)
    shown.selectbox(key="qdesign.preview.unit").set_value("u2")
    shown.selectbox(key="qdesign.preview.group").set_value("client").run()
    previewed = preview_labels(shown)
    set_status(make_uow, "c1", CampaignStatus.fieldwork)
    token = issue_batch(make_uow(), admin, "c1", "u2", 1, kind="ticket", references=["A-1"])[0].token
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = "zh"
    at.query_params["t"] = token
    at.run()
    form = "c1-u2"

    assert survey_labels(at, form) == []  # no questions before the group is chosen
    assert t("qdesign.survey.group_first", "zh") in [c.value for c in at.caption]
    at.radio(key=f"group-{form}").set_value("public").run()
    assert survey_labels(at, form) == ["1. 问题q1", "2. 问题q2"]
    at.radio(key=f"group-{form}").set_value("client").run()
    assert survey_labels(at, form) == previewed == ["1. 问题q1", "2. 问题q2", "3. 人大代表专题"]

    for item in ("q1", "q2", "q3"):
        at.radio(key=f"item-{item}-{form}").set_value("s")
    next(b for b in at.button if b.label == t("survey.next", "zh")).click().run()
    next(b for b in at.button if b.label == t("survey.confirm.submit", "zh")).click().run()

    assert not at.exception
    assert t("survey.done.title", "zh") in [s.value for s in at.success]
    with make_uow() as uow:
        [response] = uow.session.execute(select(SurveyResponse)).scalars()
        assert sorted(a.option_code for a in response.answers) == ["s", "s", "s"]


def test_a_blank_draft_opens_with_empty_tables_and_says_there_is_nothing_to_preview(
    repo_root: Path, make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "c2", units=(), items=False, groups=False)
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["auth.seeded_user"] = admin
    at.run()
    at.switch_page(PAGE)
    at.query_params["campaign"] = "c2"
    at.run()

    assert not at.exception
    assert at.selectbox(key="qdesign.campaign").value == "c2"
    assert t("qdesign.preview.nothing", "en") in [i.value for i in at.info]
    warnings = [w.value for w in at.warning]
    assert t("qdesign.notice.no_survey_items", "en") in warnings
    assert t("qdesign.notice.no_units", "en") in warnings
