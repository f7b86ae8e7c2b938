"""Item sets (题组) where answers are taken, on SQLite and PostgreSQL: the survey's
questionnaire per unit category and respondent group, the submission's refusal of a
question outside the set, the caller workstation's and the automatic call's questions
per case."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from db.crypto import generate_key
from db.models import CampaignStatus, CampaignUnit, Item, PhoneCase, SurveyResponse, Unit
from services import telephony
from services.errors import Refused
from services.fieldwork import case_sheet
from services.questionnaire import in_item_set, items_for, load_questionnaire
from services.responses import OutsideItemSet, submit_response
from survey.telephony import SimulatedTelephony
from tests.db.kit import MakeUow, seed_campaign
from tests.db.test_cati import add_caller, add_frame_case, dialled, fieldwork_campaign
from tests.db.test_telephony import answers, seed_fieldwork


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APPRAISAL_SECRET_KEY", generate_key())
    monkeypatch.setenv("TWILIO_FROM_NUMBER", "+862788880000")
    monkeypatch.setenv("APPRAISAL_WEBHOOK_BASE_URL", "https://pingyi.example.gov.cn")
    monkeypatch.delenv("APPRAISAL_TELEPHONY", raising=False)


def set_item_sets(make_uow: MakeUow, sets: dict[str, tuple[Sequence[str], Sequence[str]]]) -> None:
    """Give items (by code) their unit categories and respondent groups."""
    with make_uow() as uow:
        for item in uow.session.execute(select(Item)).scalars():
            if item.code in sets:
                item.unit_categories, item.respondent_groups = (list(x) for x in sets[item.code])
        uow.commit()


def set_category(make_uow: MakeUow, unit_code: str, category: str) -> None:
    with make_uow() as uow:
        unit_id = uow.session.execute(select(Unit.id).where(Unit.code == unit_code)).scalar_one()
        for row in uow.session.execute(select(CampaignUnit).where(CampaignUnit.unit_id == unit_id)).scalars():
            row.category = category
        uow.commit()


@pytest.fixture
def survey(make_uow: MakeUow) -> MakeUow:
    """c1 in fieldwork: u1 a grassroots station (站所), u2 law enforcement (执法); q1 for
    everyone, q2 only about 执法 units, q3 only for client (服务对象) respondents."""
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    with make_uow() as uow:
        scale_id = uow.session.execute(select(Item.scale_id)).scalars().first()
        uow.session.add(
            Item(
                campaign_id=1,
                instrument="survey",
                code="q3",
                scale_id=scale_id,
                text_zh="服务对象题",
                position=2,
            )
        )
        uow.commit()
    set_category(make_uow, "u2", "执法")
    set_item_sets(make_uow, {"q2": (["执法"], []), "q3": ([], ["client"])})
    return make_uow


def stored(make_uow: MakeUow) -> int:
    with make_uow() as uow:
        return len(uow.session.execute(select(SurveyResponse.id)).all())


# ---------------------------------------------------------------- the survey


def test_each_respondent_gets_the_questions_of_their_units_category_and_their_group(survey: MakeUow) -> None:
    q = load_questionnaire(survey(), "c1")

    assert [i.code for i in items_for(q, "站所", "public")] == ["q1"]
    assert [i.code for i in items_for(q, "站所", "client")] == ["q1", "q3"]
    assert [i.code for i in items_for(q, "执法", "public")] == ["q1", "q2"]
    assert [i.code for i in items_for(q, "执法", "client")] == ["q1", "q2", "q3"]
    assert q.group_first  # the questions depend on the group: it is asked first


def test_a_campaign_without_item_sets_asks_everyone_everything(make_uow: MakeUow) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    q = load_questionnaire(make_uow(), "c1")

    assert [i.code for i in items_for(q, "站所", "public")] == ["q1", "q2"] == [i.code for i in q.items]
    assert not q.group_first


def test_an_answer_to_a_question_outside_the_set_is_refused_and_nothing_is_stored(survey: MakeUow) -> None:
    with pytest.raises(OutsideItemSet, match="question 'q2' is not asked of respondent group 'public'"):
        submit_response(survey(), "c1", "u1", "public", {"q1": "s", "q2": "s"})
    with pytest.raises(OutsideItemSet, match="'q3'"):
        submit_response(survey(), "c1", "u2", "public", {"q1": "s", "q3": "s"})
    assert stored(survey) == 0


def test_answers_inside_the_set_are_stored(survey: MakeUow) -> None:
    submit_response(survey(), "c1", "u2", "client", {"q1": "s", "q2": "b", "q3": "u"})
    submit_response(survey(), "c1", "u1", "public", {"q1": "x"})
    assert stored(survey) == 2


@given(
    categories=st.lists(st.sampled_from(["站所", "执法", "窗口"]), unique=True, max_size=3),
    groups=st.lists(st.sampled_from(["public", "client", "deputy"]), unique=True, max_size=3),
    category=st.sampled_from(["站所", "执法", "窗口"]),
    group=st.sampled_from(["public", "client", "deputy", None]),
)
def test_an_item_set_asks_exactly_its_categories_and_groups(
    categories: list[str], groups: list[str], category: str, group: str | None
) -> None:
    asked = in_item_set(categories, groups, category, group)
    assert asked == (
        (not categories or category in categories) and (not groups or group is None or group in groups)
    )
    # an empty set is every category and group; adding the respondent's own never drops them
    assert in_item_set([], [], category, group)
    if asked:
        assert in_item_set([*categories, category], [*groups, *([group] if group else [])], category, group)


# ---------------------------------------------------------------- the phone


@pytest.fixture
def phone(make_uow: MakeUow):  # type: ignore[no-untyped-def]
    """Phone items p1 (all), p2 (执法 units only), p3 (deputies only); u1 is 站所; k1 was
    drawn without a group, k2 from the citizens' list."""
    fieldwork_campaign(make_uow)
    set_item_sets(make_uow, {"p2": (["执法"], []), "p3": ([], ["deputy"])})
    caller = add_caller(make_uow, "caller1")
    add_frame_case(make_uow, "k1", "u1", caller)
    add_frame_case(make_uow, "k2", "u1", caller)
    with make_uow() as uow:
        case = uow.session.execute(select(PhoneCase).where(PhoneCase.code == "k2")).scalar_one()
        case.respondent_group = "citizen"
        uow.commit()
    return caller


def test_the_workstation_asks_the_phone_questions_of_the_cases_set(make_uow: MakeUow, phone) -> None:  # type: ignore[no-untyped-def]
    # without a group only the unit's category chooses; a citizen is not asked the deputies' p3
    assert [q.code for q in case_sheet(make_uow(), phone, "c1", "k1").questions] == ["p1", "p3"]
    assert [q.code for q in case_sheet(make_uow(), phone, "c1", "k2").questions] == ["p1"]


def test_a_complete_interview_needs_the_sets_questions_only_and_refuses_others(
    make_uow: MakeUow, phone
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused, match="p2 is not asked about this case's unit"):
        dialled(make_uow, phone, "k2", "1.1", answers={"p1": "s", "p2": "s"})
    with pytest.raises(Refused, match="p3 is not asked"):
        dialled(make_uow, phone, "k2", "1.1", answers={"p1": "s", "p3": "s"})

    outcome = dialled(make_uow, phone, "k2", "1.1", answers={"p1": "s"})

    assert outcome.disposition == "1.1"


def test_a_campaign_without_item_sets_reads_every_phone_question(make_uow: MakeUow) -> None:
    fieldwork_campaign(make_uow)
    caller = add_caller(make_uow, "caller1")
    add_frame_case(make_uow, "k1", "u1", caller)
    assert [q.code for q in case_sheet(make_uow(), caller, "c1", "k1").questions] == ["p1", "p2", "p3"]


def test_the_automatic_call_asks_only_the_cases_set(make_uow: MakeUow) -> None:
    field = seed_fieldwork(make_uow)
    set_category(make_uow, "u1", "执法")
    set_item_sets(make_uow, {"p2": (["站所"], []), "p4": ([], ["deputy"])})
    with make_uow() as uow:  # k1 was drawn from the citizens' list: not asked the deputies' p4
        case = uow.session.execute(select(PhoneCase).where(PhoneCase.code == "k1")).scalar_one()
        case.respondent_group = "citizen"
        uow.commit()
    sim = SimulatedTelephony()

    sid = telephony.start_ivr_call(make_uow(), field.supervisor, "c1", "k1", telephony=sim)
    prompts = sim.play_ivr(lambda actor: make_uow(actor), sid, ["1", "2"])

    assert [p.question.item_code if p.question else None for p in prompts] == ["p1", "p3", None]
    assert answers(make_uow) == {"p1": "s", "p3": "b"}
    with make_uow() as uow:
        assert (
            uow.session.execute(select(PhoneCase.disposition).where(PhoneCase.code == "k1")).scalar() == "1.1"
        )
