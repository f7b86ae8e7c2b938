"""Card cases (红黄牌): issued from the published result, then plan → check → lifted, or
escalated; illegal steps are refused, every step is audited."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import AuditEntry, Campaign, CardCase, Role, Unit, UnitResult, User
from services import cards
from services.errors import Refused
from services.permissions import CurrentUser, PermissionDenied
from services.rectification import generate_items, ledger, update_item
from tests.db.kit import T0, Clock, MakeUow, add_user
from tests.db.publishing import publish, small_bundle

YELLOW = "U00001"  # yellow card: worst list only
VETOED = "U00013"  # red: worst list and veto
CONSECUTIVE = "U00028"  # red: unsatisfactory two years running


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_bundle(tmp_path_factory.mktemp("cards") / "bundle")


@pytest.fixture
def code(make_uow: MakeUow, bundle: Path) -> str:
    return publish(make_uow, bundle)


def admin(make_uow: MakeUow, name: str = "admin1") -> CurrentUser:
    with make_uow() as uow:
        user_id = uow.session.execute(select(User.id).where(User.username == name)).scalar_one()
    return CurrentUser(id=user_id, username=name, role=Role.admin)


def carded_units(make_uow: MakeUow) -> dict[str, str]:
    with make_uow() as uow:
        return dict(
            uow.session.execute(
                select(Unit.code, UnitResult.card)
                .join(Unit, Unit.id == UnitResult.unit_id)
                .where(UnitResult.card != "")
            ).all()
        )


def case_of(make_uow: MakeUow, code: str, unit: str) -> cards.CardView:
    return next(c for c in cards.list_cards(make_uow(), admin(make_uow), code) if c.unit_code == unit)


def add_previous_year_card(make_uow: MakeUow, code: str, unit: str) -> None:
    """A campaign of the previous year in the same series, in which ``unit`` had a card."""
    with make_uow() as uow:
        s = uow.session
        campaign = s.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        previous = Campaign(code="prev", series_id=campaign.series_id, year=campaign.year - 1, status="final")
        s.add(previous)
        s.flush()
        unit_id = s.execute(select(Unit.id).where(Unit.code == unit)).scalar_one()
        s.add(CardCase(campaign_id=previous.id, unit_id=unit_id, color="yellow", status="lifted"))
        uow.commit()


def test_cards_are_issued_from_the_publication_once(make_uow: MakeUow, code: str) -> None:
    report = cards.issue_cards(make_uow(), admin(make_uow), code, clock=Clock())

    assert sorted(report.created) == sorted(carded_units(make_uow)) and report.existing == ()
    views = {c.unit_code: c for c in cards.list_cards(make_uow(), admin(make_uow), code)}
    assert (views[YELLOW].color, views[YELLOW].status, views[YELLOW].reasons) == (
        "yellow",
        "issued",
        ("worst_list",),
    )
    assert (views[VETOED].color, views[VETOED].status) == ("red", "issued")
    assert views[VETOED].reasons == ("worst_list", "veto") and not views[VETOED].head_removal_recommended
    # two years running: red, escalated at once, the head's removal recommended
    assert (views[CONSECUTIVE].color, views[CONSECUTIVE].status) == ("red", "escalated")
    assert views[CONSECUTIVE].head_removal_recommended and "consecutive" in views[CONSECUTIVE].reasons
    assert [c.color for c in views.values()].count("red") == 2
    assert next(iter(views.values())).color == "red"  # red first

    again = cards.issue_cards(make_uow(), admin(make_uow), code)
    assert again.created == () and sorted(again.existing) == sorted(report.created)
    with make_uow() as uow:
        issued = uow.session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "card.issue")).all()
    assert issued == ["admin1"] * len(report.created)


def test_a_unit_carded_again_the_next_year_is_escalated(make_uow: MakeUow, code: str) -> None:
    add_previous_year_card(make_uow, code, YELLOW)
    cards.issue_cards(make_uow(), admin(make_uow), code)
    case = case_of(make_uow, code, YELLOW)
    assert (case.color, case.status, case.head_removal_recommended) == ("red", "escalated", True)
    assert case.reasons == ("worst_list", "carded_again")


def test_a_renamed_unit_carries_its_predecessors_card(make_uow: MakeUow, code: str) -> None:
    with make_uow() as uow:
        s = uow.session
        successor = s.execute(select(Unit).where(Unit.code == YELLOW)).scalar_one()
        s.add(Unit(code="OLD", name="旧单位", category="office", successor_id=successor.id))
        uow.commit()
    add_previous_year_card(make_uow, code, "OLD")
    cards.issue_cards(make_uow(), admin(make_uow), code)
    assert case_of(make_uow, code, YELLOW).status == "escalated"


def test_the_lifecycle_issued_plan_check_lifted(make_uow: MakeUow, code: str) -> None:
    cards.issue_cards(make_uow(), admin(make_uow), code)
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=YELLOW)
    stranger = add_user(make_uow, "liaison2", Role.liaison, unit_code=VETOED)
    card = case_of(make_uow, code, YELLOW).id

    with pytest.raises(Refused, match="is issued: lifting needs the follow-up check first"):
        cards.lift_card(make_uow(), admin(make_uow), card)
    with pytest.raises(Refused, match="needs the unit's rectification plan first"):
        cards.record_check(make_uow(), admin(make_uow), card, "检查")
    with pytest.raises(PermissionDenied, match="own unit"):
        cards.submit_plan(make_uow(), stranger, card, "别人的方案")
    with pytest.raises(PermissionDenied):
        cards.submit_plan(make_uow(), admin(make_uow), card, "管理员不代写方案")
    with pytest.raises(Refused, match="empty"):
        cards.submit_plan(make_uow(), liaison, card, " ")

    cards.submit_plan(make_uow(), liaison, card, "一、窗口增设导办员")
    cards.submit_plan(
        make_uow(), liaison, card, "一、窗口增设导办员；二、限时办结"
    )  # revised before the check
    with pytest.raises(PermissionDenied):
        cards.record_check(make_uow(), liaison, card, "自查")
    cards.record_check(
        make_uow(), admin(make_uow), card, "回头看：整改到位", clock=Clock(T0 + timedelta(days=30))
    )
    with pytest.raises(Refused, match="is check: a plan"):
        cards.submit_plan(make_uow(), liaison, card, "再改")
    cards.lift_card(make_uow(), admin(make_uow, "admin2"), card)

    case = case_of(make_uow, code, YELLOW)
    assert (case.status, case.plan, case.check_note) == (
        "lifted",
        "一、窗口增设导办员；二、限时办结",
        "回头看：整改到位",
    )
    with pytest.raises(Refused, match="only possible while the case is open"):
        cards.escalate_card(make_uow(), admin(make_uow), card, "升级")
    with make_uow() as uow:
        steps = uow.session.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.entity == "card_case", AuditEntry.entity_id == str(card))
            .order_by(AuditEntry.id)
        ).all()
    assert [tuple(s) for s in steps] == [
        ("admin1", "card.issue"),
        ("liaison1", "card.plan"),
        ("liaison1", "card.plan"),
        ("admin1", "card.check"),
        ("admin2", "card.lift"),
    ]


def test_escalation_makes_the_card_red_and_recommends_removal(make_uow: MakeUow, code: str) -> None:
    cards.issue_cards(make_uow(), admin(make_uow), code)
    card = case_of(make_uow, code, YELLOW).id
    with pytest.raises(Refused, match="reasons"):
        cards.escalate_card(make_uow(), admin(make_uow), card, "")
    cards.escalate_card(make_uow(), admin(make_uow), card, "拒不整改")
    case = case_of(make_uow, code, YELLOW)
    assert (case.color, case.status, case.head_removal_recommended, case.check_note) == (
        "red",
        "escalated",
        True,
        "拒不整改",
    )
    with pytest.raises(Refused, match="is escalated"):
        cards.record_check(make_uow(), admin(make_uow), card, "检查")


def test_a_card_is_lifted_only_when_its_ledger_items_are_done(make_uow: MakeUow, code: str) -> None:
    cards.issue_cards(make_uow(), admin(make_uow), code)
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=YELLOW)
    generate_items(make_uow(), admin(make_uow), code, date(2026, 6, 30), clock=Clock())
    card = case_of(make_uow, code, YELLOW).id
    cards.submit_plan(make_uow(), liaison, card, "方案")
    cards.record_check(make_uow(), admin(make_uow), card, "检查")
    items = [i for i in ledger(make_uow(), liaison, code) if i.card_id == card]
    assert items and case_of(make_uow, code, YELLOW).open_items == len(items)

    with pytest.raises(Refused, match=f"{len(items)} of its ledger item"):
        cards.lift_card(make_uow(), admin(make_uow), card)
    for item in items:
        update_item(make_uow(), liaison, item.id, status="done", progress_note="已整改")
    cards.lift_card(make_uow(), admin(make_uow), card)
    assert case_of(make_uow, code, YELLOW).status == "lifted"


def test_who_may_see_and_issue_cards(make_uow: MakeUow, code: str) -> None:
    liaison = add_user(make_uow, "liaison1", Role.liaison, unit_code=YELLOW)
    with pytest.raises(PermissionDenied, match="publish"):
        cards.issue_cards(make_uow(), liaison, code)
    cards.issue_cards(make_uow(), admin(make_uow), code)
    assert [c.unit_code for c in cards.list_cards(make_uow(), liaison, code)] == [YELLOW]
    with pytest.raises(PermissionDenied):
        cards.list_cards(make_uow(), add_user(make_uow, "caller1", Role.caller), code)


def test_cards_need_a_published_result(make_uow: MakeUow, code: str) -> None:
    add_previous_year_card(make_uow, code, YELLOW)
    with make_uow() as uow:
        uow.session.execute(select(Campaign).where(Campaign.code == "prev")).scalar_one().status = "review"
        uow.commit()
    with pytest.raises(Refused, match="cards follow a published result"):
        cards.issue_cards(make_uow(), admin(make_uow), "prev")
