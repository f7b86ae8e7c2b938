"""The questionnaire designer's services (services/questionnaire_design.py) on SQLite and
PostgreSQL: every change and every refusal, the audit trail, the overview of item sets,
the preview, and import/export of items.csv and scales.csv (export then import is the
identity)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import AuditEntry, CampaignStatus, Item, RespondentGroup, Role, Unit
from services import questionnaire_design as design
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from services.questionnaire import items_for, question_views, questionnaire_of
from services.questionnaire_files import (
    ItemSpec,
    OptionSpec,
    QuestionnaireRejected,
    QuestionnaireSpec,
    ScaleSpec,
    apply_item_edits,
    apply_option_edits,
    builtin_sat3,
)
from services.responses import submit_response
from tests.db.kit import MakeUow, add_user, audit_count, seed_campaign, set_status

YES_NO = ScaleSpec("yn", (OptionSpec("y", "是", "yes", 100.0), OptionSpec("n", "否", "no", 0.0)))


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow)
    return add_user(make_uow, "admin1", Role.admin)


def spec(make_uow: MakeUow, admin: CurrentUser) -> QuestionnaireSpec:
    return design.load_design(make_uow(), admin, "c1").spec


def codes(make_uow: MakeUow, admin: CurrentUser, instrument: str = "survey") -> list[str]:
    return [i.code for i in spec(make_uow, admin).of(instrument)]


def audits(make_uow: MakeUow, prefix: str = "questionnaire.") -> list[AuditEntry]:
    with make_uow() as uow:
        found = list(
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.action.like(f"{prefix}%")).order_by(AuditEntry.id)
            ).scalars()
        )
        uow.session.expunge_all()
        return found


def rejected(
    exc: pytest.ExceptionInfo[QuestionnaireRejected],
) -> list[tuple[str, int | None, str | None, str]]:
    return [(d.file, d.line, d.column, d.key) for d in exc.value.defects]


# ---------------------------------------------------------------- changes


def test_a_question_is_added_with_its_item_set_and_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    item = ItemSpec("survey", "q3", "sat3", "等候时间", "Waiting time", 2.0, ("站所",), ("client",))

    assert design.add_item(make_uow(), admin, "c1", item) == 1

    assert spec(make_uow, admin).of("survey")[-1] == item
    [entry] = audits(make_uow)
    assert (entry.actor, entry.action, entry.before) == ("admin1", "questionnaire.item.add", None)
    assert entry.after["code"] == "q3" and entry.after["respondent_groups"] == ["client"]


def test_a_question_is_changed_with_before_and_after_in_the_audit(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    q1 = spec(make_uow, admin).of("survey")[0]
    changed = ItemSpec("survey", "q1", "sat3", "办事效率", "Efficiency", 0.5, (), ("public",))

    design.update_item(make_uow(), admin, "c1", "survey", "q1", changed)

    assert spec(make_uow, admin).of("survey")[0] == changed
    [entry] = audits(make_uow)
    assert entry.action == "questionnaire.item.edit"
    assert entry.before["text_zh"] == q1.text_zh and entry.after["text_zh"] == "办事效率"


def test_a_question_is_deleted_and_the_rest_keep_their_order(make_uow: MakeUow, admin: CurrentUser) -> None:
    design.add_item(make_uow(), admin, "c1", ItemSpec("survey", "q3", "sat3", "第三题"))

    design.delete_item(make_uow(), admin, "c1", "survey", "q2")

    assert codes(make_uow, admin) == ["q1", "q3"]
    assert audits(make_uow)[-1].action == "questionnaire.item.delete"
    assert audits(make_uow)[-1].after is None


def test_a_question_moves_up_and_the_new_order_is_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    design.add_item(make_uow(), admin, "c1", ItemSpec("survey", "q3", "sat3", "第三题"))

    design.move_item(make_uow(), admin, "c1", "survey", "q3", -1)

    assert codes(make_uow, admin) == ["q1", "q3", "q2"]
    entry = audits(make_uow)[-1]
    assert entry.action == "questionnaire.items.reorder"
    assert entry.before == ["survey:q1", "survey:q2", "survey:q3"]
    assert entry.after == ["survey:q1", "survey:q3", "survey:q2"]


def test_saving_a_table_adds_changes_deletes_and_orders_in_one_step(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    design.add_item(make_uow(), admin, "c1", ItemSpec("phone", "p1", "sat3", "电话题"))
    survey = spec(make_uow, admin).of("survey")
    state = {
        "edited_rows": {1: {"text_zh": "改过的题"}},
        "deleted_rows": [0],
        "added_rows": [{"code": "q5", "text_zh": "新题", "scale": "sat3", "unit_categories": ["站所"]}],
    }
    edited, errors = apply_item_edits("survey", survey, state)
    assert errors == []

    design.save_items(make_uow(), admin, "c1", "survey", edited)

    after = spec(make_uow, admin)
    assert [(i.code, i.text_zh) for i in after.of("survey")] == [("q2", "改过的题"), ("q5", "新题")]
    assert after.of("survey")[1].unit_categories == ("站所",) and after.of("survey")[1].weight == 1.0
    assert [i.code for i in after.of("phone")] == ["p1"]  # the other instrument is untouched


def test_a_scale_of_its_own_is_added_and_its_options_edited(make_uow: MakeUow, admin: CurrentUser) -> None:
    design.save_scale(make_uow(), admin, "c1", YES_NO)
    options, errors = apply_option_edits(
        YES_NO.options, {"added_rows": [{"code": "dk", "label_zh": "不了解"}]}
    )
    assert errors == []

    design.save_scale(make_uow(), admin, "c1", ScaleSpec("yn", tuple(options)))

    found = spec(make_uow, admin).scale("yn")
    assert found is not None and [o.code for o in found.options] == ["y", "n", "dk"]
    assert found.options[-1].score is None
    assert [e.action for e in audits(make_uow)] == ["questionnaire.scale.add", "questionnaire.scale.edit"]


def test_a_scale_no_question_uses_is_deleted(make_uow: MakeUow, admin: CurrentUser) -> None:
    design.save_scale(make_uow(), admin, "c1", YES_NO)

    design.delete_scale(make_uow(), admin, "c1", "yn")

    assert spec(make_uow, admin).scale("yn") is None
    assert audits(make_uow)[-1].action == "questionnaire.scale.delete"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("status", [CampaignStatus.fieldwork, CampaignStatus.scoring, CampaignStatus.final])
def test_the_questionnaire_is_frozen_once_fieldwork_opens(
    make_uow: MakeUow, admin: CurrentUser, status: CampaignStatus
) -> None:
    set_status(make_uow, "c1", status)
    before = audit_count(make_uow)
    item = ItemSpec("survey", "q3", "sat3", "第三题")
    calls = [
        lambda: design.add_item(make_uow(), admin, "c1", item),
        lambda: design.update_item(make_uow(), admin, "c1", "survey", "q1", item),
        lambda: design.delete_item(make_uow(), admin, "c1", "survey", "q1"),
        lambda: design.move_item(make_uow(), admin, "c1", "survey", "q2", -1),
        lambda: design.save_items(make_uow(), admin, "c1", "survey", [item]),
        lambda: design.save_scale(make_uow(), admin, "c1", YES_NO),
        lambda: design.delete_scale(make_uow(), admin, "c1", "sat3"),
        lambda: design.import_questionnaire(make_uow(), admin, "c1", {}),
    ]
    for call in calls:
        with pytest.raises(design.QuestionnaireFrozen, match="frozen when fieldwork opens"):
            call()
    assert codes(make_uow, admin) == ["q1", "q2"] and audit_count(make_uow) == before


def test_only_admins_design_questionnaires(make_uow: MakeUow, admin: CurrentUser) -> None:
    supervisor = add_user(make_uow, "sup", Role.supervisor)
    with pytest.raises(PermissionDenied):
        design.add_item(make_uow(), supervisor, "c1", ItemSpec("survey", "q3", "sat3", "第三题"))
    with pytest.raises(PermissionDenied):
        design.load_design(make_uow(), None, "c1")
    with pytest.raises(PermissionDenied):
        design.preview(make_uow(), supervisor, "c1", "u1", "public", "zh")


@pytest.mark.parametrize(
    ("item", "where"),
    [
        (
            ItemSpec("survey", "q3", "sat3", "=HYPERLINK(1)"),
            ("survey q3", None, "text_zh", "import.defect.formula_like"),
        ),
        (
            ItemSpec("survey", "q3", "sat3", "题", weight=-1.0),
            ("survey q3", None, "weight", "qdesign.defect.below"),
        ),
        (
            ItemSpec("survey", "q3", "none", "题"),
            ("survey q3", None, "scale_id", "qdesign.defect.unknown_scale"),
        ),
        (ItemSpec("survey", "Ｑ1", "sat3", "题"), ("survey Ｑ1", None, "item_id", "qdesign.defect.alike")),
        (ItemSpec("survey", "q3 ", "sat3", "题"), ("survey q3 ", None, "item_id", "qdesign.defect.spaces")),
        (ItemSpec("survey", "q3", "sat3", ""), ("survey q3", None, "text_zh", "qdesign.defect.required")),
        (
            ItemSpec("survey", "q" * 65, "sat3", "题"),
            (f"survey {'q' * 65}", None, "item_id", "import.defect.other"),
        ),
        (
            ItemSpec("survey", "q3", "sat3", "题", respondent_groups=("deputy",)),
            ("survey q3", None, "respondent_groups", "qdesign.defect.unknown_group"),
        ),
        (
            ItemSpec("survey", "q3", "sat3", "题", unit_categories=("执法",)),
            ("survey q3", None, "unit_categories", "qdesign.defect.unknown_category"),
        ),
    ],
)
def test_a_bad_question_is_refused_by_the_bundle_rules_naming_the_field(
    make_uow: MakeUow, admin: CurrentUser, item: ItemSpec, where: tuple[str, None, str, str]
) -> None:
    before = audit_count(make_uow)
    with pytest.raises(QuestionnaireRejected) as exc:
        design.add_item(make_uow(), admin, "c1", item)
    assert where in rejected(exc)
    assert codes(make_uow, admin) == ["q1", "q2"] and audit_count(make_uow) == before


def test_a_question_code_taken_in_its_instrument_is_refused(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(Refused, match="has a survey question q1 already"):
        design.add_item(make_uow(), admin, "c1", ItemSpec("survey", "q1", "sat3", "题"))
    # the same code in the other instrument is another question
    design.add_item(make_uow(), admin, "c1", ItemSpec("phone", "q1", "sat3", "电话题"))
    assert codes(make_uow, admin, "phone") == ["q1"]


@pytest.mark.parametrize(
    ("options", "where"),
    [
        (
            (OptionSpec("a", "甲", score=100.0), OptionSpec("x", "不了解"), OptionSpec("y", "说不清")),
            ("yn y", None, "score", "qdesign.defect.dont_know_twice"),
        ),
        ((OptionSpec("x", "不了解"),), ("yn x", None, "score", "qdesign.defect.no_scored_option")),
        ((OptionSpec("a", "甲", score=101.0),), ("yn a", None, "score", "qdesign.defect.score_range")),
        ((OptionSpec("a", "+甲", score=1.0),), ("yn a", None, "label_zh", "import.defect.formula_like")),
        (
            (OptionSpec("a", "甲", score=1.0), OptionSpec("A", "乙", score=2.0)),
            ("yn A", None, "code", "qdesign.defect.alike"),
        ),
    ],
)
def test_a_bad_scale_is_refused(
    make_uow: MakeUow, admin: CurrentUser, options: tuple[OptionSpec, ...], where: tuple[str, None, str, str]
) -> None:
    with pytest.raises(QuestionnaireRejected) as exc:
        design.save_scale(make_uow(), admin, "c1", ScaleSpec("yn", options))
    assert where in rejected(exc)
    assert spec(make_uow, admin).scale("yn") is None


def test_the_built_in_scale_cannot_be_changed_or_deleted(make_uow: MakeUow, admin: CurrentUser) -> None:
    items_only = {"items.csv": "instrument,item_id,scale_id,text_zh\nsurvey,q1,sat3,题一\n".encode()}
    design.import_questionnaire(make_uow(), admin, "c1", items_only)
    assert spec(make_uow, admin).scale("sat3") == builtin_sat3()

    with pytest.raises(Refused, match="built in"):
        design.save_scale(make_uow(), admin, "c1", ScaleSpec("sat3", (OptionSpec("a", "甲", score=1.0),)))
    with pytest.raises(Refused, match="built in"):
        design.delete_scale(make_uow(), admin, "c1", "sat3")


def test_a_scale_in_use_is_not_deleted(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(Refused, match="used by q1, q2"):
        design.delete_scale(make_uow(), admin, "c1", "sat3")
    with pytest.raises(NotFound):
        design.delete_scale(make_uow(), admin, "c1", "nope")
    with pytest.raises(NotFound):
        design.delete_item(make_uow(), admin, "c1", "survey", "nope")


def test_answers_already_given_keep_their_question_and_options(make_uow: MakeUow, admin: CurrentUser) -> None:
    set_status(make_uow, "c1", CampaignStatus.fieldwork)
    submit_response(make_uow(), "c1", "u1", "public", {"q1": "s", "q2": "x"})
    set_status(make_uow, "c1", CampaignStatus.draft)  # returned to draft to fix a question

    with pytest.raises(design.AnswersExist, match="q1 has answers already"):
        design.delete_item(make_uow(), admin, "c1", "survey", "q1")
    design.save_scale(make_uow(), admin, "c1", YES_NO)
    with pytest.raises(design.AnswersExist, match="would no longer offer"):
        design.update_item(make_uow(), admin, "c1", "survey", "q1", ItemSpec("survey", "q1", "yn", "问题q1"))
    # changing the wording keeps the answers valid
    design.update_item(make_uow(), admin, "c1", "survey", "q1", ItemSpec("survey", "q1", "sat3", "新措辞"))


# ---------------------------------------------------------------- files


def test_export_writes_the_bundle_format(make_uow: MakeUow, admin: CurrentUser) -> None:
    design.add_item(
        make_uow(), admin, "c1", ItemSpec("survey", "q3", "sat3", "题, 三", unit_categories=("站所",))
    )

    files = design.export_questionnaire(make_uow(), admin, "c1")

    assert files["items.csv"].decode().splitlines() == [
        "instrument,item_id,scale_id,text_zh,text_en,weight,unit_categories,respondent_groups",
        "survey,q1,sat3,问题q1,,1,,",
        "survey,q2,sat3,问题q2,,1,,",
        'survey,q3,sat3,"题, 三",,1,站所,',
    ]
    assert files["scales.csv"].decode().splitlines()[:2] == [
        "scale_id,code,label_zh,label_en,score",
        "sat3,s,满意,,100",
    ]


def test_an_import_in_gbk_replaces_the_questionnaire(make_uow: MakeUow, admin: CurrentUser) -> None:
    items = (
        "instrument,item_id,scale_id,text_zh,weight,respondent_groups\n"
        "survey,a1,yn,窗口服务,2,client\n"
        "phone,p1,yn,电话,,\n"
    )
    scales = "scale_id,code,label_zh,score\nyn,y,是,100\nyn,n,否,0\n"

    design.import_questionnaire(
        make_uow(), admin, "c1", {"items.csv": items.encode("gbk"), "scales.csv": scales.encode("gbk")}
    )

    after = spec(make_uow, admin)
    assert [(i.instrument, i.code, i.weight, i.respondent_groups) for i in after.items] == [
        ("survey", "a1", 2.0, ("client",)),
        ("phone", "p1", 1.0, ()),
    ]
    assert after.scale("yn") is not None and after.scale("sat3") == builtin_sat3()
    assert audits(make_uow)[-1].action == "questionnaire.import"


def test_a_bad_import_names_every_defect_by_line_and_column_and_changes_nothing(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    before = design.export_questionnaire(make_uow(), admin, "c1")
    items = (
        "instrument,item_id,scale_id,text_zh,weight,unit_categories\n"
        "survey,a1,yn,=1+2,1,\n"
        "survey,a2,nope,题,-3,\n"
        "radio,a3,yn,题,1,\n"
        "survey,a4,yn,题,1,执法\n"
    )
    scales = "scale_id,code,label_zh,score\nyn,y,是,100\nyn,x,不了解,\nyn,z,说不清,\n"

    with pytest.raises(QuestionnaireRejected) as exc:
        design.import_questionnaire(
            make_uow(), admin, "c1", {"items.csv": items.encode(), "scales.csv": scales.encode()}
        )

    assert set(rejected(exc)) >= {
        ("items.csv", 2, "text_zh", "import.defect.formula_like"),
        ("items.csv", 3, "scale_id", "qdesign.defect.unknown_scale"),
        ("items.csv", 3, "weight", "qdesign.defect.below"),
        ("items.csv", 4, "instrument", "qdesign.defect.instrument"),
        ("items.csv", 5, "unit_categories", "qdesign.defect.unknown_category"),
        ("scales.csv", 4, "score", "qdesign.defect.dont_know_twice"),
    }
    assert design.export_questionnaire(make_uow(), admin, "c1") == before


def test_an_import_without_items_csv_is_refused(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(QuestionnaireRejected) as exc:
        design.import_questionnaire(make_uow(), admin, "c1", {"scales.csv": b"scale_id,code,label_zh\n"})
    assert rejected(exc) == [("items.csv", None, None, "qdesign.defect.no_items")]


TEXT = st.text(alphabet="窗口服务效率态度环境abcXYZ123（）、", min_size=1, max_size=12)
CODE = st.text(alphabet="abcdefgh0123456789_", min_size=1, max_size=8)


@st.composite
def questionnaires(draw: st.DrawFn) -> QuestionnaireSpec:
    scales = [builtin_sat3()]
    if draw(st.booleans()):
        scored = draw(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=4))
        options = [
            OptionSpec(f"o{k}", draw(TEXT), draw(st.sampled_from(["", "Yes"])), s)
            for k, s in enumerate(scored)
        ]
        if draw(st.booleans()):
            options.append(OptionSpec("dk", "不了解", "Don't know", None))
        scales.append(ScaleSpec("own", tuple(options)))
    items = []
    for instrument in ("survey", "phone"):
        for code in draw(st.lists(CODE, unique_by=str.casefold, max_size=4)):
            items.append(
                ItemSpec(
                    instrument,
                    code,
                    draw(st.sampled_from([s.code for s in scales])),
                    draw(TEXT),
                    draw(st.sampled_from(["", "How satisfied?"])),
                    draw(st.floats(0, 1000, allow_nan=False)),
                    tuple(draw(st.sets(st.sampled_from(["站所"])))),
                    tuple(sorted(draw(st.sets(st.sampled_from(["public", "client"]))))),
                )
            )
    order = draw(st.permutations(items))
    return QuestionnaireSpec(tuple(scales), tuple(order))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(questionnaire=questionnaires())
def test_export_then_import_is_the_identity(
    make_uow: MakeUow, admin: CurrentUser, questionnaire: QuestionnaireSpec
) -> None:
    design.save_questionnaire(make_uow(), admin, "c1", questionnaire)
    saved = spec(make_uow, admin)
    files = design.export_questionnaire(make_uow(), admin, "c1")

    design.import_questionnaire(make_uow(), admin, "c1", files)

    assert spec(make_uow, admin) == saved
    assert design.export_questionnaire(make_uow(), admin, "c1") == files
    assert [(i.instrument, i.code) for i in saved.items] == [
        (i.instrument, i.code) for i in questionnaire.items
    ]


def test_the_cli_folder_round_trip_reads_what_it_wrote(
    make_uow: MakeUow, admin: CurrentUser, tmp_path: Path
) -> None:
    from services.questionnaire_files import read_dir, write_dir

    write_dir(design.export_questionnaire(make_uow(), admin, "c1"), tmp_path / "q")
    with pytest.raises(FileExistsError):
        write_dir(design.export_questionnaire(make_uow(), admin, "c1"), tmp_path / "q")
    assert read_dir(tmp_path / "q") == design.export_questionnaire(make_uow(), admin, "c1")


# ---------------------------------------------------------------- overview and preview


def test_the_overview_lists_each_sets_questions_and_warns(make_uow: MakeUow, admin: CurrentUser) -> None:
    with make_uow() as uow:  # a register unit of another category, in no campaign yet
        uow.session.add(Unit(code="x1", name="执法大队", category="执法"))
        uow.commit()
    design.update_item(
        make_uow(),
        admin,
        "c1",
        "survey",
        "q1",
        ItemSpec("survey", "q1", "sat3", "题一", respondent_groups=("client",)),
    )
    design.update_item(
        make_uow(),
        admin,
        "c1",
        "survey",
        "q2",
        ItemSpec("survey", "q2", "sat3", "题二", unit_categories=("执法",)),
    )
    design.add_item(
        make_uow(), admin, "c1", ItemSpec("phone", "p1", "sat3", "电话题", unit_categories=("执法",))
    )
    with make_uow() as uow:  # a group dropped after the questionnaire named it
        uow.session.add(RespondentGroup(campaign_id=1, code="deputy", label_zh="代表"))
        uow.commit()
    design.update_item(
        make_uow(),
        admin,
        "c1",
        "survey",
        "q2",
        ItemSpec("survey", "q2", "sat3", "题二", unit_categories=("执法",), respondent_groups=("deputy",)),
    )
    with make_uow() as uow:
        group = uow.session.execute(
            select(RespondentGroup).where(RespondentGroup.code == "deputy")
        ).scalar_one()
        uow.session.delete(group)
        uow.commit()

    overview = design.questionnaire_overview(make_uow(), admin, "c1")

    assert overview.items("站所", "client") == ("q1",)
    assert overview.items("站所", "public") == ()
    assert overview.items("站所", "client", "phone") == ()
    keys = [(n.key, n.arguments) for n in overview.notices]
    assert ("qdesign.notice.empty_set", {"category": "站所", "group": "public"}) in keys
    assert (
        "qdesign.notice.unknown_category",
        {"instrument": "survey", "item": "q2", "category": "执法"},
    ) in keys
    assert ("qdesign.notice.unknown_group", {"instrument": "survey", "item": "q2", "group": "deputy"}) in keys
    assert ("qdesign.notice.no_phone_items", {"category": "站所"}) in keys


def test_the_preview_is_the_survey_pages_view_for_a_draft_and_writes_nothing(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    design.add_item(
        make_uow(),
        admin,
        "c1",
        ItemSpec("survey", "q3", "sat3", "代表题", "Deputies", respondent_groups=("client",)),
    )
    before = audit_count(make_uow)

    seen = design.preview(make_uow(), admin, "c1", "u2", "client", "en")

    with make_uow() as uow:
        from services.campaigns import load_campaign

        questionnaire = questionnaire_of(uow, load_campaign(uow, "c1"))
    assert seen.questions == question_views(items_for(questionnaire, "站所", "client"), "en")
    assert [q.code for q in seen.questions] == ["q1", "q2", "q3"] and seen.questions[2].text == "Deputies"
    assert [q.code for q in design.preview(make_uow(), admin, "c1", "u2", "public", "zh").questions] == [
        "q1",
        "q2",
    ]
    assert audit_count(make_uow) == before
    with make_uow() as uow:
        assert uow.session.execute(select(Item.code).where(Item.code == "q3")).scalar() == "q3"
    with pytest.raises(NotFound):
        design.preview(make_uow(), admin, "c1", "nope", "client", "zh")
    with pytest.raises(NotFound):
        design.preview(make_uow(), admin, "c1", "u1", "nope", "zh")


def test_a_blank_campaigns_first_question_uses_the_built_in_scale(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "c2", items=False)

    design.add_item(make_uow(), admin, "c2", ItemSpec("survey", "q1", "sat3", "总体满意度"))

    found = design.load_design(make_uow(), admin, "c2").spec
    assert found.scale("sat3") == builtin_sat3()
    assert [i.code for i in found.items] == ["q1"]
