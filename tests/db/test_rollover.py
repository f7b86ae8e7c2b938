"""Next year in one step (services/design_rollover.py): a new campaign from last year's
follows its units through a rename and a merge, drops a unit retired without successor,
copies method, groups and questionnaire, derives the history, and lists what is left."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Campaign, CampaignUnit, HistoryEntry, Item, Role, Unit
from services import designer
from services.design_method import DesignRefused, GroupSetting, MarginShare
from services.design_rollover import follow, new_campaign_from
from services.errors import NotFound, Refused
from services.permissions import CurrentUser
from tests.db.kit import MakeUow, add_reorganisation, add_user, add_year_campaign, retire_units, set_status


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


@pytest.fixture
def last_year(make_uow: MakeUow, admin: CurrentUser) -> None:
    """2025 final with A, B, C, E; B in the worst list. Then A is renamed, B and C merge
    into D (B principal), E is retired without successor, F joins the register."""
    add_year_campaign(make_uow, "s-2025", 2025, ["A", "B", "C", "E"], worst=["B"])
    with make_uow() as uow:
        c = uow.session.execute(select(Campaign).where(Campaign.code == "s-2025")).scalar_one()
        c.status = "draft"
        uow.commit()
    design = replace(
        designer.load_design(make_uow(), admin, "s-2025"),
        groups=(GroupSetting("citizen", "群众", "", 0.6), GroupSetting("deputy", "代表", "", 0.4)),
        margins=(MarginShare("sex", "m", 0.5), MarginShare("sex", "f", 0.5)),
        top_n=3,
        fieldwork_opens=date(2025, 5, 1),
        fieldwork_closes=date(2025, 6, 30),
    )
    designer.update_design(make_uow(), admin, "s-2025", design)
    set_status(make_uow, "s-2025", "final")
    add_reorganisation(make_uow, "rename", date(2026, 1, 1), [("A", "A")])
    with make_uow() as uow:
        uow.session.execute(select(Unit).where(Unit.code == "A")).scalar_one().name = "新名称A"
        uow.commit()
    add_reorganisation(make_uow, "merge", date(2026, 2, 1), [("B", "D", True), ("C", "D", False)])
    retire_units(make_uow, ["B", "C", "E"])
    add_year_campaign(make_uow, "other", 2024, ["F"], series="t")  # F: a register unit, same category


def test_units_follow_the_rename_and_the_merge_and_the_retired_one_is_dropped(
    make_uow: MakeUow, admin: CurrentUser, last_year: None
) -> None:
    result = new_campaign_from(make_uow(), admin, "s-2025", code="s-2026", name="2026年度", year=2026)

    assert result.units == ("A", "D")
    assert dict(result.mapped) == {"A": ("A",), "B": ("D",), "C": ("D",)}
    assert result.dropped == (("E", "单位E（2025）"),)
    assert [c for c, _, _ in result.not_taken] == ["F"]
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == "s-2026")).scalar_one()
        rows = uow.session.execute(
            select(Unit.code, CampaignUnit.name)
            .join(Unit, Unit.id == CampaignUnit.unit_id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position)
        ).all()
        assert [tuple(r) for r in rows] == [("A", "新名称A"), ("D", "单位D")]
        assert (
            campaign.series_id
            == uow.session.execute(select(Campaign.series_id).where(Campaign.code == "s-2025")).scalar_one()
        )
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "campaign.rollover")
        ).scalar_one()
        assert entry.after["from"] == "s-2025" and entry.after["dropped"] == ["E"]


def test_the_method_groups_and_questionnaire_come_along_but_not_the_dates(
    make_uow: MakeUow, admin: CurrentUser, last_year: None
) -> None:
    new_campaign_from(make_uow(), admin, "s-2025", code="s-2026", name="2026年度", year=2026)

    before = designer.load_design(make_uow(), admin, "s-2025")
    after = designer.load_design(make_uow(), admin, "s-2026")
    assert after == replace(before, fieldwork_opens=None, fieldwork_closes=None)
    with make_uow() as uow:
        assert uow.session.execute(select(Item)).all() == []  # the kit's campaign had none


def test_the_merged_unit_takes_its_principal_predecessors_past(
    make_uow: MakeUow, admin: CurrentUser, last_year: None
) -> None:
    result = new_campaign_from(make_uow(), admin, "s-2025", code="s-2026", name="2026年度", year=2026)

    with make_uow() as uow:
        rows = uow.session.execute(
            select(Unit.code, HistoryEntry.year, HistoryEntry.unsatisfactory, HistoryEntry.source_unit_code)
            .join(Unit, Unit.id == HistoryEntry.unit_id)
            .join(Campaign, Campaign.id == HistoryEntry.campaign_id)
            .where(Campaign.code == "s-2026")
            .order_by(Unit.code)
        ).all()
    assert [tuple(r) for r in rows] == [("A", 2025, False, "A"), ("D", 2025, True, "B")]
    assert result.history_entries == 2


def test_the_to_do_list_names_dates_margins_frames_indicators_and_the_units_left_out(
    make_uow: MakeUow, admin: CurrentUser, last_year: None
) -> None:
    result = new_campaign_from(make_uow(), admin, "s-2025", code="s-2026", name="2026年度", year=2026)

    assert [todo.key for todo in result.todo] == [
        "designer.todo.dates",
        "designer.todo.margins_check",
        "designer.todo.frames",
        "designer.todo.indicators",
        "designer.todo.not_taken",
        "designer.todo.dropped",
        "designer.todo.history_check",
    ]
    assert result.todo[1].arguments == {"variables": "sex"}
    assert result.todo[5].arguments == {"n": 1, "codes": "E"}


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"year": 2025}, Refused, "must be for a later year"),
        ({"code": "s-2025"}, DesignRefused, "is taken"),
        ({"name": "=1+1"}, DesignRefused, "formula"),
    ],
)
def test_a_rollover_is_refused_for_an_earlier_year_a_taken_code_or_a_bad_name(
    make_uow: MakeUow, admin: CurrentUser, last_year: None, kw: dict[str, object], error: type, match: str
) -> None:
    args: dict[str, object] = {"code": "s-2026", "name": "2026年度", "year": 2026, **kw}

    with pytest.raises(error, match=match):
        new_campaign_from(make_uow(), admin, "s-2025", **args)  # type: ignore[arg-type]
    with make_uow() as uow:
        assert uow.session.execute(select(Campaign).where(Campaign.year == 2026)).first() is None


def test_a_rollover_from_an_unknown_campaign_is_reported(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(NotFound):
        new_campaign_from(make_uow(), admin, "nope", code="x", name="x", year=2026)


def test_following_a_split_gives_every_part_and_a_cycle_ends() -> None:
    successors = {1: [2, 3], 2: [4], 4: [2]}

    assert follow(1, successors, active={3, 4}) == [4, 3]
    assert follow(5, successors, active=set()) == []
