"""The public questionnaire (services.questionnaire) and the extra parts of an answer sheet:
comment, problem types, respondent variables, answering time, device and network hashes."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from db.models import Campaign, CampaignStatus, District, SurveyResponse, Unit
from services.errors import Refused
from services.questionnaire import (
    CampaignNotOpen,
    UnitView,
    find_units,
    load_questionnaire,
    open_campaigns,
)
from services.responses import submit_response
from tests.db.kit import MakeUow, seed_campaign, set_status

ANSWERS = {"q1": "s", "q2": "x"}
MARGINS = """
[weighting.margins.age_band]
"18-29" = 0.3
"30-59" = 0.5
"60+" = 0.2
"""


def test_only_campaigns_in_fieldwork_are_open(make_uow: MakeUow) -> None:
    seed_campaign(make_uow, "c1", status=CampaignStatus.fieldwork)
    seed_campaign(make_uow, "c2", status=CampaignStatus.draft)
    seed_campaign(make_uow, "c3", status=CampaignStatus.review)

    assert [c.code for c in open_campaigns(make_uow())] == ["c1"]
    with pytest.raises(CampaignNotOpen, match="c3 is not taking answers"):
        load_questionnaire(make_uow(), "c3")


def test_the_questionnaire_comes_from_the_database(make_uow: MakeUow) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    with make_uow() as uow:
        district = District(name="江北区")
        uow.session.add(district)
        uow.session.flush()
        uow.session.execute(select(Unit).where(Unit.code == "u2")).scalar_one().district_id = district.id
        uow.session.execute(select(Campaign)).scalar_one().method_toml = MARGINS
        uow.commit()

    q = load_questionnaire(make_uow(), "c1")

    assert [i.code for i in q.items] == ["q1", "q2"]
    assert [(o.code, o.dont_know) for o in q.items[0].options] == [
        ("s", False),
        ("b", False),
        ("u", False),
        ("x", True),
    ]
    assert q.items[0].text("en") == "问题q1"  # no English text: the Chinese one
    assert [g.code for g in q.groups] == ["public", "client"]
    assert [u.code for u in q.units] == ["u1", "u2", "u3"]
    assert q.unit("u2") == UnitView("u2", "单位u2", "站所", "江北区")
    assert q.age_bands == ("18-29", "30-59", "60+")  # the campaign's raking margins
    assert q.sexes == ("male", "female")  # no margin: the default categories
    assert q.districts == ("江北区",)


UNITS = [
    UnitView("a1", "江北区行政审批局", "office", "江北区"),
    UnitView("a2", "江南区行政审批局", "office", "江南区"),
    UnitView("g1", "江北派出所", "grassroots", "江北区"),
]


@pytest.mark.parametrize(
    ("text", "district", "category", "expected"),
    [
        ("", "", "", ["a1", "a2", "g1"]),
        ("审批", "", "", ["a1", "a2"]),
        ("江北 审批", "", "", ["a1"]),
        ("", "江北区", "", ["a1", "g1"]),
        ("", "", "grassroots", ["g1"]),
        ("G1", "", "", ["g1"]),  # by code, case-insensitive
        ("派出所", "江南区", "", []),
    ],
)
def test_units_are_found_by_name_district_and_category(
    text: str, district: str, category: str, expected: list[str]
) -> None:
    assert [u.code for u in find_units(UNITS, text, district=district, category=category)] == expected


def test_comment_problem_types_and_quality_inputs_are_stored(make_uow: MakeUow) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)

    submit_response(
        make_uow(),
        "c1",
        "u1",
        "public",
        ANSWERS,
        attributes={"age_band": "60+", "sex": "", "district": "江北区"},
        comment="  材料不全也不一次性告知  ",
        problem_types=["inaction", "cold_hard_shirking", "inaction"],
        duration_seconds=83.456,
        device_hash="d" * 64,
        network_hash="n" * 64,
    )

    with make_uow() as uow:
        r = uow.session.execute(select(SurveyResponse)).scalar_one()
        assert r.attributes == {"age_band": "60+", "district": "江北区"}  # a skipped one is left out
        assert r.comment == "材料不全也不一次性告知"
        assert r.problem_types == ["cold_hard_shirking", "inaction"]
        assert r.duration_seconds == pytest.approx(83.5)
        assert (r.device_hash, r.network_hash) == ("d" * 64, "n" * 64)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"problem_types": ["rude"]}, "unknown problem type 'rude'"),
        ({"comment": "差" * 501}, "at most 500"),
        ({"attributes": {"income": "high"}}, "unknown respondent attribute 'income'"),
        ({"attributes": {"sex": "x" * 65}}, "longer than 64"),
        ({"duration_seconds": -1.0}, "not a duration"),
        ({"duration_seconds": math.nan}, "not a duration"),
    ],
)
def test_bad_extras_are_refused_and_nothing_is_stored(
    make_uow: MakeUow, extra: dict[str, object], message: str
) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)

    with pytest.raises(Refused, match=message):
        submit_response(make_uow(), "c1", "u1", "public", ANSWERS, **extra)  # type: ignore[arg-type]

    with make_uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(SurveyResponse)).scalar_one() == 0


def test_closing_the_campaign_closes_the_questionnaire(make_uow: MakeUow) -> None:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    assert load_questionnaire(make_uow(), "c1").campaign.code == "c1"

    set_status(make_uow, "c1", CampaignStatus.scoring)

    assert open_campaigns(make_uow()) == []
    with pytest.raises(CampaignNotOpen):
        load_questionnaire(make_uow(), "c1")
