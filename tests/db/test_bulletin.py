"""The fieldwork bulletin (services.bulletin, survey.bulletin): who sees it, the period,
the definition of a dissatisfied answer and the minimum number of answers.

Every test runs on SQLite and on PostgreSQL (tests/conftest.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Item,
    RespondentGroup,
    Role,
    SurveyAnswer,
    SurveyResponse,
    Unit,
)
from services.bulletin import bulletin_campaigns, fieldwork_bulletin, set_public_bulletin
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, PermissionDenied
from survey.bulletin import Tally, period_bounds, rank_units
from tests.db.kit import MakeUow, add_user, seed_campaign

WEEK = (date(2026, 3, 2), date(2026, 3, 8))


def add_responses(
    make_uow: MakeUow,
    unit_code: str,
    group: str,
    options: list[tuple[str, str]],
    day: str = "2026-03-03",
    status: str = "valid",
    campaign_code: str = "c1",
) -> None:
    """One response per (q1 option, q2 option) pair, stamped on ``day``."""
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == campaign_code)).scalar_one()
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit_code)).scalar_one()
        group_id = s.execute(
            select(RespondentGroup.id).where(
                RespondentGroup.campaign_id == campaign.id, RespondentGroup.code == group
            )
        ).scalar_one()
        items = dict(s.execute(select(Item.code, Item.id).where(Item.campaign_id == campaign.id)).all())
        start = s.execute(select(SurveyResponse.id).order_by(SurveyResponse.id.desc()).limit(1)).scalar() or 0
        for n, (q1, q2) in enumerate(options):
            s.add(
                SurveyResponse(
                    campaign_id=campaign.id,
                    code=f"{unit_code}-{group}-{day}-{status}-{start + n}",
                    unit_id=unit_id,
                    group_id=group_id,
                    submitted_at=f"{day}T10:00:00+08:00",
                    status=status,
                    attributes={},
                    answers=[
                        SurveyAnswer(item_id=items["q1"], option_code=q1),
                        SurveyAnswer(item_id=items["q2"], option_code=q2),
                    ],
                )
            )
        uow.commit()


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    seed_campaign(make_uow, status=CampaignStatus.fieldwork)
    return add_user(make_uow, "admin1", Role.admin)


def test_periods() -> None:
    assert period_bounds("week", date(2026, 3, 5)) == WEEK
    assert period_bounds("month", date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    with pytest.raises(ValueError):
        period_bounds("year", date(2026, 3, 5))


def test_ranking_counts_then_share_and_skips_tiny_units() -> None:
    tallies = [
        Tally("public", "a", "A", 40, 10),
        Tally("public", "b", "B", 20, 10),
        Tally("public", "c", "C", 5, 5),  # too few answers
        Tally("public", "d", "D", 30, 0),  # nobody unhappy
        Tally("client", "e", "E", 25, 3),
    ]
    ranked = rank_units(tallies, min_answers=20, top=10)
    assert [(r.rank, r.unit_code, r.share) for r in ranked["public"]] == [(1, "b", 0.5), (2, "a", 0.25)]
    assert [r.unit_code for r in ranked["client"]] == ["e"]
    assert [r.unit_code for r in rank_units(tallies, min_answers=1, top=1)["public"]] == ["b"]


def test_the_bulletin_counts_dissatisfied_answers_among_counted_responses_in_the_period(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    # u1: 13 scored answers, 4 dissatisfied (u); the don't-know (x) answer is not scored
    add_responses(
        make_uow,
        "u1",
        "public",
        [("u", "u"), ("u", "s"), ("u", "b"), ("s", "s"), ("b", "x"), ("s", "s"), ("s", "s")],
    )
    # u2: 10 answers, 6 dissatisfied
    add_responses(make_uow, "u2", "public", [("u", "u"), ("u", "u"), ("u", "u"), ("s", "s"), ("s", "s")])
    # not counted: quarantined, or outside the week
    add_responses(make_uow, "u3", "public", [("u", "u")] * 10, status="quarantined")
    add_responses(make_uow, "u3", "public", [("u", "u")] * 10, day="2026-03-09")
    add_responses(make_uow, "u3", "client", [("u", "s")] * 4)

    result = fieldwork_bulletin(make_uow(), admin, "c1", *WEEK, min_answers=10)
    public, client = result.groups
    assert (public.code, public.responses) == ("public", 12)
    assert [(r.unit_code, r.dissatisfied, r.scored) for r in public.rows] == [("u2", 6, 10), ("u1", 4, 13)]
    assert public.rows[0].share == pytest.approx(0.6)
    assert (client.responses, client.rows) == (4, [])  # 8 answers: below the minimum

    lower = fieldwork_bulletin(make_uow(), admin, "c1", *WEEK, min_answers=8)
    assert [(r.unit_code, r.dissatisfied) for r in lower.groups[1].rows] == [("u3", 4)]
    whole = fieldwork_bulletin(make_uow(), admin, "c1", date(2026, 3, 1), date(2026, 3, 31), min_answers=10)
    assert [r.unit_code for r in whole.groups[0].rows] == ["u3", "u2", "u1"]


def test_who_sees_which_bulletin(make_uow: MakeUow, admin: CurrentUser) -> None:
    seed_campaign(make_uow, "draft1")
    caller = add_user(make_uow, "caller1", Role.caller)
    assert [c.code for c in bulletin_campaigns(make_uow(), admin)] == ["c1"]  # drafts have none
    assert bulletin_campaigns(make_uow(), None) == []
    assert bulletin_campaigns(make_uow(), caller) == []
    with pytest.raises(NotFound):
        fieldwork_bulletin(make_uow(), None, "c1", *WEEK)

    with pytest.raises(PermissionDenied):
        set_public_bulletin(make_uow(), caller, "c1", True)
    assert set_public_bulletin(make_uow(), admin, "c1", True)
    assert not set_public_bulletin(make_uow(), admin, "c1", True)
    assert [(c.code, c.public) for c in bulletin_campaigns(make_uow(), None)] == [("c1", True)]
    assert fieldwork_bulletin(make_uow(), None, "c1", *WEEK).campaign_code == "c1"
    with make_uow() as uow:
        entries = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.before, AuditEntry.after).where(
                AuditEntry.action == "campaign.public_bulletin"
            )
        ).all()
    assert [tuple(e) for e in entries] == [("admin1", {"public_bulletin": False}, {"public_bulletin": True})]


def test_bad_periods_are_refused(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(Refused, match="before it starts"):
        fieldwork_bulletin(make_uow(), admin, "c1", date(2026, 3, 8), date(2026, 3, 2))
    with pytest.raises(Refused, match="at most"):
        fieldwork_bulletin(make_uow(), admin, "c1", date(2024, 1, 1), date(2026, 1, 1))
    with pytest.raises(Refused, match="at least 1"):
        fieldwork_bulletin(make_uow(), admin, "c1", *WEEK, min_answers=0)
